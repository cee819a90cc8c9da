"""The toolkit's own sheets, declared once as data: 填报说明, _xlgoals, 汇总表, 校验结果, 指标明细.

Each function here returns a :class:`Sheet` (cells with their value, look, fill, merged span, link
or formula and its computed result; bulk rows; column widths, row heights, frozen rows, print
setup). Three small adapters draw a Sheet: XlsxWriter for new workbooks (:meth:`.xlsx.Book.draw`),
openpyxl for a user's own workbook being annotated (:func:`.annotate.draw_sheet`) and xlwings for
the workbook open in Excel (``xlgoals.excel``). The project sheets are declared by the form files
(:mod:`xlgoals.layout`) and drawn by :mod:`.builder`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_col_to_name, xl_range_abs

from .. import layout
from ..export import SummaryColumn, detail_columns, detail_rows, summary_columns, summary_value
from ..frameworks import Framework, builtin_ids
from ..layout import Form
from .marks import (LEGEND, REPORT_HEADER_ROW, REPORT_LEGEND_ROW, REPORT_LINK_COLUMN, REPORT_SEVERITY_COLUMN,
                    report_columns, report_rows, sheet_reference)
from .styles import LINE_HEIGHT, MARK_FILLS, wrapped_lines

if TYPE_CHECKING:
    from ..merge import MergeResult
    from ..rules.report import Finding


@dataclass(frozen=True)
class Cell:
    """One cell (rows and columns from 1); ``to`` is the last cell of a merged range starting here."""

    row: int
    column: int
    value: object = None
    role: str | None = "cell"
    fill: str | None = None
    to: tuple[int, int] | None = None
    link: tuple[str, str] | None = None  # (sheet, cell) this cell links to
    formula: str | None = None  # the toolkit's own formula; ``value`` is its computed result

    @property
    def ref(self) -> str:
        return f"{xl_col_to_name(self.column - 1)}{self.row}"


@dataclass(frozen=True)
class Rows:
    """Plain rows of values from ``first_row`` (column A on), one look; an Excel table when ``table``
    names one (its header row is the row above)."""

    first_row: int
    values: Sequence[Sequence[object]]
    role: str | None = None
    table: str | None = None
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A column chart of some columns (from 1) over the rows ``first``..``last``, categories in ``names``."""

    title: str
    axis: str
    columns: tuple[int, ...]
    names: int
    first: int
    last: int
    anchor: str


@dataclass(frozen=True)
class Sheet:
    title: str
    cells: tuple[Cell, ...] = ()
    rows: Rows | None = None
    widths: tuple[float, ...] = ()  # columns A, B, ...
    heights: Mapping[int, float] = field(default_factory=dict)
    freeze: int = 0  # rows kept in view at the top
    print_rows: int = 1
    print_columns: int = 1
    landscape: bool = False
    title_rows: tuple[int, int] | None = (1, 2)  # first and last row repeated on every printed page
    hidden: bool = False
    names: Mapping[str, str] = field(default_factory=dict)  # defined name → absolute range on this sheet
    chart: Chart | None = None
    image: tuple[str, str, float] | None = None  # (anchor cell, picture file, scale)
    filters: bool = False

    @property
    def in_row_order(self) -> bool:
        """Whether the cells come row by row (a sheet written to disk as it is drawn needs that)."""
        return all(a.row <= b.row for a, b in zip(self.cells, self.cells[1:])) and \
            (self.rows is None or not self.cells or self.cells[-1].row < self.rows.first_row)


# --- 校验结果 ----------------------------------------------------------------------------------


