"""Draws the protected form: the 填报说明 cover, project sheets and the hidden metadata and lists.

The template and every written filing are drawn here, so a filing is always a filled template.
Positions come from :mod:`xlgoals.layout`, looks from :mod:`.styles`; each sheet is drawn with
its values in one pass (XlsxWriter writes a cell once).
"""

from __future__ import annotations

import datetime as dt
import re

from xlsxwriter.worksheet import Worksheet

from .. import layout
from ..frameworks import Framework
from ..layout import Form
from ..model import Project, value_at
from .cells import split_target
from .pages import page_breaks
from .xlsx import Book, page_setup

DEFAULT_PASSWORD = "xlgoals"
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_EXCEL_RESERVED_SHEETS = {"history"}  # Excel keeps this name for its change history
_DATE_MIN, _DATE_MAX = dt.date(1990, 1, 1), dt.date(2099, 12, 31)
_INPUT_ROLES = {"long": "input_long", "amount": "input_amount", "date": "input_date"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_HEADING_ROLES = {"title", "subtitle", "section", "section_left", "label"}  # a row of these heads the next


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


def draw_project_sheet(book: Book, ws: Worksheet, form: Form, framework: Framework, unit: str | None,
                       year: int | str | None, project: Project | None,
                       capacities: tuple[int, ...] | None = None) -> None:
    """One protected form sheet laid out like the official table: blank, or with ``project`` typed in."""
    year = project.year if project is not None else year
    for column, width in form.columns.items():
        index = layout.column_number(column) - 1
        ws.set_column(index, index, width)
    words = {"year": year, "budget_heading": framework.budget_heading}
    heights: dict[int, float] = {}
    cells: list[tuple[int, str, object, str]] = []  # (row, range, value, role): drawn in row order below

    def put(cell_range: str, value: object, role: str, height: float | None = None) -> None:
        row = _row(cell_range.split(":")[0])
        cells.append((row, cell_range, value, role))
        if height is not None:
            heights[row] = height

    put(form.title_range, form.title, "title", 30)
    put(form.year_range, f"（{year}年度）", "subtitle", 20)
    for heading in form.headings:
        put(heading.range, _fill_in(heading.text, words), heading.role, heading.height)
    for spot in form.spots:
        value = _cell_value(form, spot, project, unit)
        if spot.kind == "long":
            put(spot.label_range, spot.shown, "section_left" if spot.band else "label", spot.height or 20)
            width = sum(form.columns[layout.column_name(c)] for c in _columns_of(spot.value_range))
            per_line = max(1, int(width // 2))
            size = (layout.long_text_height(value, chars_per_line=per_line) if project is not None
                    else layout.long_text_height(None, minimum_chars=spot.capacity, chars_per_line=per_line))
            row = _row(spot.cell)
            put(spot.value_range, value, "input_long", max(heights.get(row, 0), size))
            continue
        if spot.label_range:
            put(spot.label_range, spot.label, "label", spot.height or 32)
        put(spot.value_range, value, "value" if spot.kind == "title" else _input_role(form, spot.kind))
    # XlsxWriter streams a large filing's sheets row by row: heights first, then cells in row order.
    for row, height in heights.items():
        ws.set_row(row - 1, height)
    for _, cell_range, value, role in sorted(cells, key=lambda cell: cell[0]):
        book.span(ws, cell_range, value, role)
    indicators = project.indicators if project is not None else []
    capacities = capacities or form.capacities(indicators)
    places = form.places(capacities)
    last = form.last_column
    by_horizon: dict[str, list] = {}
    for indicator in indicators:
        by_horizon.setdefault(indicator.horizon, []).append(indicator)
    for place in places:
        _band(book, ws, f"A{place.heading_row}:{last}{place.heading_row}", _fill_in(place.heading, words), "section", 22)
        header = place.header_row
        for column in form.indicator_columns:
            label = column.label or getattr(framework.labels, column.field)
            _band(book, ws, f"{column.first}{header}:{column.last or column.first}{header}", label, "label", 22)
        rows = by_horizon.get(place.horizon, [])
        for offset, row in enumerate(range(place.first_row, place.last_row + 1)):
            values = cells_of_indicator(form, rows[offset]) if offset < len(rows) else {}
            for column in form.indicator_columns:
                role = "input_number" if column.field == "weight" else "input"
                book.span(ws, f"{column.first}{row}:{column.last or column.first}{row}", values.get(column.field), role)
            ws.set_row(row - 1, 20)
    _validations(ws, form, framework, places)
    # A filled form prints its rows, not 40 blank ones.
    final = places[-1]
    printed = final.first_row + max(len(by_horizon.get(final.horizon, [])), 1) - 1 if project is not None \
        else final.last_row
    # Headings print with what they head; the last indicator table's headings repeat on its pages.
    keep = {row for row, _, _, role in cells if role in _HEADING_ROLES} - {row for row, _, _, role in cells
                                                                         if role not in _HEADING_ROLES}
    keep |= {row for place in places for row in (place.heading_row, place.header_row)}
    keep |= {row for place in places[:-1] for row in range(place.heading_row, place.last_row)}  # one page each
    heights |= {row: 20 for place in places for row in range(place.first_row, place.last_row + 1)}
    heights |= {row: 22 for place in places for row in (place.heading_row, place.header_row)}
    repeat = (final.heading_row, final.header_row)
    breaks = page_breaks(heights, printed, keep_with_next=keep, repeat=repeat, widths=list(form.columns.values()))
    page_setup(ws, printed, form.width, title_rows=repeat, breaks=breaks)
    book.leftover_notes(ws)
    book.protect(ws)


def _fill_in(text: str, words: dict[str, object]) -> str:
    """A form's text with its placeholders ({year}, {budget_heading}) filled in."""
    return _PLACEHOLDER.sub(lambda match: str(words.get(match.group(1), match.group(0))), text)


def _cell_value(form: Form, spot: layout.Spot, project: Project | None, unit: str | None):
    if project is None:
        return unit if spot.kind == "title" else None
    value = value_at(project, spot.path)
    return form.to_cell_amount(value) if spot.kind == "amount" else value


def _input_role(form: Form, kind: str) -> str:
    if kind == "amount" and form.money_unit == "万元":
        return "input_amount_wan"
    return _INPUT_ROLES.get(kind, "input")


def cells_of_indicator(form: Form, indicator) -> dict[str, object]:
    """An indicator's values by column field; a split form gets the target's parts, losslessly."""
    values: dict[str, object] = {"level1": indicator.level1, "level2": indicator.level2, "level3": indicator.level3,
                                 "weight": indicator.weight, "standard": indicator.standard}
    raw = indicator.target.raw if indicator.target else None
    if form.split_target:
        values.update(zip(layout.TARGET_PARTS, split_target(raw)))
    else:
        values["target"] = raw
    return values


def _columns_of(cell_range: str) -> range:
    first, _, last = cell_range.partition(":")
    return range(layout.split_cell(first)[1], layout.split_cell(last or first)[1] + 1)


def _row(ref: str) -> int:
    return layout.split_cell(ref)[0]


def _height(ws: Worksheet, ref: str, height: float) -> None:
    ws.set_row(_row(ref) - 1, height)


def _band(book: Book, ws: Worksheet, cell_range: str, text: str, role: str, height: float | None) -> None:
    """A fixed text across a range (title, heading, label) and its row's height."""
    book.span(ws, cell_range, text, role)
    if height is not None:
        _height(ws, cell_range.split(":")[0], height)


def _list(source: str | list[str], prompt: str, error: str) -> dict:
    return {"validate": "list", "source": source, "input_title": "请选择", "input_message": prompt,
            "error_title": "输入有误", "error_message": error}


def _validations(ws: Worksheet, form: Form, framework: Framework, places) -> None:
    """Drop-downs and value checks, with Chinese prompts and error messages."""
    labels = framework.labels
    money = form.money_unit
    rules: list[tuple[str, dict]] = []
    for spot in form.input_spots:
        if spot.choices:
            rules.append((spot.cell, _list(f"={layout.LIST_NAMES[spot.choices]}", f"从列表中选择{spot.label}。",
                                           f"请从下拉列表中选择{spot.label}。")))
        elif spot.options:
            rules.append((spot.cell, _list(list(spot.options), f"从列表中选择{spot.label}。",
                                           f"请从下拉列表中选择{spot.label}。")))
        elif spot.kind == "yesno":
            rules.append((spot.cell, _list(list(layout.YES_NO), "填“是”或“否”。", "只能填“是”或“否”。")))
    dates = " ".join(spot.cell for spot in form.input_spots if spot.kind == "date")
    if dates:
        rules.append((dates, {"validate": "date", "criteria": "between", "minimum": _DATE_MIN, "maximum": _DATE_MAX,
                              "input_title": "日期", "input_message": "按 2021-01-01 的格式输入日期。",
                              "error_title": "日期有误", "error_message": "请输入日期，如 2021-01-01。"}))
    amounts = " ".join(spot.cell for spot in form.input_spots if spot.kind == "amount")
    if amounts:
        wan = "；不要输入“万元”等文字" if money == "万元" else ""
        rules.append((amounts, {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": f"金额（{money}）",
                                "input_message": f"以{money}为单位输入数字。", "error_title": "金额有误",
                                "error_message": (f"金额须为不小于 0 的数字，单位为{money}，不要输入“万元”等文字。"
                                                  if not wan else f"金额须为不小于 0 的数字，单位为万元{wan}。")}))
    columns = form.columns_by_field
    level1_col, level2_col = columns["level1"].first, columns["level2"].first
    target = columns.get("target") or columns["target.value"]
    prompt = ("定量指标写比较符号、数值和单位，如 >=90%、=100%、>=40家、<=30天；定性指标写 合理、健全、规范、有效 等。"
              if not form.split_target else
              "定量指标填数值（比较符号填在指标性质，单位填在度量单位）；定性指标填 合理、健全、规范、有效 等。")
    for place in places:
        first, last_row = place.first_row, place.last_row
        rules += [
            (f"{level1_col}{first}:{level1_col}{last_row}",
             _list(f"={layout.LIST_NAMES['level1']}", f"从列表中选择{labels.level1}。",
                   f"请从下拉列表中选择{labels.level1}。")),
            (f"{level2_col}{first}:{level2_col}{last_row}",
             _list(f'=INDIRECT("{layout.LEVEL2_LIST_PREFIX}"&MATCH(${level1_col}{first},{layout.LIST_NAMES["level1"]},0))',
                   f"先选{labels.level1}，再从列表中选择其下的{labels.level2}。",
                   f"{labels.level2}必须属于本行的{labels.level1}，请从下拉列表中选择。")),
            (f"{target.first}{first}:{target.first}{last_row}",
             {"validate": "any", "input_title": "指标目标值" if not form.split_target else target.label or labels.target,
              "input_message": prompt}),
        ]
        for column in form.indicator_columns:
            where = f"{column.first}{first}:{column.first}{last_row}"
            if column.options:
                rules.append((where, _list(list(column.options), f"从列表中选择{column.label}。",
                                           f"请从下拉列表中选择{column.label}。")))
            if column.field == "weight":
                name = column.label or "权重"
                rules.append((where, {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": name,
                                      "input_message": f"填数字；各指标的{name}合计应为 {form.weight_total or 100}。",
                                      "error_title": "输入有误", "error_message": "请填写不小于 0 的数字。"}))
    for where, options in rules:
        ranges = where.split(" ")
        first_range = ranges[0].split(":")
        (r1, c1), (r2, c2) = (layout.split_cell(first_range[0]), layout.split_cell(first_range[-1]))
        if len(ranges) > 1:
            options = options | {"multi_range": where}
        ws.data_validation(r1 - 1, c1 - 1, r2 - 1, c2 - 1, options)
