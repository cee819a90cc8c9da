"""The rule catalogue: each rule fires on a minimal defect, is quiet on a clean filing, and points
at the cell; the seed gives exactly its known defects; rules files and the Report behave.

The clean filings are built here as hand-written dicts (what a user's JSON looks like: targets as
text, amounts as "9,000,000"); every case mutates a fresh copy and checks the WHOLE report, so a
mutation that also trips an unrelated rule (noise) fails the test.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.conftest import EXAMPLE
from xlgoals import Filing, validate, write_filing
from xlgoals.errors import InputFileError

from xlgoals.rules import (
    CATALOGUE,
    Report,
    check_filing,
    load_settings,
    settings_from_dict,
)
from xlgoals.rules.registry import Context, ProjectView, Row

CJK = re.compile(r"[\u4e00-\u9fff]")
UNIT = "上海市总工会"
YEAR = 2020

# The catalogue's severities as the domain wants them: 提示性 (warning) for what needs an
# explanation, 强制性 (error) for everything that sends the filing back.
WARNINGS = {"date-outside-year", "narrative-duplicate", "budget-change-large", "budget-execution-low",
            "indicator-duplicate", "target-sign-missing", "target-unit-unknown"}

# ---------------------------------------------------------------------------------------------
# Clean filings
# ---------------------------------------------------------------------------------------------

P0_ROWS = [  # 事业/专业类, continuing project (last year's amounts filled)
    ("投入与管理", "投入管理", "预算编制合理性", "合理"),
    ("投入与管理", "投入管理", "预算执行率", "=100%"),
    ("投入与管理", "财务管理", "资金使用规范性", "规范"),
    ("投入与管理", "实施管理", "项目管理制度健全性", "健全"),
    ("产出目标", "数量", "举办职工文化活动场次", ">=120场"),
    ("产出目标", "数量", "参与职工人数", ">=50000人"),
    ("产出目标", "质量", "活动方案审核通过率", "=100%"),
    ("产出目标", "时效", "活动按计划完成", "完成"),  # 完成 under 时效: not vague
    ("效果目标", "社会效益", "职工文化生活", "改善"),
    ("效果目标", "满意度", "参与职工满意度", ">=90%"),
    ("影响力目标", "长效管理", "职工文化品牌", "建立"),
]
P1_ROWS = [  # 政策补贴类, new project (no last-year amounts)
    ("投入与管理", "投入管理", "预算编制合理性", "合理"),
    ("投入与管理", "财务管理", "财务管理制度健全性", "健全"),
    ("投入与管理", "实施管理", "资格审核（含复审）规范性", "规范"),
    ("投入与管理", "实施管理", "信息公开实现率", "=100%"),
    ("产出目标", "数量", "帮扶人次", ">=1650人次"),
    ("产出目标", "质量", "资金发放准确率", "=100%"),
    ("产出目标", "时效", "资金发放及时性", "及时"),
    ("效果目标", "社会效益", "劳模困难情况", "改善"),
    ("效果目标", "满意度", "劳模满意率", ">=85%"),
    ("影响力目标", "长效管理", "建立信息化系统", "建立"),
]
# Index of each of project 0's rows by its level-3 name: expected field paths are computed from it.
ROW = {level3: index for index, (_, _, level3, _) in enumerate(P0_ROWS)}


def rows(table: list[tuple[str, str, str, str]]) -> list[dict]:
    return [{"level1": l1, "level2": l2, "level3": l3, "target": target} for l1, l2, l3, target in table]


def narratives(topic: str) -> dict[str, str]:
    """Six distinct long texts (narrative-duplicate compares them)."""
    return {
        "overview": f"{topic}项目面向本市职工，全年分四个季度组织实施，资金按进度拨付。",
        "basis": f"《上海市{topic}管理办法》及市总工会年度工作要点。",
        "necessity": f"{topic}是落实工会服务职工职责的重要抓手，群众需求迫切。",
        "safeguards": f"执行《{topic}经费管理制度》，专人负责，财务、审计全程监督。",
        "implementation_plan": f"第一季度制定{topic}方案；第二、三季度组织实施；第四季度总结评估。",
        "objectives": f"全年完成{topic}各项任务，服务对象满意度不低于85%。",
    }


def clean_filing() -> dict:
    """Two projects of 上海市总工会, 2020, shanghai-2020: nothing for a reviewer to send back."""
    return {
        "unit": UNIT, "year": YEAR, "framework": "shanghai-2020",
        "department": "财务部", "contact": "王芳", "phone": "021-12345678",
        "projects": [
            {"name": "职工公共文化活动经费", "category": "经常性专项业务费",
             "start_date": "2020-01-01", "end_date": "2020-12-31", "government_procurement": "否",
             "performance_type": "事业/专业类", **narratives("职工文化活动"),
             "budget": {"total": "12,000,000", "current_year": "12,000,000",
                        "prior_year_budget": "11,000,000", "prior_year_executed": "10,500,000"},
             "indicators": rows(P0_ROWS)},
            {"name": "劳模困难帮扶金", "category": "经常性专项业务费",
             "start_date": "2020年1月1日", "end_date": "2020/12/31", "government_procurement": "是",
             "performance_type": "政策补贴类", **narratives("劳模帮扶"),
             "budget": {"total": "3,000,000", "current_year": "3,000,000"},
             "indicators": rows(P1_ROWS)},
        ],
    }


def clean_national() -> dict:
    return {
        "unit": "某某市财政局", "year": 2022, "framework": "national-2021",
        "projects": [{
            "name": "基层财会人员培训", "category": "特定目标类项目",
            "start_date": "2022-03-01", "end_date": "2022-11-30", "government_procurement": "否",
            "performance_type": "会议培训类", **narratives("财会培训"),
            "budget": {"total": "800,000", "current_year": "800,000",
                       "prior_year_budget": "750,000", "prior_year_executed": "720,000"},
            "indicators": rows([
                ("成本指标", "经济成本指标", "培训总成本", "<=80万元"),
                ("产出指标", "数量指标", "培训人次", ">=2000人次"),
                ("产出指标", "数量指标", "举办培训期数", ">=10期"),
                ("产出指标", "质量指标", "培训考核合格率", ">=95%"),
                ("产出指标", "时效指标", "培训按期完成", "按期"),
                ("效益指标", "社会效益指标", "基层财会人员业务能力", "提升"),
                ("效益指标", "可持续影响指标", "培训课程体系", "建立"),
                ("满意度指标", "服务对象满意度指标", "参训人员满意度", ">=90%"),
            ]),
        }],
    }


def check(data: dict, rules=None) -> Report:
    return validate(Filing.model_validate(data), rules)


def keys(report: Report, data: dict) -> set[tuple[str, int, str]]:
    """(code, project index, field) of every finding (project names are unique in these filings)."""
    index = {project["name"]: n for n, project in enumerate(data["projects"])}
    return {(f.code, index[f.project], f.field) for f in report.findings}


def test_clean_shanghai_filing_has_no_findings():
    report = check(clean_filing())
    assert report.findings == []
    assert report.valid and report.stats == {"errors": 0, "warnings": 0, "findings": 0}


def test_clean_national_filing_has_no_findings():
    report = check(clean_national())
    assert report.findings == []


# ---------------------------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------------------------

Mutation = Callable[[dict], None]


def put(path: str, value, project: int = 0) -> Mutation:
    """Set a project field by its model path (``budget.total``)."""
    def mutate(data: dict) -> None:
        target = data["projects"][project]
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value
    return mutate


def row(name: str, /, project: int = 0, **fields) -> Mutation:
    """Change fields of the indicator row whose level-3 name is ``name``."""
    def mutate(data: dict) -> None:
        matches = [r for r in data["projects"][project]["indicators"] if r["level3"] == name]
        assert len(matches) == 1, name
        matches[0].update(fields)
    return mutate


def append(l1, l2, l3, target, project: int = 0) -> Mutation:
    def mutate(data: dict) -> None:
        data["projects"][project]["indicators"].append({"level1": l1, "level2": l2, "level3": l3, "target": target})
    return mutate


def drop_level1(level1: str, project: int = 0) -> Mutation:
    def mutate(data: dict) -> None:
        p = data["projects"][project]
        p["indicators"] = [r for r in p["indicators"] if r["level1"] != level1]
    return mutate


def copy_field(source: str, dest: str, project: int = 0) -> Mutation:
    def mutate(data: dict) -> None:
        data["projects"][project][dest] = data["projects"][project][source]
    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(data: dict) -> None:
        for m in mutations:
            m(data)
    return mutate


def mutated(*mutations: Mutation, base: Callable[[], dict] = clean_filing) -> dict:
    data = copy.deepcopy(base())
    both(*mutations)(data)
    return data


def target(name: str) -> str:
    return f"indicators[{ROW[name]}].target"


@dataclass(frozen=True)
class Case:
    code: str
    mutation: Mutation
    field: str
    shows: tuple[str, ...]  # what the message must name (the offending value, where there is one)
    project: int = 0


CASES = [
    # 必填与格式
    Case("required-field", put("objectives", ""), "objectives", ("总目标及阶段性目标",)),
    Case("date-invalid", put("start_date", "年初"), "start_date", ("年初",)),
    Case("date-order", both(put("start_date", "2020-06-01"), put("end_date", "2020-03-31")), "end_date",
         ("2020-03-31", "2020-06-01")),
    Case("date-outside-year", put("end_date", "2021-03-31"), "end_date", ("2021-03-31", "2020")),
    Case("amount-invalid", put("budget.prior_year_budget", "约1100万"), "budget.prior_year_budget", ("约1100万",)),
    # on the new project: a negative last-year budget without an executed amount trips nothing else
    Case("amount-negative", put("budget.prior_year_budget", "-5,000", project=1), "budget.prior_year_budget",
         ("-5000",), project=1),
    Case("yes-no-invalid", put("government_procurement", "部分"), "government_procurement", ("部分",)),
    Case("choice-invalid", put("category", "专项业务费"), "category", ("专项业务费",)),
    Case("narrative-duplicate", copy_field("overview", "basis"), "basis", ("立项依据", "项目概况")),
    Case("text-too-long", put("overview", "长" * 32_768), "overview", ("项目概况", "32,768", "32,767")),
    # 预算
    Case("budget-current-exceeds-total", put("budget.current_year", "12,500,000"), "budget.current_year",
         ("12,500,000", "12,000,000")),
    Case("budget-executed-exceeds-prior", put("budget.prior_year_executed", "11,000,001"),
         "budget.prior_year_executed", ("11,000,001", "11,000,000")),
    Case("budget-change-large", both(put("budget.total", "15,000,000"), put("budget.current_year", "15,000,000")),
         "budget.current_year", ("15,000,000", "增加 36%")),
    Case("budget-execution-low", put("budget.prior_year_executed", "9,000,000"), "budget.prior_year_executed",
         ("81.8%",)),
    # 整份填报 (filing-level: the second project carries its own name / unit / year)
    Case("project-name-duplicate", put("name", "职工公共文化活动经费", project=1), "name", ("职工公共文化活动经费",),
         project=1),
    Case("project-unit-mismatch", put("unit", "上海市总工会宣教部", project=1), "unit", ("上海市总工会宣教部", UNIT),
         project=1),
    Case("project-year-mismatch", both(put("year", 2021, project=1), put("start_date", "2021-01-01", project=1),
                                       put("end_date", "2021-12-31", project=1)),
         "year", ("2021", "2020"), project=1),
    # 指标表
    Case("level1-unknown", row("预算编制合理性", level1="投入"), "indicators[0].level1", ("投入",)),
    Case("level2-unknown", row("职工文化生活", level2="社会效果"), f"indicators[{ROW['职工文化生活']}].level2",
         ("社会效果",)),
    Case("level2-misplaced", row("职工文化生活", level2="长效管理"), f"indicators[{ROW['职工文化生活']}].level2",
         ("长效管理", "影响力目标", "效果目标")),
    Case("level-missing", row("预算编制合理性", level2=None), "indicators[0].level2", ("二级目标", "预算编制合理性")),
    Case("level1-uncovered", drop_level1("影响力目标"), "indicators", ("影响力目标",)),
    Case("level2-required-missing", row("活动方案审核通过率", level2="时效"), "indicators", ("质量", "产出目标")),
    Case("indicator-target-missing", row("职工文化品牌", target=None), target("职工文化品牌"), ("职工文化品牌",)),
    Case("indicator-name-missing", row("职工文化品牌", level3=None), f"indicators[{ROW['职工文化品牌']}].level3",
         ("建立",)),
    Case("indicator-duplicate", append("产出目标", "数量", "举办职工文化活动场次", ">=100场"),
         f"indicators[{len(P0_ROWS)}].level3", ("举办职工文化活动场次", f"第 {ROW['举办职工文化活动场次'] + 1} 条")),
    # 指标目标值
    Case("target-residue", row("参与职工满意度", target="≥**%"), target("参与职工满意度"), ("≥**%",)),
    Case("target-unparsed", row("活动按计划完成", target="2020年底前完成"), target("活动按计划完成"), ("2020年底前完成",)),
    Case("target-unit-missing", row("参与职工人数", target=">=50000"), target("参与职工人数"), (">=50000",)),
    Case("target-rate-not-percent", row("活动方案审核通过率", target="合格"), target("活动方案审核通过率"), ("合格",)),
    Case("target-percent-over-100", row("活动方案审核通过率", target="=105%"), target("活动方案审核通过率"),
         ("=105%",)),
    Case("target-vague", row("举办职工文化活动场次", target="完成"), target("举办职工文化活动场次"), ("完成",)),
    Case("target-sign-missing", row("参与职工人数", target="50000人"), target("参与职工人数"), ("50000人",)),
    Case("target-unit-unknown", row("举办职工文化活动场次", target=">=120回"), target("举办职工文化活动场次"),
         ("回",)),
]


# Rules that only a form with those fields can trigger: their cases are national-form cases
# (tests/test_national.py), where the same one-pass comparison runs on a national filing.
OTHER_FORMS = {"budget-parts-mismatch", "indicator-weights-total"}


# Rules about the filing as a whole, whose finding names no project: their cases are below.
WHOLE_FILING = {"filing-empty"}


def test_every_catalogue_rule_has_a_case():
    from tests.test_national import NATIONAL_CASES

    assert {case.code for case in CASES} | OTHER_FORMS | WHOLE_FILING == set(CATALOGUE)
    assert len(CASES) + len(OTHER_FORMS) + len(WHOLE_FILING) == len(CATALOGUE)
    assert OTHER_FORMS <= {case[0] for case in NATIONAL_CASES}


@pytest.mark.parametrize("case", CASES, ids=[case.code for case in CASES])
def test_rule_fires_on_minimal_defect(case: Case):
    assert not [f for f in check(clean_filing()).findings if f.code == case.code]  # quiet when clean
    data = mutated(case.mutation)
    report = check(data)
    assert keys(report, data) == {(case.code, case.project, case.field)}, [f.message for f in report.findings]
    [finding] = report.findings
    expected_severity = "warning" if case.code in WARNINGS else "error"
    assert finding.severity == expected_severity == CATALOGUE[case.code].severity
    assert finding.project == data["projects"][case.project]["name"]
    assert CJK.search(finding.message)
    for text in case.shows:
        assert text in finding.message, (text, finding.message)
    assert report.valid is (expected_severity == "warning")


def test_nothing_filled_is_an_error_not_a_pass():
    """A filing without one filled project (a blank template) does not pass: one finding, on the filing."""
    assert not [f for f in check(clean_filing()).findings if f.code == "filing-empty"]
    report = check({**clean_filing(), "projects": []})
    [finding] = report.findings
    assert (finding.code, finding.severity, finding.project, finding.sheet, finding.field) == (
        "filing-empty", "error", None, None, "projects")
    assert "没有填写任何项目" in finding.message and not report.valid
    assert report.summary() == "校验未通过：1 个强制性错误，0 个提示性问题。"


# ---------------------------------------------------------------------------------------------
# Edge cases: exactly which rules fire (an empty set: none)
# ---------------------------------------------------------------------------------------------

def amounts(current: str) -> Mutation:
    return both(put("budget.total", current), put("budget.current_year", current))


EDGES = [  # (id, mutation, expected {(code, project, field)})
    # Excel's cell limit: 32,767 characters fit, one more does not, in any text the writer puts in a cell
    ("text of 32,767 characters", put("overview", "长" * 32_767), set()),
    ("indicator name of 32,768", row("职工文化品牌", level3="长" * 32_768),
     {("text-too-long", 0, f"indicators[{ROW['职工文化品牌']}].level3")}),
    ("target of 32,768", row("职工文化品牌", target="建立" + "长" * 32_766),
     {("text-too-long", 0, f"indicators[{ROW['职工文化品牌']}].target"),
      ("target-unparsed", 0, f"indicators[{ROW['职工文化品牌']}].target")}),
    # budget thresholds: the limit itself is no finding (last year 11,000,000; executed 10,500,000)
    ("change +30% exactly", amounts("14,300,000"), set()),
    ("change -30% exactly", amounts("7,700,000"), set()),
    ("change +31%", amounts("14,410,000"), {("budget-change-large", 0, "budget.current_year")}),
    ("change -31%", amounts("7,590,000"), {("budget-change-large", 0, "budget.current_year")}),
    ("execution 90% exactly", put("budget.prior_year_executed", "9,900,000"), set()),
    ("execution 89.9%", put("budget.prior_year_executed", "9,889,000"),
     {("budget-execution-low", 0, "budget.prior_year_executed")}),
    ("no last year: no budget rule", both(put("budget.prior_year_budget", None), put("budget.prior_year_executed", None)),
     set()),
    # dates: the project's own year counts, not the filing's
    ("dates in the project's own year", both(put("year", 2021, 1), put("start_date", "2021-01-01", 1),
                                             put("end_date", "2021-12-31", 1)),
     {("project-year-mismatch", 1, "year")}),
    ("dates outside the project's own year", put("year", 2021, 1),
     {("project-year-mismatch", 1, "year"), ("date-outside-year", 1, "start_date"),
      ("date-outside-year", 1, "end_date")}),
    ("start date in previous year", put("start_date", "2019-12-01"), {("date-outside-year", 0, "start_date")}),
    # percentages
    ("<=120% is an upper bound", row("活动方案审核通过率", target="<=120%"), set()),
    ("<120% is an upper bound", row("活动方案审核通过率", target="<120%"), set()),
    (">=120%", row("活动方案审核通过率", target=">=120%"), {("target-percent-over-100", 0, target("活动方案审核通过率"))}),
    ("=100% is not over", row("参与职工满意度", target="=100%"), set()),
    # units: a rate without % is the rate rule's, not the unit rule's
    ("rate >=90: rate rule only", row("参与职工满意度", target=">=90"),
     {("target-rate-not-percent", 0, target("参与职工满意度"))}),
    ("count =100: unit rule only", row("举办职工文化活动场次", target="=100"),
     {("target-unit-missing", 0, target("举办职工文化活动场次"))}),
    ("scaled unit 万人次 is known", row("参与职工人数", target=">=5万人次"), set()),
    # vague targets
    ("完成 on a 人数 name under 质量", row("活动方案审核通过率", level3="培训合格人数", target="完成"),
     {("target-vague", 0, target("活动方案审核通过率"))}),
    ("完成 on a 次数 name under 质量", row("活动方案审核通过率", level3="督导检查次数", target="完成"),
     {("target-vague", 0, target("活动方案审核通过率"))}),
    ("提升 under 数量", row("参与职工人数", target="提升"), {("target-vague", 0, target("参与职工人数"))}),
    ("完成 under 时效", row("活动按计划完成", level3="全年活动计划", target="完成"), set()),
    ("合理 under 投入管理 is fine", row("预算编制合理性", target="合理"), set()),
    ("提升 on a rate under 数量: rate rule, not vague", row("举办职工文化活动场次", level3="活动覆盖率", target="提升"),
     {("target-rate-not-percent", 0, target("举办职工文化活动场次"))}),
    # rates: …率, …比, 占比, 满意度
    ("…率 given 到位", row("活动方案审核通过率", target="到位"),
     {("target-rate-not-percent", 0, target("活动方案审核通过率"))}),
    ("…比 given 合理", row("活动方案审核通过率", level3="活动经费收支比", target="合理"),
     {("target-rate-not-percent", 0, target("活动方案审核通过率"))}),
    ("占比… given =100", row("职工文化生活", level3="一线职工参与占比情况", target="=100"),
     {("target-rate-not-percent", 0, target("职工文化生活"))}),
    ("…满意度… given 满意", row("参与职工满意度", level3="职工满意度评价", target="满意"),
     {("target-rate-not-percent", 0, target("参与职工满意度"))}),
    ("…性 given 规范 is no rate", row("资金使用规范性", target="规范"), set()),
    # time targets: a period or deadline is read, where no number is expected
    ("12月底前 under 时效", row("活动按计划完成", target="12月底前"), set()),
    ("2020年全年 under 时效", row("活动按计划完成", target="2020年全年"), set()),
    ("当年内 under 时效", row("活动按计划完成", target="当年内"), set()),
    ("12月底前 under 数量: vague", row("举办职工文化活动场次", target="12月底前"),
     {("target-vague", 0, target("举办职工文化活动场次"))}),
    ("2020年底前 on a rate: rate rule", row("活动方案审核通过率", target="2020年底前"),
     {("target-rate-not-percent", 0, target("活动方案审核通过率"))}),
    ("12月底前完成 stays unparsed", row("活动按计划完成", target="12月底前完成"),
     {("target-unparsed", 0, target("活动按计划完成"))}),
    # notations read since issue 15: the unit first or in brackets, a comparison in words
    ("%≥85百分比 on a rate", row("参与职工满意度", target="%≥85百分比"), set()),
    ("=100.00(%) on a rate", row("活动方案审核通过率", target="=100.00(%)"), set()),
    ("等于 100 % on a rate", row("活动方案审核通过率", target="等于 100 %"), set()),
    # template residue
    ("residue 指标1 as name", row("职工文化品牌", level3="指标1"),
     {("target-residue", 0, f"indicators[{ROW['职工文化品牌']}].level3")}),
    ("residue ★ in name", row("举办职工文化活动场次", level3="★重点活动场次"),
     {("target-residue", 0, f"indicators[{ROW['举办职工文化活动场次']}].level3")}),
    ("residue ★ as target: not also unparsed", row("职工文化品牌", target="★"),
     {("target-residue", 0, target("职工文化品牌"))}),
    ("residue >=XX人", row("参与职工人数", target=">=XX人"), {("target-residue", 0, target("参与职工人数"))}),
    # duplicates: the three levels together
    ("same name under another level2 is no duplicate", append("产出目标", "质量", "举办职工文化活动场次", ">=120场"),
     set()),
    ("duplicate of the standard block", append("投入与管理", "投入管理", "预算执行率", "=100%"),
     {("indicator-duplicate", 0, f"indicators[{len(P0_ROWS)}].level3")}),
    # tree
    ("数量 under 效果目标", row("职工文化生活", level2="数量", target=">=10场"),
     {("level2-misplaced", 0, f"indicators[{ROW['职工文化生活']}].level2")}),
    ("数量 missing", both(row("举办职工文化活动场次", level2="质量"), row("参与职工人数", level2="质量")),
     {("level2-required-missing", 0, "indicators")}),
    ("产出目标 missing entirely", drop_level1("产出目标"),
     {("level1-uncovered", 0, "indicators"), ("level2-required-missing", 0, "indicators")}),
    ("row without level1 and level2", row("职工文化生活", level1=None, level2=None),
     {("level-missing", 0, f"indicators[{ROW['职工文化生活']}].level1"),
      ("level-missing", 0, f"indicators[{ROW['职工文化生活']}].level2")}),
    ("an empty row is no row", append(None, None, None, None), set()),
    # fields
    ("narrative equal to the objectives", copy_field("overview", "objectives"),
     {("narrative-duplicate", 0, "objectives")}),
    ("amount with 元 and spaces", put("budget.total", " 12,000,000 元 "), set()),
    ("是否 as Y", put("government_procurement", "Y"), set()),
]


@pytest.mark.parametrize("mutation, expected", [pytest.param(m, e, id=i) for i, m, e in EDGES])
def test_edge_cases(mutation, expected):
    data = mutated(mutation)
    report = check(data)
    assert keys(report, data) == expected, [f.message for f in report.findings]


def test_change_messages_name_direction_and_threshold():
    [up] = check(mutated(amounts("14,410,000"))).findings
    [down] = check(mutated(amounts("7,590,000"))).findings
    assert "增加 31%" in up.message and "±30%" in up.message and "14,410,000" in up.message
    assert "减少 31%" in down.message and "7,590,000" in down.message


def test_level2_required_missing_names_both_children():
    data = mutated(drop_level1("产出目标"))
    findings = [f for f in check(data).findings if f.code == "level2-required-missing"]
    assert sorted(f.value for f in findings) == ["数量", "质量"]


def test_national_framework_names():
    data = mutated(lambda d: d["projects"][0]["indicators"][3].update(target="规范"), base=clean_national)
    data["projects"][0]["indicators"][0]["level1"] = "产出目标"  # a Shanghai name in a national filing
    report = check(data)
    assert keys(report, data) == {("target-rate-not-percent", 0, "indicators[3].target"),
                                  ("level1-unknown", 0, "indicators[0].level1"),
                                  ("level1-uncovered", 0, "indicators")}
    unknown = next(f for f in report.findings if f.code == "level1-unknown")
    assert "一级指标" in unknown.message and "成本指标" in unknown.message  # the framework's own label and names


def test_vague_under_national_quantity():
    data = mutated(lambda d: d["projects"][0]["indicators"][2].update(target="完成"), base=clean_national)
    assert keys(check(data), data) == {("target-vague", 0, "indicators[2].target")}


def test_project_name_duplicate_flags_only_the_second():
    data = clean_filing()
    data["projects"].append(copy.deepcopy(data["projects"][0]))
    report = check(data)
    # one finding, nothing else (the copy is itself clean); which sheet it lands on: see the cell test
    assert [(f.code, f.field, f.value) for f in report.findings] == \
        [("project-name-duplicate", "name", data["projects"][0]["name"])]


# Rule behaviour that looks wrong (kept visible; see the module's report).

def test_strictly_above_100_percent_fires():
    data = mutated(row("活动方案审核通过率", target=">100%"))
    assert keys(check(data), data) == {("target-percent-over-100", 0, target("活动方案审核通过率"))}


def test_count_of_satisfaction_surveys_is_no_rate():
    data = mutated(row("参与职工人数", level3="满意度调查次数", target=">=2次"))
    assert keys(check(data), data) == set()


def test_vague_phrase_under_quantity_fires():
    data = mutated(row("举办职工文化活动场次", target="全部完成"))
    assert keys(check(data), data) == {("target-vague", 0, target("举办职工文化活动场次"))}


def test_frequency_is_counted_not_a_rate():
    data = mutated(row("参与职工人数", level3="检查频率", target=">=4次"))
    assert keys(check(data), data) == set()


def test_satisfaction_goal_needs_a_percentage_whatever_the_name():
    data = mutated(append("效果目标", "满意度", "劳模评价", "满意"))
    index = len(data["projects"][0]["indicators"]) - 1
    assert keys(check(data), data) == {("target-rate-not-percent", 0, f"indicators[{index}].target")}


@pytest.mark.parametrize("unit", ["项", "户", "件", "小时", "平方米", "万人次", "元/人"])
def test_common_units_are_known(unit):
    data = mutated(row("参与职工人数", target=f">=3{unit}"))
    assert keys(check(data), data) == set()


# ---------------------------------------------------------------------------------------------
# Findings point at cells (workbook round trip)
# ---------------------------------------------------------------------------------------------

def test_findings_point_at_cells(tmp_path):
    data = mutated(
        put("budget.current_year", "12,500,000"),                    # E20
        put("objectives", None),                                      # A18
        row("参与职工人数", target=">=50000"),                          # F{24+i}
        row("职工文化生活", level2="长效管理"),                          # B{24+i}
        drop_level1("影响力目标"),                                     # A23 (the last row: indexes unchanged)
        put("name", "职工公共文化活动经费", project=1),                   # B4 of the second sheet
    )
    path = write_filing(Filing.model_validate(data), tmp_path / "filing.xlsx")
    report = validate(path)
    first = data["projects"][0]["name"]
    got = {(f.code, f.sheet, f.cell) for f in report.findings}
    assert got == {
        ("budget-current-exceeds-total", first, "E20"),
        ("required-field", first, "A18"),
        ("target-unit-missing", first, f"F{24 + ROW['参与职工人数']}"),
        ("level2-misplaced", first, f"B{24 + ROW['职工文化生活']}"),
        ("level1-uncovered", first, "A23"),
        ("project-name-duplicate", f"{first}(2)", "B4"),
    }
    assert report.files == [str(path)] and all(f.file == str(path) for f in report.findings)
    duplicate = next(f for f in report.findings if f.code == "project-name-duplicate")
    assert f"工作表“{first}”" in duplicate.message


def test_json_findings_have_no_cells():
    report = check(mutated(put("budget.current_year", "12,500,000")))
    assert [(f.sheet, f.cell) for f in report.findings] == [(None, None)]


def test_clean_workbook_round_trip_has_no_findings(tmp_path):
    path = write_filing(Filing.model_validate(clean_filing()), tmp_path / "clean.xlsx")
    assert validate(path).findings == []


# ---------------------------------------------------------------------------------------------
# The seed: exactly its real defects
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def seed_target(seed: dict, project: int, level3: str, written: str) -> str:
    """The target path of the seed row named ``level3``, after checking it holds the defect we claim."""
    found = [i for i, r in enumerate(seed["projects"][project]["indicators"]) if r["level3"] == level3]
    assert len(found) == 1, level3
    assert seed["projects"][project]["indicators"][found[0]]["target"] == written
    return f"indicators[{found[0]}].target"


def test_seed_gives_exactly_its_defects(seed):
    expected = {
        ("target-rate-not-percent", 1, seed_target(seed, 1, "信息公开实现率", "规范")),
        ("target-unit-missing", 2, seed_target(seed, 2, "取得较高的评分", ">=90")),
        ("target-rate-not-percent", 2, seed_target(seed, 2, "活动覆盖普通职工群众占比情况", "=100")),
        ("target-vague", 2, seed_target(seed, 2, "传统文化直通车、职工文化、培训讲座创作、职工文体", "完成")),
        ("narrative-duplicate", 2, "necessity"),
        ("narrative-duplicate", 2, "objectives"),
        ("required-field", 3, "objectives"),
        ("target-unit-missing", 3, seed_target(seed, 3, "帮扶人数", ">=1650")),
        ("target-rate-not-percent", 3, seed_target(seed, 3, "信息公开实现率", "规范")),
        ("budget-change-large", 3, "budget.current_year"),
    }
    report = validate(Filing.model_validate(seed))
    assert keys(report, seed) == expected
    assert len(report.findings) == len(expected)  # no finding twice
    assert report.stats == {"errors": 7, "warnings": 3, "findings": 10}
    change = next(f for f in report.findings if f.code == "budget-change-large")
    assert "增加 161%" in change.message


def test_seed_projects_1_and_5_alone_are_clean(seed):
    data = {**seed, "projects": [seed["projects"][0], seed["projects"][4]]}
    assert check(data).findings == []


# ---------------------------------------------------------------------------------------------
# The engine: one shared pass over the rows gives what every rule finds on its own
# ---------------------------------------------------------------------------------------------

def varied_filing(seed: dict) -> Filing:
    """Every case's and edge's projects, the seed's, and the seed's with their rows reversed, in one filing.

    Rows repeat across projects at other positions (the engine judges repeated rows once, and a
    row's goal or target once for the checks that read only that), and every rule fires somewhere.
    The first row is a half-filled one on which nothing fires, seen before the rows like it that
    fire. Names are made unique, then the first project comes again last.
    """
    half = {"level1": "投入与管理", "level2": "投入管理", "level3": None, "target": None}
    projects = [project for mutation in [case.mutation for case in CASES] + [m for _, m, _ in EDGES]
                for project in mutated(mutation)["projects"]]
    projects[0] = {**projects[0], "indicators": [half, *projects[0]["indicators"]]}
    projects += seed["projects"] + [{**project, "indicators": project["indicators"][::-1]} for project in seed["projects"]]
    projects = [{**project, "name": f"{project.get('name')}-{n}"} for n, project in enumerate(projects)]
    return Filing.model_validate({**clean_filing(), "projects": [*projects, projects[0]]})


def alone(rule, filing: Filing) -> list[tuple]:
    """What one rule finds when its check is called by hand on every row, project or the filing."""
    context = Context(filing, filing.resolved_framework(), filing.resolved_form(), rule.params)
    if rule.scope == "filing":
        subjects = [(None, filing)]
    elif rule.scope == "project":
        subjects = [(project, ProjectView.of(project)) for project in filing.projects]
    else:
        subjects = [(project, Row(index, indicator, ProjectView.of(project).periods)) for project in filing.projects
                    for index, indicator in enumerate(project.indicators)]
    found = []
    for project, subject in subjects:
        result = rule.check(subject, context)
        for issue in result if isinstance(result, list) else [result] if result else []:
            found.append(((project or issue.project).name, issue.field, issue.message, issue.value))
    return found


def test_one_pass_finds_what_each_rule_finds_alone(seed):
    filing = varied_filing(seed)
    findings = check_filing(filing)
    for rule in CATALOGUE.values():
        expected = alone(rule, filing)
        assert expected or rule.code in OTHER_FORMS | WHOLE_FILING, f"{rule.code} never fires on the varied filing"
        assert [(f.project, f.field, f.message, f.value) for f in findings if f.code == rule.code] == expected, rule.code
        only = settings_from_dict({"rules": {code: {"enabled": False} for code in CATALOGUE if code != rule.code}})
        assert [(f.project, f.field, f.message, f.value) for f in check_filing(filing, only)] == expected, rule.code
    assert len(findings) == sum(len(alone(rule, filing)) for rule in CATALOGUE.values())
    # project by project in filing order, and in the catalogue's order within each project (the
    # filing-wide rules come last in the catalogue)
    remaining = iter(project.name for project in filing.projects)
    assert all(name in remaining for name, _ in itertools.groupby(f.project for f in findings))
    order = {code: n for n, code in enumerate(CATALOGUE)}
    ranks = [(f.project, order[f.code]) for f in findings]
    assert all(a <= b for (pa, a), (pb, b) in itertools.pairwise(ranks) if pa == pb)
    # a repeated defective row is reported at each of its own positions, not the first one's
    repeated = {f.field for f in findings if f.code == "target-rate-not-percent" and f.value == "规范"}
    assert len(repeated) > 1


# ---------------------------------------------------------------------------------------------
# Rules files
# ---------------------------------------------------------------------------------------------

def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


def test_disabling_a_rule_removes_only_its_findings(seed):
    full = codes(check(seed))
    off = codes(check(seed, {"rules": {"target-rate-not-percent": {"enabled": False}}}))
    assert "target-rate-not-percent" in full
    assert off == [code for code in full if code != "target-rate-not-percent"]


def test_severity_override_changes_severity_and_validity():
    warned = mutated(copy_field("overview", "basis"))
    assert check(warned).valid
    strict = check(warned, {"rules": {"narrative-duplicate": {"severity": "error"}}})
    assert [f.severity for f in strict.findings] == ["error"] and not strict.valid
    assert strict.stats == {"errors": 1, "warnings": 0, "findings": 1}

    broken = mutated(row("参与职工人数", target=">=50000"))
    assert not check(broken).valid
    lenient = check(broken, {"rules": {"target-unit-missing": {"severity": "warning"}}})
    assert [f.severity for f in lenient.findings] == ["warning"] and lenient.valid


def test_threshold_override(seed):
    assert "budget-change-large" in codes(check(seed))
    assert "budget-change-large" not in codes(check(seed, {"rules": {"budget-change-large": {"threshold": 2.0}}}))
    [still] = [f for f in check(seed, {"rules": {"budget-change-large": {"threshold": 1.5}}}).findings
               if f.code == "budget-change-large"]
    assert "±150%" in still.message
    # a tighter threshold makes a clean change a finding
    tight = check(clean_filing(), {"rules": {"budget-change-large": {"threshold": 0.05}}})
    assert codes(tight) == ["budget-change-large"]


def test_other_thresholds():
    over = mutated(row("活动方案审核通过率", target="=120%"))
    assert codes(check(over)) == ["target-percent-over-100"]
    assert codes(check(over, {"rules": {"target-percent-over-100": {"max_percent": 120}}})) == []
    low = mutated(put("budget.prior_year_executed", "9,000,000"))  # 81.8 %
    assert codes(check(low, {"rules": {"budget-execution-low": {"threshold": 0.8}}})) == []
    assert codes(check(clean_filing(), {"rules": {"budget-execution-low": {"threshold": 0.96}}})) == \
        ["budget-execution-low"]


def test_rules_file_from_toml(tmp_path, seed):
    path = tmp_path / "rules.toml"
    path.write_text('[rules.budget-change-large]\nthreshold = 2.0\n\n'
                    '[rules.narrative-duplicate]\nenabled = false\n\n'
                    '[rules.target-unit-missing]\nseverity = "warning"\n', encoding="utf-8")
    settings = load_settings(path)
    for rules in (settings, path, str(path)):
        report = check(seed, rules)
        assert not {"budget-change-large", "narrative-duplicate"} & set(codes(report))
        assert {f.severity for f in report.findings if f.code == "target-unit-missing"} == {"warning"}
        assert report.stats == {"errors": 5, "warnings": 2, "findings": 7}


@pytest.mark.parametrize("data, names", [
    ({"rules": {"no-such-rule": {"enabled": False}}}, "没有代码为“no-such-rule”的规则"),
    ({"rules": {"budget-change-large": {"limit": 0.5}}}, "没有设置项“limit”"),
    ({"rules": {"budget-change-large": {"max_percent": 120}}}, "没有设置项“max_percent”"),  # another rule's key
    ({"rules": {"budget-change-large": {"severity": "fatal"}}}, "severity 只能是 error 或 warning"),
    ({"rules": {"budget-change-large": {"enabled": "no"}}}, "enabled 只能是 true 或 false"),
    ({"rules": {"budget-change-large": {"threshold": "30%"}}}, "threshold 应为数字"),
    ({"rules": {"budget-change-large": True}}, "设置应为一个小节"),
    ({"rule": {}}, "[rules.<规则代码>]"),
], ids=["unknown-code", "unknown-key", "other-rules-key", "bad-severity", "enabled-not-bool",
        "threshold-not-number", "not-a-table", "unknown-top-level"])
def test_bad_settings_are_refused_in_chinese(data, names):
    with pytest.raises(InputFileError) as caught:
        settings_from_dict(data)
    assert CJK.search(caught.value.message) and names in caught.value.message


def test_bad_rules_files_are_refused_in_chinese(tmp_path):
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[rules.budget-change-large\nthreshold = ", encoding="utf-8")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[rules.no-such-rule]\nenabled = false\n', encoding="utf-8")
    for path, reason in ((bad_toml, "不是有效的 UTF-8 TOML"), (unknown, "没有代码为“no-such-rule”的规则"),
                         (tmp_path / "missing.toml", "找不到规则文件")):
        with pytest.raises(InputFileError) as caught:
            load_settings(path)
        assert reason in caught.value.message and caught.value.path == path
    with pytest.raises(InputFileError):
        validate(Filing.model_validate(clean_filing()), unknown)


def test_boolean_threshold_is_refused():
    with pytest.raises(InputFileError):
        settings_from_dict({"rules": {"budget-change-large": {"threshold": True}}})


# ---------------------------------------------------------------------------------------------
# The Report
# ---------------------------------------------------------------------------------------------

def test_report_validity_and_stats():
    assert check(clean_filing()).valid
    warnings_only = check(mutated(put("end_date", "2021-03-31"), copy_field("overview", "basis")))
    assert warnings_only.valid and warnings_only.stats == {"errors": 0, "warnings": 2, "findings": 2}
    errors = check(mutated(put("category", "专项业务费"), put("end_date", "2021-03-31")))
    assert not errors.valid and errors.stats == {"errors": 1, "warnings": 1, "findings": 2}


def test_report_json(seed, tmp_path):
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed, ensure_ascii=False), encoding="utf-8")
    report = validate(path)
    data = json.loads(report.to_json())
    assert set(data) == {"valid", "stats", "files", "findings"}
    assert data["valid"] is False and data["stats"] == report.stats and data["files"] == [str(path)]
    assert len(data["findings"]) == 10
    for finding in data["findings"]:
        assert set(finding) >= {"code", "severity", "sheet", "cell", "project", "field", "value", "message"}
    change = next(f for f in data["findings"] if f["code"] == "budget-change-large")
    assert change["value"] == "19000000"  # a Decimal is written as text
    assert "上年" in report.to_json()  # Chinese written as is, not \u escapes


def test_report_frame(seed):
    report = check(seed)
    frame = report.to_frame()
    assert len(frame) == len(report.findings) == 10
    assert {"code", "severity", "sheet", "cell", "project", "field", "value", "message"} <= set(frame.columns)
    assert sorted(frame["code"]) == sorted(codes(report))
    assert len(check(clean_filing()).to_frame()) == 0


def test_sorted_puts_errors_first_within_a_sheet(seed, tmp_path):
    path = write_filing(Filing.model_validate(seed), tmp_path / "seed.xlsx")
    report = validate(path)
    # the engine's order has a warning (narrative-duplicate) before errors on the 3rd sheet
    third = [f.severity for f in report.findings if f.sheet == seed["projects"][2]["name"]]
    assert third.index("warning") < third.index("error")
    ordered = report.sorted()
    assert sorted(ordered, key=id) == sorted(report.findings, key=id)
    sheets = [f.sheet for f in ordered]
    assert sheets == sorted(sheets, key=[p["name"] for p in seed["projects"]].index)  # reading order, grouped
    for sheet in set(sheets):
        severities = [f.severity for f in ordered if f.sheet == sheet]
        assert severities == sorted(severities, key=["error", "warning"].index)
    assert [f["severity"] for f in report.to_dict()["findings"]] == [f.severity for f in ordered]
