"""Exports of a filing: JSON (the model) and CSV (one row per indicator, for Excel and pandas)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from . import layout
from .errors import OutputFileError
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


DETAIL_TABLE = layout.DETAIL_SHEET
SUMMARY_TABLE = layout.SUMMARY_SHEET
DETAIL_COLUMNS = ("部门", "项目名称", "序号", "一级目标", "二级目标", "三级目标", "指标目标值",
                  "目标值类型", "比较符号", "目标数值", "计量单位")
SUMMARY_COLUMNS = ("序号", "部门", "项目名称", "项目类别", "绩效类型", "项目总预算（元）", "当年预算（元）",
                   "上年预算额（元）", "上年执行数（元）", "较上年变化", "指标数")


def detail_rows(filing: Filing, departments: list[str | None]) -> Iterator[tuple]:
    """指标明细: every indicator of every project, one row each (the merged sheet and the export)."""
    for project, department in zip(filing.projects, departments):
        for index, indicator in enumerate(project.indicators, start=1):
            target = indicator.target
            yield (department, project.name, index, indicator.level1, indicator.level2, indicator.level3,
                   target.raw if target else None, target.kind if target else None,
                   target.op if target else None, target.value if target else None,
                   target.unit if target else None)


def summary_rows(filing: Filing, departments: list[str | None]) -> Iterator[tuple]:
    """汇总表 as values: one row per project, the change against last year as a fraction."""
    for number, (project, department) in enumerate(zip(filing.projects, departments), start=1):
        budget = project.budget
        amounts = [value if isinstance(value, Decimal) else None for value in
                   (budget.total, budget.current_year, budget.prior_year_budget, budget.prior_year_executed)]
        change = (amounts[1] - amounts[2]) / amounts[2] if amounts[1] is not None and amounts[2] else None
        yield (number, department, project.name, project.category, project.performance_type, *amounts, change,
               len(project.indicators))


def export_table(filing: Filing, departments: list[str | None], table: str, path: str | Path, fmt: str, *,
                 inputs: tuple[str | Path, ...] = ()) -> Path:
    """One analyst table (汇总表 or 指标明细) as CSV (UTF-8 with BOM) or Parquet, through pandas."""
    import pandas as pd

    columns, rows = ((SUMMARY_COLUMNS, summary_rows) if table == SUMMARY_TABLE else (DETAIL_COLUMNS, detail_rows))
    frame = pd.DataFrame([[_csv_cell(v) if fmt == "csv" else v for v in row] for row in rows(filing, departments)],
                         columns=list(columns))
    with atomic_output(path, inputs=inputs) as temp:
        if fmt == "parquet":
            try:
                _typed(frame).to_parquet(temp, index=False)
            except ImportError:
                raise OutputFileError("导出 Parquet 需要 pyarrow，请运行 pip install \"xlgoals[parquet]\" 后再试。",
                                      path) from None
        else:
            frame.to_csv(temp, index=False, encoding="utf-8-sig")
    return Path(path)


_NUMERIC = ("项目总预算（元）", "当年预算（元）", "上年预算额（元）", "上年执行数（元）", "较上年变化", "目标数值")
_COUNTS = ("序号", "指标数")


def _typed(frame):
    """Column types for Parquet: amounts as nullable floats, counts as integers, the rest as text."""
    import pandas as pd

    for column in frame.columns:
        if column in _NUMERIC:
            frame[column] = pd.array([None if v is None else float(v) for v in frame[column]], dtype="Float64")
        elif column in _COUNTS:
            frame[column] = frame[column].astype("Int64")
        else:
            frame[column] = frame[column].astype("string")
    return frame


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
