"""The master template opened in real LibreOffice Calc (headless, through UNO).

Checks what a user of a real spreadsheet application meets: protected sheets, locked labels,
open inputs, drop-downs with the framework's items (dependent level-2 lists included), a save
as .xlsx that keeps all of it, and a PDF on A4 with the CJK font embedded.
"""

from __future__ import annotations

import pytest

from tests.support.forms import SH_AMOUNTS, SH_FIELDS, SH_TABLE, SHANGHAI, sh_cell
from tests.support import libreoffice as lo
from xlgoals import build_template, layout, load_framework

FRAMEWORK = load_framework("shanghai-2020")
PROJECTS = 3


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    lo.require()
    path = tmp_path_factory.mktemp("lo") / "template.xlsx"
    return build_template(path, unit="上海市总工会", year=2021, projects=PROJECTS)


def _joined(name: str) -> str:
    return f'=TEXTJOIN(",";1;{name})'


@pytest.fixture(scope="module")
def inspected(template):
    formulas = [_joined("XLG_CATEGORIES"), _joined("XLG_PERF_TYPES"), _joined("XLG_L1")]
    formulas += [_joined(f'INDIRECT("XLG_L2_"&MATCH("{node.name}";XLG_L1;0))') for node in FRAMEWORK.level1]
    return lo.inspect(template, evaluate=formulas)


@pytest.fixture(scope="module")
def round_tripped(template, tmp_path_factory):
    out = lo.convert(template, "xlsx", tmp_path_factory.mktemp("lo-rt"))
    return lo.inspect(out)


def _sheet(result: dict, name: str) -> dict:
    return next(sheet for sheet in result["sheets"] if sheet["name"] == name)


def _check_form(result: dict) -> None:
    names = [sheet["name"] for sheet in result["sheets"]]
    assert names[: PROJECTS + 1] == [layout.COVER_SHEET] + [f"项目{n}" for n in range(1, PROJECTS + 1)]
    for sheet in result["sheets"]:
        assert sheet["protected"], sheet["name"]
    assert not _sheet(result, layout.META_SHEET)["visible"]
    for n in range(1, PROJECTS + 1):
        cells = _sheet(result, f"项目{n}")["cells"]
        for ref, label in SHANGHAI.signature.items():
            assert cells[ref]["string"] == label and cells[ref]["locked"], ref
        for spot in SHANGHAI.input_spots:
            assert cells[spot.cell]["locked"] is False, spot.path
        for row in (SH_TABLE.first_row, SH_TABLE.first_row + SH_TABLE.rows - 1):
            for field in SH_FIELDS:
                assert cells[sh_cell(field, row)]["locked"] is False
        assert cells["B3"]["string"] == "上海市总工会" and cells["B3"]["locked"]
    cover = _sheet(result, layout.COVER_SHEET)["cells"]
    for spot in layout.COVER_SPOTS:
        assert cover[spot.cell]["locked"] is (spot.kind == "title"), spot.path


def _check_validations(result: dict) -> None:
    cells = _sheet(result, "项目2")["cells"]
    assert cells["E4"]["validation"]["type"] == "LIST" and cells["E4"]["validation"]["formula1"] == "XLG_CATEGORIES"
    assert cells["E6"]["validation"]["formula1"] == "XLG_PERF_TYPES"
    assert cells["B6"]["validation"]["formula1"] == '"是";"否"'
    level1 = cells[f"A{SH_TABLE.first_row + 5}"]["validation"]
    assert level1["type"] == "LIST" and level1["formula1"] == "XLG_L1" and level1["show_error"]
    level2 = cells[f"B{SH_TABLE.first_row + 5}"]["validation"]
    assert level2["type"] == "LIST" and "INDIRECT" in level2["formula1"] and "XLG_L1" in level2["formula1"]
    for ref in ("B5", "E5"):
        assert cells[ref]["validation"]["type"] == "DATE"
    for spot in SH_AMOUNTS:
        validation = cells[spot.cell]["validation"]
        assert validation["type"] == "DECIMAL" and validation["formula1"] == "0"
        assert "金额" in validation["error_message"] and validation["show_error"]


def test_sheets_locks_and_inputs(inspected):
    _check_form(inspected)


def test_drop_downs_and_checks(inspected):
    _check_validations(inspected)


def test_drop_down_items_resolve_in_calc(inspected):
    """The list sources evaluate, in Calc, to the framework's items; level 2 follows level 1."""
    expected = [",".join(FRAMEWORK.choices.categories), ",".join(FRAMEWORK.choices.performance_types),
                ",".join(node.name for node in FRAMEWORK.level1)]
    expected += [",".join(node.children) for node in FRAMEWORK.level1]
    assert inspected["evaluated"] == expected


def test_print_setup(inspected):
    for n in range(1, PROJECTS + 1):
        page = _sheet(inspected, f"项目{n}")["page"]
        assert abs(page["width"] - 21000) <= 5 and abs(page["height"] - 29700) <= 5
        table = SHANGHAI.places()[-1]
        assert page["scale_to_pages_x"] == 1 and page["print_title_rows"] == f"${table.heading_row}:${table.header_row}"


def test_save_as_xlsx_keeps_protection_and_validations(inspected, round_tripped):
    _check_form(round_tripped)
    _check_validations(round_tripped)
    before = _sheet(inspected, "项目1")["cells"]
    after = _sheet(round_tripped, "项目1")["cells"]
    for ref in ("E4", "B6", "B20", f"B{SH_TABLE.first_row}"):
        assert after[ref]["validation"] == before[ref]["validation"], ref


def test_pdf_is_a4_with_embedded_cjk_font(template, tmp_path):
    pdf = lo.convert(template, "pdf", tmp_path)
    pages = lo.pdf_pages(pdf)
    assert len(pages) >= PROJECTS + 1
    for width, height in pages:
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2
    fonts = lo.pdf_fonts(pdf)
    cjk = [font for font in fonts if "CJK" in font["name"] or "Song" in font["name"]]
    assert cjk and all(font["emb"] == "yes" for font in cjk), fonts
