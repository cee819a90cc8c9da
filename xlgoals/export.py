"""Exports of a filing: JSON (the model) and CSV (one row per indicator, for Excel and pandas)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from . import layout
from .errors import OutputFileError
from .outputs import atomic_output
from .layout import HORIZON_LABELS
from .model import Filing, Project, value_at
from .values import amount_text

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def filing_to_json(filing: Filing) -> str:
    """The model as JSON, with DOMAIN.md's field names; ``Filing.model_validate_json`` reads it back."""
    return filing.model_dump_json(indent=2) + "\n"


def _indicator_headers(filing: Filing) -> list[str]:
    """The indicator columns of the CSV and 指标明细, as the filing's form and framework name them."""
    form, labels = filing.resolved_form(), filing.resolved_framework().labels
    headers = ["指标周期"] if len(form.tables) > 1 else []
    headers += [labels.level1, labels.level2, labels.level3, labels.target, "目标值类型", "比较符号", "目标数值", "计量单位"]
    return headers + [column.label or "权重" for column in form.indicator_columns if column.field == "weight"] + \
        [column.label or "指标解释" for column in form.indicator_columns if column.field == "standard"]


def _indicator_values(filing: Filing, indicator) -> list[object]:
    form = filing.resolved_form()
    target = indicator.target
    values = [HORIZON_LABELS[indicator.horizon]] if len(form.tables) > 1 else []
    values += [indicator.level1, indicator.level2, indicator.level3, target.raw if target else None,
               TARGET_KINDS.get(target.kind, target.kind) if target else None, target.op if target else None,
               target.value if target else None, target.unit if target else None]
    return values + [indicator.weight for column in form.indicator_columns if column.field == "weight"] + \
        [indicator.standard for column in form.indicator_columns if column.field == "standard"]


def _field_header(form, spot) -> str:
    return f"{spot.title}（{form.money_unit}）" if spot.kind == "amount" and "（" not in spot.title else spot.title


def csv_header(filing: Filing) -> list[str]:
    """预算年度, the form's fields as it names them (amounts with their unit), then the indicator columns."""
    form = filing.resolved_form()
    fields = [_field_header(form, spot) for spot in form.spots]
    return ["预算年度", *fields, "指标序号", *_indicator_headers(filing)]


def csv_rows(filing: Filing) -> Iterator[list[object]]:
    """One row per indicator (a project without indicators still gets one row); amounts in the form's unit."""
    form = filing.resolved_form()
    width = len(_indicator_headers(filing)) + 1
    for project in filing.projects:
        fixed = [project.year, *(_field(form, project, spot) for spot in form.spots)]
        if not project.indicators:
            yield fixed + [None] * width
        for index, indicator in enumerate(project.indicators, start=1):
            yield fixed + [index, *_indicator_values(filing, indicator)]


DETAIL_TABLE = layout.DETAIL_SHEET
SUMMARY_TABLE = layout.SUMMARY_SHEET
TARGET_KINDS = {"quantitative": "定量", "qualitative": "定性", "time": "时间", "unparsed": "无法识别"}


def detail_columns(filing: Filing) -> tuple[str, ...]:
    return ("部门", "项目名称", "序号", *_indicator_headers(filing))


def detail_rows(filing: Filing, departments: list[str | None]) -> Iterator[tuple]:
    """指标明细: every indicator of every project, one row each (the merged sheet and the export)."""
    for project, department in zip(filing.projects, departments):
        for index, indicator in enumerate(project.indicators, start=1):
            yield (department, project.name, index, *_indicator_values(filing, indicator))


SOURCE_FILE_HEADER = "来源文件"


@dataclass(frozen=True)
class SummaryColumn:
    """A column of 汇总表: the sheet draws it (amounts as formulas into the project sheets), the export
    writes its values."""

    header: str
    width: float
    kind: str  # number | text | link | amount | change | count
    path: str | None = None


def summary_columns(form) -> list[SummaryColumn]:
    """汇总表's columns for a form: who and what, the form's choices, its amounts in its unit, counts,
    and last the source file (shown on screen, not printed: the page keeps one row per line at 9 pt)."""
    amount_width = 13 if form.money_unit == "元" else 12
    columns = [SummaryColumn("序号", 4, "number"), SummaryColumn(layout.SUMMARY_DEPARTMENT_HEADER, 12, "text"),
               SummaryColumn(layout.SUMMARY_NAME_HEADER, 24, "link", "name")]
    columns += [SummaryColumn(spot.label, 16 if spot.path == "category" else 10, "text", spot.path)
                for spot in form.input_spots if spot.kind == "choice"]
    columns += [SummaryColumn(_field_header(form, spot), amount_width, "amount", spot.path)
                for spot in form.spots if spot.kind == "amount"]
    if form.has("budget.prior_year_budget") and form.has("budget.current_year"):
        columns.append(SummaryColumn("较上年变化", 8, "change"))
    return columns + [SummaryColumn("指标数", 5, "count"), SummaryColumn(SOURCE_FILE_HEADER, 22, "text")]


def summary_rows(filing: Filing, departments: list[str | None]) -> Iterator[tuple]:
    """汇总表 as values: one row per project, amounts in the form's unit, the change as a fraction."""
    form = filing.resolved_form()
    columns = summary_columns(form)
    for number, (project, department) in enumerate(zip(filing.projects, departments), start=1):
        yield tuple(summary_value(form, column, project, number, department) for column in columns)


def summary_value(form, column: SummaryColumn, project: Project, number: int, department: str | None) -> object:
    """One 汇总表 cell's value (for the sheet, the cached result of its formula)."""
    if column.kind == "number":
        return number
    if column.header == layout.SUMMARY_DEPARTMENT_HEADER:
        return department
    if column.header == SOURCE_FILE_HEADER:
        return Path(project.source.file).name if project.source is not None and project.source.file else None
    if column.kind == "amount":
        value = value_at(project, column.path)
        return form.to_cell_amount(value) if isinstance(value, Decimal) else None
    if column.kind == "change":
        current, prior = project.budget.current_year, project.budget.prior_year_budget
        if isinstance(current, Decimal) and isinstance(prior, Decimal) and prior > 0:
            return (current - prior) / prior
        return None
    if column.kind == "count":
        return len(project.indicators)
    return _plain(value_at(project, column.path))


def export_table(filing: Filing, departments: list[str | None], table: str, path: str | Path, fmt: str, *,
                 inputs: tuple[str | Path, ...] = ()) -> Path:
    """One analyst table (汇总表 or 指标明细) as CSV (UTF-8 with BOM) or Parquet, through pandas."""
    import pandas as pd

    if table == SUMMARY_TABLE:
        columns, rows = tuple(column.header for column in summary_columns(filing.resolved_form())), summary_rows
    else:
        columns, rows = detail_columns(filing), detail_rows
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


_COUNTS = ("序号", "指标数")


def _typed(frame):
    """Column types for Parquet: amounts as nullable floats, counts as integers, the rest as text."""
    import pandas as pd

    for column in frame.columns:
        if column.endswith(("（元）", "（万元）")) or column in ("较上年变化", "目标数值", "权重"):
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


def _field(form, project: Project, spot) -> object:
    value = value_at(project, spot.path)
    if spot.kind == "amount":
        return form.to_cell_amount(value)
    return _plain(value)


def _plain(value: object) -> object:
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _csv_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return amount_text(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
