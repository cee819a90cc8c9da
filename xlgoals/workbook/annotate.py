"""The annotated copy: problem cells coloured and noted, plus a 校验结果 sheet linking to each.

Works on a copy of the workbook; the input file is never modified.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from .. import layout
from ..fileio import atomic_output, check_workbook
from ..rules.registry import SEVERITY_LABELS
from ..rules.report import Finding, Report
from . import styles
from .cells import put

MARK_AUTHOR = "xlgoals"
ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")
WARNING_FILL = PatternFill("solid", fgColor="FFE699")
_HEADERS = ("序号", "级别", "工作表", "单元格", "项目", "说明", "规则代码", "填写内容", "来源文件")
_WIDTHS = (6, 8, 24, 8, 28, 70, 26, 24, 24)
_MESSAGE_CHARS_PER_LINE = 32  # CJK characters that fit the 说明 column's width


def annotate_workbook(source: str | Path, report: Report, output: str | Path) -> Path:
    """Write ``output``: ``source`` with every finding marked on its cell and listed on a sheet."""
    source = check_workbook(source)
    workbook = openpyxl.load_workbook(source)
    findings = [finding for finding in report.sorted() if finding.file in (None, str(source))]
    clear_marks(workbook)
    mark_cells(workbook, findings)
    add_report_sheet(workbook, findings, report.summary())
    with atomic_output(output, inputs=(source,)) as temp:
        workbook.save(temp)
    return Path(output)


def mark_cells(workbook, findings: list[Finding]) -> None:
    """Colour each problem cell (errors win over warnings) and put all its messages in one note."""
    sheets = {ws.title: ws for ws in workbook.worksheets}
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.sheet in sheets and finding.cell:
            by_cell[(finding.sheet, finding.cell)].append(finding)
    for (sheet, ref), found in by_cell.items():
        cell = sheets[sheet][ref]
        worst = "error" if any(f.severity == "error" for f in found) else "warning"
        cell.fill = ERROR_FILL if worst == "error" else WARNING_FILL
        text = "\n".join(f"【{SEVERITY_LABELS[f.severity]}】{f.message}（{f.code}）" for f in found)
        cell.comment = Comment(text, MARK_AUTHOR, width=320, height=min(60 + 40 * len(found), 400))


def clear_marks(workbook) -> int:
    """Remove the marks of an earlier run (our notes, our fills) and the 校验结果 sheet; returns cells cleared.

    A marked cell gets back the template's look: input cells are the unlocked ones (yellow), form
    labels keep the label fill, anything else has none. A user's own notes are left alone.
    """
    labels = set(layout.PROJECT_SIGNATURE) | {f"{first}{layout.INDICATOR_HEADER_ROW}"
                                              for first, _ in layout.INDICATOR_COLUMNS.values()}
    cleared = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is None or cell.comment.author != MARK_AUTHOR:
                    continue
                cell.comment = None
                if not cell.protection.locked:
                    cell.fill = styles.INPUT_FILL
                elif cell.coordinate in labels:
                    cell.fill = styles.LABEL_FILL
                else:
                    cell.fill = PatternFill()
                cleared += 1
    if layout.REPORT_SHEET in workbook.sheetnames:
        del workbook[layout.REPORT_SHEET]
    return cleared


def add_report_sheet(workbook, findings: list[Finding], summary: str) -> None:
    """The 校验结果 sheet, second in the workbook, one row per finding with a link to its cell."""
    ws = workbook.create_sheet(layout.REPORT_SHEET, index=1)
    put(ws, "A1", summary)
    ws["A1"].font = styles.LABEL_FONT
    for column, (header, width) in enumerate(zip(_HEADERS, _WIDTHS), start=1):
        cell = ws.cell(2, column, header)
        cell.font, cell.fill, cell.border, cell.alignment = styles.LABEL_FONT, styles.LABEL_FILL, styles.BORDER, styles.CENTER
        ws.column_dimensions[cell.column_letter].width = width
    link_font = Font(name=styles.FONT_NAME, size=10, color="0563C1", underline="single")
    for row, finding in enumerate(findings, start=3):
        values = (row - 2, SEVERITY_LABELS[finding.severity], finding.sheet, finding.cell, finding.project,
                  finding.message, finding.code, _text(finding.value), Path(finding.file).name if finding.file else None)
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row, column)
            put(ws, cell.coordinate, value)
            cell.font, cell.border, cell.alignment = styles.BODY_FONT, styles.BORDER, styles.LEFT
        if finding.sheet and finding.cell:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{finding.sheet}'!{finding.cell}")
            link.font = link_font
        ws.cell(row, 2).fill = ERROR_FILL if finding.severity == "error" else WARNING_FILL
        ws.row_dimensions[row].height = 15 * max(1, -(-len(finding.message) // _MESSAGE_CHARS_PER_LINE))
    ws.freeze_panes = "A3"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _text(value) -> str | None:
    if value is None:
        return None
    return getattr(value, "raw", None) or str(value)
