"""Reads a filled template into a :class:`~xlgoals.model.Filing`, on the fast values path.

python-calamine reads cell values (not styles) far faster than openpyxl; positions come from
:mod:`xlgoals.layout`. Raw cell values go straight into the model, whose validators do all the
coercion, and each project remembers the cell of every field it read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine

from .. import layout
from ..errors import InputFileError, NotTemplateError
from ..fileio import check_workbook
from ..frameworks import Framework, builtin_ids, load_framework, own_framework
from ..layout import Form
from ..model import Filing, Project
from .cells import join_target

Grid = list[list[Any]]
_MOVED_FORM_ROWS, _MOVED_FORM_COLUMNS = 200, 20  # where a damaged form's labels are looked for


@dataclass
class WorkbookContent:
    """The cell values of a template workbook, by sheet, with its metadata."""

    path: Path
    meta: dict[str, Any]
    framework: Framework
    form: Form
    cover: Grid
    project_sheets: dict[str, Grid]
    other_sheets: list[str] = field(default_factory=list)


def load_filing(path: str | Path, *, framework: str | None = None) -> Filing:
    """The filing in a workbook made from the template; ``framework`` insists on one framework."""
    return filing_from_content(read_workbook(path, framework=framework))


def filing_from_content(content: WorkbookContent) -> Filing:
    """The filing in cell values already read (callers that also look at the other sheets)."""
    cover = {spot.path: _value(content.cover, spot.cell) for spot in layout.COVER_SPOTS}
    projects = []
    for sheet, grid in content.project_sheets.items():
        project = project_from_grid(grid, sheet, content.form, str(content.path))
        if project is not None:
            projects.append(project)
    return Filing.model_validate({
        "unit": cover["unit"] if cover["unit"] not in (None, "") else content.meta.get("unit"),
        "year": cover["year"] if cover["year"] not in (None, "") else content.meta.get("year"),
        "form": content.form.id,
        "framework": content.framework.id,
        "form_spec": content.form,
        "framework_spec": content.framework,
        "department": cover["department"],
        "contact": cover["contact"],
        "phone": cover["phone"],
        "projects": projects,
    }).model_copy(update={"source": str(content.path)})


def read_workbook(path: str | Path, *, framework: str | None = None) -> WorkbookContent:
    """All the cell values the toolkit needs, after checking the file is one of our templates."""
    path = check_workbook(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # calamine raises assorted errors for a damaged package
        raise InputFileError("文件已损坏或不是有效的 Excel 工作簿，请在 Excel 中打开并重新保存后再试。", path) from None
    try:
        return content_of(path, book.sheet_names, lambda name: _grid(book, name, path), framework=framework)
    finally:
        book.close()


def content_of(path: str | Path, names: list[str], grid_of: Callable[[str], Grid], *,
               framework: str | None = None) -> WorkbookContent:
    """A workbook's content from its sheet names and a way to get a sheet's values.

    The file reader passes python-calamine's sheets; the Excel add-in passes the open book's.
    """
    path = Path(path)
    if layout.META_SHEET not in names:  # with our cover it is a damaged template, without maybe a published table
        raise (InputFileError if layout.COVER_SHEET in names else NotTemplateError)("不是由绩效目标表模板填写的工作簿（缺少模板信息），"
                             "请用 xlgoals template 生成的模板填写后再试。", path)
    meta = _read_meta(grid_of(layout.META_SHEET))
    version = str(meta.get("template_version", ""))
    if version != layout.TEMPLATE_VERSION:
        raise InputFileError(f"模板版本为“{version or '未知'}”，本工具需要第 {layout.TEMPLATE_VERSION} 版模板，"
                             "请用 xlgoals template 重新生成模板并把内容转过去。", path)
    form = _form(meta, path)
    resolved = _framework(meta, path)
    if framework is not None and framework != resolved.id:
        raise InputFileError(f"工作簿使用的指标框架是“{resolved.id}”，不是要求的“{framework}”，"
                             "请使用对应框架的模板。", path)
    cover = grid_of(layout.COVER_SHEET) if layout.COVER_SHEET in names else []
    if cover and any(_text(_value(cover, spot.label_cell)) != spot.label for spot in layout.COVER_SPOTS):
        raise InputFileError(f"工作表“{layout.COVER_SHEET}”的行或列被删除、插入或移动过，无法读取填报部门等信息，"
                             "请用 xlgoals template 重新生成模板并把内容转过去。", path)
    project_sheets: dict[str, Grid] = {}
    others: list[str] = []
    for name in names:
        if name in (layout.META_SHEET, layout.COVER_SHEET, layout.REPORT_SHEET):
            continue
        grid = grid_of(name)
        if is_project_grid(grid, form):
            project_sheets[name] = grid
        elif moved_form(grid, form):
            raise InputFileError(f"工作表“{name}”的行或列被删除、插入或移动过，无法按模板读取，"
                                 "请把内容填回模板原样的项目表后再试。", path)
        else:
            others.append(name)
    return WorkbookContent(path, meta, resolved, form, cover, project_sheets, others)


def read_departments(path: str | Path, filing: Filing) -> list[str | None]:
    """The department of each project: from a merged filing's 汇总表, else the cover's 填报部门."""
    path = check_workbook(path)
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        if layout.SUMMARY_SHEET not in book.sheet_names:
            return [filing.department] * len(filing.projects)
        grid = _grid(book, layout.SUMMARY_SHEET, path)
    finally:
        book.close()
    headers = [_text(value) for value in grid[layout.SUMMARY_FIRST_ROW - 2]] if len(grid) >= layout.SUMMARY_FIRST_ROW else []
    if layout.SUMMARY_NAME_HEADER not in headers or layout.SUMMARY_DEPARTMENT_HEADER not in headers:
        return [filing.department] * len(filing.projects)
    name_column = headers.index(layout.SUMMARY_NAME_HEADER)
    department_column = headers.index(layout.SUMMARY_DEPARTMENT_HEADER)
    listed: dict[str, list[str | None]] = {}
    for row in grid[layout.SUMMARY_FIRST_ROW - 1:]:
        name = row[name_column] if name_column < len(row) else ""
        if name in ("", None):
            break
        department = row[department_column] if department_column < len(row) else None
        listed.setdefault(_text(name), []).append(department or None)
    return [listed[p.name].pop(0) if listed.get(p.name) else None for p in filing.projects]


def is_project_grid(grid: Grid, form: Form) -> bool:
    """Whether a sheet carries the labels of this form's project sheet (and each of its tables)."""
    return all(_text(_value(grid, ref)) == text for ref, text in form.signature.items()) and \
        table_places(grid, form) is not None


