"""Draws the protected form: the 填报说明 cover, project sheets and the hidden metadata and lists.

The template and every written filing are drawn here, so a filing is always a filled template.
Positions come from :mod:`xlgoals.layout`, looks from :mod:`.styles`; each sheet is drawn with
its values in one pass (XlsxWriter writes a cell once).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from xlsxwriter.utility import xl_col_to_name, xl_range_abs
from xlsxwriter.worksheet import Worksheet

from .. import layout
from ..frameworks import Framework, builtin_ids
from ..model import Project, value_at
from .xlsx import Book, page_setup

DEFAULT_PASSWORD = "xlgoals"
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_EXCEL_RESERVED_SHEETS = {"history"}  # Excel keeps this name for its change history
_DATE_MIN, _DATE_MAX = dt.date(1990, 1, 1), dt.date(2099, 12, 31)
_INPUT_ROLES = {"long": "input_long", "amount": "input_amount", "date": "input_date"}
_LAST_COLUMN = layout.split_cell(f"{layout.LAST_COLUMN}1")[1]


def sheet_title(name: str | None, taken: set[str], fallback: str) -> str:
    """A valid sheet name (≤ 31 chars, none of []:*?/\\) unique against ``taken`` (lower-cased names).

    The chosen name is added to ``taken``, so a caller naming many sheets keeps one set.
    """
    base = _SHEET_NAME_FORBIDDEN.sub("_", name or "").strip().strip("'") or fallback
    base = _clip(base, 31)
    candidate, n = base, 2
    while candidate.lower() in taken or candidate.lower() in _EXCEL_RESERVED_SHEETS:
        suffix = f"({n})"
        candidate, n = _clip(base, 31 - len(suffix)) + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _clip(text: str, units: int) -> str:
    """At most ``units`` UTF-16 code units, as Excel counts a sheet name (𠀀 counts two)."""
    while len(text.encode("utf-16-le")) // 2 > units:
        text = text[:-1]
    return text


def draw_project_sheet(book: Book, ws: Worksheet, framework: Framework, unit: str | None, year: int | str | None,
                       project: Project | None, indicator_rows: int = layout.INDICATOR_ROWS) -> None:
    """One protected form sheet laid out like the official table: blank, or with ``project`` typed in."""
    year = project.year if project is not None else year
    for column, width in layout.COLUMN_WIDTHS.items():
        index = layout.split_cell(f"{column}1")[1] - 1
        ws.set_column(index, index, width)
    _band(book, ws, layout.TITLE_RANGE, layout.TITLE, "title", 30)
    _band(book, ws, layout.YEAR_SPOT.value_range, f"（{year}年度）", "subtitle", 20)
    for spot in layout.HEADER_SPOTS:
        book.put(ws, spot.label_cell, spot.label, "label")
        value = value_at(project, spot.path) if project is not None else (unit if spot.kind == "title" else None)
        book.span(ws, spot.value_range, value, "value" if spot.kind == "title" else _INPUT_ROLES.get(spot.kind, "input"))
        _height(ws, spot.label_cell, 32)
    for spot in layout.LONG_TEXT_SPOTS:
        _band(book, ws, f"{spot.label_cell}:{layout.LAST_COLUMN}{_row(spot.label_cell)}", spot.shown, "section_left", 20)
        value = value_at(project, spot.path) if project is not None else None
        book.span(ws, spot.value_range, value, "input_long")
        height = (layout.long_text_height(value) if project is not None
                  else layout.long_text_height(None, minimum_chars=layout.LONG_TEXT_CAPACITY))
        _height(ws, spot.cell, height)
    _band(book, ws, layout.BUDGET_HEADING_RANGE, framework.budget_heading, "section", 22)
    for spot in layout.BUDGET_SPOTS:
        book.put(ws, spot.label_cell, spot.label, "label")
        book.span(ws, spot.value_range, value_at(project, spot.path) if project is not None else None, "input_amount")
        _height(ws, spot.label_cell, 32)
    _band(book, ws, layout.INDICATOR_HEADING_RANGE, f"{year}年绩效目标", "section", 22)
    header = layout.INDICATOR_HEADER_ROW
    for field, (first, last) in layout.INDICATOR_COLUMNS.items():
        _band(book, ws, f"{first}{header}:{last}{header}", getattr(framework.labels, field), "label", 22)
    indicators = project.indicators if project is not None else []
    last_row = layout.INDICATOR_FIRST_ROW + indicator_rows - 1
    for offset, row in enumerate(range(layout.INDICATOR_FIRST_ROW, last_row + 1)):
        indicator = indicators[offset] if offset < len(indicators) else None
        for field, (first, last) in layout.INDICATOR_COLUMNS.items():
            value = _indicator_value(indicator, field)
            book.span(ws, f"{first}{row}:{last}{row}", value, "input")
        ws.set_row(row - 1, 20)
    _validations(ws, framework, last_row)
    # A filled form prints its rows, not 40 blank ones.
    printed = layout.INDICATOR_FIRST_ROW + max(len(indicators), 1) - 1 if project is not None else last_row
    page_setup(ws, printed, _LAST_COLUMN)
    book.leftover_notes(ws)
    book.protect(ws)


def _indicator_value(indicator, field: str):
    if indicator is None:
        return None
    if field == "target":
        return indicator.target.raw if indicator.target else None
    return getattr(indicator, field)


def _row(ref: str) -> int:
    return layout.split_cell(ref)[0]


def _height(ws: Worksheet, ref: str, height: float) -> None:
    ws.set_row(_row(ref) - 1, height)


def _band(book: Book, ws: Worksheet, cell_range: str, text: str, role: str, height: float) -> None:
    """A fixed text across a range (title, heading, label) and its row's height."""
    book.span(ws, cell_range, text, role)
    _height(ws, cell_range.split(":")[0], height)