def report_sheet(findings: Iterable[Finding], summary: str, form: Form) -> Sheet:
    """校验结果: the summary line, a legend of the fills, then one row per finding, its 单元格 a link."""
    findings = list(findings)
    columns = report_columns(findings)
    legend, header = REPORT_LEGEND_ROW, REPORT_HEADER_ROW
    cells = [Cell(1, 1, summary, "heading"), Cell(legend, 1, "图例", "label")]
    for row, (fill, label, meaning) in enumerate(LEGEND, start=legend):
        cells += [Cell(row, REPORT_SEVERITY_COLUMN, label, "cell", fill), Cell(row, 3, meaning, "cell", to=(row, 5))]
    cells += [Cell(header, column, title, "label") for column, (title, _) in enumerate(columns, start=1)]
    heights = {}
    rows = report_rows(findings, form)
    for row, entry in enumerate(rows, start=header + 1):
        for column, value in enumerate(entry.values, start=1):
            link = entry.target if column == REPORT_LINK_COLUMN else None
            cells.append(Cell(row, column, value, "link" if link else "cell",
                              MARK_FILLS[entry.severity] if column == REPORT_SEVERITY_COLUMN else None, link=link))
        heights[row] = entry.height
    return Sheet(layout.REPORT_SHEET, tuple(cells), widths=tuple(width for _, width in columns), heights=heights,
                 freeze=header, print_rows=header + len(rows), print_columns=len(columns), landscape=True,
                 title_rows=(header, header))


# --- 填报说明 and _xlgoals --------------------------------------------------------------------


def cover_sheet(form: Form, framework: Framework, values: Mapping[str, object]) -> Sheet:
    """填报说明: the filing's header (unit, year, framework), the department's inputs, a guide."""
    cells = [Cell(1, 1, f"{form.title} · 填报说明", "title", to=(1, 4))]
    heights = {1: 32}
    for spot in layout.COVER_SPOTS:
        row = layout.split_cell(spot.cell)[0]
        cells += [Cell(row, 1, spot.label, "label"),
                  Cell(row, 2, values.get(spot.path), "value" if spot.kind == "title" else "input", to=(row, 4))]
        heights[row] = 22
    first = layout.COVER_GUIDE_FIRST_ROW
    cells.append(Cell(first, 1, "填报指引", "section", to=(first, 4)))
    heights[first] = 22
    lines = _guide(form, framework)
    for offset, line in enumerate(lines, start=1):
        cells.append(Cell(first + offset, 1, f"{offset}. {line}", "guide", to=(first + offset, 4)))
        heights[first + offset] = 34
    return Sheet(layout.COVER_SHEET, tuple(cells), widths=tuple(layout.COVER_COLUMN_WIDTHS.values()),
                 heights=heights, print_rows=first + len(lines), print_columns=4, title_rows=None)


def _guide(form: Form, framework: Framework) -> list[str]:
    labels = framework.labels
    required = "；".join(f"{node.name}须包含{'、'.join(node.required_children)}指标"
                        for node in framework.level1 if node.required_children)
    choices = [spot.label for spot in form.input_spots if spot.kind in ("choice", "yesno")]
    splits = [column.label for column in form.indicator_columns if column.options]
    money = ("金额以元为单位填写数字，不要带“万元”等文字。" if form.money_unit == "元" else
             "金额以万元为单位填写数字（如 128.5），不要带“万元”等文字。")
    dated = "日期按 2021-01-01 的格式填写；" if form.paths_of("date") else ""
    target = (f"{labels.target}：定量指标写比较符号、数值和计量单位，如 >=90%、=100%、>=40家、<=30天；"
              "定性指标填写 合理、健全、规范、有效 等；名称含“率”“比”“满意度”的指标须填写百分比。")
    if form.split_target:
        target = ("指标性质填比较符号（≥、≤、=）或“定性”，指标值填数值或定性的词（合理、健全、规范、有效 等），"
                  "度量单位填 %、人、家 等；名称含“率”“比”“满意度”的指标单位须为 %。")
    if form.weight_total is not None:
        target += f"各指标的权重合计应为 {form.weight_total}。"
    if len(form.tables) > 1:
        target += "中期绩效指标按项目期填写，年度绩效指标按本年度填写（年度必填）。"
    return [
        "请先填写上方的填报部门、联系人和联系电话；汇总时按填报部门区分各部门提交的表。",
        f"每个项目工作表是一张《{form.title}》，一个项目填一张；项目表不够时，在 Excel 的“绩效目标”选项卡中点击“新增项目表”。",
        "只有浅黄色单元格可以填写，其余单元格已锁定保护；长文本较多时可调整行高。",
        f"{'、'.join([*choices, labels.level1, labels.level2, *splits])}请从下拉列表中选择；"
        f"{labels.level2}的选项随本行所选{labels.level1}变化。",
        dated + money,
        target,
        f"每个{labels.level1}至少填写一项指标" + (f"；{required}。" if required else "。"),
        "填好后用“绩效目标”选项卡的“校验”按钮（或命令 xlgoals validate）检查，问题会标注在对应单元格上。",
    ]