def moved_form(grid: Grid, form: Form) -> bool:
    """Whether a sheet that is no project form still carries most of its labels, elsewhere: rows or
    columns were deleted or inserted, and reading its cells would take values from the wrong fields."""
    labels = set(form.signature.values())
    found = {_text(value) for row in grid[:_MOVED_FORM_ROWS] for value in row[:_MOVED_FORM_COLUMNS]} & labels
    return len(found) * 2 > len(labels)


def table_places(grid: Grid, form: Form) -> tuple[layout.TablePlace, ...] | None:
    """The indicator tables of one sheet (a later table found by its heading), or None."""
    return form.find_places(lambda row: _text(_value(grid, f"A{row}")), max(len(grid), form.places()[-1].last_row))


def project_from_grid(grid: Grid, sheet: str, form: Form, file: str | None = None) -> Project | None:
    """The project on one form sheet, or None when none of its inputs is filled."""
    data: dict[str, Any] = {"budget": {}, "year": _value(grid, form.year_cell)}
    cells: dict[str, str] = {"year": form.year_cell}
    for spot in form.spots:
        value = _value(grid, spot.cell)
        if spot.kind == "amount":
            value = form.from_cell_amount(value)
        cells[spot.path] = spot.cell
        if spot.path.startswith("budget."):
            data["budget"][spot.path.removeprefix("budget.")] = value
        else:
            data[spot.path] = value
    places = table_places(grid, form) or form.places()
    cells.update(layout.table_paths({place.horizon: place for place in places}))  # findings about a whole table
    indicators = []
    columns = form.indicator_columns
    for number, place in enumerate(places):
        end = place.last_row if number < len(places) - 1 else len(grid)
        for row in range(place.first_row, end + 1):
            raw = {column.field: _value(grid, f"{column.first}{row}") for column in columns}
            if all(value in (None, "") for value in raw.values()):
                continue
            if form.split_target:
                raw["target"] = join_target(*(raw.pop(part, None) for part in layout.TARGET_PARTS))
            raw["horizon"] = place.horizon
            cells.update(form.row_cells(len(indicators), row))
            indicators.append(raw)
    data["indicators"] = indicators
    filled = [data[spot.path] for spot in form.input_spots if "." not in spot.path]
    if not indicators and all(v in (None, "") for v in filled + list(data["budget"].values())):
        return None
    data["source"] = {"file": file, "sheet": sheet, "cells": cells}
    return Project.model_validate(data)


