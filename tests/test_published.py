"""Published national 申报表 in every container units use: PDF, web page, Word, Excel, text.

Round trips: filings of the national form and of its split-column variant are written by the
toolkit and printed to PDF by LibreOffice, and drawn by this module's own renderers as a
county website's table (HTML), a Word attachment and an Excel attachment (a plain grid with
merged cells); each must import back equal to the filing drawn.

Composed tables: a county's annual-only table as such units publish it, with every phenomenon
of issue 17 (labels broken over lines or spaced out, group labels printed once or in the middle
of their group, amounts with units and remarks, a checkbox 项目属性, template residue, notes and
a signature after the table, a page header and narrative before it, two tables in one file, a
table cut off at the end), in HTML and in text copied four ways (tabs, ``|``, cells run
together, one cell per line). Every field must come out right and the report must list each
guess and each unused line.
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest

from tests.support import libreoffice as lo
from tests.support.cli import run
from tests.test_national import national_data
from xlgoals import Filing, write_filing
from xlgoals.errors import InputFileError
from xlgoals.inputs import import_source
from xlgoals.textimport import parse_published_text
from xlgoals.workbook.cells import split_target

# --------------------------------------------------------------------------------------------
# filings to draw


def filing_data(form: str) -> dict:
    """The national test project, with a 中期 row, and a second, smaller project."""
    data = national_data(form)
    data.pop("department")
    first = data["projects"][0]
    first["indicators"].insert(0, {"level1": "产出指标", "level2": "数量指标", "level3": "三年建成高标准农田面积",
                                   "target": "≥5万亩", "horizon": "period"})
    first["indicators"].insert(1, {"level1": "效益指标", "level2": "社会效益指标", "level3": "农业生产条件",
                                   "target": "明显改善", "horizon": "period"})
    second = copy.deepcopy(first)
    second.update({"name": "农村饮水安全巩固提升工程", "supervising_department": "[042]某县农业农村局",
                   "implementing_unit": "某县水利工程管理站", "attribute": "新增项目", "period": "1年",
                   "objectives": "巩固提升农村饮水安全水平。", "annual_objectives": "改造供水管网30公里，\n受益群众1.2万人。",
                   "budget": {"total": "4500000", "total_fiscal": "4500000", "total_other": "0",
                              "current_year": "4500000", "current_year_fiscal": "4500000", "current_year_other": "0"}})
    second["indicators"] = [
        {"level1": "产出指标", "level2": "数量指标", "level3": "改造供水管网长度", "target": "=30公里"},
        {"level1": "产出指标", "level2": "质量指标", "level3": "水质达标率", "target": "≥95%"},
        {"level1": "效益指标", "level2": "社会效益指标", "level3": "受益群众人数", "target": "≥1.2万人"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "level3": "受益群众满意度", "target": "≥90%"},
    ]
    if form == "national-2015-yitihua":
        for row, weight in zip(second["indicators"], (30, 30, 20, 20)):
            row["weight"] = weight
    data["projects"].append(second)
    return data


# --------------------------------------------------------------------------------------------
# a published table as a website, Word or Excel draws it: rows of spanned cells


@dataclass
class Span:
    text: str
    column: int
    columns: int = 1
    rows: int = 1


def wan(yuan) -> str:
    """An amount as the table prints it: 万元, two decimals, thousands separated."""
    return f"{Decimal(yuan).scaleb(-4):,.2f}"


def published_rows(project: dict, split: bool) -> list[list[Span]]:
    """The national 申报表 of one project as its publisher draws it: the header fields, money
    (万元), goals, and a table of indicators per horizon with group labels spanning their rows."""
    width = 8 if split else 5
    budget = project["budget"]
    rows = [
        [Span("项目名称", 0), Span(project["name"], 1, width - 1)],
        [Span("主管部门及代码", 0), Span(project["supervising_department"], 1, 2),
         Span("实施单位", 3), Span(project["implementing_unit"], 4, width - 4)],
        [Span("项目属性", 0), Span(project["attribute"], 1, 2), Span("项目期", 3), Span(project["period"], 4, width - 4)],
        [Span("项目资金（万元）", 0, rows=3), Span("中期资金总额", 1), Span(wan(budget["total"]), 2),
         Span("年度资金总额", 3), Span(wan(budget["current_year"]), 4, width - 4)],
        [Span("其中：财政拨款", 1), Span(wan(budget["total_fiscal"]), 2),
         Span("其中：财政拨款", 3), Span(wan(budget["current_year_fiscal"]), 4, width - 4)],
        [Span("其他资金", 1), Span(wan(budget["total_other"]), 2),
         Span("其他资金", 3), Span(wan(budget["current_year_other"]), 4, width - 4)],
        [Span("总体目标", 0, rows=2), Span("中期目标", 1, 2), Span("年度目标", 3, width - 3)],
        [Span(project["objectives"], 1, 2), Span(project["annual_objectives"], 3, width - 3)],
    ]
    header = ["一级指标", "二级指标", "三级指标"] + (["指标性质", "指标值", "度量单位", "权重"] if split else ["指标值"])
    for horizon, heading in (("period", "中期绩效指标"), ("annual", "年度绩效指标")):
        indicators = [row for row in project["indicators"] if row.get("horizon", "annual") == horizon]
        rows.append([Span(heading, 0, width)])
        rows.append([Span("绩效指标", 0, rows=len(indicators) + 1)] + [Span(name, 1 + i) for i, name in enumerate(header)])
        for index, row in enumerate(indicators):
            cells = []
            for level, column in (("level1", 1), ("level2", 2)):
                same = lambda other: all(other.get(k) == row.get(k) for k in ("level1", "level2")[: column])
                if index == 0 or not same(indicators[index - 1]):
                    span = 1
                    while index + span < len(indicators) and same(indicators[index + span]):
                        span += 1
                    cells.append(Span(row[level], column, rows=span))
            cells.append(Span(row["level3"], 3))
            if split:
                op, value, unit = split_target(row["target"])
                cells += [Span(op or "", 4), Span(value or "", 5), Span(unit or "", 6), Span(str(row.get("weight", "")), 7)]
            else:
                cells.append(Span(row["target"], 4))
            rows.append(cells)
    return rows


def page_html(data: dict, split: bool) -> str:
    """A county website's page: a site header, then per project a title, the year, the unit and the table."""
    parts = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>部门预算公开</title>",
             "<style>td{border:1px solid #000}</style></head><body>",
             "<div class=\"nav\">首页 &gt; 政务公开 &gt; 财政预决算</div>"]
    for project in data["projects"]:
        parts += ["<h3 style=\"text-align:center\">项目支出绩效目标申报表</h3>",
                  f"<p align=\"center\">（{data['year']}年度）</p>", f"<p>单位名称：{html.escape(data['unit'])}</p>",
                  "<table cellspacing=\"0\">"]
        for row in published_rows(project, split):
            parts.append("<tr>")
            for span in row:
                attributes = (f" colspan=\"{span.columns}\"" if span.columns > 1 else "") + \
                             (f" rowspan=\"{span.rows}\"" if span.rows > 1 else "")
                text = "<br>".join(html.escape(line) for line in span.text.split("\n"))
                parts.append(f"<td{attributes}>{text}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("<div class=\"footer\">主办：某县人民政府办公室</div></body></html>")
    return "\n".join(parts)


