"""Writes filings (and empty templates) as protected form workbooks, atomically.

A filing is written as the template drawn with its values typed in, so the written file is
exactly what a user would have typed into the template. Sheets are created in their final order
(cover, any sheets in front, projects, any sheets behind, hidden metadata), then drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import layout
from ..frameworks import Framework, load_framework
from ..layout import Form, load_form
from ..errors import InputFileError, OutputFileError
from ..model import Filing, Project, value_at
from ..outputs import atomic_output, output_file, scratch_folder
from .builder import DEFAULT_PASSWORD, draw_project_sheet, sheet_title
from .marks import Note
from .sheets import Sheet, cover_sheet, meta_sheet
from .xlsx import STREAM_ABOVE_SHEETS, Book


def check_workbook_name(path: str | Path) -> Path:
    """A workbook this toolkit writes is an .xlsx file; under another name (.xls, .xlsm) Excel refuses to open it."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise OutputFileError(f"工作簿只能保存为 .xlsx 文件，请把输出文件名改为 {path.with_suffix('.xlsx').name}。", path)
    return path


def build_template(path: str | Path, *, unit: str, year: int, form: str | Path | Form | None = None,
                   framework: str | Path | Framework | None = None, projects: int = 5,
                   password: str = DEFAULT_PASSWORD) -> Path:
    """Write the empty master template of ``form`` (default Shanghai 2020): a cover and ``projects``
    blank project sheets; ``framework`` overrides the form's default framework."""
    resolved_form = load_form(form)
    resolved = load_framework(framework if framework is not None else resolved_form.framework)
    filing = Filing(unit=unit, year=year, form=resolved_form.id, framework=resolved.id,
                    form_spec=resolved_form, framework_spec=resolved)
    sheets = [(layout.DEFAULT_PROJECT_SHEET.format(n=n), None) for n in range(1, projects + 1)]
    return _write(path, filing, sheets, password=password)


def write_filing(filing: Filing, path: str | Path, *, password: str = DEFAULT_PASSWORD,
                 inputs: tuple[str | Path, ...] = (), notes: Mapping[tuple[str, str], Note] | None = None,
                 front: Sequence[Sheet] = (), back: Sequence[Sheet] = ()) -> Path:
    """Write a filing as a filled template of its form, atomically; ``inputs`` are files it must not replace.

    ``notes`` go on cells by (sheet, cell); ``front`` sheets follow the cover, ``back`` sheets the projects.
    """
    sheets = list(zip(sheet_titles(filing), filing.projects))
    return _write(path, filing, sheets, password=password, inputs=inputs, notes=notes, front=front, back=back)


def _write(path: str | Path, filing: Filing, sheets: Sequence[tuple[str, Project | None]], *,
           password: str, inputs: tuple[str | Path, ...] = (), notes: Mapping[tuple[str, str], Note] | None = None,
           front: Sequence[Sheet] = (), back: Sequence[Sheet] = ()) -> Path:
    check_workbook_name(path)
    form, framework = filing.resolved_form(), filing.resolved_framework()
    _check_fits(filing, form)
    # XlsxWriter's thousands of part files go into a private folder beside the output (the output's
    # own disk), not the system temp folder, which is often slow to create files in (virus scanners).
    with atomic_output(path, inputs=inputs) as temp, scratch_folder(temp) as scratch, output_file(temp) as file:
        streaming = len(sheets) + len(front) + len(back) > STREAM_ABOVE_SHEETS
        book = Book(file, password=password, notes=notes, streaming=streaming, scratch=scratch)
        cover_values = {spot.path: getattr(filing, spot.path, None) for spot in layout.COVER_SPOTS}
        cover = cover_sheet(form, framework, cover_values | {"framework_name": framework.name})
        meta = meta_sheet(form, framework, filing.unit, filing.year)
        # Sheets are created in their final order, then drawn.
        before = [(declared, book.sheet(declared.title)) for declared in (cover, *front)]
        project_sheets = [(book.sheet(title), project) for title, project in sheets]
        after = [(declared, book.sheet(declared.title)) for declared in (*back, meta)]
        for declared, ws in before:
            with book.drawing(ws):
                book.draw(ws, declared)
        for ws, project in project_sheets:
            with book.drawing(ws):
                draw_project_sheet(book, ws, form, framework, filing.unit, filing.year, project)
        for declared, ws in after:
            with book.drawing(ws):
                book.draw(ws, declared)
        book.close()
    return Path(path)


def _check_fits(filing: Filing, form: Form) -> None:
    """Refuse a filing holding a value its form has no cell for, or a text longer than a cell holds:
    written, it would be lost or cut in silence."""
    for project in filing.projects:
        for path in layout.PROJECT_PATHS:
            if path != "unit" and not form.has(path) and value_at(project, path) is not None:
                raise InputFileError(f"项目“{project.name or '未命名'}”填有“{path}”，表样“{form.name}”没有这一栏，"
                                     "写入工作簿会丢失它；请用含这一栏的表样（--form），或先删去这一项。", filing.source)
        if any(indicator.horizon not in form.horizons() for indicator in project.indicators):
            raise InputFileError(f"项目“{project.name or '未命名'}”有中期绩效指标，表样“{form.name}”没有中期指标表，"
                                 "写入工作簿会丢失它们；请用含中期指标表的表样（--form）。", filing.source)
    if (overlong := layout.overlong_refusal(filing)) is not None:
        raise InputFileError(*overlong)


def sheet_titles(filing: Filing) -> list[str]:
    """Each project's sheet: the one it was read from if it has one, else named after the project."""
    taken = {name.lower() for name in layout.RESERVED_SHEETS}
    return [sheet_title(project.source.sheet if project.source is not None else project.name, taken,
                        layout.DEFAULT_PROJECT_SHEET.format(n=n))
            for n, project in enumerate(filing.projects, start=1)]
