"""What a finding looks like on a workbook: the mark on its cell and its row on the 校验结果 sheet.

Declared once here; the writer (XlsxWriter), the annotator (openpyxl, on a user's own workbook)
and the Excel add-in (xlwings) each only draw it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import layout
from ..layout import Form, TablePlace
from ..rules.registry import SEVERITY_LABELS
from ..rules.report import Finding, value_text
from .styles import COLOURS, MARK_FILLS

MARK_AUTHOR = "xlgoals"  # our notes carry this author, so a later run can tell them from the user's
REPORT_HEADERS = ("序号", "级别", "工作表", "单元格", "项目", "说明", "规则代码", "填写内容", "来源文件")
REPORT_WIDTHS = (6, 8, 24, 8, 28, 70, 26, 24, 24)
REPORT_LINK_COLUMN = 4  # 单元格, 1-based
_MESSAGE_CHARS_PER_LINE = 32  # CJK characters that fit the 说明 column's width


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


def report_rows(findings: Iterable[Finding]) -> list[ReportRow]:
    rows = []
    for number, finding in enumerate(findings, start=1):
        values = (number, SEVERITY_LABELS[finding.severity], finding.sheet, finding.cell, finding.project,
                  finding.message, finding.code, value_text(finding.value),
                  Path(finding.file).name if finding.file else None)
        target = (finding.sheet, finding.cell) if finding.sheet and finding.cell else None
        height = 15 * max(1, -(-len(finding.message) // _MESSAGE_CHARS_PER_LINE))
        rows.append(ReportRow(values, finding.severity, target, height))
    return rows
