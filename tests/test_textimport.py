"""Import of published 绩效目标表 text (``xlgoals.textimport``).

The oracle is ``examples/shanghai-2020.json``, the hand-checked transcription of the seed (see
tests/test_example_data.py for how it was checked): importing the seed must give exactly that
filing, every field of all five projects, and a report that names every decision the parser took.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlgoals.errors import InputFileError
from xlgoals.model import Filing
from xlgoals.targets import SIGNS
from xlgoals.textimport import (
    NO_TABLE_MESSAGE,
    ImportResult,
    SourceLine,
    Unsure,
    UnusedLine,
    import_text_file,
    parse_published_text,
    parse_source_lines,
)

from tests.conftest import ROOT as REPO, read_seed
EXAMPLE = REPO / "examples" / "shanghai-2020.json"
TITLE = "财政项目支出绩效目标表"

# Every decision the parser takes on the seed, as (line, field): the three project names the PDF
# wrapped onto two lines (projects 1, 3, 4, printed around the 项目类别 label), the level-3 name
# of project 3's 数量 row (two lines, its target on a third), and project 4's empty 总目标.
SEED_UNSURE = [
    (7, "projects[0].name"),
    (180, "projects[2].name"),
    (292, "projects[2].indicators[7]"),
    (309, "projects[3].name"),
    (340, "projects[3].objectives"),
]


@pytest.fixture(scope="module")
def seed_text() -> str:
    return read_seed()


@pytest.fixture(scope="module")
def expected_data() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def expected(expected_data: dict) -> Filing:
    return Filing.model_validate(expected_data)


@pytest.fixture(scope="module")
def seed_result(seed_text: str) -> ImportResult:
    return parse_published_text(seed_text, source="seed.txt")


def assert_same_filing(actual: Filing, expected: Filing) -> None:
    """Equal filings; on a difference, name the first differing field instead of dumping both."""
    assert len(actual.projects) == len(expected.projects)
    for index, (got, want) in enumerate(zip(actual.projects, expected.projects)):
        for name in type(want).model_fields:
            if name == "indicators":
                got_rows = [row.model_dump(mode="json") for row in got.indicators]
                want_rows = [row.model_dump(mode="json") for row in want.indicators]
                assert got_rows == want_rows, f"project {index + 1}: indicators"
            else:
                assert getattr(got, name) == getattr(want, name), f"project {index + 1}: {name}"
    assert actual == expected


def tables_of(text: str) -> list[str]:
    """The seed cut into its tables: each from its title line to the line before the next title."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == TITLE]
    return ["\n".join(lines[a:b]) for a, b in zip(starts, [*starts[1:], len(lines)])]