def meta_sheet(form: Form, framework: Framework, unit: str | None, year: object) -> Sheet:
    """The hidden sheet: metadata in A:B and the drop-down lists (named ranges) from column D on.

    A unit's own framework or form travels here as JSON, in chunks below Excel's cell limit.
    """
    meta = {"template_version": layout.TEMPLATE_VERSION, "unit": unit, "year": year,
            "framework": framework.id, "framework_name": framework.name, "form": form.id}
    pairs: list[tuple[str, object]] = [(key, meta[key]) for key in layout.META_KEYS]
    if framework.id not in builtin_ids():
        pairs += _chunks(layout.META_FRAMEWORK_TEXT_KEY, framework.model_dump_json())
    if form.id not in layout.builtin_forms():
        pairs += _chunks(layout.META_FORM_TEXT_KEY, form.model_dump_json())
    lists: list[tuple[str, Sequence[str]]] = [
        (layout.LIST_NAMES["categories"], framework.choices.categories),
        (layout.LIST_NAMES["performance_types"], framework.choices.performance_types),
        (layout.LIST_NAMES["level1"], [node.name for node in framework.level1]),
    ] + [(f"{layout.LEVEL2_LIST_PREFIX}{n}", node.children) for n, node in enumerate(framework.level1, start=1)]
    cells = [cell for row, (key, value) in enumerate(pairs, start=1)
             for cell in (Cell(row, 1, key, None), Cell(row, 2, value, None))]
    names = {}
    for offset, (name, items) in enumerate(lists):
        column = 4 + offset
        cells += [Cell(row, column, item, None) for row, item in enumerate(items, start=1)]
        names[name] = f"='{layout.META_SHEET}'!{xl_range_abs(0, column - 1, max(len(items), 1) - 1, column - 1)}"
    cells.sort(key=lambda cell: (cell.row, cell.column))
    return Sheet(layout.META_SHEET, tuple(cells), hidden=True, names=names, title_rows=None)


def _chunks(key: str, text: str) -> list[tuple[str, str]]:
    return [(key, text[start:start + 30000]) for start in range(0, len(text), 30000)]


# --- 汇总表 and 指标明细 ------------------------------------------------------------------------