def _list(source: str | list[str], prompt: str, error: str) -> dict:
    return {"validate": "list", "source": source, "input_title": "请选择", "input_message": prompt,
            "error_title": "输入有误", "error_message": error}


def _validations(ws: Worksheet, framework: Framework, last_row: int) -> None:
    """Drop-downs and value checks, with Chinese prompts and error messages."""
    spots = {spot.path: spot for spot in layout.INPUT_SPOTS}
    first = layout.INDICATOR_FIRST_ROW
    level1_col, level2_col = layout.INDICATOR_COLUMNS["level1"][0], layout.INDICATOR_COLUMNS["level2"][0]
    target_col = layout.INDICATOR_COLUMNS["target"][0]
    labels = framework.labels
    rules: list[tuple[str, dict]] = [
        (spots["category"].cell, _list(f"={layout.LIST_NAMES['categories']}", "从列表中选择项目类别。",
                                       "请从下拉列表中选择项目类别。")),
        (spots["performance_type"].cell, _list(f"={layout.LIST_NAMES['performance_types']}", "从列表中选择绩效类型。",
                                               "请从下拉列表中选择绩效类型。")),
        (spots["government_procurement"].cell, _list(list(layout.YES_NO), "填“是”或“否”。", "只能填“是”或“否”。")),
        (f"{level1_col}{first}:{level1_col}{last_row}",
         _list(f"={layout.LIST_NAMES['level1']}", f"从列表中选择{labels.level1}。",
               f"请从下拉列表中选择{labels.level1}。")),
        (f"{level2_col}{first}:{level2_col}{last_row}",
         _list(f'=INDIRECT("{layout.LEVEL2_LIST_PREFIX}"&MATCH(${level1_col}{first},{layout.LIST_NAMES["level1"]},0))',
               f"先选{labels.level1}，再从列表中选择其下的{labels.level2}。",
               f"{labels.level2}必须属于本行的{labels.level1}，请从下拉列表中选择。")),
        (f"{spots['start_date'].cell} {spots['end_date'].cell}",
         {"validate": "date", "criteria": "between", "minimum": _DATE_MIN, "maximum": _DATE_MAX,
          "input_title": "日期", "input_message": "按 2021-01-01 的格式输入日期。",
          "error_title": "日期有误", "error_message": "请输入日期，如 2021-01-01。"}),
        (" ".join(spot.cell for spot in layout.BUDGET_SPOTS),
         {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": "金额（元）",
          "input_message": "以元为单位输入数字。", "error_title": "金额有误",
          "error_message": "金额须为不小于 0 的数字，单位为元，不要输入“万元”等文字。"}),
        (f"{target_col}{first}:{target_col}{last_row}",
         {"validate": "any", "input_title": "指标目标值",
          "input_message": "定量指标写比较符号、数值和单位，如 >=90%、=100%、>=40家、<=30天；"
                           "定性指标写 合理、健全、规范、有效 等。"}),
    ]
    for where, options in rules:
        ranges = where.split(" ")
        first_range = ranges[0].split(":")
        (r1, c1), (r2, c2) = (layout.split_cell(first_range[0]), layout.split_cell(first_range[-1]))
        if len(ranges) > 1:
            options = options | {"multi_range": where}
        ws.data_validation(r1 - 1, c1 - 1, r2 - 1, c2 - 1, options)


