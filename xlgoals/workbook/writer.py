"""Writes filings (and empty templates) as protected form workbooks.

A filing is written by building the template for its projects and filling the inputs, so the
written file is exactly what a user would have typed into the template.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from .. import layout
from ..fileio import atomic_output
from ..frameworks import Framework, load_framework
from ..model import Filing, Project, value_at
from .builder import DEFAULT_PASSWORD, new_workbook, sheet_title
from .cells import put


def build_template(path: str | Path, *, unit: str, year: int, framework: str | Path = "shanghai-2020",
                   projects: int = 5, password: str = DEFAULT_PASSWORD) -> Path:
    """Write the empty master template: a cover and ``projects`` blank project sheets."""
    resolved = load_framework(framework)
    filing = Filing(unit=unit, year=year, framework=resolved.id)
    sheets = [(layout.DEFAULT_PROJECT_SHEET.format(n=n), layout.INDICATOR_ROWS) for n in range(1, projects + 1)]
    workbook = new_workbook(framework=resolved, unit=filing.unit, year=filing.year, sheets=sheets, password=password)
    return save_workbook(workbook, path)


def write_filing(filing: Filing, path: str | Path, *, password: str = DEFAULT_PASSWORD,
                 inputs: tuple[str | Path, ...] = ()) -> Path:
    """Write a filing as a filled template, atomically; ``inputs`` are files it must not replace."""
    return save_workbook(render_filing(filing, password=password), path, inputs=inputs)


def render_filing(filing: Filing, *, framework: Framework | None = None,
                  password: str = DEFAULT_PASSWORD) -> Workbook:
    """The filled workbook in memory (for callers that add to it before saving)."""
    framework = framework or load_framework(filing.framework)
    titles = sheet_titles(filing)
    sheets = [(title, max(layout.INDICATOR_ROWS, len(project.indicators)))
              for title, project in zip(titles, filing.projects)]
    workbook = new_workbook(framework=framework, unit=filing.unit, year=filing.year, sheets=sheets,
                            password=password)
    cover = workbook[layout.COVER_SHEET]
    for spot in layout.COVER_SPOTS:
        if spot.kind != "title":
            put(cover, spot.cell, getattr(filing, spot.path))
    for title, project in zip(titles, filing.projects):
        fill_project(workbook[title], project)
    return workbook


def sheet_titles(filing: Filing) -> list[str]:
    """Each project's sheet: the one it was read from if it has one, else named after the project."""
    taken = {name.lower() for name in layout.RESERVED_SHEETS}
    return [sheet_title(project.source.sheet if project.source is not None else project.name, taken,
                        layout.DEFAULT_PROJECT_SHEET.format(n=n))
            for n, project in enumerate(filing.projects, start=1)]


def fill_project(ws: Worksheet, project: Project) -> None:
    """Type a project's values into an empty form sheet."""
    put(ws, layout.YEAR_SPOT.cell, f"（{project.year}年度）")
    heading = layout.INDICATOR_HEADING_RANGE.split(":")[0]
    put(ws, heading, f"{project.year}年绩效目标")
    for spot in layout.PROJECT_SPOTS:
        if spot.kind == "year":
            continue
        value = value_at(project, spot.path)
        put(ws, spot.cell, value)
        if spot.kind == "long":
            ws.row_dimensions[layout.split_cell(spot.cell)[0]].height = layout.long_text_height(value)
    last_row = layout.INDICATOR_FIRST_ROW + max(len(project.indicators), 1) - 1
    ws.print_area = f"A1:{layout.LAST_COLUMN}{last_row}"  # a filled form prints its rows, not 40 blank ones
    for index, indicator in enumerate(project.indicators):
        row = layout.INDICATOR_FIRST_ROW + index
        put(ws, layout.indicator_cell("level1", row), indicator.level1)
        put(ws, layout.indicator_cell("level2", row), indicator.level2)
        put(ws, layout.indicator_cell("level3", row), indicator.level3)
        put(ws, layout.indicator_cell("target", row), indicator.target.raw if indicator.target else None)


def save_workbook(workbook: Workbook, path: str | Path, *, inputs: tuple[str | Path, ...] = ()) -> Path:
    """Save atomically; refuse to replace any of ``inputs``."""
    with atomic_output(path, inputs=inputs) as temp:
        workbook.save(temp)
    return Path(path)