def word_document(data: dict, split: bool, path: Path) -> Path:
    document = docx.Document()
    for project in data["projects"]:
        document.add_paragraph("项目支出绩效目标申报表")
        document.add_paragraph(f"（{data['year']}年度）")
        document.add_paragraph(f"单位名称：{data['unit']}")
        rows = published_rows(project, split)
        table = document.add_table(rows=len(rows), cols=8 if split else 5)
        for r, row in enumerate(rows):
            for span in row:
                cell = table.cell(r, span.column)
                if span.columns > 1 or span.rows > 1:
                    cell = cell.merge(table.cell(r + span.rows - 1, span.column + span.columns - 1))
                cell.text = span.text
    document.save(path)
    return path


def excel_workbook(data: dict, split: bool, path: Path) -> Path:
    """One sheet, the tables one under the other, merged cells; amounts as numbers."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "绩效目标表"
    top = 1
    for project in data["projects"]:
        for text in ("项目支出绩效目标申报表", f"（{data['year']}年度）", f"单位名称：{data['unit']}"):
            sheet.cell(top, 1, text)
            top += 1
        rows = published_rows(project, split)
        for r, row in enumerate(rows):
            for span in row:
                value: object = span.text
                if span.text and span.text.replace(",", "").replace(".", "").isdigit() and "," in span.text:
                    value = float(span.text.replace(",", ""))
                elif span.text.isdigit():
                    value = int(span.text)
                cell = sheet.cell(top + r, span.column + 1, value if span.text else None)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # "=100%" typed as text, as Excel keeps it
                if span.columns > 1 or span.rows > 1:
                    sheet.merge_cells(start_row=top + r, start_column=span.column + 1,
                                      end_row=top + r + span.rows - 1, end_column=span.column + span.columns)
        top += len(rows) + 2
    workbook.save(path)
    return path


FORMS = ["national-2015", "national-2015-yitihua"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("container", ["html", "docx", "xlsx"])
def test_drawn_tables_import_back_equal(form, container, tmp_path):
    data = filing_data(form)
    expected = Filing.model_validate(data)
    split = form.endswith("yitihua")
    path = tmp_path / f"published.{container}"
    if container == "html":
        path.write_text(page_html(data, split), encoding="utf-8")
    elif container == "docx":
        word_document(data, split, path)
    else:
        excel_workbook(data, split, path)
    filing, notes = import_source(path)
    assert filing.form == form and filing.framework == "national-2015"
    assert filing == expected
    # the second project's annual goal has two lines: a guess only in the sense of "several lines"
    assert all("未使用" not in note or any(word in note for word in ("首页", "主办")) for note in notes), notes


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, tuple[Path, Filing]]:
    """Each national form's filing written by the toolkit (with its cover) and printed to PDF by LibreOffice."""
    lo.require()
    folder = tmp_path_factory.mktemp("printed")
    out = {}
    for form in FORMS:
        data = filing_data(form) | {"department": "计财股", "contact": "王晓明", "phone": "0571-87654321"}
        filing = Filing.model_validate(data)
        workbook = write_filing(filing, folder / f"{form}.xlsx")
        out[form] = (lo.convert(workbook, "pdf", folder), filing)
    return out


