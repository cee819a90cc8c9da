"""The consolidated filing's own sheets: 汇总表 (with a chart) and 指标明细 (an Excel table).

The 汇总表's amounts are formulas into the project sheets, so a corrected number updates the
totals and the chart; the full project name stays here even when the sheet name is shortened.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableStyleInfo

from .. import layout
from ..export import DETAIL_COLUMNS, detail_rows
from ..merge import MergeResult
from ..rules.report import Report
from . import styles
from .annotate import add_report_sheet, mark_cells
from .builder import DEFAULT_PASSWORD
from .cells import put
from .writer import render_filing, save_workbook

SUMMARY_SHEET = layout.SUMMARY_SHEET
DETAIL_SHEET = layout.DETAIL_SHEET
_AMOUNT_COLUMNS = ("G", "H", "I", "J")  # total, current year, prior budget, prior executed
_SUMMARY_HEADERS = ("序号", "部门", "来源文件", "项目名称", "项目类别", "绩效类型", "项目总预算（元）",
                    "当年预算（元）", "上年预算额（元）", "上年执行数（元）", "较上年变化", "指标数", "错误", "提示")
_SUMMARY_WIDTHS = (6, 16, 22, 34, 16, 14, 16, 16, 16, 16, 11, 8, 7, 7)
_LINK_FONT = Font(name=styles.FONT_NAME, size=10, color="0563C1", underline="single")


def write_merged(result: MergeResult, output: str | Path, *, password: str = DEFAULT_PASSWORD,
                 inputs: tuple[str | Path, ...] = ()) -> Path:
    """The consolidated workbook: cover, 汇总表, 校验结果, project sheets, 指标明细, metadata."""
    workbook = render_filing(result.filing, password=password)
    report = Report(result.findings)
    mark_cells(workbook, result.findings)
    add_report_sheet(workbook, report.sorted(), _summary_line(result, report))
    _protect(workbook[layout.REPORT_SHEET], password)
    _summary_sheet(workbook, result, password)
    _detail_sheet(workbook, result, password)
    workbook.calculation.fullCalcOnLoad = True  # formulas are written without cached values
    return save_workbook(workbook, output, inputs=inputs)


def _summary_line(result: MergeResult, report: Report) -> str:
    text = f"合并 {len(result.filing.projects)} 个项目：{report.summary()}"
    if result.events:
        text += f" 合并时有 {len(result.events)} 项需要注意，见汇总表下方。"
    return text


def _summary_sheet(workbook, result: MergeResult, password: str) -> None:
    ws = workbook.create_sheet(SUMMARY_SHEET, index=1)
    put(ws, "A1", f"{result.filing.unit} {result.filing.year}年度项目支出绩效目标汇总表")
    ws["A1"].font = styles.TITLE_FONT
    ws.merge_cells("A1:N1")
    ws.row_dimensions[1].height = 30
    for column, (header, width) in enumerate(zip(_SUMMARY_HEADERS, _SUMMARY_WIDTHS), start=1):
        cell = ws.cell(2, column)
        put(ws, cell.coordinate, header)
        cell.font, cell.fill, cell.border, cell.alignment = (styles.LABEL_FONT, styles.LABEL_FILL, styles.BORDER,
                                                            styles.CENTER)
        ws.column_dimensions[cell.column_letter].width = width
    counts = _finding_counts(result)
    first = layout.SUMMARY_FIRST_ROW
    for offset, (project, department) in enumerate(zip(result.filing.projects, result.departments)):
        row = first + offset
        sheet = project.source.sheet
        quoted = "'" + sheet.replace("'", "''") + "'"
        values = (offset + 1, department, Path(project.source.file or "").name, project.name, project.category,
                  project.performance_type)
        for column, value in enumerate(values, start=1):
            put(ws, f"{chr(64 + column)}{row}", value)
        for letter, spot in zip(_AMOUNT_COLUMNS, layout.BUDGET_SPOTS):
            ws[f"{letter}{row}"] = f"=IF(ISNUMBER({quoted}!{spot.cell}),{quoted}!{spot.cell},0)"
            ws[f"{letter}{row}"].number_format = styles.AMOUNT_FORMAT
        ws[f"K{row}"] = f"=IF(I{row}>0,(H{row}-I{row})/I{row},\"\")"
        ws[f"K{row}"].number_format = "0.0%"
        errors, warnings = counts.get(id(project), (0, 0))
        for letter, value in (("L", len(project.indicators)), ("M", errors), ("N", warnings)):
            put(ws, f"{letter}{row}", value)
        link = ws[f"D{row}"]
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quoted}!A1")
        link.font = _LINK_FONT
        for column in range(1, 15):
            cell = ws.cell(row, column)
            cell.border = styles.BORDER
            if column != 4:
                cell.font = styles.BODY_FONT
    last = first + len(result.filing.projects) - 1
    total = last + 1
    put(ws, f"A{total}", "合计")
    ws[f"A{total}"].font = styles.LABEL_FONT
    for letter in _AMOUNT_COLUMNS:
        ws[f"{letter}{total}"] = f"=SUM({letter}{first}:{letter}{max(last, first)})"
        ws[f"{letter}{total}"].number_format = styles.AMOUNT_FORMAT
        ws[f"{letter}{total}"].font = styles.LABEL_FONT
    ws[f"K{total}"] = f"=IF(I{total}>0,(H{total}-I{total})/I{total},\"\")"
    ws[f"K{total}"].number_format = "0.0%"
    ws.freeze_panes = "A3"
    if result.filing.projects:
        _chart(ws, first, last, total + 2)
    events_row = total + 20
    if result.events:
        put(ws, f"A{events_row}", "合并说明")
        ws[f"A{events_row}"].font = styles.LABEL_FONT
        for offset, event in enumerate(result.events, start=1):
            put(ws, f"B{events_row + offset}", Path(event.file).name if "/" in event.file else event.file)
            put(ws, f"D{events_row + offset}", event.project)
            put(ws, f"E{events_row + offset}", event.action)
    _print_landscape(ws)
    ws.print_title_rows = "1:2"
    _protect(ws, password)


def _chart(ws, first: int, last: int, anchor_row: int) -> None:
    """This year's budget against last year's, per project: a native chart over the cells above."""
    chart = BarChart()
    chart.type = "col"
    chart.title = "当年预算与上年预算对比（元）"
    chart.y_axis.title = "元"
    chart.height, chart.width = 9, 26
    data = Reference(ws, min_col=8, max_col=9, min_row=2, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=4, min_row=first, max_row=last))
    ws.add_chart(chart, f"B{anchor_row}")


def _detail_sheet(workbook, result: MergeResult, password: str) -> None:
    ws = workbook.create_sheet(DETAIL_SHEET, index=len(workbook.sheetnames) - 1)
    for column, header in enumerate(DETAIL_COLUMNS, start=1):
        put(ws, ws.cell(1, column).coordinate, header)
    row = 1
    for row, values in enumerate(detail_rows(result.filing, result.departments), start=2):
        for column, value in enumerate(values, start=1):
            put(ws, ws.cell(row, column).coordinate, value)
    for column, width in zip("ABCDEFGHIJK", (16, 34, 6, 12, 12, 34, 14, 12, 8, 12, 8)):
        ws.column_dimensions[column].width = width
    if row > 1:
        table = Table(displayName="IndicatorDetail", ref=f"A1:K{row}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)
    ws.freeze_panes = "A2"
    _print_landscape(ws)
    _protect(ws, password, filters=True)


def _finding_counts(result: MergeResult) -> dict[int, tuple[int, int]]:
    by_sheet = {project.source.sheet: id(project) for project in result.filing.projects}
    counts: dict[int, list[int]] = {}
    for finding in result.findings:
        key = by_sheet.get(finding.sheet)
        if key is not None:
            entry = counts.setdefault(key, [0, 0])
            entry[0 if finding.severity == "error" else 1] += 1
    return {key: (errors, warnings) for key, (errors, warnings) in counts.items()}


def _print_landscape(ws) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _protect(ws, password: str, *, filters: bool = False) -> None:
    ws.protection.sheet = True
    ws.protection.password = password
    ws.protection.autoFilter = not filters  # False means users may filter
    ws.protection.sort = not filters
