"""Render the README's pictures with LibreOffice: a project sheet marked by 校验, and 校验结果.

Run from the repository root (needs LibreOffice and poppler-utils, as the tests do)::

    .venv/bin/python docs/make_pictures.py

It imports the example filing, marks it the way the 校验 button and ``xlgoals validate
--annotate`` do (the same marks), prints the workbook to PDF with LibreOffice and renders the
marked project sheet's first page and 校验结果's to ``docs/images/`` (notes do not print; the fills do).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import libreoffice  # noqa: E402
from xlgoals import Filing, validate, write_filing  # noqa: E402
from xlgoals.workbook.annotate import annotate_workbook  # noqa: E402

OUT = ROOT / "docs" / "images"
MARKED_SHEET = "市劳模低收入生活困难补助金"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    filing = Filing.model_validate_json((ROOT / "examples" / "shanghai-2020.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        source = write_filing(filing, directory / "example.xlsx")
        annotated = annotate_workbook(source, validate(source), directory / "校验标注.xlsx")
        pdf = libreoffice.convert(annotated, "pdf", directory)
        pages = _pages_of(pdf)
        for name, page in (("校验标注-项目表.png", pages[MARKED_SHEET]), ("校验结果.png", pages["校验结果"])):
            rendered = libreoffice.render_png(pdf, directory / "page", first=page, last=page, dpi=90)[0]
            (OUT / name).write_bytes(rendered.read_bytes())
            print(OUT / name)


def _pages_of(pdf: Path) -> dict[str, int]:
    """The first page of each sheet, from the sheet name LibreOffice prints in each page's footer."""
    import subprocess

    first: dict[str, int] = {}
    count = len(libreoffice.pdf_pages(pdf))
    for page in range(1, count + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        for sheet in (MARKED_SHEET, "校验结果"):
            if sheet not in first and (re.search(rf"{sheet}\s+第 \d+ 页", text) or (sheet == "校验结果" and "规则代码" in text)):
                first[sheet] = page
    return first


if __name__ == "__main__":
    main()
