"""The master template as openpyxl sees it, and its drift from the committed reference."""

from __future__ import annotations

import openpyxl
import pytest

from tests.support.forms import SH_FIELDS, SH_LONG, SH_TABLE, SHANGHAI, sh_cell
from xlgoals import build_template, layout, load_framework
from tests.conftest import DEFAULT_TEMPLATE
from tests.support.snapshot import differences, snapshot


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "t.xlsx"
    build_template(path, unit="上海市总工会", year=2021, framework="shanghai-2020", projects=5)
    return path


def test_committed_template_matches_the_builder(template):
    """A layout change must be a visible, deliberate diff: rebuild with `make template`."""
    assert DEFAULT_TEMPLATE.exists(), "workbook_templates/ lacks the default template: run `make template`"
    diff = differences(snapshot(DEFAULT_TEMPLATE), snapshot(template))
    assert not diff, "template drifted from the committed one (run `make template` if intended):\n" + "\n".join(diff[:20])


def test_sheets_and_metadata(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [layout.COVER_SHEET, "项目1", "项目2", "项目3", "项目4", "项目5", layout.META_SHEET]
    meta = wb[layout.META_SHEET]
    assert meta.sheet_state == "hidden"
    values = {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(1, 6)}
    assert values == {"template_version": layout.TEMPLATE_VERSION, "unit": "上海市总工会", "year": 2021,
                      "framework": "shanghai-2020", "framework_name": load_framework("shanghai-2020").name}
    assert wb.security.lockStructure and wb.security.workbookPassword


def test_project_sheet_form(template):
    ws = openpyxl.load_workbook(template)["项目1"]
    assert ws["A1"].value == "财政项目支出绩效目标表" and ws["A2"].value == "（2021年度）"
    assert ws["B3"].value == "上海市总工会" and ws["B3"].protection.locked
    for ref, label in SHANGHAI.signature.items():
        assert ws[ref].value == label and ws[ref].protection.locked
    for spot in SHANGHAI.input_spots:
        assert not ws[spot.cell].protection.locked, spot.path
        assert ws[spot.cell].fill.fgColor.rgb.endswith("FFF8DC"), spot.path
    last = SH_TABLE.first_row + SH_TABLE.rows - 1
    assert [ws.cell(SH_TABLE.header_row, c).value for c in (1, 2, 3, 6)] == ["一级目标", "二级目标", "三级目标", "指标目标值"]
    for row in (SH_TABLE.first_row, last):
        for field in SH_FIELDS:
            assert not ws[sh_cell(field, row)].protection.locked
    assert ws[f"A{last + 1}"].protection.locked is True and ws[f"A{last + 1}"].fill.fill_type is None
    # Long-text rows are tall enough for 1,500 characters at the layout's line metrics.
    for spot in SH_LONG:
        height = ws.row_dimensions[layout.split_cell(spot.cell)[0]].height
        lines = (height - 6) / layout.LINE_HEIGHT_PT
        assert lines * layout.LONG_TEXT_CHARS_PER_LINE >= layout.LONG_TEXT_CAPACITY * 0.9


def test_protection_and_print_setup(template):
    wb = openpyxl.load_workbook(template)
    for ws in wb.worksheets:
        assert ws.protection.sheet and ws.protection.password, ws.title
        if ws.sheet_state == "hidden":
            continue
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        # fitToWidth is 1 when absent (ECMA-376 default)
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    ws = wb["项目3"]
    table = SHANGHAI.places()[-1]  # the indicator table's heading and headers repeat on its pages
    assert ws.print_title_rows == f"${table.heading_row}:${table.header_row}"
    assert ws["A1"].font.name == "宋体"


def test_drop_downs(template):
    wb = openpyxl.load_workbook(template)
    ws = wb["项目1"]
    by_cell = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in str(dv.sqref).split():
            by_cell[cell_range] = dv
    # OOXML stores a validation's formula without the leading "=" Excel shows.
    assert by_cell["E4"].type == "list" and by_cell["E4"].formula1 == "XLG_CATEGORIES"
    assert by_cell["E6"].formula1 == "XLG_PERF_TYPES"
    assert by_cell["B6"].formula1 == '"是,否"'
    assert by_cell["A24:A63"].formula1 == "XLG_L1"
    assert by_cell["B24:B63"].formula1 == 'INDIRECT("XLG_L2_"&MATCH($A24,XLG_L1,0))'
    assert by_cell["B5"].type == "date" and by_cell["E20"].type == "decimal" and by_cell["E20"].formula1 == "0"
    for dv in ws.data_validations.dataValidation:
        # every prompt speaks to the user in Chinese
        assert dv.prompt and any("\u4e00" <= ch <= "\u9fff" for ch in dv.prompt), dv.prompt
    framework = load_framework("shanghai-2020")
    meta = wb[layout.META_SHEET]

    def items(name):
        ref = wb.defined_names[name].attr_text.split("!")[1].replace("$", "")
        return [cell.value for row in meta[ref] for cell in row]

    assert items("XLG_CATEGORIES") == list(framework.choices.categories)
    assert items("XLG_PERF_TYPES") == list(framework.choices.performance_types)
    assert items("XLG_L1") == [node.name for node in framework.level1]
    for n, node in enumerate(framework.level1, start=1):
        assert items(f"XLG_L2_{n}") == list(node.children)


def test_national_framework_labels(tmp_path):
    path = build_template(tmp_path / "n.xlsx", unit="某部", year=2022, framework="national-2021", projects=1)
    ws = openpyxl.load_workbook(path)["项目1"]
    assert [ws.cell(SH_TABLE.header_row, c).value for c in (1, 2, 3, 6)] == ["一级指标", "二级指标", "三级指标", "指标值"]