def _grid(book: python_calamine.CalamineWorkbook, name: str, path: Path) -> Grid:
    try:
        return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception:
        raise InputFileError(f"工作表“{name}”无法读取，文件可能已损坏，请在 Excel 中重新保存后再试。", path) from None


def _value(grid: Grid, ref: str) -> Any:
    row, column = layout.split_cell(ref)
    if row > len(grid) or column > len(grid[row - 1]):
        return None
    value = grid[row - 1][column - 1]
    return None if value == "" else value


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _read_meta(grid: Grid) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for row in grid:
        key = _text(row[0]) if row else ""
        value = row[1] if len(row) > 1 else None
        if key in (layout.META_FRAMEWORK_TEXT_KEY, layout.META_FORM_TEXT_KEY):
            meta[key] = meta.get(key, "") + _text(value)
        elif key:
            meta[key] = value
    return meta


def _framework(meta: dict[str, Any], path: Path) -> Framework:
    ref = _text(meta.get("framework"))
    if meta.get(layout.META_FRAMEWORK_TEXT_KEY):
        try:
            framework = Framework.model_validate_json(meta[layout.META_FRAMEWORK_TEXT_KEY])
        except ValueError:
            raise InputFileError("工作簿内保存的指标框架已损坏，请用 xlgoals template 重新生成模板。", path) from None
        return own_framework(framework, path)
    if ref not in builtin_ids():
        raise InputFileError(f"工作簿使用了未知的指标框架“{ref or '空'}”，请用 xlgoals template 重新生成模板。", path)
    return load_framework(ref)


def form_of_meta(grid: Grid | None, path: str | Path) -> Form:
    """The form a workbook's metadata sheet names (Shanghai's when there is none)."""
    return _form(_read_meta(grid) if grid else {}, Path(path))


def _form(meta: dict[str, Any], path: Path) -> Form:
    """The workbook's form: a unit's own travels inside it; a workbook older than forms is Shanghai's."""
    ref = _text(meta.get("form")) or layout.DEFAULT_FORM
    if meta.get(layout.META_FORM_TEXT_KEY):
        form = layout.parse_form_json(meta[layout.META_FORM_TEXT_KEY], path)
        if form.id in layout.builtin_forms():
            raise InputFileError(f"工作簿内保存的表样使用了内置表样的编号“{form.id}”，请用 xlgoals template 重新生成模板。",
                                 path)
        return form
    if ref not in layout.builtin_forms():
        raise InputFileError(f"工作簿使用了未知的表样“{ref}”，请用 xlgoals template 重新生成模板。", path)
    return layout.load_form(ref)