@pytest.mark.parametrize("form", FORMS)
def test_printed_pdf_imports_back_equal(printed, form):
    pdf, expected = printed[form]
    filing, notes = import_source(pdf)
    assert filing == expected
    assert (filing.form, filing.department, filing.contact) == (form, "计财股", "王晓明")
    assert not [note for note in notes if "未使用" in note], notes


# --------------------------------------------------------------------------------------------
# a county's annual table, composed with what published tables really look like

COUNTY = {
    "name": "农村人居环境整治专项资金", "supervising_department": "[108]某县农业农村局",
    "implementing_unit": "某县乡村振兴服务中心", "attribute": "新增项目", "period": "1年",
    "objectives": "三年内实现农村人居环境整治全覆盖。",
    "annual_objectives": "完成20个行政村人居环境整治，村庄保洁覆盖率达到100%。",
    "budget": {"current_year": Decimal("5600000"), "current_year_fiscal": Decimal("1280000"),
               "current_year_other": Decimal("4320000")},
    "rows": [
        ("产出指标", "数量指标", "指标1：整治行政村数量", "≥20个"),
        ("产出指标", "数量指标", "指标2：新建公厕数量", "=15座"),
        ("产出指标", "质量指标", "村庄保洁覆盖率", "=100%"),
        ("产出指标", "时效指标", "项目完成时间", "2024年12月底前"),
        ("效益指标", "社会效益指标", "群众生活环境", "明显改善"),
        ("效益指标", "可持续影响指标", "长效管护机制", "(≥**%)"),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"),
    ],
}
SECOND = {"name": "村级公益事业一事一议奖补", "rows": [("产出指标", "数量指标", "奖补项目个数", "≥12个"),
                                                   ("满意度指标", "服务对象满意度指标", "村民满意度", "≥85%")]}