def full_width(value):
    """The oracle with every space written as a full-width space, as the input is."""
    if isinstance(value, str):
        return value.replace(" ", "\u3000")
    if isinstance(value, dict):
        return {key: full_width(item) for key, item in value.items()}
    if isinstance(value, list):
        return [full_width(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------------
# the seed


def test_seed_imports_every_field_exactly(seed_result: ImportResult, expected: Filing) -> None:
    filing = seed_result.filing
    assert (filing.unit, filing.year, filing.framework) == ("上海市总工会", 2020, "shanghai-2020")
    assert filing.source == "seed.txt"
    assert_same_filing(filing, expected)


def test_seed_keeps_values_as_found(seed_result: ImportResult) -> None:
    projects = seed_result.filing.projects
    # a target without its unit stays as printed: the validator flags it, the importer does not fix it
    assert projects[2].indicators[10].target.raw == "=100"
    assert projects[3].indicators[7].target.raw == ">=1650"
    # spaces inside a line are part of the text; wrapped lines are joined with nothing added
    assert "专家、 教授" in projects[2].implementation_plan
    assert "第四十五条 国务院" in projects[2].basis
    assert "（2017-2019年）" in projects[2].safeguards
    # names with "，" and the name that wraps over two lines
    assert projects[1].indicators[13].level3 == "促进劳模宣传，弘扬劳模精神"
    assert projects[2].indicators[7].level3 == "传统文化直通车、职工文化、培训讲座创作、职工文体"
    assert projects[3].objectives is None


def test_seed_leaves_no_line_unused(seed_text: str, seed_result: ImportResult) -> None:
    # The known form headings are used, not unused: the seed has them in every table.
    lines = [line.strip() for line in seed_text.split("\n")]
    for heading in ("（2020年度）", "本项目上年度市级财政资金使用情况", "2020年绩效目标", "一级目标 二级目标 三级目标 指标目标值"):
        assert lines.count(heading) == 5
    # Every non-blank line of the seed feeds a field or is such a heading: nothing is unused.
    assert seed_result.report.unused == []


def test_seed_reports_every_decision(seed_result: ImportResult) -> None:
    unsure = seed_result.report.unsure
    assert [(item.line_no, item.field) for item in unsure] == SEED_UNSURE
    notes = {item.field: item.note for item in unsure}
    assert notes["projects[3].objectives"] == "“总目标及阶段性目标”为空"
    assert "第8、10行" in notes["projects[0].name"] and "灵活就业群体工会会员专项工作经费" in notes["projects[0].name"]
    assert "第292、294、295行" in notes["projects[2].indicators[7]"]


def test_report_messages_are_in_line_order(seed_result: ImportResult) -> None:
    messages = seed_result.report.messages()
    assert len(messages) == len(SEED_UNSURE)
    assert messages[0].startswith("第7行 projects[0].name：")
    assert messages[-1] == "第340行 projects[3].objectives：“总目标及阶段性目标”为空"


# ---------------------------------------------------------------------------------------------
# robustness: the seed written differently


def test_crlf_line_ends(seed_text: str, expected: Filing) -> None:
    result = parse_published_text(seed_text.replace("\n", "\r\n"))
    assert_same_filing(result.filing, expected)
    assert [(u.line_no, u.field) for u in result.report.unsure] == SEED_UNSURE


def test_full_width_spaces(seed_text: str, expected_data: dict) -> None:
    text = seed_text.replace(" ", "\u3000")
    assert "项目类别：\u3000经常性专项业务费" in text and "\u30002020年绩效目标" in text
    result = parse_published_text(text)
    assert_same_filing(result.filing, Filing.model_validate(full_width(expected_data)))
    assert "专家、\u3000教授" in result.filing.projects[2].implementation_plan
    assert result.report.unused == []


def test_extra_blank_lines(seed_text: str, expected: Filing) -> None:
    result = parse_published_text(seed_text.replace("\n", "\n\n \n"))
    assert_same_filing(result.filing, expected)
    # line numbers follow the input: every seed line n is now line 3n - 2
    assert [(u.line_no, u.field) for u in result.report.unsure] == [(3 * n - 2, f) for n, f in SEED_UNSURE]
    assert result.report.unused == []


@pytest.mark.parametrize("index", range(5))
def test_one_table_only(seed_text: str, expected: Filing, index: int) -> None:
    tables = tables_of(seed_text)
    assert len(tables) == 5
    result = parse_published_text(tables[index])
    assert (result.filing.unit, result.filing.year) == ("上海市总工会", 2020)
    assert len(result.filing.projects) == 1
    assert result.filing.projects[0] == expected.projects[index]
    assert result.report.unused == []


def test_stray_lines_are_reported_unused(seed_text: str, expected: Filing) -> None:
    # A line after a long text is indistinguishable from its last wrapped line, so stray lines
    # are tested where no field is open: before the first title and under a heading.
    lines = seed_text.split("\n")
    assert lines[56] == "本项目上年度市级财政资金使用情况"
    lines.insert(57, "（单位：元）")  # right under the budget heading, before the first amount label
    result = parse_published_text("附件1\n" + "\n".join(lines))
    assert_same_filing(result.filing, expected)
    assert result.report.unused == [UnusedLine(1, "附件1"), UnusedLine(59, "（单位：元）")]


def test_page_break_inside_a_long_text(seed_text: str, expected: Filing) -> None:
    # The page-break space in front of a wrapped line is no character of the text; a title the
    # PDF repeats at the top of the page does not start a new table.
    lines = seed_text.split("\n")
    assert lines[19].startswith("人员入会")  # line 20, inside project 1's 项目概况
    lines[19] = " " + lines[19]
    lines.insert(19, " " + TITLE)
    result = parse_published_text("\n".join(lines))
    assert_same_filing(result.filing, expected)
    assert result.report.unused == []


# ---------------------------------------------------------------------------------------------
# form fields


def table_text(form: str, rows: str = "产出目标\n数量 服务对象人数 >=100人") -> str:
    return f"{TITLE}\n（2021年度）\n申报单位名称：某单位\n{form}\n2021年绩效目标\n一级目标 二级目标 三级目标 指标目标值\n{rows}\n"


def test_name_wrapped_after_the_category_label() -> None:
    result = parse_published_text(table_text("项目名称： 灵活就业群体工会会员专项 项目类别： 经常性专项业务费\n工作经费\n计划开始日期： 2021-01-01"))
    project = result.filing.projects[0]
    assert project.name == "灵活就业群体工会会员专项工作经费"
    assert project.category == "经常性专项业务费"
    assert str(project.start_date) == "2021-01-01"
    unsure = [u for u in result.report.unsure if u.field == "projects[0].name"]
    assert len(unsure) == 1 and "项目类别" in unsure[0].note and "第4、5行" in unsure[0].note


def test_values_on_following_lines_and_wrapped_choices() -> None:
    form = "项目名称：\n某项目\n项目类别：\n经常性专项\n业务费\n绩效类型： 事业/\n专业类\n项目总预算（元）：\n9,000,000\n12,000"
    result = parse_published_text(table_text(form))
    project = result.filing.projects[0]
    assert (project.name, project.category, project.performance_type) == ("某项目", "经常性专项业务费", "事业/专业类")
    assert str(project.budget.total) == "9000000"
    # an amount takes one line: a second one is not silently glued to it
    assert result.report.unused == [UnusedLine(13, "12,000")]
    assert not [u for u in result.report.unsure if u.field == "projects[0].name"]


def test_missing_and_empty_fields_are_unsure() -> None:
    result = parse_published_text(table_text("项目名称： 某项目\n立项依据："))
    fields = {u.field: u for u in result.report.unsure}
    assert fields["projects[0].basis"] == Unsure(5, "projects[0].basis", "“立项依据”为空")
    assert fields["projects[0].overview"] == Unsure(1, "projects[0].overview", "本表没有找到“项目概况”")
    assert result.filing.projects[0].basis is None


def test_text_before_a_label_with_no_open_field_is_unused() -> None:
    result = parse_published_text(table_text("项目名称： 某项目\n本项目上年度市级财政资金使用情况\n杂项 项目总预算（元）： 100"))
    assert str(result.filing.projects[0].budget.total) == "100"
    assert result.report.unused == [UnusedLine(6, "杂项")]


def test_year_and_unit_come_from_the_form() -> None:
    result = parse_published_text(table_text("项目名称： 某项目"))
    assert (result.filing.year, result.filing.unit) == (2021, "某单位")
    text = table_text("项目名称： 甲") + table_text("项目名称： 乙").replace("某单位", "另一单位")
    result = parse_published_text(text)
    assert [p.unit for p in result.filing.projects] == ["某单位", "另一单位"]
    assert any(u.field == "projects[1].unit" for u in result.report.unsure)


# ---------------------------------------------------------------------------------------------
# the indicator table


def rows_of(rows: str) -> tuple[list[tuple], list[Unsure]]:
    result = parse_published_text(table_text("项目名称： 某项目", rows))
    project = result.filing.projects[0]
    got = [(r.level1, r.level2, r.level3, r.target.raw if r.target else None) for r in project.indicators]
    return got, [u for u in result.report.unsure if ".indicators" in u.field]


def test_level_labels_carry_down() -> None:
    got, unsure = rows_of("投入与管理\n投入管理 预算执行率 =100%\n预算编制合理性 合理\n财务管理\n资金使用规范性 规范\n"
                          "效果目标 社会效益\n满意度 劳模满意率 >=85%")
    assert got == [
        ("投入与管理", "投入管理", "预算执行率", "=100%"),
        ("投入与管理", "投入管理", "预算编制合理性", "合理"),
        ("投入与管理", "财务管理", "资金使用规范性", "规范"),
        ("效果目标", "满意度", "劳模满意率", ">=85%"),
    ]
    assert unsure == []


def test_name_and_target_on_separate_lines() -> None:
    # a name that itself reads as qualitative (合理) does not become a target when alone on its line
    got, unsure = rows_of("投入与管理\n投入管理\n预算编制合理性\n合理")
    assert got == [("投入与管理", "投入管理", "预算编制合理性", "合理")]
    assert [u.line_no for u in unsure] == [9]


def test_name_ending_open_goes_on_on_the_next_line() -> None:
    # a name never ends with "、": the next line continues it even when it reads as a target
    got, unsure = rows_of("产出目标\n数量\n培训讲座、\n完成\n情况 提升")
    assert got == [("产出目标", "数量", "培训讲座、完成情况", "提升")]
    assert len(unsure) == 1 and "第9、10、11行" in unsure[0].note


def test_name_with_spaces_is_unsure() -> None:
    got, unsure = rows_of("产出目标\n数量 服务 对象人数 >=100人")
    assert got == [("产出目标", "数量", "服务 对象人数", ">=100人")]
    assert len(unsure) == 1 and "含空格" in unsure[0].note


def test_unreadable_and_missing_targets_are_kept_and_reported() -> None:
    got, unsure = rows_of("产出目标\n数量 服务对象人数 ≥**%\n质量 合格情况\n时效 及时性 及时")
    assert got == [
        ("产出目标", "数量", "服务对象人数", "≥**%"),
        ("产出目标", "质量", "合格情况", None),
        ("产出目标", "时效", "及时性", "及时"),
    ]
    notes = [u.note for u in unsure]
    assert any("≥**%" in note for note in notes) and any("没有指标目标值" in note for note in notes)


def test_unreadable_target_followed_by_a_row_of_the_same_group() -> None:
    # "name target?" then "name target": two rows, not one wrapped name
    got, unsure = rows_of("产出目标\n数量 服务对象人数 若干\n帮扶人次 >=100人")
    assert got == [("产出目标", "数量", "服务对象人数", "若干"), ("产出目标", "数量", "帮扶人次", ">=100人")]
    assert [u.field for u in unsure] == ["projects[0].indicators[0]"]


def test_missing_level1_is_taken_from_the_framework() -> None:
    got, unsure = rows_of("产出目标\n数量 服务对象人数 >=100人\n社会效益 覆盖面扩大 是")
    assert got[1] == ("效果目标", "社会效益", "覆盖面扩大", "是")
    assert len(unsure) == 1 and "效果目标" in unsure[0].note


# ---------------------------------------------------------------------------------------------
# files


def test_file_in_utf8_bom_and_gb18030(seed_text: str, expected: Filing, tmp_path: Path) -> None:
    for encoding in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
        path = tmp_path / f"seed-{encoding}.txt"
        path.write_bytes(seed_text.encode(encoding))
        result = import_text_file(path)
        assert_same_filing(result.filing, expected)
        assert result.filing.source == str(path)
        assert [(u.line_no, u.field) for u in result.report.unsure] == SEED_UNSURE


def assert_refused(path: Path, message: str) -> None:
    with pytest.raises(InputFileError) as caught:
        import_text_file(path)
    text = str(caught.value)
    assert "\n" not in text and path.name in text and message in text


def test_garbage_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert_refused(empty, "文件是空的")
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b"\n \r\n\t\n")
    assert_refused(blank, "文件是空的")
    prose = tmp_path / "prose.txt"
    prose.write_text("春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。\n项目名称是什么并不重要。\n", encoding="utf-8")
    assert_refused(prose, NO_TABLE_MESSAGE)
    binary = tmp_path / "image.png"
    binary.write_bytes(bytes(range(256)) * 8)
    assert_refused(binary, "不是文本文件")
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes((i * 37 + 11) % 256 for i in range(4096)).replace(b"\x00", b"\x01"))
    assert_refused(noise, "不是文本文件")
    pdf = tmp_path / "table.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert_refused(pdf, "PDF")
    assert_refused(tmp_path / "missing.txt", "文件不存在")
    assert_refused(tmp_path, "不是一个文件")