def summary_sheet(result: MergeResult) -> Sheet:
    """汇总表: one row per project. Amounts are formulas into the project sheets, each with its computed
    result, so every reader (LibreOffice, WPS, previews, pandas) shows the numbers unrecalculated."""
    filing = result.filing
    form = filing.resolved_form()
    counted = [SummaryColumn("错误", 4, "count"), SummaryColumn("提示", 4, "count")]
    listed = summary_columns(form)
    columns = [*listed[:-1], *counted, listed[-1]]  # the source file last: on screen, not printed
    printed = len(columns) - 1
    where = {column.path: n for n, column in enumerate(columns, start=1) if column.path}
    cells = [Cell(1, 1, f"{filing.unit} {filing.year}年度项目支出绩效目标汇总表", "title", to=(1, printed))]
    cells += [Cell(2, n, column.header, "label") for n, column in enumerate(columns, start=1)]
    counts = _finding_counts(result)
    first = layout.SUMMARY_FIRST_ROW
    amount = "amount_wan" if form.money_unit == "万元" else "amount"
    totals: dict[str, Decimal] = {}
    heights = {1: 30, 2: 45}
    for offset, (project, department) in enumerate(zip(filing.projects, result.departments)):
        row, sheet = first + offset, project.source.sheet
        found = iter(counts.get(id(project), (0, 0)))
        lines = 1
        for n, column in enumerate(columns, start=1):
            value = next(found) if column in counted else summary_value(form, column, project, offset + 1, department)
            if column.kind in ("text", "link") and n <= printed:
                lines = max(lines, wrapped_lines(value, column.width))
            if column.kind == "link":
                cells.append(Cell(row, n, project.name or "", "link", link=(sheet, "A1")))
            elif column.kind == "amount":
                source = sheet_reference(sheet, form.spot[column.path].cell)
                cells.append(Cell(row, n, value or 0, amount, formula=f"=IF(ISNUMBER({source}),{source},0)"))
                totals[column.path] = totals.get(column.path, Decimal(0)) + (value or 0)
            elif column.kind == "change":
                cells.append(Cell(row, n, "" if value is None else float(value), "percent",
                                  formula=_change_formula(where, row)))
            else:
                cells.append(Cell(row, n, value, "cell"))
        heights[row] = LINE_HEIGHT * lines
    last = first + len(filing.projects) - 1
    total = last + 1
    cells.append(Cell(total, 1, "合计", "heading"))
    for n, column in enumerate(columns, start=1):
        letter = xl_col_to_name(n - 1)
        if column.kind == "amount":
            cells.append(Cell(total, n, totals.get(column.path, Decimal(0)), f"{amount}_total",
                              formula=f"=SUM({letter}{first}:{letter}{max(last, first)})"))
        elif column.kind == "change":
            current, prior = totals.get("budget.current_year", Decimal(0)), totals.get("budget.prior_year_budget", Decimal(0))
            cells.append(Cell(total, n, float((current - prior) / prior) if prior > 0 else "", "percent",
                              formula=_change_formula(where, total)))
    charted = tuple(where[path] for path in ("budget.current_year", "budget.prior_year_budget") if path in where)
    chart = None
    if filing.projects and charted:
        title = "当年预算与上年预算对比" if len(charted) > 1 else "年度资金总额"
        chart = Chart(f"{title}（{form.money_unit}）", form.money_unit, charted, where["name"], first, last, f"B{total + 2}")
    events_row = total + 20
    if result.events:
        cells.append(Cell(events_row, 1, "合并说明", "heading"))
        for offset, event in enumerate(result.events, start=1):
            cells += [Cell(events_row + offset, 2, Path(event.file).name if "/" in event.file else event.file, None),
                      Cell(events_row + offset, 3, event.project, None),
                      Cell(events_row + offset, 4, event.action, None)]
    return Sheet(layout.SUMMARY_SHEET, tuple(cells), widths=tuple(column.width for column in columns),
                 heights=heights, freeze=2, print_rows=events_row + len(result.events), print_columns=printed,
                 landscape=True, chart=chart)


def _change_formula(where: Mapping[str, int], row: int) -> str:
    """The change against last year's budget in a 汇总表 row, as a fraction ("" without last year)."""
    current = f"{xl_col_to_name(where['budget.current_year'] - 1)}{row}"
    prior = f"{xl_col_to_name(where['budget.prior_year_budget'] - 1)}{row}"
    return f'=IF({prior}>0,({current}-{prior})/{prior},"")'


def _finding_counts(result: MergeResult) -> dict[int, tuple[int, int]]:
    by_sheet = {project.source.sheet: id(project) for project in result.filing.projects}
    counts: dict[int, list[int]] = {}
    for finding in result.findings:
        key = by_sheet.get(finding.sheet)
        if key is not None:
            entry = counts.setdefault(key, [0, 0])
            entry[0 if finding.severity == "error" else 1] += 1
    return {key: (errors, warnings) for key, (errors, warnings) in counts.items()}


_DETAIL_WIDTHS = {"部门": 16, "项目名称": 34, "序号": 6, "指标周期": 8}  # 三级 34, the rest 12


def detail_sheet(result: MergeResult) -> Sheet:
    """指标明细: every indicator of every project, one row each, as an Excel table with filters."""
    rows = list(detail_rows(result.filing, result.departments))
    headers = detail_columns(result.filing)
    level3 = 5 + (headers[3] == "指标周期")
    widths = tuple(_DETAIL_WIDTHS.get(header, 34 if column == level3 else 12) for column, header in enumerate(headers))
    return Sheet(layout.DETAIL_SHEET, widths=widths, freeze=1, print_rows=len(rows) + 1, print_columns=len(headers),
                 landscape=True, title_rows=(1, 1), filters=True,
                 rows=Rows(2, rows, table="IndicatorDetail" if rows else None, headers=headers))
