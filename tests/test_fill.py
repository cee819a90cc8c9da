"""The filler: standard rows, level labels, last year's filing, executed amounts, normalising."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import openpyxl
import pytest

from tests.support.forms import SH_FIELDS, SH_TABLE, sh_cell
from xlgoals import Filing, load_filing, load_framework, write_filing
from xlgoals.errors import InputFileError
from xlgoals.fill import fill_filing, read_executed
from tests.support.cli import digest, run

STANDARD = "投入与管理"


def without_standard_block(data: dict) -> dict:
    stripped = copy.deepcopy(data)
    for project in stripped["projects"]:
        project["indicators"] = [row for row in project["indicators"] if row["level1"] != STANDARD]
    return stripped


def test_fill_brings_back_the_standard_block(example_data, tmp_path):
    """Seed without 投入与管理 → fill → every standard row the seed shows is back, user rows untouched, in order."""
    source = write_filing(Filing.model_validate(without_standard_block(example_data)), tmp_path / "in.xlsx")
    before = digest(source)
    result = run("fill", str(source), "-o", str(tmp_path / "out.xlsx"))
    assert result.returncode == 0, result.stderr
    assert digest(source) == before
    filled = load_filing(tmp_path / "out.xlsx")
    wb_in, wb_out = openpyxl.load_workbook(source), openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert [p.name for p in filled.projects] == [p["name"] for p in example_data["projects"]]
    for original, project in zip(example_data["projects"], filled.projects):
        rows = [(r.level1, r.level2, r.level3, r.target.raw if r.target else None) for r in project.indicators]
        seed_standard = [(r["level1"], r["level2"], r["level3"], r["target"]) for r in original["indicators"]
                         if r["level1"] == STANDARD]
        assert set(seed_standard) <= set(rows), project.name
        standard = [row for row in rows if row[0] == STANDARD]
        assert rows[: len(standard)] == standard  # the block heads the table, as in the seed
        order = [r.level3 for r in load_framework("shanghai-2020").standard_rows_for(project.performance_type)]
        assert [row[2] for row in standard] == order
        # user rows: the same values, in the same order, cell by cell, just below the standard block
        sheet = project.source.sheet
        users = [r for r in original["indicators"] if r["level1"] != STANDARD]
        for n, _ in enumerate(users):
            for field in SH_FIELDS:
                old = wb_in[sheet][sh_cell(field, SH_TABLE.first_row + n)].value
                new = wb_out[sheet][sh_cell(field, SH_TABLE.first_row + len(standard) + n)].value
                assert old == new, (sheet, field, n)


def test_fill_twice_changes_nothing(example_data, tmp_path):
    filing = Filing.model_validate(without_standard_block(example_data))
    once, first = fill_filing(filing)
    twice, second = fill_filing(once)
    assert first.changes and second.changes == [] and twice == once
    assert [p.name for p in once.projects] == [p.name for p in filing.projects]
    path = write_filing(once, tmp_path / "once.xlsx")
    assert run("fill", str(path), "-o", str(tmp_path / "twice.xlsx")).returncode == 0
    assert load_filing(tmp_path / "twice.xlsx") == load_filing(path)


def test_user_rows_are_never_overwritten(example_data):
    data = copy.deepcopy(example_data)
    rows = data["projects"][0]["indicators"]
    rows[0]["target"] = "较合理"  # the user's own value for a standard row
    filled, report = fill_filing(Filing.model_validate(data))
    first = filled.projects[0]
    assert first.indicators[0].target.raw == "较合理"
    assert sum(r.level3 == "预算编制合理性" for r in first.indicators) == 1
    assert all(change.before is None for change in report.changes)


def test_missing_standard_row_goes_to_its_place_in_framework_order(example_data):
    first = Filing.model_validate(example_data).projects[0]  # seed project 1 lacks 预算执行率 and 财务监控有效性
    filled, _ = fill_filing(Filing(unit="U", year=2020, projects=[first]))
    names = [r.level3 for r in filled.projects[0].indicators]
    assert names[:4] == ["预算编制合理性", "预算执行率", "预算资金到位率", "财务管理制度健全性"]
    assert names.index("财务监控有效性") == names.index("财务管理制度健全性") + 1
    assert names[-6:] == [r.level3 for r in first.indicators][-6:]


def test_level_labels_and_missing_goals():
    filing = Filing.model_validate({"unit": "U", "year": 2021, "projects": [{
        "name": "P", "performance_type": "政策补贴类", "indicators": [
            {"level3": "劳模满意率", "target": ">=90%"},          # known to the library
            {"level2": "数量", "level3": "自编指标", "target": ">=3场"},  # level 2 names its level 1
            {"level3": "不认识的指标", "target": "完成"}]}]})     # unknown: left alone, reported
    filled, report = fill_filing(filing)
    rows = filled.projects[0].indicators
    by_name = {row.level3: row for row in rows if row.level3}
    assert (by_name["劳模满意率"].level1, by_name["劳模满意率"].level2) == ("效果目标", "满意度")
    assert by_name["自编指标"].level1 == "产出目标"
    assert by_name["不认识的指标"].level1 is None
    assert any("不认识的指标" in skipped.reason for skipped in report.skipped)
    placeholders = [(row.level1, row.level2) for row in rows if row.level3 is None]
    assert ("影响力目标", None) in placeholders and ("产出目标", "质量") in placeholders
    assert ("产出目标", "数量") not in placeholders  # 自编指标 covers it


def test_carry_forward_from_last_year(example_data, tmp_path):
    last = write_filing(Filing.model_validate(example_data), tmp_path / "2020.xlsx")
    this_year = {"unit": "上海市总工会", "year": 2021, "projects": [
        {"name": "上海市劳模节日慰问金", "performance_type": "政策补贴类",
         "budget": {"total": "15,000,000", "current_year": "15,000,000"}},
        {"name": "新设立的项目", "performance_type": "事业/专业类"},
        {"name": "市劳模特殊困难帮扶", "performance_type": "政策补贴类"}]}  # close to a 2020 name
    source = write_filing(Filing.model_validate(this_year), tmp_path / "2021.xlsx")
    executed = tmp_path / "执行数.csv"
    executed.write_text("项目名称,执行数\n上海市劳模节日慰问金,\"14,100,000\"\n", encoding="utf-8-sig")
    out = tmp_path / "2021-filled.xlsx"
    hashes = [digest(p) for p in (last, source, executed)]
    result = run("fill", str(source), "--from", str(last), "--executed", str(executed), "-o", str(out),
                 "--report", str(tmp_path / "fill.json"))
    assert result.returncode == 0, result.stderr
    assert [digest(p) for p in (last, source, executed)] == hashes
    continuing, new, close = load_filing(out).projects
    assert continuing.budget.prior_year_budget == Decimal("14167000")
    assert continuing.budget.prior_year_executed == Decimal("14100000")
    assert new.budget.prior_year_budget is None and close.budget.prior_year_budget is None
    copied = [r.level3 for r in continuing.indicators if r.level1 != STANDARD]
    assert copied[:4] == ["慰问人数", "资金发放到位率", "资金发放准确率", "资金发放及时性"]
    report = json.loads((tmp_path / "fill.json").read_text(encoding="utf-8"))
    reviews = [c for c in report["changes"] if c["review"]]
    assert reviews and all(c["project"] == "上海市劳模节日慰问金" for c in reviews)
    sheet = openpyxl.load_workbook(out)[reviews[0]["sheet"]]
    assert "请核对" in sheet[reviews[0]["cell"]].comment.text
    suggestion = [s for s in report["skipped"] if s["project"] == "市劳模特殊困难帮扶"]
    assert suggestion and "市劳模特殊困难帮扶金" in suggestion[0]["reason"]
    budget_change = [c for c in report["changes"] if c["field"] == "budget.prior_year_budget"]
    assert budget_change == [{**budget_change[0], "cell": "B21", "before": None, "after": "14167000"}]


def test_existing_prior_amount_is_not_overwritten(example_data):
    last = Filing.model_validate(example_data)
    this = Filing.model_validate({"unit": "上海市总工会", "year": 2021, "projects": [
        {"name": "上海市劳模节日慰问金", "budget": {"prior_year_budget": "1"}}]})
    filled, report = fill_filing(this, last_year=last)
    assert filled.projects[0].budget.prior_year_budget == Decimal(1)
    assert any(s.field == "budget.prior_year_budget" for s in report.skipped)


def test_normalise_target_notation():
    filing = Filing.model_validate({"unit": "U", "year": 2021, "projects": [{"name": "P", "indicators": [
        {"level1": "产出目标", "level2": "数量", "level3": "a", "target": "≥ 1,000 人"},
        {"level1": "产出目标", "level2": "质量", "level3": "b", "target": "＝１００百分比"},
        {"level1": "产出目标", "level2": "质量", "level3": "c", "target": "%=100"},
        {"level1": "产出目标", "level2": "时效", "level3": "d", "target": "100-200人"}]}]})
    def written(filled: Filing) -> list[str]:
        return [r.target.raw for r in filled.projects[0].indicators if r.level3 in ("a", "b", "c", "d")]

    ascii_, report = fill_filing(filing, normalise=True)
    assert written(ascii_) == [">=1000人", "=100%", "=100%", "100-200人"]  # an unparsed value is not reinterpreted
    symbol, _ = fill_filing(filing, normalise=True, sign_style="symbol")
    assert written(symbol)[0] == "≥1000人"
    assert any(c.reason == "规范写法" and c.before == "≥ 1,000 人" for c in report.changes)


@pytest.mark.parametrize("content, message", [
    ("名称,金额\n", "项目名称"),
    ("项目名称,执行数\n甲,很多\n", "第 2 行"),
    ("项目名称,执行数\n甲,1\n甲,2\n", "不止一次"),
])
def test_bad_executed_files(tmp_path, content, message):
    path = tmp_path / "e.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        read_executed(path)


def test_executed_from_gb18030_csv_and_xlsx(tmp_path):
    csv_path = tmp_path / "e.csv"
    csv_path.write_bytes("项目名称,支出数\n甲,\"1,000.50\"\n".encode("gb18030"))
    assert read_executed(csv_path) == {"甲": Decimal("1000.50")}
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "项目名称", "执行金额"])
    wb.active.append([1, "乙", 2000])
    wb.save(tmp_path / "e.xlsx")
    assert read_executed(tmp_path / "e.xlsx") == {"乙": Decimal(2000)}
