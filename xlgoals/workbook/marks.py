"""What a finding looks like on a workbook: the mark on its cell and its row on the 校验结果 sheet.

Declared once here; the writer (XlsxWriter), the annotator (openpyxl, on a user's own workbook)
and the Excel add-in (xlwings) each only draw it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .. import layout
from ..layout import Form, TablePlace
from ..rules.registry import SEVERITY_LABELS
from ..rules.report import Finding, value_text
from .styles import COLOURS, LINE_HEIGHT, MARK_FILLS, wrapped_lines

MARK_AUTHOR = "xlgoals"  # our notes carry this author, so a later run can tell them from the user's
# 校验结果: the summary line, a legend of the fills (column B as the table's 级别 shows them), then
# the findings under their headers.
LEGEND = ((MARK_FILLS["error"], SEVERITY_LABELS["error"], "错误：必须修改后再报送"),
          (MARK_FILLS["warning"], SEVERITY_LABELS["warning"], "提示：请核实，确有理由的可以保留"),
          (COLOURS["input"], "可填写", "浅黄色的单元格是可以填写的地方"))
REPORT_LEGEND_ROW = 2
REPORT_HEADER_ROW = REPORT_LEGEND_ROW + len(LEGEND)
REPORT_COLUMNS = (("序号", 5), ("级别", 7), ("工作表", 20), ("单元格", 7), ("说明", 44), ("填写内容", 18),
                  ("规则代码", 30))  # every rule code on one line
REPORT_FILE_COLUMN = ("来源文件", 16)  # only when the findings come from more than one file
REPORT_LINK_COLUMN = 4  # 单元格, 1-based
REPORT_SEVERITY_COLUMN = 2
_VALUE_CHARS = 40  # a long text is shown by its start; the link leads to the whole of it



@dataclass(frozen=True)
class Note:
    """A note the toolkit puts on a cell, and the fill that draws the eye to it (a colour or none)."""

    text: str
    fill: str | None = None


@dataclass(frozen=True)
class ReportRow:
    """One finding as a row of the 校验结果 sheet, with the cell its 单元格 column links to."""

    values: tuple
    severity: str
    target: tuple[str, str] | None
    height: float


def cell_marks(findings: Iterable[Finding], sheets: Container[str]) -> dict[tuple[str, str], Note]:
    """Per problem cell of the given sheets: one note with all its messages; errors' fill wins."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.sheet in sheets and finding.cell:
            by_cell[(finding.sheet, finding.cell)].append(finding)
    marks = {}
    for key, found in by_cell.items():
        worst = "error" if any(f.severity == "error" for f in found) else "warning"
        text = "\n".join(f"【{SEVERITY_LABELS[f.severity]}】{f.message}（{f.code}）" for f in found)
        marks[key] = Note(text, MARK_FILLS[worst])
    return marks


def is_mark_note(text: str | None) -> bool:
    """Whether a note is one of ours (Excel records its own user as a note's author, so the text tells)."""
    return bool(text) and text.startswith(tuple(f"【{label}】" for label in SEVERITY_LABELS.values()))


def template_fill(form: Form, sheet: str, ref: str, places: tuple[TablePlace, ...] | None = None) -> str | None:
    """The fill a cell has in the template, which a cleared mark gives back: inputs yellow, labels blue.

    ``places`` are the sheet's indicator tables (the form's default when not known).
    """
    spots = layout.COVER_SPOTS if sheet == layout.COVER_SHEET else form.spots
    if any(spot.cell == ref for spot in spots if spot.kind not in ("title", "year")):
        return COLOURS["input"]
    if any(spot.label_cell == ref for spot in spots):
        return COLOURS["label"]
    if sheet != layout.COVER_SHEET:
        row, column = layout.split_cell(ref)
        firsts = {layout.column_number(column.first) for column in form.indicator_columns}
        if column in firsts:
            for place in places or form.places():
                if row == place.header_row:
                    return COLOURS["label"]
                if place.first_row <= row <= place.last_row or (place is (places or form.places())[-1]
                                                                 and row > place.last_row):
                    return COLOURS["input"]
    return None


def sheet_reference(sheet: str, cell: str) -> str:
    """A cell of another sheet as formulas and links name it: 'it''s'!A1 (quotes doubled)."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


def report_columns(findings: Iterable[Finding]) -> tuple[tuple[str, float], ...]:
    """校验结果's columns: 来源文件 only when the findings name more than one file."""
    files = {finding.file for finding in findings}
    return REPORT_COLUMNS + (REPORT_FILE_COLUMN,) * (len(files) > 1)


def report_rows(findings: Iterable[Finding], form: Form) -> list[ReportRow]:
    """The findings as rows of 校验结果; an amount is written as the messages write it (19,000,000 元)."""
    findings = list(findings)
    with_file = len(report_columns(findings)) > len(REPORT_COLUMNS)
    amounts = set(form.paths_of("amount"))
    rows = []
    for number, finding in enumerate(findings, start=1):
        values = (number, SEVERITY_LABELS[finding.severity], finding.sheet, finding.cell, finding.message,
                  _text(finding.value, form if finding.field in amounts else None), finding.code)
        if with_file:
            values += (Path(finding.file).name if finding.file else None,)
        target = (finding.sheet, finding.cell) if finding.sheet and finding.cell else None
        height = LINE_HEIGHT * max(wrapped_lines(text, width) for text, (_, width) in zip(values, REPORT_COLUMNS))
        rows.append(ReportRow(values, finding.severity, target, height))
    return rows


def _text(value, money: Form | None) -> str | None:
    if money is not None and isinstance(value, Decimal) and value.is_finite():
        return money.money(value)
    text = value_text(value)
    return text if text is None or len(text) <= _VALUE_CHARS else text[:_VALUE_CHARS] + "…"