def test_title_without_any_field_is_refused() -> None:
    with pytest.raises(InputFileError, match="没有识别出表内字段"):
        parse_published_text(f"{TITLE}\n（2020年度）\n一些无关的文字\n", source="x.txt")


FRAGMENTS = st.sampled_from([
    TITLE, " " + TITLE, "（2020年度）", "申报单位名称：上海市总工会", "项目名称：", "项目名称： 某项目 项目类别： 经常性专项业务费",
    "项目类别：", "计划开始日期： 2020-01-01 计划完成日期： 2020-12-31", "是否含有政府购买服务： 否 绩效类型： 政策补贴类",
    "项目概况：", "总目标及阶段性目标：", "本项目上年度市级财政资金使用情况", "项目总预算（元）： 9,000,000", "2020年绩效目标",
    "一级目标 二级目标 三级目标 指标目标值", "投入与管理", "投入管理", "产出目标 数量", "数量 服务对象人数 >=90000人",
    "传统文化直通车、", "完成", "=100", "效果目标", "社会效益 扩大覆盖面 是", "满意度", "", " ", "\u3000", "第1页",
    # the template's layout and the national forms
    "财政项目支出绩效目标表 · 填报说明", "指标框架 中央部门项目支出绩效目标（财预〔2021〕101号）", "填报指引", "1. 请先填写",
    "联系人 张三", "项目名称 某项目 项目类别 特定目标类项目", "项目总预算（元） 9,000,000.00", "某项目\u3000第 2 页，共 8 页",
    "一级指标 二级指标 三级指标 指标值", "一级指标 二级指标 三级指标 指标性质 指标值 度量单位", "产出指标 数量指标 培训人次 ≥ 500 人次",
    "定性 优良", "≥ 90 %", "2021年度项目支出绩效目标表", "投入与管理 投入管理 预算执行率 =100%",
])


