"""The example filing ``examples/shanghai-2020.json`` is an exact transcription of the seed.

The seed (``shared/seeds/000_094aa9d8d75d48e6.txt``) is the text of the five 2020 tables of
上海市总工会 extracted from the published PDF: it wraps every field at a fixed width and marks
each page break with a leading space on the first line of the new page. The tests rebuild the
"flattened" seed (line breaks and page-break spaces removed, every other character kept, the
spaces inside a line included) and check each value of the JSON against it:

* a text field must be exactly the text between its label and the next label of the form (not
  merely a substring of the seed, which a truncated value would also be);
* a budget amount must be exactly the text after its label;
* the indicator rows must appear in order, level-3 name then target, and the whole indicator
  table, with its group labels, must be reproduced by the rows.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT as REPO, read_seed
EXAMPLE = REPO / "examples" / "shanghai-2020.json"

TITLE = "财政项目支出绩效目标表"
TABLE_HEADER = "一级目标 二级目标 三级目标 指标目标值"

# The lines of the seed that start with a space: the first line of a new page (and the lone
# space the extraction leaves on the last page). Only these lose their leading space; any
# other line that started with a space would mean the seed is not the one transcribed.
PAGE_BREAK_LINES = {" " + TITLE, " 2020年绩效目标", " 总目标及阶段性目标：", " "}
PAGE_BREAK_COUNT = 11

NAMES = [
    "灵活就业群体工会会员专项工作经费",
    "上海市劳模节日慰问金",
    "上海职工公共文化活动项目经费",
    "市劳模低收入生活困难补助金",
    "市劳模特殊困难帮扶金",
]

# Indicator rows per project, counted by reading the seed's tables.
EXPECTED_ROW_COUNTS = [12, 16, 12, 14, 15]

# (label, field, next label) in the order the form prints them. A field's value is the text
# between its label and the next label, less the one space that separates a label from a value
# printed on the same line.
TEXT_FIELDS = [
    ("项目名称：", "name", "项目类别："),
    ("项目类别：", "category", "计划开始日期："),
    ("计划开始日期：", "start_date", "计划完成日期："),
    ("计划完成日期：", "end_date", "是否含有政府购买服务："),
    ("是否含有政府购买服务：", "government_procurement", "绩效类型："),
    ("绩效类型：", "performance_type", "项目概况："),
    ("项目概况：", "overview", "立项依据："),
    ("立项依据：", "basis", "项目设立的必要性："),
    ("项目设立的必要性：", "necessity", "保证项目实施的制度、措施："),
    ("保证项目实施的制度、措施：", "safeguards", "项目实施计划："),
    ("项目实施计划：", "implementation_plan", "总目标及阶段性目标："),
    ("总目标及阶段性目标：", "objectives", "本项目上年度市级财政资金使用情况"),
]
NARRATIVES = ["name", "overview", "basis", "necessity", "safeguards", "implementation_plan", "objectives"]
# The one empty field of the seed: project 4's 总目标及阶段性目标 (a real defect).
EMPTY_FIELDS = {(3, "objectives")}

BUDGET_FIELDS = [
    ("项目总预算（元）：", "total", "项目当年预算（元）："),
    ("项目当年预算（元）：", "current_year", "同名项目上年预算额（元）："),
    ("同名项目上年预算额（元）：", "prior_year_budget", "同名项目上年预算执行数（元）："),
    ("同名项目上年预算执行数（元）：", "prior_year_executed", "2020年绩效目标"),
]

# The Shanghai 2020 framework, level 1 -> level 2, as DOMAIN.md lists it from the seed.
SHANGHAI_2020 = {
    "投入与管理": ["投入管理", "财务管理", "实施管理"],
    "产出目标": ["数量", "质量", "时效"],
    "效果目标": ["社会效益", "满意度"],
    "影响力目标": ["长效管理"],
}

# Rows whose target the seed prints on its own line after a wrapped level-3 name, so that the
# flattened text has no space between them. Every other row is printed "level3 target".
NO_SPACE_ROWS = {(2, "传统文化直通车、职工文化、培训讲座创作、职工文体")}

QUALITATIVE_TARGETS = {"合理", "健全", "有效", "规范", "是", "提升", "建立", "及时", "完成", "弘扬", "创建", "改善"}
QUANTITATIVE_TARGET = re.compile(r"(=|>=|<=)\d+(%|人|家)?")


# ---------------------------------------------------------------------------------------------
# fixtures and helpers


@pytest.fixture(scope="module")
def seed_text() -> str:
    return read_seed().replace("\r\n", "\n")


@pytest.fixture(scope="module")
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data(example_text: str) -> dict:
    return json.loads(example_text)


@pytest.fixture(scope="module")
def projects(data: dict) -> list[dict]:
    return data["projects"]


def flatten(text: str) -> str:
    """The seed without line breaks and page-break spaces; every other character is kept."""
    out = []
    for line in text.split("\n"):
        if line.startswith(" "):
            assert line in PAGE_BREAK_LINES, f"unexpected line with a leading space: {line!r}"
            line = line[1:]
        out.append(line)
    return "".join(out)


@pytest.fixture(scope="module")
def flat(seed_text: str) -> str:
    return flatten(seed_text)


@pytest.fixture(scope="module")
def sections(flat: str) -> list[str]:
    """The flattened text of each table, title excluded."""
    parts = flat.split(TITLE)
    assert parts[0] == "", "the seed starts with the first table's title"
    return parts[1:]


def head(section: str) -> str:
    """The form part of a table: everything before the indicator table."""
    assert section.count(TABLE_HEADER) == 1
    return section.split(TABLE_HEADER)[0]


def table(section: str) -> str:
    """The indicator table of a table, below its header row."""
    assert section.count(TABLE_HEADER) == 1
    return section.split(TABLE_HEADER)[1]


def labelled(section: str, label: str, next_label: str) -> str:
    """The exact text between ``label`` and ``next_label`` in a flattened section."""
    text = head(section)
    assert text.count(label) == 1, f"{label} should occur once in the section"
    start = text.index(label) + len(label)
    end = text.index(next_label, start)
    value = text[start:end]
    # the separator between a label and a value printed on the same line (and between the
    # value and the next label on that line); not part of the value
    if value.startswith(" "):
        value = value[1:]
    if value.endswith(" "):
        value = value[:-1]
    return value


# ---------------------------------------------------------------------------------------------
# the file and the filing


def test_file_is_formatted_as_specified(example_text: str, data: dict) -> None:
    assert example_text == json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def test_filing_header(data: dict, seed_text: str, sections: list[str]) -> None:
    assert data["unit"] == "上海市总工会"
    assert data["year"] == 2020
    assert data["framework"] == "shanghai-2020"
    assert data["department"] is None and data["contact"] is None and data["phone"] is None
    assert len(sections) == 5
    for section in sections:
        assert section.startswith("（2020年度）")
        assert labelled(section, "申报单位名称：", "项目名称：") == data["unit"]


def test_five_projects_with_their_names(projects: list[dict]) -> None:
    assert [p["name"] for p in projects] == NAMES


def test_flattening_is_not_vacuous(seed_text: str, flat: str) -> None:
    lines = seed_text.split("\n")
    assert sum(line.startswith(" ") for line in lines) == PAGE_BREAK_COUNT
    assert "\n" not in flat
    # spaces inside a line survive: only line breaks and page-break spaces go
    assert len(flat) == len(seed_text) - seed_text.count("\n") - PAGE_BREAK_COUNT
    assert "专家、 教授" in flat and "专家、教授" not in flat
    assert "第四十五条 国务院" in flat
    # wrapped words are whole again
    assert "灵活就业群体工会会员专项工作经费项目类别：" in flat
    assert "（2017-2019年）" in flat


# ---------------------------------------------------------------------------------------------
# text fields


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize(("label", "field", "next_label"), TEXT_FIELDS)
def test_text_field_is_the_seed_text(
    projects: list[dict], sections: list[str], flat: str, index: int, label: str, field: str, next_label: str
) -> None:
    value = projects[index][field]
    assert isinstance(value, str)
    assert value in flat
    assert value == labelled(sections[index], label, next_label)
    if field in NARRATIVES:
        if (index, field) in EMPTY_FIELDS:
            assert value == ""
        else:
            assert value, f"project {index + 1}: {field} is empty"
    assert "\n" not in value and value == value.strip()


def test_choices_and_dates(projects: list[dict]) -> None:
    for index, project in enumerate(projects):
        assert project["category"] == "经常性专项业务费"
        assert project["start_date"] == "2020-01-01"
        assert project["end_date"] == "2020-12-31"
        assert project["government_procurement"] == "否"
        expected = "事业/专业类" if index == 2 else "政策补贴类"
        assert project["performance_type"] == expected


def test_known_typos_are_kept(projects: list[dict]) -> None:
    assert projects[1]["necessity"].startswith("海市劳动模范")
    assert "提现党和政府" in projects[1]["necessity"]
    assert "“中国梦？劳动美”" in projects[2]["implementation_plan"]
    assert "专家、 教授" in projects[2]["implementation_plan"]
    assert "（试行）;《" in projects[1]["safeguards"]


# ---------------------------------------------------------------------------------------------
# budget


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize(("label", "field", "next_label"), BUDGET_FIELDS)
def test_budget_amount_is_next_to_its_label(
    projects: list[dict], sections: list[str], index: int, label: str, field: str, next_label: str
) -> None:
    amount = projects[index]["budget"][field]
    assert isinstance(amount, str)
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", amount)
    assert f"{label} {amount}" in sections[index]
    assert labelled(sections[index], label, next_label) == amount


# ---------------------------------------------------------------------------------------------
# indicators


def test_indicator_row_counts(projects: list[dict]) -> None:
    assert [len(p["indicators"]) for p in projects] == EXPECTED_ROW_COUNTS


@pytest.mark.parametrize("index", range(5))
def test_indicator_rows_appear_in_order(projects: list[dict], sections: list[str], index: int) -> None:
    text = table(sections[index])
    pos = 0
    for row in projects[index]["indicators"]:
        level3, target = row["level3"], row["target"]
        match = re.compile(re.escape(level3) + "( ?)" + re.escape(target)).search(text, pos)
        assert match, f"project {index + 1}: {level3} {target} not found after position {pos}"
        expected_sep = "" if (index, level3) in NO_SPACE_ROWS else " "
        assert match.group(1) == expected_sep, f"project {index + 1}: {level3!r} {target!r}"
        pos = match.end()


@pytest.mark.parametrize("index", range(5))
def test_indicator_table_is_reproduced_exactly(projects: list[dict], sections: list[str], index: int) -> None:
    """The table prints level 1 and level 2 once per group: rebuild it from the rows."""
    printed = re.sub(r"\s", "", table(sections[index]))
    rebuilt = []
    prev1 = prev2 = None
    for row in projects[index]["indicators"]:
        if row["level1"] != prev1:
            rebuilt.append(row["level1"])
            prev2 = None
        if row["level2"] != prev2:
            rebuilt.append(row["level2"])
        rebuilt += [row["level3"], row["target"]]
        prev1, prev2 = row["level1"], row["level2"]
    assert "".join(rebuilt) == printed


def test_indicator_levels_belong_to_the_framework(projects: list[dict]) -> None:
    order = list(SHANGHAI_2020)
    for index, project in enumerate(projects):
        ranks = []
        for row in project["indicators"]:
            assert set(row) == {"level1", "level2", "level3", "target"}
            assert row["level1"] in SHANGHAI_2020, f"project {index + 1}: {row}"
            assert row["level2"] in SHANGHAI_2020[row["level1"]], f"project {index + 1}: {row}"
            ranks.append(order.index(row["level1"]))
        assert ranks == sorted(ranks), f"project {index + 1}: level-1 groups out of order"
        assert set(ranks) == set(range(len(order))), f"project {index + 1}: a level-1 goal is missing"


def test_indicator_values_are_well_formed(projects: list[dict]) -> None:
    for project in projects:
        for row in project["indicators"]:
            for key in ("level3", "target"):
                assert row[key] and not re.search(r"\s", row[key]), row
            target = row["target"]
            assert target in QUALITATIVE_TARGETS or QUANTITATIVE_TARGET.fullmatch(target), row
