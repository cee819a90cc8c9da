"""The XlsxWriter layer: parallel assembly and streaming to disk give the same workbook as the plain path."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from xlgoals import Filing, load_filing, write_filing
from xlgoals.workbook import writer, xlsx
from tests.support.snapshot import snapshot
from tests.conftest import EXAMPLE


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if name != "docProps/core.xml"}


@pytest.mark.skipif(not hasattr(xlsx.os, "fork"), reason="parallel assembly needs fork")
def test_parallel_assembly_writes_the_same_parts(tmp_path, monkeypatch):
    filing = Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
    projects = [p.model_copy(update={"name": f"{p.name}{n}"}) for n in range(10) for p in filing.projects]
    many = filing.model_copy(update={"projects": projects})
    assert len(projects) >= xlsx.PARALLEL_MIN_SHEETS
    forks = []
    real_fork = xlsx.os.fork
    monkeypatch.setattr(xlsx.os, "fork", lambda: forks.append(1) or real_fork())
    parallel = write_filing(many, tmp_path / "parallel.xlsx")
    assert forks, "the parallel path was not taken"
    monkeypatch.setattr(xlsx, "_workers", lambda parts: 1)
    serial = write_filing(many, tmp_path / "serial.xlsx")
    assert _parts(parallel) == _parts(serial)
    assert load_filing(parallel) == many


def test_streaming_sheets_to_disk_writes_the_same_workbook(tmp_path, monkeypatch):
    """A filing big enough to stream (lowered threshold) reads back and looks the same, table included."""
    from xlgoals.merge import merge
    from xlgoals.workbook.summary import write_merged

    filing = Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
    departments = []
    for n, name in enumerate(("办公室", "组织部")):
        data = filing.model_copy(update={"department": name, "projects": [
            p.model_copy(update={"name": f"{p.name}{n}"}) for p in filing.projects]})
        departments.append(write_filing(data, tmp_path / f"{name}.xlsx"))
    result = merge(departments, jobs=1)
    in_memory = write_merged(result, tmp_path / "memory.xlsx")
    monkeypatch.setattr(writer, "STREAM_ABOVE_SHEETS", 3)
    streamed = write_merged(result, tmp_path / "streamed.xlsx")
    with zipfile.ZipFile(streamed) as package:
        assert b"inlineStr" in package.read("xl/worksheets/sheet4.xml")  # the streaming path was taken
    assert snapshot(streamed) == snapshot(in_memory)
    assert load_filing(streamed) == load_filing(in_memory)
    assert _tables_and_notes(streamed) == _tables_and_notes(in_memory)
    assert _tables_and_notes(streamed)[0] == {("指标明细", "IndicatorDetail", "A1:K139")}


def _tables_and_notes(path):
    workbook = openpyxl.load_workbook(path)
    tables = {(ws.title, name, ref) for ws in workbook.worksheets for name, ref in ws.tables.items()}
    notes = {(ws.title, cell.coordinate): cell.comment.text for ws in workbook.worksheets
             for row in ws.iter_rows() for cell in row if cell.comment}
    return tables, notes


def test_sheet_names_are_checked_like_xlsxwriter_does(tmp_path):
    """The set-based uniqueness check still refuses a name taken with other case, and keeps XlsxWriter's other checks."""
    from xlsxwriter.exceptions import DuplicateWorksheetName, InvalidWorksheetName

    book = xlsx.Book(tmp_path / "names.xlsx", password="x")
    book.sheet("项目A")
    with pytest.raises(DuplicateWorksheetName):
        book.sheet("项目a")
    with pytest.raises(InvalidWorksheetName):
        book.sheet("a/b")
    book.sheet("项目B")
    book.close()
    assert openpyxl.load_workbook(tmp_path / "names.xlsx").sheetnames == ["项目A", "项目B"]
