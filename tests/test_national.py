"""The national 项目支出绩效目标申报表 (and its 一体化 variant) end to end, beside Shanghai 2020.

Forms are data: each test here runs the same reader, writer, rules, merge, export, archive, filler
and ribbon as the Shanghai tests, on workbooks of the national forms.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.support import libreoffice as lo
from tests.support.cli import digest, run
from tests.support.xlwings_standin import Book
from xlgoals import Filing, build_template, excel, layout, load_filing, load_form, validate, write_filing
from xlgoals.archive import _MIGRATIONS, archive_filing, load_archived
from xlgoals.errors import InputFileError
from xlgoals.workbook.cells import join_target, split_target

NATIONAL = load_form("national-2015")
SPLIT = load_form("national-2015-yitihua")
ANNUAL = NATIONAL.places()[1]  # the year's table with the form's default rows


def national_data(form: str = "national-2015") -> dict:
    """One correct national-form project: amounts add up, every table covers the framework."""
    rows = [
        ("产出指标", "数量指标", "建成高标准农田面积", "≥2万亩"),
        ("产出指标", "质量指标", "工程验收合格率", "=100%"),
        ("产出指标", "时效指标", "项目完工及时率", "≥95%"),
        ("效益指标", "经济效益指标", "亩均增产粮食", "≥50公斤"),
        ("满意度指标", "服务对象满意度指标", "受益农户满意度", "≥90%"),
    ]
    weights = [20, 20, 20, 20, 20]
    indicators = [{"level1": a, "level2": b, "level3": c, "target": d} for a, b, c, d in rows]
    if form == "national-2015-yitihua":
        for row, weight in zip(indicators, weights):
            row["weight"] = weight
    return {"unit": "某县农业农村局", "year": 2024, "form": form, "department": "计财股", "projects": [{
        "name": "高标准农田建设项目", "supervising_department": "[042]某县农业农村局",
        "implementing_unit": "某县农田建设服务中心", "attribute": "延续项目", "period": "3年",
        "objectives": "三年建成高标准农田5万亩。", "annual_objectives": "本年建成高标准农田2万亩。",
        "budget": {"total": "36000000", "total_fiscal": "30000000", "total_other": "6000000",
                   "current_year": "12365000", "current_year_fiscal": "10000000", "current_year_other": "2365000"},
        "indicators": indicators}]}


@pytest.fixture
def national(tmp_path):
    return write_filing(Filing.model_validate(national_data()), tmp_path / "national.xlsx")


# --------------------------------------------------------------------------- the forms as data

def test_shipped_forms_and_their_defaults():
    assert layout.builtin_forms() == ("national-2015", "national-2015-yitihua", "shanghai-2020")
    assert NATIONAL.money_unit == "万元" and NATIONAL.framework == "national-2015"
    assert SPLIT.framework == "national-2015" and SPLIT.split_target and SPLIT.weight_total == 100
    assert [spot.path for spot in SPLIT.spots] == [spot.path for spot in NATIONAL.spots]  # extends keeps the fields
    assert NATIONAL.required == ("name", "supervising_department", "implementing_unit", "attribute", "period",
                                 "budget.current_year", "annual_objectives")
    assert Filing(form="national-2015").framework == "national-2015"


def test_amounts_are_yuan_in_the_model_and_wan_in_the_cells(national):
    ws = openpyxl.load_workbook(national).worksheets[1]
    assert ws[NATIONAL.spot["budget.current_year"].cell].value == 1236.5
    assert ws[NATIONAL.spot["budget.total"].cell].value == 3600
    assert ws[NATIONAL.spot["budget.current_year"].cell].number_format == "#,##0.00####"
    assert load_filing(national).projects[0].budget.current_year == Decimal("12365000")
    assert ws["A1"].value == "项目支出绩效目标申报表" and ws["A6"].value == "项目资金（万元）"


def test_split_columns_compose_and_decompose_losslessly():
    for raw in ("≥95%", ">=90000人", "=100%", "≤30天", "100人", "合理", "%=100", "≥**%", "指标1:", "2020年底前完成",
                "≥ 95 %", "1.5万元", "＞=85%", "⩾5人", "2023年全年", "12月底前", "=100.00(%)", "等于100%"):
        parts = split_target(raw)
        assert join_target(*parts) == raw, (raw, parts)
    assert split_target("≥95%") == ("≥", "95", "%") and split_target("合理") == ("定性", "合理", None)
    # a time is no number with a unit: it stays whole, filed as the budget system files a deadline
    assert split_target("2023年全年") == ("定性", "2023年全年", None) and split_target("⩾5人") == ("⩾", "5", "人")
    assert join_target("定量", "100", "人") == "100人" and join_target(None, None, None) is None


# --------------------------------------------------------------------------- write → read

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).map(
    str.strip).filter(bool)
_AMOUNT = st.decimals(min_value=0, max_value=Decimal("99999999999.99"), places=2, allow_nan=False,
                      allow_infinity=False)
_TARGETS = st.sampled_from(["≥95%", "=100%", ">=40家", "<=30天", "合理", "健全", "≥**%", "%=100", "100人",
                            "2020年底前完成", "指标1:", "≥ 95 %", "1.5万元"])


@st.composite
def filings(draw, form_id: str):
    form = load_form(form_id)
    project: dict = {"budget": {}, "indicators": []}
    for spot in form.spots:
        if spot.kind == "title" or not draw(st.booleans()):
            continue
        if spot.kind == "amount":
            project["budget"][spot.path.removeprefix("budget.")] = draw(_AMOUNT)
        elif spot.kind == "date":
            project[spot.path] = draw(st.dates(min_value=__import__("datetime").date(2000, 1, 1),
                                               max_value=__import__("datetime").date(2099, 12, 31)))
        elif spot.kind == "yesno":
            project[spot.path] = draw(st.booleans())
        elif spot.options:
            project[spot.path] = draw(st.sampled_from(spot.options))
        else:
            project[spot.path] = draw(_TEXT)
    project["name"] = draw(_TEXT)
    horizons = form.horizons()
    for _ in range(draw(st.integers(0, 12))):
        row = {"level1": draw(st.none() | _TEXT), "level2": draw(st.none() | _TEXT), "level3": draw(_TEXT),
               "target": draw(st.none() | _TARGETS), "horizon": draw(st.sampled_from(horizons))}
        if "weight" in form.columns_by_field:
            row["weight"] = draw(st.none() | st.decimals(0, 100, places=1, allow_nan=False))
        project["indicators"].append(row)
    return Filing.model_validate({"unit": "某单位", "year": 2024, "form": form_id, "projects": [project]})


@pytest.mark.parametrize("form_id", ["shanghai-2020", "national-2015", "national-2015-yitihua"])
def test_write_read_round_trip(form_id, tmp_path_factory):
    folder = tmp_path_factory.mktemp(form_id)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(filings(form_id))
    def check(filing):
        back = load_filing(write_filing(filing, folder / "f.xlsx"))
        assert back == filing
        assert back.form == form_id

    check()


# --------------------------------------------------------------------------- validation

def _mutate(change) -> Filing:
    data = national_data()
    change(data["projects"][0])
    return Filing.model_validate(data)


def _set_budget(name, value):
    return lambda project: project["budget"].__setitem__(name, value)


def _set_row(index, **values):
    return lambda project: project["indicators"][index].update(values)


# (rule code, change, model path the finding names, cell it points at on the written sheet)
NATIONAL_CASES = [
    ("budget-parts-mismatch", _set_budget("current_year_other", "2000000"), "budget.current_year", "G6"),
    ("required-field", lambda p: p.__setitem__("annual_objectives", None), "annual_objectives", "F10"),
    ("target-rate-not-percent", _set_row(2, target="≥95"), "indicators[2].target", f"G{ANNUAL.first_row + 2}"),
    ("level2-unknown", _set_row(1, level2="质量"), "indicators[1].level2", f"B{ANNUAL.first_row + 1}"),
    ("budget-current-exceeds-total", _set_budget("current_year_fiscal", "40000000"), "budget.current_year_fiscal",
     "G7"),
    ("indicator-weights-total", None, "indicators", None),  # the variant's weights: below
]


def test_a_correct_national_workbook_has_no_findings(national):
    report = validate(national)
    assert report.findings == [] and report.valid


@pytest.mark.parametrize("case", [case for case in NATIONAL_CASES if case[1] is not None], ids=lambda case: case[0])
def test_each_problem_is_found_on_its_cell(case, tmp_path):
    code, change, path, cell = case
    workbook = write_filing(_mutate(change), tmp_path / "n.xlsx")
    findings = [f for f in validate(workbook).findings if f.code == code]
    assert [(f.field, f.cell) for f in findings] == [(path, cell)], findings
    assert all("万元" in f.message for f in findings if f.code.startswith("budget"))


def test_weights_that_do_not_add_up_are_a_warning(tmp_path):
    data = national_data("national-2015-yitihua")
    data["projects"][0]["indicators"][0]["weight"] = 30
    path = write_filing(Filing.model_validate(data), tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(path).worksheets[1]
    assert [ws.cell(ANNUAL.header_row, c).value for c in range(1, 9)] == [
        "一级指标", "二级指标", "三级指标", None, "指标性质", "指标值", "度量单位", "权重"]
    assert [ws[f"{c}{ANNUAL.first_row}"].value for c in "EFGH"] == ["≥", "2", "万亩", 30]
    findings = validate(path).findings
    assert [(f.code, f.severity, f.cell) for f in findings] == [
        ("indicator-weights-total", "warning", f"A{ANNUAL.header_row}")]
    assert "110" in findings[0].message
    assert validate(write_filing(Filing.model_validate(national_data("national-2015-yitihua")),
                                 tmp_path / "ok.xlsx")).findings == []


def test_the_same_indicator_for_period_and_year_is_no_repeat(tmp_path):
    data = national_data()
    rows = data["projects"][0]["indicators"]
    rows += [{**row, "horizon": "period"} for row in copy.deepcopy(rows)]
    path = write_filing(Filing.model_validate(data), tmp_path / "p.xlsx")
    read = load_filing(path)
    assert [row.horizon for row in read.projects[0].indicators] == ["period"] * 5 + ["annual"] * 5
    assert validate(read).findings == []
    ws = openpyxl.load_workbook(path).worksheets[1]
    period = NATIONAL.places()[0]
    assert ws[f"C{period.first_row}"].value == "建成高标准农田面积" and ws[f"A{period.heading_row}"].value == "中期绩效指标"


def test_a_period_table_longer_than_the_template_grows_and_reads_back(tmp_path):
    data = national_data()
    data["projects"][0]["indicators"] += [
        {"horizon": "period", "level1": "产出指标", "level2": "数量指标", "level3": f"指标{n}", "target": f"≥{n}个"}
        for n in range(15)]
    filing = Filing.model_validate(data)
    path = write_filing(filing, tmp_path / "long.xlsx")
    read = load_filing(path)
    assert read == filing
    period_rows = [f for f in validate(read).findings if f.field == "period_indicators"]
    assert period_rows and all(f.cell == f"A{NATIONAL.places()[0].header_row}" for f in period_rows)


# --------------------------------------------------------------------------- the CLI, merge, export, archive

def test_template_command_builds_the_national_form(tmp_path):
    out = tmp_path / "national.xlsx"
    result = run("template", "--form", "national-2015", "--unit", "某县财政局", "--year", "2024", "--projects", "3",
                 "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "项目支出绩效目标申报表" in result.stdout
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames[1:4] == ["项目1", "项目2", "项目3"]
    ws = workbook["项目1"]
    assert ws.protection.sheet and not ws["C3"].protection.locked and ws["A3"].protection.locked
    meta = {row[0]: row[1] for row in workbook[layout.META_SHEET].iter_rows(values_only=True, max_col=2) if row[0]}
    assert meta["form"] == "national-2015" and meta["framework"] == "national-2015"
    assert load_filing(out).projects == [] and load_filing(out).form == "national-2015"


def test_merge_takes_one_form_and_reports_the_other(tmp_path, example_filing):
    shanghai = write_filing(example_filing.model_copy(update={"unit": "某县农业农村局", "year": 2024, "projects": [
        p.model_copy(update={"unit": "某县农业农村局", "year": 2024}) for p in example_filing.projects[:1]]}),
        tmp_path / "上海表.xlsx")
    first = write_filing(Filing.model_validate(national_data()), tmp_path / "计财股.xlsx")
    other = national_data()
    other["department"] = "农田股"
    other["projects"][0]["name"] = "农田水利项目"
    second = write_filing(Filing.model_validate(other), tmp_path / "农田股.xlsx")
    out, report = tmp_path / "汇总.xlsx", tmp_path / "合并报告.json"
    before = [digest(path) for path in (shanghai, first, second)]
    result = run("merge", str(shanghai), str(first), str(second), "-o", str(out), "--report", str(report))
    assert result.returncode == 1 and result.stderr.startswith("注意：1 个输入文件未合并（表样不符 1 个）"), result.stderr
    assert before == [digest(path) for path in (shanghai, first, second)]
    merged = json.loads(report.read_text(encoding="utf-8"))
    assert merged["form"] == "national-2015" and merged["projects"] == 2
    assert [(e["kind"], e["file"]) for e in merged["events"]] == [("other-form", str(shanghai))]
    filing = load_filing(out)
    assert filing.form == "national-2015" and {p.name for p in filing.projects} == {"高标准农田建设项目", "农田水利项目"}
    summary = openpyxl.load_workbook(out, data_only=True)[layout.SUMMARY_SHEET]
    headers = [cell.value for cell in summary[2]]
    assert "年度资金总额（万元）" in headers and "中期财政拨款（万元）" in headers and "项目总预算（元）" not in headers
    column = headers.index("年度资金总额（万元）") + 1
    assert [summary.cell(row, column).value for row in (3, 4, 5)] == [1236.5, 1236.5, 2473]  # stored results


def test_export_csv_names_columns_as_the_form_prints_them(national, tmp_path):
    out = tmp_path / "n.csv"
    assert run("export", str(national), "--format", "csv", "-o", str(out)).returncode == 0
    import csv

    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    header = rows[0]
    for name in ("主管部门及代码", "实施单位", "项目属性", "项目期", "年度资金总额（万元）", "年度财政拨款（万元）",
                 "中期目标", "年度目标", "指标周期", "一级指标", "指标值"):
        assert name in header, name
    assert "项目类别" not in header and "计划开始日期" not in header
    first = dict(zip(header, rows[1]))
    assert first["年度资金总额（万元）"] == "1236.5" and first["指标周期"] == "年度" and first["目标值类型"] == "定量"
    json_out = tmp_path / "n.json"
    assert run("export", str(national), "--format", "json", "-o", str(json_out)).returncode == 0
    data = json.loads(json_out.read_text(encoding="utf-8"))
    assert data["form"] == "national-2015" and data["projects"][0]["budget"]["current_year"] == "12365000"
    assert data["projects"][0]["indicators"][0]["horizon"] == "annual"
    assert Filing.model_validate(data) == load_filing(national)


def test_archive_holds_the_national_fields_and_an_old_archive_still_opens(tmp_path):
    filing = Filing.model_validate(national_data())
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as connection:  # an archive written before forms (schema version 1)
        for statement in _MIGRATIONS[1]:
            connection.execute(statement)
        connection.execute("INSERT INTO xlgoals_schema VALUES (1, '2025-01-01T00:00:00Z')")
        connection.execute("INSERT INTO filings (unit, year, framework, archived_at) "
                           "VALUES ('旧单位', 2023, 'shanghai-2020', '2025-01-01T00:00:00Z')")
    previous = load_archived(old, unit="旧单位", year=2023)
    assert previous.form == "shanghai-2020" and previous.projects == []
    assert archive_filing(old, filing) == 1
    assert load_archived(old, unit="某县农业农村局", year=2024) == filing
    assert load_archived(old, unit="旧单位", year=2023).form == "shanghai-2020"
    with sqlite3.connect(old) as connection:
        row = connection.execute("SELECT form, p.budget_current_year_fiscal, p.annual_objectives FROM filings "
                                 "JOIN projects AS p USING (unit, year) WHERE unit = '某县农业农村局'").fetchone()
        horizons = connection.execute("SELECT DISTINCT horizon FROM indicators WHERE year = 2024").fetchall()
    assert row == ("national-2015", "10000000", "本年建成高标准农田2万亩。") and horizons == [("annual",)]


def test_fill_carries_last_years_rows_forward_on_the_national_form(tmp_path):
    last = national_data()
    last["year"] = 2023
    last["projects"][0]["indicators"].append(
        {"level1": "效益指标", "level2": "社会效益指标", "level3": "带动农户增收", "target": "≥500户"})
    last_path = write_filing(Filing.model_validate(last), tmp_path / "2023.xlsx")
    this = national_data()
    this["projects"][0]["indicators"] = this["projects"][0]["indicators"][:2]
    source = write_filing(Filing.model_validate(this), tmp_path / "2024.xlsx")
    out = tmp_path / "filled.xlsx"
    result = run("fill", str(source), "--from", str(last_path), "-o", str(out))
    assert result.returncode == 0, result.stderr
    filled = load_filing(out).projects[0]
    names = [row.level3 for row in filled.indicators]
    assert "带动农户增收" in names and "服务对象满意度" in names  # last year's own row, the framework's standard row
    assert filled.budget.prior_year_budget is None  # the national form has no such field
    assert validate(out).findings == []


def test_every_ribbon_button_works_on_a_national_workbook(tmp_path):
    data = national_data()
    data["projects"][0]["budget"]["current_year_other"] = "2000000"
    path = write_filing(Filing.model_validate(data), tmp_path / "n.xlsx")
    cli = json.loads(run("validate", str(path), "--format", "json").stdout)
    book = Book.from_file(path)
    report = excel.validate(book)
    assert report is not None
    assert sorted((f.sheet, f.cell) for f in report.findings) == sorted((f["sheet"], f["cell"]) for f in cli["findings"])
    assert {f.cell for f in report.findings} == {"G6"}
    assert book.sheet(layout.REPORT_SHEET) is not None
    assert excel.clear(book) == 1
    sheet = book.sheet(book.sheets[1].name)
    sheet.activate()
    added = excel.fill(book)
    assert added == 1  # the framework's standard row 服务对象满意度
    assert "服务对象满意度" in [row.level3 for row in load_filing_of(book).projects[0].indicators]
    title = excel.new_project_sheet(book)
    content = excel.read_book(book)
    assert title in content.project_sheets and len(content.project_sheets) == 2
    assert "项目支出绩效目标申报表" in excel.about(book) or "national" in excel.about(book)


def load_filing_of(book: Book) -> Filing:
    from xlgoals.workbook.reader import filing_from_content

    return filing_from_content(excel.read_book(book))


# --------------------------------------------------------------------------- a unit's own form

OWN_FORM = """
extends = "national-2015"
id = "guangdong-2024"
name = "某省项目支出绩效目标申报表"
drop = ["period"]

