"""The annotated copy: problem cells coloured and noted, plus a 校验结果 sheet linking to each.

Works on a copy of the workbook; the input file is never modified.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.worksheet.page import PageMargins
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from .. import layout
from ..layout import Form
from ..fileio import check_workbook
from ..outputs import atomic_output, output_file
from ..rules.report import Finding, Report
from .cells import put
from .reader import form_of_meta
from .sheets import Sheet, report_sheet
from .marks import MARK_AUTHOR, cell_marks, sheet_reference, template_fill
from .styles import PRINT_FOOTER, PRINT_HEADER_MARGIN, PRINT_MARGINS, openpyxl_fill, openpyxl_look


def annotate_workbook(source: str | Path, report: Report, output: str | Path) -> Path:
    """Write ``output``: ``source`` with every finding marked on its cell and listed on a sheet."""
    from .writer import check_workbook_name

    check_workbook_name(output)
    source = check_workbook(source)
    workbook = openpyxl.load_workbook(source, keep_vba=False, keep_links=False)  # no macro, no external link travels
    findings = [finding for finding in report.sorted() if finding.file in (None, str(source))]
    form = clear_marks(workbook, source)
    mark_cells(workbook, findings)
    add_report_sheet(workbook, findings, report.summary(), form)
    with atomic_output(output, inputs=(source,)) as temp, output_file(temp) as file:
        workbook.save(file)
    return Path(output)


def mark_cells(workbook, findings: list[Finding]) -> None:
    """Colour each problem cell (errors win over warnings) and put all its messages in one note."""
    sheets = {ws.title: ws for ws in workbook.worksheets}
    for (sheet, ref), note in cell_marks(findings, sheets).items():
        cell = sheets[sheet][ref]
        cell.fill = openpyxl_fill(note.fill)
        cell.comment = Comment(note.text, MARK_AUTHOR, width=320, height=min(60 + 40 * (note.text.count("\n") + 1), 400))


def clear_marks(workbook, path: str | Path = "") -> Form:
    """Remove the marks of an earlier run (our notes, our fills) and the 校验结果 sheet; returns the
    workbook's form.

    A marked cell gets back the template's fill (:func:`.marks.template_fill`) of the workbook's
    form. A user's own notes are left alone.
    """
    meta = workbook[layout.META_SHEET] if layout.META_SHEET in workbook.sheetnames else None
    form = form_of_meta([list(row) for row in meta.iter_rows(values_only=True)] if meta is not None else None, path)
    for ws in workbook.worksheets:
        places = None
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is None or cell.comment.author != MARK_AUTHOR:
                    continue
                if places is None:  # column A read once, without creating cells
                    texts = [str(value or "").strip() for (value,) in ws.iter_rows(max_col=1, values_only=True)]
                    places = form.find_places(lambda r, texts=texts: texts[r - 1] if r <= len(texts) else "",
                                              len(texts)) or ()
                cell.comment = None
                cell.fill = openpyxl_fill(template_fill(form, ws.title, cell.coordinate, places or None))
    if layout.REPORT_SHEET in workbook.sheetnames:
        del workbook[layout.REPORT_SHEET]
    return form


def add_report_sheet(workbook, findings: list[Finding], summary: str, form: Form) -> None:
    """The 校验结果 sheet (:func:`.sheets.report_sheet`), second in the workbook."""
    draw_sheet(workbook, report_sheet(findings, summary, form), index=1)


def draw_sheet(workbook, sheet: Sheet, index: int) -> None:
    """Draw a declared sheet into an openpyxl workbook (the parts a report sheet uses: cells, looks,
    fills, links, merges, widths, heights, frozen rows, print setup)."""
    ws = workbook.create_sheet(sheet.title, index=index)
    for cell in sheet.cells:
        target = ws.cell(cell.row, cell.column)
        put(ws, target.coordinate, cell.value)
        if cell.role:
            _style(target, cell.role)
        if cell.fill:
            target.fill = openpyxl_fill(cell.fill)
        if cell.link is not None:
            target.hyperlink = Hyperlink(ref=target.coordinate, location=sheet_reference(*cell.link))
        if cell.to is not None and cell.to != (cell.row, cell.column):
            ws.merge_cells(start_row=cell.row, start_column=cell.column, end_row=cell.to[0], end_column=cell.to[1])
    for column, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    for row, height in sheet.heights.items():
        ws.row_dimensions[row].height = height
    if sheet.freeze:
        ws.freeze_panes = f"A{sheet.freeze + 1}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if sheet.landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(**PRINT_MARGINS, header=PRINT_HEADER_MARGIN, footer=PRINT_HEADER_MARGIN)
    ws.oddFooter.center.text = PRINT_FOOTER.removeprefix("&C")
    ws.print_options.horizontalCentered = True
    if sheet.title_rows:
        ws.print_title_rows = "{}:{}".format(*sheet.title_rows)
    ws.print_area = f"A1:{get_column_letter(sheet.print_columns)}{max(sheet.print_rows, 1)}"


def _style(cell, role: str) -> None:
    for name, value in openpyxl_look(role).items():
        if name != "protection":
            setattr(cell, name, value)