def draw_cover(book: Book, ws: Worksheet, framework: Framework, values: dict[str, object]) -> None:
    """The 填报说明 sheet: the filing's header (unit, year, framework), the department's inputs, a guide."""
    for column, width in layout.COVER_COLUMN_WIDTHS.items():
        index = layout.split_cell(f"{column}1")[1] - 1
        ws.set_column(index, index, width)
    _band(book, ws, layout.COVER_TITLE_RANGE, "财政项目支出绩效目标表 · 填报说明", "title", 32)
    for spot in layout.COVER_SPOTS:
        book.put(ws, spot.label_cell, spot.label, "label")
        _height(ws, spot.label_cell, 22)
        book.span(ws, spot.value_range, values.get(spot.path), "value" if spot.kind == "title" else "input")
    row = layout.COVER_GUIDE_FIRST_ROW
    _band(book, ws, f"A{row}:D{row}", "填报指引", "section", 22)
    lines = _guide(framework)
    for offset, line in enumerate(lines, start=1):
        _band(book, ws, f"A{row + offset}:D{row + offset}", f"{offset}. {line}", "guide", 34)
    page_setup(ws, row + len(lines), 4, title_rows=None)
    book.leftover_notes(ws)
    book.protect(ws)


def _guide(framework: Framework) -> list[str]:
    labels = framework.labels
    required = "；".join(f"{node.name}须包含{'、'.join(node.required_children)}指标"
                        for node in framework.level1 if node.required_children)
    return [
        "请先填写上方的填报部门、联系人和联系电话；汇总时按填报部门区分各部门提交的表。",
        "每个项目工作表是一张《财政项目支出绩效目标表》，一个项目填一张；项目表不够时，在 Excel 的“绩效目标”选项卡中点击“新增项目表”。",
        "只有浅黄色单元格可以填写，其余单元格已锁定保护；长文本较多时可调整行高。",
        f"项目类别、是否含有政府购买服务、绩效类型、{labels.level1}、{labels.level2}请从下拉列表中选择；"
        f"{labels.level2}的选项随本行所选{labels.level1}变化。",
        "日期按 2021-01-01 的格式填写；金额以元为单位填写数字，不要带“万元”等文字。",
        f"{labels.target}：定量指标写比较符号、数值和计量单位，如 >=90%、=100%、>=40家、<=30天；"
        "定性指标填写 合理、健全、规范、有效 等；名称含“率”“比”“满意度”的指标须填写百分比。",
        f"每个{labels.level1}至少填写一项指标" + (f"；{required}。" if required else "。"),
        "填好后用“绩效目标”选项卡的“校验”按钮（或命令 xlgoals validate）检查，问题会标注在对应单元格上。",
    ]


def draw_meta(book: Book, ws: Worksheet, framework: Framework, unit: str | None, year) -> None:
    """The hidden sheet: template metadata in A:B and the drop-down lists (named ranges) from column D on."""
    ws.hide()
    meta = {"template_version": layout.TEMPLATE_VERSION, "unit": unit, "year": year,
            "framework": framework.id, "framework_name": framework.name}
    for row, key in enumerate(layout.META_KEYS, start=1):
        book.put(ws, f"A{row}", key)
        book.put(ws, f"B{row}", meta[key])
    if framework.id not in builtin_ids():
        text = framework.model_dump_json()
        for offset, start in enumerate(range(0, len(text), 30000)):
            book.put(ws, f"A{len(layout.META_KEYS) + 1 + offset}", layout.META_FRAMEWORK_TEXT_KEY)
            book.put(ws, f"B{len(layout.META_KEYS) + 1 + offset}", text[start:start + 30000])
    lists: list[tuple[str, Sequence[str]]] = [
        (layout.LIST_NAMES["categories"], framework.choices.categories),
        (layout.LIST_NAMES["performance_types"], framework.choices.performance_types),
        (layout.LIST_NAMES["level1"], [node.name for node in framework.level1]),
    ] + [(f"{layout.LEVEL2_LIST_PREFIX}{n}", node.children) for n, node in enumerate(framework.level1, start=1)]
    for offset, (name, items) in enumerate(lists):
        column = 3 + offset
        for row, item in enumerate(items, start=1):
            book.put(ws, f"{xl_col_to_name(column)}{row}", item)
        ref = xl_range_abs(0, column, max(len(items), 1) - 1, column)
        book.workbook.define_name(name, f"='{layout.META_SHEET}'!{ref}")
    book.protect(ws)
