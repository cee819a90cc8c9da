"""The consolidated filing's own sheets: 汇总表 (with a chart), 校验结果 and 指标明细 (an Excel table).

The 汇总表's amounts are formulas into the project sheets, so a corrected number updates the
totals and the chart; the full project name stays here even when the sheet name is shortened.
"""

from __future__ import annotations

from pathlib import Path

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from .. import layout
from ..export import DETAIL_COLUMNS, detail_rows
from ..merge import MergeResult
from ..rules.report import Finding, Report
from .builder import DEFAULT_PASSWORD
from .marks import REPORT_HEADERS, REPORT_LINK_COLUMN, REPORT_WIDTHS, cell_marks, report_rows
from .styles import MARK_FILLS
from .writer import ExtraSheet, sheet_titles, write_filing
from .xlsx import Book, page_setup

_AMOUNT_COLUMNS = ("G", "H", "I", "J")  # total, current year, prior budget, prior executed
_SUMMARY_HEADERS = ("序号", "部门", "来源文件", "项目名称", "项目类别", "绩效类型", "项目总预算（元）",
                    "当年预算（元）", "上年预算额（元）", "上年执行数（元）", "较上年变化", "指标数", "错误", "提示")
_SUMMARY_WIDTHS = (6, 16, 22, 34, 16, 14, 16, 16, 16, 16, 11, 8, 7, 7)
_DETAIL_WIDTHS = (16, 34, 6, 12, 12, 34, 14, 12, 8, 12, 8)


def write_merged(result: MergeResult, output: str | Path, *, password: str = DEFAULT_PASSWORD,
                 inputs: tuple[str | Path, ...] = ()) -> Path:
    """The consolidated workbook: cover, 汇总表, 校验结果, project sheets, 指标明细, metadata."""
    report = Report(result.findings)
    findings = report.sorted()
    notes = cell_marks(findings, set(sheet_titles(result.filing)) | {layout.COVER_SHEET})
    summary_line = _summary_line(result, report)
    front = [ExtraSheet(layout.SUMMARY_SHEET, lambda book, ws: _summary_sheet(book, ws, result), rows_in_order=False),
             ExtraSheet(layout.REPORT_SHEET, lambda book, ws: draw_report_sheet(book, ws, findings, summary_line))]
    back = [ExtraSheet(layout.DETAIL_SHEET, lambda book, ws: _detail_sheet(book, ws, result))]
    return write_filing(result.filing, output, password=password, inputs=inputs, notes=notes, front=front, back=back)


def draw_report_sheet(book: Book, ws: Worksheet, findings: list[Finding], summary: str) -> None:
    """校验结果: one row per finding, its 单元格 a link to the cell."""
    book.put(ws, "A1", summary, "heading")
    for column, (header, width) in enumerate(zip(REPORT_HEADERS, REPORT_WIDTHS)):
        book.put(ws, f"{xl_col_to_name(column)}2", header, "label")
        ws.set_column(column, column, width)
    for row, entry in enumerate(report_rows(findings), start=3):
        for column, value in enumerate(entry.values, start=1):
            if column == REPORT_LINK_COLUMN and entry.target is not None:
                book.link(ws, f"{xl_col_to_name(column - 1)}{row}", *entry.target, value)
            else:
                book.put_at(ws, row - 1, column - 1, value, "cell", MARK_FILLS[entry.severity] if column == 2 else None)
        ws.set_row(row - 1, entry.height)
    ws.freeze_panes(2, 0)
    page_setup(ws, max(len(findings) + 2, 2), len(REPORT_HEADERS), landscape=True)
    book.protect(ws)


def _summary_line(result: MergeResult, report: Report) -> str:
    text = f"合并 {len(result.filing.projects)} 个项目：{report.summary()}"
    if result.events:
        text += f" 合并时有 {len(result.events)} 项需要注意，见汇总表下方。"
    return text


