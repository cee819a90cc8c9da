"""Builds the protected form workbook: cover, project sheets, hidden metadata and lists.

The template and every written filing are made here, so a filing is always a filled template.
Positions come from :mod:`xlgoals.layout`, looks from :mod:`.styles`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from copy import copy
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from .. import layout
from ..frameworks import Framework, builtin_ids
from . import styles
from .cells import put

DEFAULT_PASSWORD = "xlgoals"
_STYLE_CACHE: WeakKeyDictionary = WeakKeyDictionary()  # workbook → style combination → style array
_NO_BORDER = styles.Border()
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_DATE_MIN_SERIAL, _DATE_MAX_SERIAL = 32874, 73050  # 1990-01-01 .. 2099-12-31


def sheet_title(name: str | None, taken: set[str], fallback: str) -> str:
    """A valid sheet name (≤ 31 chars, none of []:*?/\\) unique against ``taken`` (lower-cased names).

    The chosen name is added to ``taken``, so a caller naming many sheets keeps one set.
    """
    base = _SHEET_NAME_FORBIDDEN.sub("_", name or "").strip().strip("'") or fallback
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def new_workbook(
    *,
    framework: Framework,
    unit: str | None,
    year: int | str | None,
    sheets: Sequence[tuple[str, int]],
    password: str = DEFAULT_PASSWORD,
) -> Workbook:
    """A workbook with the cover, one empty form per ``(title, indicator rows)``, and metadata."""
    workbook = Workbook()
    cover = workbook.active
    cover.title = layout.COVER_SHEET
    _build_cover(cover, framework, unit, year, password)
    for title, rows in sheets:
        add_project_sheet(workbook, title, framework, unit, year, rows, password, append=True)
    _build_meta(workbook, framework, unit, year, password)
    workbook.security = WorkbookProtection(workbookPassword=password, lockStructure=True)
    return workbook


def add_project_sheet(
    workbook: Workbook,
    title: str,
    framework: Framework,
    unit: str | None,
    year: int | str | None,
    indicator_rows: int = layout.INDICATOR_ROWS,
    password: str = DEFAULT_PASSWORD,
    *,
    append: bool = False,
) -> Worksheet:
    """One empty, protected form sheet laid out like the official table, before the metadata sheet
    (``append`` while the workbook is being built and has none yet)."""
    ws = workbook.create_sheet(title, index=None if append else _project_insert_index(workbook))
    for column, width in layout.COLUMN_WIDTHS.items():
        ws.column_dimensions[column].width = width

    _section(ws, layout.TITLE_RANGE, layout.TITLE, styles.TITLE_FONT, fill=None, height=30)
    _section(ws, layout.YEAR_SPOT.value_range, f"（{year}年度）", styles.SUBTITLE_FONT, fill=None, height=20)
    for spot in layout.HEADER_SPOTS:
        _label(ws, spot.label_cell, spot.label)
        if spot.kind == "title":
            _value_range(ws, spot.value_range, locked=True)
            put(ws, spot.cell, unit)
        else:
            _input(ws, spot)
        ws.row_dimensions[_row(spot.label_cell)].height = 32
    for spot in layout.LONG_TEXT_SPOTS:
        _section(ws, f"{spot.label_cell}:{layout.LAST_COLUMN}{_row(spot.label_cell)}", spot.shown,
                 styles.LABEL_FONT, fill=styles.LABEL_FILL, height=20, align=styles.LEFT)
        _input(ws, spot)
        ws.row_dimensions[_row(spot.cell)].height = layout.long_text_height(
            None, minimum_chars=layout.LONG_TEXT_CAPACITY)
    _section(ws, layout.BUDGET_HEADING_RANGE, framework.budget_heading, styles.LABEL_FONT,
             fill=styles.SECTION_FILL, height=22)
    for spot in layout.BUDGET_SPOTS:
        _label(ws, spot.label_cell, spot.label)
        _input(ws, spot)
        ws.row_dimensions[_row(spot.label_cell)].height = 32
    _section(ws, layout.INDICATOR_HEADING_RANGE, f"{year}年绩效目标", styles.LABEL_FONT,
             fill=styles.SECTION_FILL, height=22)
    header = layout.INDICATOR_HEADER_ROW
    for field, (first, last) in layout.INDICATOR_COLUMNS.items():
        _section(ws, f"{first}{header}:{last}{header}", getattr(framework.labels, field), styles.LABEL_FONT,
                 fill=styles.LABEL_FILL, height=22)
    last_row = layout.INDICATOR_FIRST_ROW + indicator_rows - 1
    for row in range(layout.INDICATOR_FIRST_ROW, last_row + 1):
        for first, last in layout.INDICATOR_COLUMNS.values():
            _value_range(ws, f"{first}{row}:{last}{row}", locked=False, number_format=styles.TEXT_FORMAT)
        ws.row_dimensions[row].height = 20

    _validations(ws, framework, last_row)
    _page_setup(ws, last_row)
    _protect(ws, password)
    return ws


def _project_insert_index(workbook: Workbook) -> int:
    """New project sheets go before the hidden metadata sheet, which stays last."""
    names = workbook.sheetnames
    return names.index(layout.META_SHEET) if layout.META_SHEET in names else len(names)


def _row(ref: str) -> int:
    return layout.split_cell(ref)[0]


def _cells(ws: Worksheet, cell_range: str):
    return [cell for row in ws[cell_range] for cell in row] if ":" in cell_range else [ws[cell_range]]


def _merge(ws: Worksheet, cell_range: str) -> None:
    """Register a merged range; every cell in it is styled by the caller, so openpyxl's own
    merge (which rebuilds each covered cell and restyles its borders) is not needed."""
    ws.merged_cells.add(CellRange(cell_range))


def _styled(cell, **attributes) -> None:
    """Give a cell a combination of styles, computed once per workbook and then copied.

    openpyxl hashes every style object on assignment, which dominates the time of writing
    thousands of form sheets; copying the cell's cached style array skips that work.
    """
    cache = _STYLE_CACHE.setdefault(cell.parent.parent, {})
    key = tuple((name, id(value)) if not isinstance(value, str) else (name, value)
                for name, value in attributes.items())
    cached = cache.get(key)
    if cached is None:
        for name, value in attributes.items():
            setattr(cell, name, value)
        cache[key] = copy(cell._style)
    else:
        cell._style = copy(cached)


def _value_range(ws: Worksheet, cell_range: str, *, locked: bool, number_format: str | None = None,
                 align=styles.LEFT) -> None:
    if ":" in cell_range and cell_range.split(":")[0] != cell_range.split(":")[1]:
        _merge(ws, cell_range)
    look = {"border": styles.BORDER, "font": styles.BODY_FONT, "alignment": align,
            "protection": styles.LOCKED if locked else styles.UNLOCKED}
    if not locked:
        look["fill"] = styles.INPUT_FILL
    if number_format:
        look["number_format"] = number_format
    for cell in _cells(ws, cell_range):
        _styled(cell, **look)


def _input(ws: Worksheet, spot: layout.Spot) -> None:
    formats = {"amount": styles.AMOUNT_FORMAT, "date": styles.DATE_FORMAT}
    align = styles.TOP_LEFT if spot.kind == "long" else styles.LEFT
    _value_range(ws, spot.value_range, locked=False, number_format=formats.get(spot.kind, styles.TEXT_FORMAT),
                 align=align)


def _label(ws: Worksheet, ref: str, text: str) -> None:
    cell = ws[ref]
    cell.value = text
    _styled(cell, font=styles.LABEL_FONT, fill=styles.LABEL_FILL, border=styles.BORDER, alignment=styles.CENTER,
            protection=styles.LOCKED)


def _section(ws: Worksheet, cell_range: str, text: str, font, *, fill, height: float, align=styles.CENTER) -> None:
    first = cell_range.split(":")[0]
    if cell_range.split(":")[1] != first:
        _merge(ws, cell_range)
    border = styles.BORDER if fill else _NO_BORDER
    for cell in _cells(ws, cell_range):
        if fill:
            _styled(cell, border=border, protection=styles.LOCKED, fill=fill)
        else:
            _styled(cell, border=border, protection=styles.LOCKED)
    put(ws, first, text)
    if fill:
        _styled(ws[first], border=border, protection=styles.LOCKED, fill=fill, font=font, alignment=align)
    else:
        _styled(ws[first], border=border, protection=styles.LOCKED, font=font, alignment=align)
    ws.row_dimensions[_row(first)].height = height


def _list_validation(source: str, prompt: str, error: str) -> DataValidation:
    return DataValidation(type="list", formula1=source, allow_blank=True, showDropDown=False,
                          showErrorMessage=True, errorTitle="输入有误", error=error,
                          showInputMessage=True, promptTitle="请选择", prompt=prompt)


def _validations(ws: Worksheet, framework: Framework, last_row: int) -> None:
    """Drop-downs and value checks, with Chinese prompts and error messages."""
    spots = {spot.path: spot for spot in layout.INPUT_SPOTS}
    first = layout.INDICATOR_FIRST_ROW
    level1_col, level2_col = layout.INDICATOR_COLUMNS["level1"][0], layout.INDICATOR_COLUMNS["level2"][0]
    target_col = layout.INDICATOR_COLUMNS["target"][0]
    rules: list[tuple[DataValidation, str]] = [
        (_list_validation(f"={layout.LIST_NAMES['categories']}", "从列表中选择项目类别。",
                          "请从下拉列表中选择项目类别。"), spots["category"].cell),
        (_list_validation(f"={layout.LIST_NAMES['performance_types']}", "从列表中选择绩效类型。",
                          "请从下拉列表中选择绩效类型。"), spots["performance_type"].cell),
        (_list_validation('"是,否"', "填“是”或“否”。", "只能填“是”或“否”。"),
         spots["government_procurement"].cell),
        (_list_validation(f"={layout.LIST_NAMES['level1']}", f"从列表中选择{framework.labels.level1}。",
                          f"请从下拉列表中选择{framework.labels.level1}。"), f"{level1_col}{first}:{level1_col}{last_row}"),
        (_list_validation(f'=INDIRECT("{layout.LEVEL2_LIST_PREFIX}"&MATCH(${level1_col}{first},'
                          f'{layout.LIST_NAMES["level1"]},0))',
                          f"先选{framework.labels.level1}，再从列表中选择其下的{framework.labels.level2}。",
                          f"{framework.labels.level2}必须属于本行的{framework.labels.level1}，请从下拉列表中选择。"),
         f"{level2_col}{first}:{level2_col}{last_row}"),
    ]
    dates = DataValidation(type="date", operator="between", formula1=str(_DATE_MIN_SERIAL),
                           formula2=str(_DATE_MAX_SERIAL), allow_blank=True, showErrorMessage=True,
                           errorTitle="日期有误", error="请输入日期，如 2021-01-01。",
                           showInputMessage=True, promptTitle="日期", prompt="按 2021-01-01 的格式输入日期。")
    rules += [(dates, spots["start_date"].cell), (dates, spots["end_date"].cell)]
    amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                             showErrorMessage=True, errorTitle="金额有误",
                             error="金额须为不小于 0 的数字，单位为元，不要输入“万元”等文字。",
                             showInputMessage=True, promptTitle="金额（元）", prompt="以元为单位输入数字。")
    rules += [(amounts, spot.cell) for spot in layout.BUDGET_SPOTS]
    targets = DataValidation(type=None, allow_blank=True, showInputMessage=True, promptTitle="指标目标值",
                             prompt="定量指标写比较符号、数值和单位，如 >=90%、=100%、>=40家、<=30天；"
                                    "定性指标写 合理、健全、规范、有效 等。")
    rules.append((targets, f"{target_col}{first}:{target_col}{last_row}"))
    for validation, where in rules:
        if not any(existing is validation for existing in ws.data_validations.dataValidation):
            ws.add_data_validation(validation)
        validation.add(where)


def _page_setup(ws: Worksheet, last_row: int) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.6, right=0.6, top=0.7, bottom=0.7, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = "1:2"
    ws.print_area = f"A1:{layout.LAST_COLUMN}{last_row}"
    ws.oddFooter.center.text = "&A　第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    ws.sheet_view.showGridLines = False


def _protect(ws: Worksheet, password: str) -> None:
    """Lock the sheet; users may still select cells and adjust row heights for long texts."""
    ws.protection.sheet = True
    ws.protection.password = password
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _build_cover(ws: Worksheet, framework: Framework, unit: str | None, year, password: str) -> None:
    for column, width in layout.COVER_COLUMN_WIDTHS.items():
        ws.column_dimensions[column].width = width
    _section(ws, layout.COVER_TITLE_RANGE, "财政项目支出绩效目标表 · 填报说明", styles.TITLE_FONT, fill=None, height=32)
    values = {"unit": unit, "year": year, "framework_name": framework.name}
    for spot in layout.COVER_SPOTS:
        _label(ws, spot.label_cell, spot.label)
        ws.row_dimensions[_row(spot.label_cell)].height = 22
        if spot.kind == "title":
            _value_range(ws, spot.value_range, locked=True)
            put(ws, spot.cell, values[spot.path])
        else:
            _value_range(ws, spot.value_range, locked=False, number_format=styles.TEXT_FORMAT)
    row = layout.COVER_GUIDE_FIRST_ROW
    _section(ws, f"A{row}:D{row}", "填报指引", styles.LABEL_FONT, fill=styles.SECTION_FILL, height=22)
    for offset, line in enumerate(_guide(framework), start=1):
        _section(ws, f"A{row + offset}:D{row + offset}", f"{offset}. {line}", styles.BODY_FONT, fill=None,
                 height=34, align=styles.LEFT)
    _page_setup(ws, row + offset)
    ws.print_title_rows = None
    _protect(ws, password)


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


def _build_meta(workbook: Workbook, framework: Framework, unit: str | None, year, password: str) -> None:
    """The hidden sheet: template metadata in A:B and the drop-down lists from column D on."""
    ws = workbook.create_sheet(layout.META_SHEET)
    ws.sheet_state = "hidden"
    meta = {"template_version": layout.TEMPLATE_VERSION, "unit": unit, "year": year,
            "framework": framework.id, "framework_name": framework.name}
    for row, key in enumerate(layout.META_KEYS, start=1):
        put(ws, f"A{row}", key)
        put(ws, f"B{row}", meta[key])
    if framework.id not in builtin_ids():
        text = framework.model_dump_json()
        for offset, start in enumerate(range(0, len(text), 30000)):
            put(ws, f"A{len(layout.META_KEYS) + 1 + offset}", layout.META_FRAMEWORK_TEXT_KEY)
            put(ws, f"B{len(layout.META_KEYS) + 1 + offset}", text[start:start + 30000])
    lists: list[tuple[str, Sequence[str]]] = [
        (layout.LIST_NAMES["categories"], framework.choices.categories),
        (layout.LIST_NAMES["performance_types"], framework.choices.performance_types),
        (layout.LIST_NAMES["level1"], [node.name for node in framework.level1]),
    ] + [(f"{layout.LEVEL2_LIST_PREFIX}{n}", node.children) for n, node in enumerate(framework.level1, start=1)]
    for offset, (name, items) in enumerate(lists):
        column = get_column_letter(4 + offset)
        for row, item in enumerate(items, start=1):
            put(ws, f"{column}{row}", item)
        ref = f"'{layout.META_SHEET}'!${column}$1:${column}${max(len(items), 1)}"
        workbook.defined_names[name] = DefinedName(name, attr_text=ref)
    _protect(ws, password)