SOUP = st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=40).map("\n".join)
# most soups hold no table: a third of the examples start with one, to reach the parsers
TABLE_SOUP = SOUP.map(lambda text: f"{TITLE}\n（2020年度）\n项目名称： 某项目\n{text}")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(st.text(), SOUP, TABLE_SOUP))
def test_arbitrary_text_raises_only_input_file_error(text: str) -> None:
    try:
        result = parse_published_text(text)
    except InputFileError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(result.filing, Filing)
    lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for item in [*result.report.unused, *result.report.unsure]:
        assert 1 <= item.line_no <= lines


# ---------------------------------------------------------------------------------------------
# the template's layout, as the PDF of a filled template reads (see tests/test_pdfimport.py)

# A national-2021 filing printed from the template: the cover first, labels in cells of their own
# (no colon), every indicator row with its levels, the title rows repeated at the top of each page
# and a footer at its bottom. Page 3 starts between the 项目实施计划 label and its text, page 4
# inside the indicator table.
TEMPLATE_TEXT = """财政项目支出绩效目标表 · 填报说明
申报单位名称 某市文化和旅游局
预算年度 2021
指标框架 中央部门项目支出绩效目标（财预〔2021〕101号）
填报部门 计划财务处
联系人 王晓明
联系电话 0571-87654321
填报指引
1. 请先填写上方的填报部门、联系人和联系电话；汇总时按填报部门区分各部门提交的表。
2. 每个项目工作表是一张《财政项目支出绩效目标表》，一个项目填一张；项目表不够时，在 Excel 的“绩效目标”选项卡中点击
“新增项目表”。
填报说明\u3000第 1 页，共 4 页
财政项目支出绩效目标表
（2021年度）
申报单位名称 某市文化和旅游局
项目名称 非物质文化遗产保护传承 项目类别 其他运转类项目
计划开始日期 2021-03-01 计划完成日期 2021-11-30
是否含有政府购买服务 否 绩效类型 会议培训类
项目概况：
支持市级以上非物质文化遗产代表性传承人开展传习活动。
立项依据：
《中华人民共和国非物质文化遗产法》
项目设立的必要性：
部分非遗项目传承人年事已高、后继乏人。
保证项目实施的制度、措施：
严格执行传承人补助资金管理办法。
项目实施计划：
非物质文化遗产保护传承\u3000第 2 页，共 4 页
财政项目支出绩效目标表
（2021年度）
3月至6月开展传习活动；7月至9月举办非遗展演；10月至11月组织研培和评估。
总目标及阶段性目标：
年度目标：资助传承人60名。
项目资金情况
项目总预算（元） 1,800,000.00 项目当年预算（元） 1,800,000.00
同名项目上年预算额（元） 1,650,000.00 同名项目上年预算执行数（元） 1,650,000.00
2021年绩效目标
一级指标 二级指标 三级指标 指标值
成本指标 经济成本指标 传承人人均补助标准 =2万元/人
产出指标 数量指标 资助传承人数 =60人
产出指标 质量指标 研培学员结业率 >=90%
非物质文化遗产保护传承\u3000第 3 页，共 4 页
财政项目支出绩效目标表
（2021年度）
效益指标 社会效益指标 非遗保护社会关注度 提升
满意度指标 服务对象满意度指标 传承人满意度 >=85%
非物质文化遗产保护传承\u3000第 4 页，共 4 页
"""

