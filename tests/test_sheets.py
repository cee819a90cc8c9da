"""The toolkit's own sheets are declared once (xlgoals.workbook.sheets) and drawn by three adapters:
XlsxWriter (a merged filing), openpyxl (an annotated copy) and xlwings (the ribbon). Each draws the
same 校验结果, and a link to a sheet whose name holds an apostrophe works in all three."""

from __future__ import annotations

import openpyxl

from tests.support.xlwings_standin import Book
from xlgoals import Filing, excel, layout, load_form, validate, write_filing
from xlgoals.merge import merge
from xlgoals.workbook.annotate import annotate_workbook
from xlgoals.workbook.marks import REPORT_HEADER_ROW
from xlgoals.workbook.sheets import report_sheet
from xlgoals.workbook.summary import write_merged

NAME = "张三's 项目"


def _workbook(example_data, tmp_path):
    data = dict(example_data, projects=[dict(example_data["projects"][3], name=NAME)])
    return write_filing(Filing.model_validate(data), tmp_path / "apostrophe.xlsx")


def test_three_adapters_draw_one_report_sheet(example_data, tmp_path):
    path = _workbook(example_data, tmp_path)
    report = validate(path)
    declared = report_sheet(report.sorted(), report.summary(), load_form("shanghai-2020"))
    spans = {f"{cell.ref}:{openpyxl.utils.get_column_letter(cell.to[1])}{cell.to[0]}"
             for cell in declared.cells if cell.to is not None and cell.to != (cell.row, cell.column)}
    assert spans
    expected = {cell.ref: cell.value for cell in declared.cells}
    assert any(cell.link == (NAME, cell.value) for cell in declared.cells)

    annotated = annotate_workbook(path, report, tmp_path / "annotated.xlsx")
    ws = openpyxl.load_workbook(annotated)[layout.REPORT_SHEET]
    assert {ref: ws[ref].value for ref in expected} == expected
    links = [ws[cell.ref].hyperlink.location for cell in declared.cells if cell.link]
    assert links and all(link.startswith("'张三''s 项目'!") for link in links)
    assert ws.freeze_panes == f"A{REPORT_HEADER_ROW + 1}" and ws.column_dimensions["E"].width == declared.widths[4]
    assert {str(span) for span in ws.merged_cells.ranges} == spans
    assert ws.print_title_rows == f"${REPORT_HEADER_ROW}:${REPORT_HEADER_ROW}"
    assert {row: ws.row_dimensions[row].height for row in declared.heights} == dict(declared.heights)

    book = Book.from_file(path)
    excel.validate(book)
    sheet = book.sheet(layout.REPORT_SHEET)
    for cell in declared.cells:
        if cell.link:
            formula = sheet.range(cell.ref).formula
            formula = formula[0][0] if isinstance(formula, list) else formula
            assert formula == f'=HYPERLINK("#\'张三\'\'s 项目\'!{cell.value}","{cell.value}")'
        else:
            assert sheet.range(cell.ref).value == cell.value, cell.ref
    assert {str(sheet.range(span.split(":")[0]).merge_area.address).replace("$", "") for span in spans} == spans
    assert all(sheet.range(f"{row}:{row}").row_height == height for row, height in declared.heights.items())

    merged = write_merged(merge([path], jobs=1), tmp_path / "merged.xlsx")
    ws = openpyxl.load_workbook(merged)[layout.REPORT_SHEET]
    mine = [cell for cell in declared.cells if cell.row > REPORT_HEADER_ROW]
    assert [ws[cell.ref].value for cell in mine if cell.column == 5] == [cell.value for cell in mine if cell.column == 5]
    assert {str(span) for span in ws.merged_cells.ranges} >= spans
    assert all(ws[cell.ref].hyperlink.location.startswith("'张三''s 项目'!") for cell in mine if cell.link)