[[fields]]
path = "implementing_unit"
label = "项目单位"

[[fields]]
path = "attribute"
options = ["新增项目", "延续项目", "经常性项目"]
"""


def test_a_units_own_form_extends_a_shipped_one_and_travels_in_the_workbook(tmp_path):
    own = tmp_path / "广东.toml"
    own.write_text(OWN_FORM, encoding="utf-8")
    out = tmp_path / "t.xlsx"
    result = run("template", "--form", str(own), "--unit", "某厅", "--year", "2024", "-o", str(out))
    assert result.returncode == 0, result.stderr
    ws = openpyxl.load_workbook(out).worksheets[1]
    assert ws["F4"].value == "项目单位" and ws["F5"].value is None
    data = national_data()
    data["form"], data["framework"] = "guangdong-2024", "national-2015"
    del data["projects"][0]["period"]
    data["projects"][0]["attribute"] = "经常性项目"
    filing = Filing.model_validate(data)
    filing.form_spec = load_form(own)
    written = write_filing(filing, tmp_path / "f.xlsx")
    own.unlink()  # the form travels inside the workbook
    read = load_filing(written)
    assert read == filing and read.resolved_form().name == "某省项目支出绩效目标申报表"
    assert validate(read).findings == []


@pytest.mark.parametrize("text, place", [
    ("id = ", "不是有效的 TOML"),
    ('extends = "national-2015"\nid = "x"\n[[fields]]\npath = "name"\nlabel = "=HYPERLINK(1)"', "公式"),
    ('extends = "national-2015"\nid = "x"\n[[fields]]\npath = "implementing_unit"\nvalue_range = "C3:D3"', "重复使用"),
    ('extends = "own.toml"\nid = "x"', "循环"),
    ('extends = "zhejiang-2020"\nid = "x"', "不是已知表样"),
    ('extends = "national-2015"\nid = "x"\ndrop = ["nothing"]', "drop"),
    ('extends = "national-2015"\nid = "x"\ndrop = ["period"]\nchecks = [1]', "结构有误"),
    ('extends = "national-2015"\nid = "national-2015"', "内置表样的编号"),
    ('extends = "national-2015"\nid = "x"\n[[fields]]\npath = "salary"\nlabel = "工资"\nvalue_range = "A40"\nkind = "text"',
     "不是模型中的字段"),
])
def test_a_broken_form_file_is_one_chinese_line_and_exit_2(tmp_path, text, place):
    own = tmp_path / "own.toml"
    own.write_text(text, encoding="utf-8")
    result = run("template", "--form", str(own), "--unit", "U", "--year", "2024", "-o", str(tmp_path / "t.xlsx"))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(own) in lines[0] and place in lines[0], result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "t.xlsx").exists()


def test_a_value_the_form_has_no_cell_for_is_refused_not_lost(tmp_path):
    off = tmp_path / "off.json"
    off.write_text(json.dumps({"unit": "U", "year": 2024, "projects": [{"name": "P", "period": "3年"}]}),
                   encoding="utf-8")
    result = run("import", str(off), "-o", str(tmp_path / "off.xlsx"))
    assert result.returncode == 2 and "period" in result.stderr and str(off) in result.stderr
    assert not (tmp_path / "off.xlsx").exists()
    period = national_data()
    period["form"] = "shanghai-2020"
    period["projects"] = [{"name": "P", "indicators": [{"horizon": "period", "level3": "x", "target": "≥1个"}]}]
    with pytest.raises(InputFileError, match="中期"):
        write_filing(Filing.model_validate(period), tmp_path / "p.xlsx")


def test_last_years_period_rows_are_not_carried_into_a_form_without_them():
    from xlgoals.fill import fill_filing

    last = Filing.model_validate(national_data())
    last.projects[0].indicators.insert(0, last.projects[0].indicators[0].model_copy(update={"horizon": "period"}))
    this = Filing.model_validate({"unit": "U", "year": 2025, "projects": [{"name": "高标准农田建设项目"}]})
    filled, report = fill_filing(this, last_year=last.model_copy(update={"framework": "shanghai-2020"}))
    assert all(row.horizon == "annual" for row in filled.projects[0].indicators)
    assert any("中期指标" in skipped.reason for skipped in report.skipped)


def test_a_huge_form_file_is_refused_before_parsing(tmp_path):
    own = tmp_path / "huge.toml"
    own.write_text("# " + "x" * (layout.MAX_FORM_BYTES + 10), encoding="utf-8")
    with pytest.raises(InputFileError, match="KB"):
        load_form(own)


# --------------------------------------------------------------------------- in LibreOffice

@pytest.fixture(scope="module")
def inspected_national(tmp_path_factory):
    lo.require()
    path = build_template(tmp_path_factory.mktemp("lo-n") / "n.xlsx", unit="某县财政局", year=2024,
                          form="national-2015-yitihua", projects=2)
    framework = load_form("national-2015-yitihua").framework
    from xlgoals import load_framework

    tree = load_framework(framework)
    formulas = ['=TEXTJOIN(",";1;XLG_L1)'] + [f'=TEXTJOIN(",";1;INDIRECT("XLG_L2_"&MATCH("{node.name}";XLG_L1;0)))'
                                              for node in tree.level1]
    return path, tree, lo.inspect(path, evaluate=formulas)


def test_national_template_in_libreoffice(inspected_national, tmp_path):
    path, tree, result = inspected_national
    sheets = {sheet["name"]: sheet for sheet in result["sheets"]}
    assert all(sheet["protected"] for sheet in result["sheets"])
    cells = sheets["项目1"]["cells"]
    for ref, label in SPLIT.signature.items():
        assert cells[ref]["string"] == label and cells[ref]["locked"], ref
    for spot in SPLIT.input_spots:
        assert cells[spot.cell]["locked"] is False, spot.path
    for place in SPLIT.places():
        assert cells[f"A{place.first_row}"]["validation"]["formula1"] == "XLG_L1"
        assert "INDIRECT" in cells[f"B{place.first_row}"]["validation"]["formula1"]
        assert cells[f"E{place.first_row}"]["validation"]["type"] == "LIST"  # 指标性质
        assert cells[f"H{place.first_row}"]["validation"]["type"] == "DECIMAL"  # 权重
    assert cells["C5"]["validation"]["formula1"] == '"新增项目";"延续项目"'
    assert "万元" in cells["G6"]["validation"]["error_message"]
    expected = [",".join(node.name for node in tree.level1)] + [",".join(node.children) for node in tree.level1]
    assert result["evaluated"] == expected
    page = sheets["项目1"]["page"]
    assert abs(page["width"] - 21000) <= 5 and abs(page["height"] - 29700) <= 5 and page["scale_to_pages_x"] == 1
    pdf = lo.convert(path, "pdf", tmp_path)
    assert all(abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in lo.pdf_pages(pdf))
    fonts = lo.pdf_fonts(pdf)
    assert any(("CJK" in f["name"] or "Song" in f["name"]) and f["emb"] == "yes" for f in fonts), fonts