TEMPLATE_EXPECTED = {
    "unit": "某市文化和旅游局", "year": 2021, "framework": "national-2021",
    "department": "计划财务处", "contact": "王晓明", "phone": "0571-87654321",
    "projects": [{
        "name": "非物质文化遗产保护传承", "category": "其他运转类项目",
        "start_date": "2021-03-01", "end_date": "2021-11-30", "government_procurement": "否",
        "performance_type": "会议培训类",
        "overview": "支持市级以上非物质文化遗产代表性传承人开展传习活动。",
        "basis": "《中华人民共和国非物质文化遗产法》",
        "necessity": "部分非遗项目传承人年事已高、后继乏人。",
        "safeguards": "严格执行传承人补助资金管理办法。",
        "implementation_plan": "3月至6月开展传习活动；7月至9月举办非遗展演；10月至11月组织研培和评估。",
        "objectives": "年度目标：资助传承人60名。",
        "budget": {"total": 1800000, "current_year": 1800000, "prior_year_budget": 1650000, "prior_year_executed": 1650000},
        "indicators": [
            {"level1": "成本指标", "level2": "经济成本指标", "level3": "传承人人均补助标准", "target": "=2万元/人"},
            {"level1": "产出指标", "level2": "数量指标", "level3": "资助传承人数", "target": "=60人"},
            {"level1": "产出指标", "level2": "质量指标", "level3": "研培学员结业率", "target": ">=90%"},
            {"level1": "效益指标", "level2": "社会效益指标", "level3": "非遗保护社会关注度", "target": "提升"},
            {"level1": "满意度指标", "level2": "服务对象满意度指标", "level3": "传承人满意度", "target": ">=85%"},
        ],
    }],
}


