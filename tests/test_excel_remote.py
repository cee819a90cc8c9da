"""The ribbon's reading path on xlwings' own JSON-backed Book (its "remote" engine).

Optional: xlwings only opens such a Book with a license key (``XLWINGS_LICENSE_KEY``); without
one these tests are skipped, and the stand-in tests in ``test_excel.py`` still cover the add-in.
The remote engine has no notes, fills to read back, protection or screen updating outside
Office.js, so what can run on it is the part where xlwings' own conversion matters: reading a
workbook's values in bulk (numbers, dates, empty cells as xlwings delivers them) into the same
reader, and the findings that follow.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import openpyxl
import pytest
import xlwings
from openpyxl.utils import get_column_letter

from xlgoals import Filing, excel, load_filing, write_filing
from xlgoals.rules import validate
from xlgoals.workbook.reader import filing_from_content
from tests.conftest import EXAMPLE
from tests.support.cli import run

pytestmark = pytest.mark.skipif(
    not (os.environ.get("XLWINGS_LICENSE_KEY") and xlwings.__pro__),
    reason="optional: xlwings' JSON-backed Book needs XLWINGS_LICENSE_KEY",
)


def _client_value(value):
    """A cell value as an xlwings client puts it in the JSON it sends (dates as ISO text with Z)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return value


def remote_book(path) -> xlwings.Book:
    """The JSON a client sends for the workbook at ``path``, opened as ``xw.Book(json=...)``."""
    workbook = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for sheet in workbook.worksheets:
        rows = [[_client_value(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        sheets.append({"name": sheet.title, "values": rows or [[""]], "pictures": [], "tables": [],
                       "visibility": "Visible" if sheet.sheet_state == "visible" else "Hidden",
                       "used_range_address": f"A1:{get_column_letter(max(sheet.max_column, 1))}{max(sheet.max_row, 1)}"})
    payload = {"client": "VBA", "version": xlwings.__version__,
               "book": {"name": path.name, "active_sheet_index": 1, "selection": "A1"},
               "names": [], "sheets": sheets}
    return xlwings.Book(json=json.loads(json.dumps(payload)))


@pytest.fixture(scope="module")
def seed_workbook(tmp_path_factory):
    filing = Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
    return write_filing(filing, tmp_path_factory.mktemp("remote") / "seed.xlsx")


def test_reading_through_xlwings_gives_the_filing_the_file_reader_gives(seed_workbook):
    book = remote_book(seed_workbook)
    assert book.sheets[1].used_range.value is not None  # the real remote engine, not a stand-in
    read = filing_from_content(excel.read_book(book))
    assert read == load_filing(seed_workbook)
    assert read.projects[0].start_date is not None


def test_findings_read_through_xlwings_are_the_clis(seed_workbook):
    cli = json.loads(run("validate", str(seed_workbook), "--format", "json").stdout)
    report = validate(filing_from_content(excel.read_book(remote_book(seed_workbook))))
    assert cli["findings"]
    assert [(f.code, f.sheet, f.cell) for f in report.sorted()] == \
        [(f["code"], f["sheet"], f["cell"]) for f in cli["findings"]]