# The county page: a site header and narrative, two tables (the first with labels broken over
# lines and spaced out, its 一级 label spanning its group, the 二级 of two rows printed once,
# amounts with units and a remark), notes and a signature after each, the second cut off.
COUNTY_HTML = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>
<div>某县2024年部门预算公开</div>
<p>根据《预算法》有关规定，现将我局2024年项目支出绩效目标公开如下：</p>
<p style="text-align:center"><b>项目支出绩效目标申报表</b></p>
<p align="center">（2024年度）</p>
<p>单位：万元</p>
<table border="1">
<tr><td>项目名称</td><td colspan="4">农村人居环境整治专项资金</td></tr>
<tr><td>主管部门</td><td>[108]某县农业农村局</td><td>项目实施单位</td><td colspan="2">某县乡村振兴服务中心</td></tr>
<tr><td>项目属性</td><td>新增项目■ 延续项目□</td><td>项目期</td><td colspan="2">1年</td></tr>
<tr><td rowspan="3">资金情况<br>（万元）</td><td>年度资金总额</td><td colspan="3">560万（含上年结转）</td></tr>
<tr><td>其中：财政拨款</td><td colspan="3">128万元</td></tr>
<tr><td>其他资金</td><td colspan="3">432</td></tr>
<tr><td>总体 目标</td><td colspan="4">三年内实现农村人居环境整治全覆盖。</td></tr>
<tr><td>年度<br>目标</td><td colspan="4">完成20个行政村人居环境整治，村庄保洁覆盖率达到100%。</td></tr>
<tr><td rowspan="8">绩<br>效<br>指<br>标</td><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td></tr>
<tr><td rowspan="4">产出指标</td><td rowspan="2">数量指标</td><td>指标1：整治行政村数量</td><td>≥20个</td></tr>
<tr><td>指标2：新建公厕数量</td><td>=15座</td></tr>
<tr><td>质量指标</td><td>村庄保洁覆盖率</td><td>=100%</td></tr>
<tr><td>时效指标</td><td>项目完成时间</td><td>2024年12月底前</td></tr>
<tr><td rowspan="2">效益指标</td><td>社会效益指标</td><td>群众生活环境</td><td>明显改善</td></tr>
<tr><td>可持续影响指标</td><td>长效管护机制</td><td>(≥**%)</td></tr>
<tr><td>满意度指标</td><td>服务对象满意度指标</td><td>群众满意度</td><td>≥90%</td></tr>
</table>
<p>注：本表金额单位为万元。</p>
<p>填报人：李明　联系电话：0571-1234567　单位（盖章）</p>
<p style="text-align:center">项目支出绩效目标申报表</p>
<p align="center">（2024年度）</p>
<table border="1">
<tr><td>项目名称</td><td colspan="4">村级公益事业一事一议奖补</td></tr>
<tr><td>主管部门</td><td>[108]某县农业农村局</td><td>项目实施单位</td><td colspan="2">某县乡村振兴服务中心</td></tr>
<tr><td>项目属性</td><td>新增项目□ 延续项目■</td><td>项目期</td><td colspan="2">长期</td></tr>
<tr><td rowspan="3">资金情况（万元）</td><td>年度资金总额</td><td colspan="3">36</td></tr>
<tr><td>其中：财政拨款</td><td colspan="3">36</td></tr>
<tr><td>其他资金</td><td colspan="3">0</td></tr>
<tr><td>年度目标</td><td colspan="4">完成奖补项目12个。</td></tr>
<tr><td rowspan="4">绩效指标</td><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td></tr>
<tr><td>产出指标</td><td>数量指标</td><td>奖补项目个数</td><td>≥12个</td></tr>
<tr><td>满意度指标</td><td>服务对象满意度指标</td><td>村民满意度</td><td>≥85%</td></tr>
<tr><td>效益指标</td><td>社会效益指标</td><td>村容村""".encode("gb18030")


def county_rows(project) -> list[tuple[str, str, str, str]]:
    return [(row.level1, row.level2, row.level3, row.target.raw) for row in project.indicators]


def check_county(project) -> None:
    assert (project.name, project.supervising_department, project.implementing_unit) == (
        COUNTY["name"], COUNTY["supervising_department"], COUNTY["implementing_unit"])
    assert (project.attribute, project.period) == (COUNTY["attribute"], COUNTY["period"])
    assert project.annual_objectives == COUNTY["annual_objectives"]
    for name, amount in COUNTY["budget"].items():
        assert getattr(project.budget, name) == amount, name
    assert project.budget.total is None
    assert county_rows(project) == COUNTY["rows"]


def test_county_web_page(tmp_path):
    path = tmp_path / "某县农业农村局.htm"
    path.write_bytes(COUNTY_HTML)
    filing, notes = import_source(path)
    assert (filing.form, filing.framework, filing.year) == ("national-2015", "national-2015", 2024)
    first, second = filing.projects
    check_county(first)
    assert first.objectives == COUNTY["objectives"]  # 总体 目标, spaced out, with its value beside it
    assert (second.name, second.attribute, second.period) == (SECOND["name"], "延续项目", "长期")
    assert second.budget.current_year == Decimal("360000") and second.budget.current_year_other == 0
    assert county_rows(second) == SECOND["rows"]  # the cut row is not kept
    text = "\n".join(notes)
    # every unused line, with its place
    for line in ("表格外第1行未使用：某县2024年部门预算公开", "表格外第2行未使用：根据《预算法》",
                 "表格外第6行未使用：注：本表金额单位为万元。", "表格外第7行未使用：填报人：李明"):
        assert line in text, line
    # every guess
    for guess in ("表格1第2行第1列 projects[0].supervising_department：标签“主管部门”按“主管部门及代码”读取",
                  "表格1第2行第3列 projects[0].implementing_unit：标签“项目实施单位”按“实施单位”读取",
                  "表格1第3行第2列 projects[0].attribute：勾选框“新增项目■ 延续项目□”读为所勾选的“新增项目”",
                  "表格1第4行第3列 projects[0].budget.current_year：金额“560万（含上年结转）”取数值560万元，“（含上年结转）”未导入",
                  "表格1第5行第3列 projects[0].budget.current_year_fiscal：金额“128万元”取数值128万元",
                  "表格1第7行第1列 projects[0].objectives：标签“总体 目标”按“中期目标”读取",
                  "表格2第11行第2列 projects[1].indicators：表格在文件末尾中断"):
        assert guess in text, guess
    assert "村容村" in text  # the cut row's cells are listed as unused


# The same county table copied as text, four ways.
def county_text(cells: str) -> str:
    head = "某县2024年部门预算公开\n附件3\n项目支出绩效目标申报表\n（2024年度）\n单位：万元\n"
    tail = "注：本表金额单位为万元。\n填报人：李明  联系电话：0571-1234567  单位（盖章）\n"
    return head + cells + tail


TABS = county_text("""项目名称\t农村人居环境整治专项资金
主管部门\t[108]某县农业农村局\t项目实施单位\t某县乡村振兴服务中心
项目属性\t新增项目■ 延续项目□\t项目期\t1年
资金情况（万元）\t年度资金总额\t560万（含上年结转）
\t其中：财政拨款\t128万元
\t其他资金\t432
年度绩效目标\t完成20个行政村人居环境整治，村庄保洁覆盖率达到100%。
绩效指标\t一级指标\t二级指标\t三级指标\t指标值
\t产出指标\t数量指标\t指标1：整治行政村数量\t≥20个
\t指标2：新建公厕数量\t=15座
\t质量指标\t村庄保洁覆盖率\t=100%
\t时效指标\t项目完成时间\t2024年12月底前
\t效益指标\t社会效益指标\t群众生活环境\t明显改善
\t可持续影响指标\t长效管护机制\t(≥**%)
\t满意度指标\t服务对象满意度指标\t群众满意度\t≥90%
""")
BARS = "\n".join(("| " + " | ".join(line.split("\t")) + " |") if "\t" in line else line for line in TABS.split("\n"))
# cells run together with spaces, the 一级 label printed on the middle row of its group
RUN_TOGETHER = county_text("""项目名称 农村人居环境整治专项资金
主管部门 [108]某县农业农村局 项目实施单位 某县乡村振兴服务中心
项目属性 新增项目■ 延续项目□ 项目期 1年
资金情况（万元） 年度资金总额 560万（含上年结转）
其中：财政拨款 128万元
其他资金 432
年度绩效目标 完成20个行政村人居环境整治，村庄保洁覆盖率达到100%。
绩效指标 一级指标 二级指标 三级指标 指标值
数量指标 指标1：整治行政村数量 ≥20个
产出指标 指标2：新建公厕数量 =15座
质量指标 村庄保洁覆盖率 =100%
时效指标 项目完成时间 2024年12月底前
效益指标 社会效益指标 群众生活环境 明显改善
可持续影响指标 长效管护机制 (≥**%)
满意度指标 服务对象满意度指标 群众满意度 ≥90%
""")
# one cell per line, labels broken over lines (年度 / 目标, 绩 / 效 / 指 / 标)
ONE_PER_LINE = county_text("\n".join([
    "项目名称", "农村人居环境整治专项资金", "主管部门", "[108]某县农业农村局", "项目实施单位", "某县乡村振兴服务中心",
    "项目属性", "新增项目■ 延续项目□", "项目期", "1年", "资金情况（万元）", "年度资金总额", "560万（含上年结转）",
    "其中：财政拨款", "128万元", "其他资金", "432", "年度", "目标", "完成20个行政村人居环境整治，村庄保洁覆盖率达到100%。",
    "绩", "效", "指", "标", "一级指标", "二级指标", "三级指标", "指标值",
    "产出指标", "数量指标", "指标1：整治行政村数量", "≥20个", "指标2：新建公厕数量", "=15座",
    "质量指标", "村庄保洁覆盖率", "=100%", "时效指标", "项目完成时间", "2024年12月底前",
    "效益指标", "社会效益指标", "群众生活环境", "明显改善", "可持续影响指标", "长效管护机制", "(≥**%)",
    "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"]) + "\n")


@pytest.mark.parametrize("text", [TABS, BARS, RUN_TOGETHER, ONE_PER_LINE], ids=["tabs", "bars", "run-together", "one-per-line"])
def test_county_text(text, tmp_path):
    path = tmp_path / "copied.txt"
    path.write_text(text, encoding="utf-8")
    filing, notes = import_source(path)
    assert (filing.form, filing.year) == ("national-2015", 2024)
    (project,) = filing.projects
    check_county(project)
    joined = "\n".join(notes)
    for line in ("第1行未使用：某县2024年部门预算公开", "第2行未使用：附件3", "未使用：注：本表金额单位为万元。", "未使用：填报人：李明"):
        assert line in joined, line
    for guess in ("标签“主管部门”按“主管部门及代码”读取", "读为所勾选的“新增项目”", "“（含上年结转）”未导入", "取数值128万元"):
        assert guess in joined, guess
    if text is RUN_TOGETHER:
        assert "已按指标框架取“产出指标”" in joined
    if text is ONE_PER_LINE:
        assert "已合并为“年度目标”" in joined and "已合并为“绩效指标”" in joined


def test_a_table_cut_off_in_text_keeps_its_complete_rows(tmp_path):
    text = RUN_TOGETHER[: RUN_TOGETHER.index("满意度指标")] + "满意度指标 服务对象满意度指标 群众满"
    filing = parse = import_source(_write(tmp_path, text))
    project = parse[0].projects[0]
    assert county_rows(project) == COUNTY["rows"][:-1]
    assert any("表格在文件末尾中断" in note for note in filing[1])
    assert any("未使用：群众满" in note for note in filing[1])


def _write(folder: Path, text: str) -> Path:
    path = folder / "cut.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_split_variant_is_told_by_its_header(tmp_path):
    text = TABS.replace("三级指标\t指标值", "三级指标\t指标性质\t指标值\t度量单位\t权重")
    rows = {"\t指标1：整治行政村数量\t≥20个": "\t指标1：整治行政村数量\t≥\t20\t个\t20",
            "\t指标2：新建公厕数量\t=15座": "\t指标2：新建公厕数量\t=\t15\t座\t20",
            "\t村庄保洁覆盖率\t=100%": "\t村庄保洁覆盖率\t=\t100\t%\t20",
            "\t项目完成时间\t2024年12月底前": "\t项目完成时间\t定性\t2024年12月底前\t\t10",
            "\t群众生活环境\t明显改善": "\t群众生活环境\t定性\t明显改善\t无\t10",
            "\t长效管护机制\t(≥**%)": "\t长效管护机制\t\t(≥**%)\t\t10",
            "\t群众满意度\t≥90%": "\t群众满意度\t≥\t90\t%\t10"}
    for old, new in rows.items():
        text = text.replace(old, new)
    filing, notes = import_source(_write(tmp_path, text))
    assert filing.form == "national-2015-yitihua"
    project = filing.projects[0]
    assert county_rows(project) == COUNTY["rows"]
    assert [row.weight for row in project.indicators] == [20, 20, 20, 10, 10, 10, 10]
    assert any("度量单位“无”表示没有单位" in note for note in notes)


# --------------------------------------------------------------------------------------------
# the form decides; a table of no known form is refused


def test_form_can_be_named_and_the_framework_follows_the_names(tmp_path):
    path = _write(tmp_path, TABS)
    assert import_source(path, form="national-2015-yitihua")[0].form == "national-2015-yitihua"
    national_2021 = TABS.replace("\t质量指标\t", "\t质量指标\t").replace("\t产出指标\t数量指标", "\t成本指标\t经济成本指标")
    assert import_source(_write(tmp_path, national_2021))[0].framework == "national-2021"


def test_the_shanghai_seed_goes_line_by_line_through_the_form_choice(tmp_path):
    """The seed, as a file, is recognised as the Shanghai form and read exactly as the line reader reads it."""
    from tests.conftest import ROOT, read_seed
    from tests.test_textimport import SEED_UNSURE
    from xlgoals.textimport import import_text_file

    text = read_seed()
    path = tmp_path / "seed.txt"
    path.write_text(text, encoding="utf-8")
    result = import_text_file(path)
    expected = Filing.model_validate_json((ROOT / "examples" / "shanghai-2020.json").read_text(encoding="utf-8"))
    assert result.filing == expected and result.filing.form == "shanghai-2020"
    assert [(u.line_no, u.field) for u in result.report.unsure] == SEED_UNSURE and result.report.unused == []
    assert import_source(path)[1] == parse_published_text(text).report.messages()


def test_a_table_of_no_known_form_names_the_missing_labels(tmp_path):
    text = "项目支出绩效目标表\n项目名称\t某项目\n实施单位\t某中心\n备注\t无\n"
    with pytest.raises(InputFileError) as raised:
        import_source(_write(tmp_path, text))
    message = str(raised.value)
    assert "\n" not in message and "cut.txt" in message
    for label in ("主管部门及代码", "项目属性", "项目期", "年度资金总额", "年度目标"):
        assert f"“{label}”" in message, label
    result = run("import", str(tmp_path / "cut.txt"), "-o", str(tmp_path / "out.xlsx"))
    assert result.returncode == 2 and "缺少" in result.stderr and not (tmp_path / "out.xlsx").exists()


def test_garbage_in_every_new_container_is_one_chinese_line(tmp_path):
    cases = {"page.html": b"\x00\x01\x02" * 50, "empty.htm": b"", "letter.docx": b"PK\x03\x04broken",
             "old.docx": b"\xd0\xcf\x11\xe0" + b"\x00" * 600, "sheet.xls": b"not a workbook at all",
             "nothing.html": "<html><body><p>本页暂无内容</p></body></html>".encode()}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = run("import", str(path), "-o", str(tmp_path / "out.xlsx"))
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and name in lines[0] and "Traceback" not in result.stderr, (name, result.stderr)
        assert not (tmp_path / "out.xlsx").exists()


def test_cli_reads_a_web_page_with_form_option(tmp_path):
    path = tmp_path / "county.html"
    path.write_bytes(COUNTY_HTML)
    out = tmp_path / "county.xlsx"
    result = run("import", str(path), "--form", "national-2015", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "已导入 2 个项目" in result.stdout and "导入报告" in result.stdout and "表格在文件末尾中断" in result.stdout
    from xlgoals import load_filing

    assert load_filing(out).projects[0].budget.current_year == Decimal("5600000")


# --------------------------------------------------------------------------------------------
# anything at all: a filing with a report whose places are in the grid, or one Chinese line

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from xlgoals.formreader import read_grid  # noqa: E402
from xlgoals.grid import text_grid  # noqa: E402

_WORDS = st.sampled_from(["项目名称", "主管部门", "实施单位", "项目属性", "项目期", "年度资金总额", "其中：财政拨款", "其他资金",
                          "资金情况（万元）", "总体目标", "中期目标", "年度目标", "绩效指标", "一级指标", "二级指标", "三级指标",
                          "指标值", "指标性质", "度量单位", "权重", "产出指标", "数量指标", "≥", "20", "万亩", "定性", "年度", "目标",
                          "绩", "效", "项目支出绩效目标申报表", "（2024年度）", "注：", "填报人：", "新增项目■", "560万（含）", "\t", "|"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.lists(st.one_of(_WORDS, st.text(max_size=6)), max_size=6).map(" ".join), max_size=40))
def test_any_text_reads_or_is_refused_in_one_line(lines):
    text = "\n".join(lines)
    grid = text_grid(text)
    try:
        result = read_grid(grid, source="fuzz.txt", read_lines=lambda: parse_published_text(text, source="fuzz.txt"))
    except InputFileError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(result.filing, Filing)
    numbers = {cell.no for row in grid.rows for cell in row.cells} | set(range(1, len(text.split("\n")) + 1))
    for item in [*result.report.unused, *result.report.unsure]:
        assert item.line_no in numbers