def test_template_layout_imports_exactly() -> None:
    result = parse_published_text(TEMPLATE_TEXT)
    expected = Filing.model_validate(TEMPLATE_EXPECTED)
    assert_same_filing(result.filing, expected)
    # the cover's department, contact and phone, and the framework named there
    assert (result.filing.department, result.filing.framework) == ("计划财务处", "national-2021")
    # amounts printed #,##0.00 read as the same numbers
    assert str(result.filing.projects[0].budget.total) == "1800000"  # one canonical spelling per amount
    assert result.filing.projects[0].budget.total == 1800000
    # cover, guide, footers and the title rows repeated on every page are recognised, not unused
    assert result.report.unused == []
    assert result.report.unsure == []


def test_template_layout_stray_lines_are_still_reported() -> None:
    lines = TEMPLATE_TEXT.split("\n")
    lines.insert(lines.index("填报指引"), "备注")  # on the cover, before the guide: no field is open
    lines.insert(lines.index("2021年绩效目标"), "（单位：元）")  # after the last amount
    result = parse_published_text("\n".join(lines))
    assert [u.text for u in result.report.unused] == ["备注", "（单位：元）"]
    assert_same_filing(result.filing, Filing.model_validate(TEMPLATE_EXPECTED))


def test_template_row_without_its_level1_is_unsure() -> None:
    # Rows that repeat their level 1 show the template's layout: a row without one is then a
    # blank cell, not a group label printed once, and carrying the level down is a guess.
    text = TEMPLATE_TEXT.replace("产出指标 质量指标 研培学员结业率", "质量指标 研培学员结业率")
    text = text.replace("成本指标 经济成本指标 传承人人均补助标准 =2万元/人",
                        "成本指标 经济成本指标 传承人人均补助标准 =2万元/人\n成本指标 经济成本指标 培训成本 <=5万元")
    result = parse_published_text(text)
    rows = result.filing.projects[0].indicators
    assert (rows[3].level1, rows[3].level2, rows[3].level3) == ("产出指标", "质量指标", "研培学员结业率")
    assert [(u.field, u.note[:10]) for u in result.report.unsure] == [
        ("projects[0].indicators[3].level1", "本表各行都写明了一级")]


def test_a_line_between_year_and_first_label_still_opens_a_table(seed_text: str, expected: Filing) -> None:
    text = seed_text.replace("（2020年度）\n", "（2020年度）\n填报日期：2019年10月\n")
    result = parse_published_text(text)
    assert_same_filing(result.filing, expected)
    assert [u.text for u in result.report.unused] == ["填报日期：2019年10月"] * 5


