"""The package checks that run before any parser, at their edges.

The corpus (test_hostile_corpus.py) sends each kind of hostile file through every command; these
tests pin the limits themselves: what just passes, what just fails, and the disguises a check
must see through (a sheet stored under another name, a namespace prefix, a long prolog).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.corpus import BILLION_LAUGHS, after_declaration, repack, sheet_part
from xlgoals import Filing, fileio, load_filing, write_filing
from xlgoals.errors import InputFileError


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    filing = Filing.model_validate({"unit": "U", "year": 2021, "projects": [{"name": "P"}]})
    return write_filing(filing, tmp_path_factory.mktemp("good") / "good.xlsx")


def with_sheet(good: Path, target: Path, edit) -> Path:
    part = sheet_part(good, "P")
    return repack(good, target, lambda name, data: edit(data) if name == part else data)


def add_cell(ref: str):
    cell = f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
    return lambda xml: xml.replace(b"</sheetData>", cell.encode() + b"</sheetData>")


def test_a_normal_workbook_passes(good):
    assert fileio.check_workbook(good) == good


def test_the_grid_counts_columns_too(good, tmp_path):
    """A note in Excel's last column is fine on a short sheet; far down it would unfold into billions of cells."""
    wide = with_sheet(good, tmp_path / "wide.xlsx", add_cell("XFD70"))
    assert load_filing(wide).projects[0].name == "P"
    huge = with_sheet(good, tmp_path / "huge.xlsx", add_cell("XFD200"))
    with pytest.raises(InputFileError, match="个单元格"):
        load_filing(huge)


def test_rows_limit_is_inclusive(good, tmp_path):
    edge = with_sheet(good, tmp_path / "edge.xlsx", add_cell(f"A{fileio.MAX_SHEET_ROWS}"))
    assert fileio.check_workbook(edge) == edge
    beyond = with_sheet(good, tmp_path / "beyond.xlsx", add_cell(f"A{fileio.MAX_SHEET_ROWS + 1}"))
    with pytest.raises(InputFileError, match="100,000 行"):
        fileio.check_workbook(beyond)


def test_a_sheet_with_a_namespace_prefix_and_another_name_is_still_checked(good, tmp_path):
    """workbook.xml.rels may point anywhere and SpreadsheetML may be prefixed: the root element tells a sheet."""
    part = sheet_part(good, "P")

    def disguise(name: str, data: bytes) -> bytes | None:
        if name == part:
            return None
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(f'Target="{part.removeprefix("xl/")}"'.encode(), b'Target="data/notes.xml"')
        if name == "[Content_Types].xml":
            return data.replace(f'PartName="/{part}"'.encode(), b'PartName="/xl/data/notes.xml"')
        return data

    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><x:sheetData><x:row r="1048576"><x:c r="A1048576" t="inlineStr"><x:is><x:t>x'
             b"</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>")
    hostile = repack(good, tmp_path / "disguised.xlsx", disguise, extra={"xl/data/notes.xml": sheet})
    with pytest.raises(InputFileError, match="100,000 行"):
        fileio.check_workbook(hostile)


def test_only_cells_that_can_hold_a_value_span_the_grid(good, tmp_path):
    """Excel writes formatted rows and empty styled cells far down; python-calamine leaves them out of the grid."""
    styled = b'<row r="1048576" ht="30" customHeight="1"><c r="F1048576" s="1"/><c r="G1048576" s="1"></c></row>'
    formatted = with_sheet(good, tmp_path / "formatted.xlsx", lambda xml: xml.replace(b"</sheetData>", styled + b"</sheetData>"))
    assert load_filing(formatted).projects[0].name == "P"


def test_a_prolog_may_hold_comments_but_not_a_dtd_or_no_end(good, tmp_path):
    commented = with_sheet(good, tmp_path / "commented.xlsx",
                           lambda xml: after_declaration(b"\xef\xbb\xbf" + xml, b"<!-- Excel -->\n"))
    assert load_filing(commented).projects[0].name == "P"
    late = with_sheet(good, tmp_path / "late.xlsx",
                      lambda xml: after_declaration(xml, b"<!--" + b"x" * 50_000 + b"-->" + BILLION_LAUGHS.encode()))
    with pytest.raises(InputFileError, match="实体声明"):
        fileio.check_workbook(late)
    endless = with_sheet(good, tmp_path / "endless.xlsx",
                         lambda xml: after_declaration(xml, b"<!--" + b"x" * 100_000 + b"-->"))
    with pytest.raises(InputFileError, match="XML 结构异常"):
        fileio.check_workbook(endless)
