"""Exports of a filing: JSON (the model) and CSV (one row per indicator, for Excel and pandas)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from . import layout
from .fileio import atomic_output
from .frameworks import load_framework
from .model import Filing, Project, value_at

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def filing_to_json(filing: Filing) -> str:
    """The model as JSON, with DOMAIN.md's field names; ``Filing.model_validate_json`` reads it back."""
    return filing.model_dump_json(indent=2) + "\n"


def csv_header(filing: Filing) -> list[str]:
    labels = load_framework(filing.framework).labels
    project = [spot.label for spot in layout.HEADER_SPOTS] + [spot.label for spot in layout.LONG_TEXT_SPOTS]
    return (["预算年度", *project, *(spot.label for spot in layout.BUDGET_SPOTS), "指标序号",
             labels.level1, labels.level2, labels.level3, labels.target,
             "目标值类型", "比较符号", "目标数值", "计量单位"])


def csv_rows(filing: Filing) -> Iterator[list[object]]:
    """One row per indicator (a project without indicators still gets one row)."""
    for project in filing.projects:
        fixed = [project.year, *(_field(project, spot.path) for spot in layout.HEADER_SPOTS),
                 *(_field(project, spot.path) for spot in layout.LONG_TEXT_SPOTS),
                 *(_field(project, spot.path) for spot in layout.BUDGET_SPOTS)]
        if not project.indicators:
            yield fixed + [None] * 9
        for index, indicator in enumerate(project.indicators, start=1):
            target = indicator.target
            yield fixed + [index, indicator.level1, indicator.level2, indicator.level3,
                           target.raw if target else None, target.kind if target else None,
                           target.op if target else None, target.value if target else None,
                           target.unit if target else None]


def filing_to_csv(filing: Filing) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_header(filing))
    for row in csv_rows(filing):
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue()


def export_filing(filing: Filing, path: str | Path, fmt: str, *, inputs: tuple[str | Path, ...] = ()) -> Path:
    """Write the JSON or CSV export atomically (CSV as UTF-8 with BOM, so Excel reads the Chinese)."""
    text = filing_to_json(filing) if fmt == "json" else filing_to_csv(filing)
    encoding = "utf-8" if fmt == "json" else "utf-8-sig"
    with atomic_output(path, inputs=inputs) as temp:
        temp.write_text(text, encoding=encoding, newline="")
    return Path(path)


def _field(project: Project, path: str) -> object:
    value = value_at(project, path)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _csv_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