def test_framework_is_detected_or_named() -> None:
    # without the cover, the indicator table's header names the framework
    text = TEMPLATE_TEXT[TEMPLATE_TEXT.index("财政项目支出绩效目标表\n"):]
    assert parse_published_text(text).filing.framework == "national-2021"
    # the seed's header is the Shanghai framework's
    assert parse_published_text(table_text("项目名称： 某项目")).filing.framework == "shanghai-2020"
    # a caller who names another framework is followed, and told what the text says
    result = parse_published_text(TEMPLATE_TEXT, framework="shanghai-2020")
    assert result.filing.framework == "shanghai-2020"
    notes = {u.field: u for u in result.report.unsure}
    assert notes["framework"].line_no == 4 and "中央部门项目支出绩效目标" in notes["framework"].note


def test_paragraphs_of_a_long_text_keep_their_line_breaks() -> None:
    # The PDF importer marks a line that starts a new paragraph (its joiner); plain text cannot.
    text = table_text("项目名称： 某项目\n项目概况：\n第一段第一行，\n接着第一段。\n第二段。\n第三段。")
    lines = [SourceLine(line) for line in text.split("\n")]
    number = next(i for i, line in enumerate(lines) if line.text == "第二段。")
    lines[number] = SourceLine("第二段。", "\n")
    lines[number + 1] = SourceLine("第三段。", "\n\n")
    result = parse_source_lines(lines)
    assert result.filing.projects[0].overview == "第一段第一行，接着第一段。\n第二段。\n\n第三段。"
    assert parse_published_text(text).filing.projects[0].overview == "第一段第一行，接着第一段。第二段。第三段。"


def test_report_places_lines_on_pages() -> None:
    lines = [SourceLine(line, "", 1 + n // 10, 1 + n % 10) for n, line in enumerate(
        table_text("项目名称： 某项目\n立项依据：").split("\n"))]
    result = parse_source_lines(lines)
    basis = next(u for u in result.report.unsure if u.field == "projects[0].basis")
    assert (basis.line_no, basis.page) == (5, 1)
    assert "第1页第5行 projects[0].basis：“立项依据”为空" in result.report.messages()
    page_note = Unsure(3, "PDF", "这一页没有可提取的文字", 7)
    result = parse_source_lines(lines, extra=[page_note])
    assert "第7页 PDF：这一页没有可提取的文字" in result.report.messages()


# ---------------------------------------------------------------------------------------------
# the national published layout: sign, value and unit in columns of their own

NATIONAL_PUBLISHED = """附件2
2021年度项目支出绩效目标表
（2021年度）
申报单位名称：某省农业农村厅
项目名称： 高标准农田建设补助资金 项目类别： 特定目标类项目
计划开始日期： 2021-01-01 计划完成日期： 2021-12-31
是否含有政府购买服务： 否 绩效类型： 基本建设类
项目概况：
支持各地新建高标准农田，配套建设田间道路、灌溉与排水设施，提升耕地质
量和粮食综合生产能力。
立项依据： 《全国高标准农田建设规划（2021—2030年）》
项目设立的必要性： 稳定粮食产能，落实“藏粮于地、藏粮于技”战略。
保证项目实施的制度、措施： 实行项目法人制、招标投标制、工程监理制和合同管理制。
项目实施计划： 3月下达资金，4月至10月组织施工，11月至12月验收。
总目标及阶段性目标： 全年新建高标准农田50万亩，亩均粮食产能提高100斤。
项目资金情况
项目总预算（元）： 750,000,000 项目当年预算（元）： 750,000,000
同名项目上年预算额（元）： 720,000,000 同名项目上年预算执行数（元）： 716,400,000
年度绩效目标
一级指标 二级指标 三级指标 指标性质 指标值 度量单位
成本指标 经济成本指标 亩均财政补助标准 ≤ 1500 元/亩
产出指标 数量指标 新建高标准农田面积（含高效节水
灌溉面积） ≥ 50 万亩
质量指标 工程验收合格率 ＝ 100 %
时效指标 资金下达及时性 定性 及时 无
效益指标 经济效益指标 亩均粮食产能提高 ≥ 100 斤
社会效益指标 农业生产条件 定性 明显改善
生态效益指标 农田灌溉水有效利用系数 ≥ 0.6
满意度指标 服务对象满意度指标 受益农户满意度 ≥ 90 %
第 1 页，共 1 页
"""