def _summary_sheet(book: Book, ws: Worksheet, result: MergeResult) -> None:
    book.span(ws, "A1:N1", f"{result.filing.unit} {result.filing.year}年度项目支出绩效目标汇总表", "title")
    ws.set_row(0, 30)
    for column, (header, width) in enumerate(zip(_SUMMARY_HEADERS, _SUMMARY_WIDTHS)):
        book.put(ws, f"{xl_col_to_name(column)}2", header, "label")
        ws.set_column(column, column, width)
    counts = _finding_counts(result)
    first = layout.SUMMARY_FIRST_ROW
    for offset, (project, department) in enumerate(zip(result.filing.projects, result.departments)):
        row = first + offset
        sheet = project.source.sheet
        quoted = "'" + sheet.replace("'", "''") + "'"
        values = (offset + 1, department, Path(project.source.file or "").name, None, project.category,
                  project.performance_type)
        for column, value in enumerate(values, start=1):
            if column != 4:
                book.put(ws, f"{xl_col_to_name(column - 1)}{row}", value, "cell")
        book.link(ws, f"D{row}", sheet, "A1", project.name or "")
        for letter, spot in zip(_AMOUNT_COLUMNS, layout.BUDGET_SPOTS):
            book.formula(ws, f"{letter}{row}", f"=IF(ISNUMBER({quoted}!{spot.cell}),{quoted}!{spot.cell},0)", "amount")
        book.formula(ws, f"K{row}", f'=IF(I{row}>0,(H{row}-I{row})/I{row},"")', "percent")
        errors, warnings = counts.get(id(project), (0, 0))
        for letter, value in (("L", len(project.indicators)), ("M", errors), ("N", warnings)):
            book.put(ws, f"{letter}{row}", value, "cell")
    last = first + len(result.filing.projects) - 1
    total = last + 1
    book.put(ws, f"A{total}", "合计", "heading")
    for letter in _AMOUNT_COLUMNS:
        book.formula(ws, f"{letter}{total}", f"=SUM({letter}{first}:{letter}{max(last, first)})", "amount_total")
    book.formula(ws, f"K{total}", f'=IF(I{total}>0,(H{total}-I{total})/I{total},"")', "percent")
    ws.freeze_panes(2, 0)
    if result.filing.projects:
        _chart(book, ws, first, last, total + 2)
    events_row = total + 20
    if result.events:
        book.put(ws, f"A{events_row}", "合并说明", "heading")
        for offset, event in enumerate(result.events, start=1):
            book.put(ws, f"B{events_row + offset}", Path(event.file).name if "/" in event.file else event.file)
            book.put(ws, f"D{events_row + offset}", event.project)
            book.put(ws, f"E{events_row + offset}", event.action)
    page_setup(ws, events_row + len(result.events), len(_SUMMARY_HEADERS), landscape=True)
    book.protect(ws)


def _chart(book: Book, ws: Worksheet, first: int, last: int, anchor_row: int) -> None:
    """This year's budget against last year's, per project: a native chart over the cells above."""
    chart = book.workbook.add_chart({"type": "column"})
    for column in (7, 8):  # H, I: current year, prior year budget (0-based)
        chart.add_series({"name": [ws.name, 1, column], "categories": [ws.name, first - 1, 3, last - 1, 3],
                          "values": [ws.name, first - 1, column, last - 1, column]})
    chart.set_title({"name": "当年预算与上年预算对比（元）"})
    chart.set_y_axis({"name": "元"})
    chart.set_size({"width": 980, "height": 340})
    ws.insert_chart(f"B{anchor_row}", chart)


def _detail_sheet(book: Book, ws: Worksheet, result: MergeResult) -> None:
    rows = list(detail_rows(result.filing, result.departments))
    for column, width in enumerate(_DETAIL_WIDTHS):
        ws.set_column(column, column, width)
    if rows:
        book.table(ws, len(rows), DETAIL_COLUMNS, {"name": "IndicatorDetail", "style": "Table Style Light 9"})
    else:
        for column, header in enumerate(DETAIL_COLUMNS):
            book.put_at(ws, 0, column, header)
    for row, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            book.put_at(ws, row, column, value)
    ws.freeze_panes(1, 0)
    page_setup(ws, len(rows) + 1, len(DETAIL_COLUMNS), landscape=True, title_rows=1)
    book.protect(ws, filters=True)


def _finding_counts(result: MergeResult) -> dict[int, tuple[int, int]]:
    by_sheet = {project.source.sheet: id(project) for project in result.filing.projects}
    counts: dict[int, list[int]] = {}
    for finding in result.findings:
        key = by_sheet.get(finding.sheet)
        if key is not None:
            entry = counts.setdefault(key, [0, 0])
            entry[0 if finding.severity == "error" else 1] += 1
    return {key: (errors, warnings) for key, (errors, warnings) in counts.items()}
