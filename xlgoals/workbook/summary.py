"""The consolidated filing's own sheets: 汇总表 (with a chart), 校验结果 and 指标明细 (an Excel table).

The 汇总表's amounts are formulas into the project sheets, so a corrected number updates the
totals and the chart; the full project name stays here even when the sheet name is shortened.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from .. import layout
from ..export import SummaryColumn, detail_columns, detail_rows, summary_columns, summary_value
from ..merge import MergeResult
from ..rules.report import Finding, Report
from .builder import DEFAULT_PASSWORD
from .marks import REPORT_HEADERS, REPORT_LINK_COLUMN, REPORT_WIDTHS, cell_marks, report_rows, sheet_reference
from .styles import MARK_FILLS
from .writer import ExtraSheet, sheet_titles, write_filing
from .xlsx import Book, page_setup

_DETAIL_WIDTHS = {"部门": 16, "项目名称": 34, "序号": 6, "指标周期": 8}  # 三级 34, the rest 12


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
    """汇总表: one row per project. Amounts are formulas into the project sheets, each stored with its
    computed result, so every reader (LibreOffice, WPS, previews, pandas) shows the numbers unrecalculated."""
    filing = result.filing
    form = filing.resolved_form()
    columns = summary_columns(form)
    paths = {column.path: xl_col_to_name(n) for n, column in enumerate(columns) if column.path}
    headers = [*columns, SummaryColumn("错误", 7, "count"), SummaryColumn("提示", 7, "count")]
    book.span(ws, f"A1:{xl_col_to_name(len(headers) - 1)}1", f"{filing.unit} {filing.year}年度项目支出绩效目标汇总表",
              "title")
    ws.set_row(0, 30)
    for n, column in enumerate(headers):
        book.put(ws, f"{xl_col_to_name(n)}2", column.header, "label")
        ws.set_column(n, n, column.width)
    counts = _finding_counts(result)
    first = layout.SUMMARY_FIRST_ROW
    amount_role = "amount_wan" if form.money_unit == "万元" else "amount"
    totals: dict[str, Decimal] = {}
    for offset, (project, department) in enumerate(zip(filing.projects, result.departments)):
        row = first + offset
        sheet = project.source.sheet
        for n, column in enumerate(columns):
            ref = f"{xl_col_to_name(n)}{row}"
            value = summary_value(form, column, project, offset + 1, department)
            if column.kind == "link":
                book.link(ws, ref, sheet, "A1", project.name or "")
            elif column.kind == "amount":
                source = sheet_reference(sheet, form.spot[column.path].cell)
                book.formula(ws, ref, f"=IF(ISNUMBER({source}),{source},0)", amount_role, value or 0)
                totals[column.path] = totals.get(column.path, Decimal(0)) + (value or 0)
            elif column.kind == "change":
                book.formula(ws, ref, _change_formula(paths, row), "percent", "" if value is None else float(value))
            else:
                book.put(ws, ref, value, "cell")
        errors, warnings = counts.get(id(project), (0, 0))
        book.put(ws, f"{xl_col_to_name(len(columns))}{row}", errors, "cell")
        book.put(ws, f"{xl_col_to_name(len(columns) + 1)}{row}", warnings, "cell")
    last = first + len(filing.projects) - 1
    total = last + 1
    book.put(ws, f"A{total}", "合计", "heading")
    for n, column in enumerate(columns):
        letter = xl_col_to_name(n)
        if column.kind == "amount":
            book.formula(ws, f"{letter}{total}", f"=SUM({letter}{first}:{letter}{max(last, first)})",
                         f"{amount_role}_total", totals.get(column.path, Decimal(0)))
        elif column.kind == "change":
            current = totals.get("budget.current_year", Decimal(0))
            prior = totals.get("budget.prior_year_budget", Decimal(0))
            book.formula(ws, f"{letter}{total}", _change_formula(paths, total), "percent",
                         float((current - prior) / prior) if prior > 0 else "")
    ws.freeze_panes(2, 0)
    charted = [n for n, column in enumerate(columns) if column.path in ("budget.current_year", "budget.prior_year_budget")]
    if filing.projects and charted:
        _chart(book, ws, first, last, total + 2, charted, form.money_unit)
    events_row = total + 20
    if result.events:
        book.put(ws, f"A{events_row}", "合并说明", "heading")
        for offset, event in enumerate(result.events, start=1):
            book.put(ws, f"B{events_row + offset}", Path(event.file).name if "/" in event.file else event.file)
            book.put(ws, f"D{events_row + offset}", event.project)
            book.put(ws, f"E{events_row + offset}", event.action)
    page_setup(ws, events_row + len(result.events), len(headers), landscape=True)
    book.protect(ws)


def _change_formula(paths: dict[str, str], row: int) -> str:
    """The change against last year's budget in a 汇总表 row, as a fraction ("" without last year)."""
    current, prior = f"{paths['budget.current_year']}{row}", f"{paths['budget.prior_year_budget']}{row}"
    return f'=IF({prior}>0,({current}-{prior})/{prior},"")'


def _chart(book: Book, ws: Worksheet, first: int, last: int, anchor_row: int, columns: list[int], unit: str) -> None:
    """This year's budget against last year's (or this year's alone), per project: a native chart."""
    chart = book.workbook.add_chart({"type": "column"})
    for column in columns:
        chart.add_series({"name": [ws.name, 1, column], "categories": [ws.name, first - 1, 3, last - 1, 3],
                          "values": [ws.name, first - 1, column, last - 1, column]})
    title = "当年预算与上年预算对比" if len(columns) > 1 else "年度资金总额"
    chart.set_title({"name": f"{title}（{unit}）"})
    chart.set_y_axis({"name": unit})
    chart.set_size({"width": 980, "height": 340})
    ws.insert_chart(f"B{anchor_row}", chart)


def _detail_sheet(book: Book, ws: Worksheet, result: MergeResult) -> None:
    rows = list(detail_rows(result.filing, result.departments))
    headers = detail_columns(result.filing)
    level3 = 5 + (headers[3] == "指标周期")
    for column, header in enumerate(headers):
        width = _DETAIL_WIDTHS.get(header, 34 if column == level3 else 12)
        ws.set_column(column, column, width)
    if rows:
        book.table(ws, len(rows), headers, {"name": "IndicatorDetail", "style": "Table Style Light 9"})
    else:
        for column, header in enumerate(headers):
            book.put_at(ws, 0, column, header)
    for row, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            book.put_at(ws, row, column, value)
    ws.freeze_panes(1, 0)
    page_setup(ws, len(rows) + 1, len(headers), landscape=True, title_rows=1)
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
