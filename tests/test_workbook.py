"""Writer and reader: the seed and random filings survive workbook → model → workbook → model."""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.forms import SH_LONG
from xlgoals import Filing, build_template, load_filing, write_filing
from xlgoals import layout


def test_seed_round_trips_twice(example_filing, tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_filing(example_filing, first)
    read = load_filing(first)
    assert read == example_filing
    write_filing(read, second)
    assert load_filing(second) == example_filing
    assert [p.name for p in read.projects] == [p.name for p in example_filing.projects]


def test_values_remember_their_cells(example_filing, tmp_path):
    path = write_filing(example_filing, tmp_path / "seed.xlsx")
    project = load_filing(path).projects[3]
    sheet, cell = project.cell("objectives")
    assert sheet == "市劳模低收入生活困难补助金" and cell == "A18"
    assert project.cell("budget.current_year") == (sheet, "E20")
    assert project.cell("indicators[2].target") == (sheet, "F26")
    ws = openpyxl.load_workbook(path)[sheet]
    assert ws["F26"].value == project.indicators[2].target.raw
    assert ws["C26"].value == project.indicators[2].level3


def test_reader_accepts_what_people_type(tmp_path):
    path = build_template(tmp_path / "t.xlsx", unit="某单位", year=2021, projects=2)
    wb = openpyxl.load_workbook(path)
    ws = wb["项目2"]
    ws["B4"] = "  手填项目 "
    ws["B5"] = "2021年1月1日"
    ws["E5"] = 44561  # an Excel serial left as a number: 2021-12-31
    ws["B6"] = "否 "
    ws["B20"] = "９，０００，０００"
    ws["E20"] = "1,000.5"
    ws["B21"] = "九百万"
    ws["A24"], ws["B24"], ws["C24"], ws["F24"] = "产出目标", "数量", "服务人数", "≥ 1,000 人"
    ws["C30"] = "只有名称的行"
    wb.save(path)
    filing = load_filing(path)
    assert len(filing.projects) == 1  # the untouched 项目1 sheet is no project
    project = filing.projects[0]
    assert project.name == "手填项目"
    assert (project.start_date, project.end_date) == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert project.government_procurement is False
    assert project.budget.total == Decimal("9000000") and project.budget.current_year == Decimal("1000.5")
    assert project.budget.prior_year_budget == "九百万"
    assert project.indicators[0].target.value == Decimal("1000")
    assert project.indicators[1].level3 == "只有名称的行"
    assert project.cell("indicators[1].level3") == ("项目2", "C30")


def test_more_rows_than_the_template_has(tmp_path):
    rows = [{"level1": "产出目标", "level2": "数量", "level3": f"指标{n}", "target": f">={n}人"} for n in range(55)]
    filing = Filing.model_validate({"unit": "U", "year": 2021, "projects": [{"name": "P", "indicators": rows}]})
    assert load_filing(write_filing(filing, tmp_path / "big.xlsx")) == filing


def test_project_names_never_take_reserved_sheet_names(tmp_path):
    filing = Filing.model_validate({"unit": "U", "year": 2021, "projects": [
        {"name": "填报说明"}, {"name": "校验结果"}, {"name": "_xlgoals"}, {"name": "a" * 40}, {"name": "a" * 40}]})
    path = write_filing(filing, tmp_path / "r.xlsx")
    sheets = openpyxl.load_workbook(path).sheetnames
    assert sheets[0] == "填报说明" and sheets[-1] == "_xlgoals" and len(set(sheets)) == len(sheets) == 7
    assert all(len(name) <= 31 for name in sheets)
    assert load_filing(path) == filing


def test_amounts_beyond_excel_precision_stay_exact(tmp_path):
    amounts = {"total": Decimal("1153992715277.8384"), "current_year": Decimal("123456789012345"),
               "prior_year_budget": Decimal("0.01"), "prior_year_executed": Decimal("99999999999999999999")}
    filing = Filing.model_validate({"unit": "U", "year": 2021, "projects": [{"name": "P", "budget": amounts}]})
    path = write_filing(filing, tmp_path / "a.xlsx")
    assert load_filing(path).projects[0].budget.model_dump(exclude_none=True) == amounts
    ws = openpyxl.load_workbook(path).worksheets[1]
    assert ws["E20"].data_type == "n" and ws["B20"].data_type == "s"  # 15 digits typed, more as exact text


def test_formula_like_text_stays_text(tmp_path):
    filing = Filing.model_validate({"unit": "=0", "year": 2021, "department": "+1", "projects": [
        {"name": "=1+1", "overview": "+SUM(A1)", "indicators": [{"level3": "@x", "target": "=100%"}]}]})
    path = write_filing(filing, tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[1]
    assert ws["B4"].data_type == "s" and ws["F24"].data_type == "s" and ws["B3"].data_type == "s"
    assert wb[layout.COVER_SHEET]["B3"].data_type == "s" and wb[layout.META_SHEET]["B2"].data_type == "s"
    assert load_filing(path) == filing


# Text a finance officer may type: CJK, rare characters outside the BMP, punctuation, newlines.
_alphabet = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from(list("𠀀𪚥𡈽，。；：“”（）《》、—…·％＞＝≥≤ \n") + list(string.printable.strip())),
    st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")),
)
_text = st.one_of(st.none(), st.text(_alphabet, max_size=40))
_long = st.one_of(st.none(), st.text(_alphabet, min_size=1, max_size=2000))
_amount = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=Decimal("9999999999999.99"), places=2, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=10**12),
    st.decimals(min_value=0, max_value=Decimal("1e20"), places=4, allow_nan=False, allow_infinity=False),
    st.sampled_from(["九百万", "约100万", "-"]),
)
_date = st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31)), st.sampled_from(["年初", "2020-13-01"]))
_indicator = st.fixed_dictionaries({"level1": _text, "level2": _text, "level3": _text, "target": _text})
_project = st.fixed_dictionaries({
    "name": st.text(_alphabet, min_size=1, max_size=60).filter(str.strip),
    "category": _text, "start_date": _date, "end_date": _date,
    "government_procurement": st.one_of(st.none(), st.booleans(), st.just("不详")),
    "performance_type": _text,
    **{spot.path: _long for spot in SH_LONG},
    "budget": st.fixed_dictionaries({key: _amount for key in
                                     ("total", "current_year", "prior_year_budget", "prior_year_executed")}),
    "indicators": st.lists(_indicator, max_size=45),
})
_filing = st.fixed_dictionaries({
    "unit": st.text(_alphabet, min_size=1, max_size=30).filter(str.strip),
    "year": st.integers(2000, 2100),
    "department": _text, "contact": _text, "phone": _text,
    "projects": st.lists(_project, min_size=1, max_size=3),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=_filing)
def test_write_read_is_lossless(data, tmp_path_factory):
    filing = Filing.model_validate(data)
    path = tmp_path_factory.mktemp("rt") / "f.xlsx"
    read = load_filing(write_filing(filing, path))
    assert read.model_dump() == filing.model_dump()