def test_national_published_layout() -> None:
    result = parse_published_text(NATIONAL_PUBLISHED, source="national.txt")
    filing = result.filing
    assert (filing.framework, filing.unit, filing.year) == ("national-2021", "某省农业农村厅", 2021)
    project = filing.projects[0]
    assert (project.name, project.category, project.performance_type) == ("高标准农田建设补助资金", "特定目标类项目", "基本建设类")
    assert project.overview == "支持各地新建高标准农田，配套建设田间道路、灌溉与排水设施，提升耕地质量和粮食综合生产能力。"
    assert [str(getattr(project.budget, name)) for name in ("total", "current_year", "prior_year_budget", "prior_year_executed")] == [
        "750000000", "750000000", "720000000", "716400000"]
    rows = [(r.level1, r.level2, r.level3, r.target.raw) for r in project.indicators]
    assert rows == [
        ("成本指标", "经济成本指标", "亩均财政补助标准", "≤1500元/亩"),
        ("产出指标", "数量指标", "新建高标准农田面积（含高效节水灌溉面积）", "≥50万亩"),
        ("产出指标", "质量指标", "工程验收合格率", "＝100%"),
        ("产出指标", "时效指标", "资金下达及时性", "及时"),  # 定性: the value alone; the unit column's 无 is no unit
        ("效益指标", "经济效益指标", "亩均粮食产能提高", "≥100斤"),
        ("效益指标", "社会效益指标", "农业生产条件", "明显改善"),
        ("效益指标", "生态效益指标", "农田灌溉水有效利用系数", "≥0.6"),  # kept as found: no unit printed
        ("满意度指标", "服务对象满意度指标", "受益农户满意度", "≥90%"),
    ]
    assert [r.target.kind for r in project.indicators].count("quantitative") == 6
    assert result.report.unused == [UnusedLine(1, "附件2")]
    assert [(u.line_no, u.field) for u in result.report.unsure] == [(22, "projects[0].indicators[1]")]
    assert "第22、23行" in result.report.unsure[0].note


def test_national_published_variants() -> None:
    expected = parse_published_text(NATIONAL_PUBLISHED).filing
    # a row without its 指标性质 is read as a four-column row
    text = NATIONAL_PUBLISHED.replace("社会效益指标 农业生产条件 定性 明显改善", "社会效益指标 农业生产条件 明显改善")
    assert parse_published_text(text).filing == expected
    # the header after the label of a cell spanning the table, without a heading line before it
    text = NATIONAL_PUBLISHED.replace("年度绩效目标\n一级指标", "年度绩效指标 一级指标")
    result = parse_published_text(text)
    assert result.filing == expected and result.report.unused == [UnusedLine(1, "附件2")]
    # the framework is detected from that header too
    assert parse_published_text(text.replace("项目资金情况\n", "")).filing.framework == "national-2021"


@pytest.mark.parametrize("sign", SIGNS)
def test_every_sign_in_the_sign_column_makes_a_target_the_grammar_reads(sign) -> None:
    """One list of signs: what the importer takes for a 指标性质 the grammar reads (等于 was imported, then refused)."""
    text = NATIONAL_PUBLISHED.replace("质量指标 工程验收合格率 ＝ 100 %", f"质量指标 工程验收合格率 {sign} 100 %")
    result = parse_published_text(text)
    row = result.filing.projects[0].indicators[2]
    assert (row.level3, row.target.raw) == ("工程验收合格率", f"{sign}100%")
    assert (row.target.kind, row.target.op, row.target.value, row.target.unit) == (
        "quantitative", SIGNS[sign], Decimal(100), "%")
    assert [(u.line_no, u.field) for u in result.report.unsure] == [(22, "projects[0].indicators[1]")]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(st.one_of(FRAGMENTS, st.text(max_size=12)), st.sampled_from(["", "\n", "\n\n"])), max_size=40))
def test_arbitrary_pdf_lines_raise_only_input_file_error(items: list[tuple[str, str]]) -> None:
    head = [SourceLine(TITLE), SourceLine("（2020年度）"), SourceLine("项目名称 某项目")]
    lines = head + [SourceLine(text, joiner) for text, joiner in items]
    lines = [line._replace(page=1 + n // 7, page_line=1 + n % 7) for n, line in enumerate(lines)]
    try:
        result = parse_source_lines(lines)
    except InputFileError as error:
        assert "\n" not in str(error)
        return
    for item in [*result.report.unused, *result.report.unsure]:
        assert 1 <= item.line_no <= len(lines) and item.page == lines[item.line_no - 1].page
