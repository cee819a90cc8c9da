"""Helpers both benchmark scripts use: amounts in the seed's written form, and profile locations."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def amount(text: str | None) -> Decimal | None:
    if text in (None, ""):
        return None
    return Decimal(str(text).replace(",", ""))


def yuan(value: Decimal) -> str:
    return f"{value.quantize(Decimal(1)):,}"


def where(filename: str, line: int, name: str) -> str:
    if filename == "~":  # a built-in
        return name
    path = Path(filename)
    if path.is_relative_to(ROOT):
        filename = str(path.relative_to(ROOT))
    if "site-packages/" in filename:
        filename = filename.split("site-packages/", 1)[1]
    elif filename.startswith(sys.base_prefix):
        filename = "stdlib/" + Path(filename).name
    return f"{filename}:{line}({name})"


def calamine_read(path: Path) -> None:
    """Every sheet's cell values of one workbook with python-calamine only: the reading floor."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    try:
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    finally:
        book.close()
