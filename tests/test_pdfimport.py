"""PDF input (``xlgoals.pdfimport``): published tables read from their PDF.

The test PDFs are made here: filings are written as template workbooks and printed to PDF by
LibreOffice, as a unit would publish them; importing the PDF must give back the filing that was
printed, field for field, for both frameworks. Garbage (empty, truncated, damaged, encrypted,
image-only PDFs, a PDF of something else) must give one Chinese line naming the file.

Each LibreOffice conversion runs once per module (three in all).
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.support import libreoffice as lo
from tests.support.cli import run
from tests.test_textimport import assert_same_filing
from xlgoals import Filing, load_filing, write_filing
from xlgoals.errors import InputFileError
from xlgoals.inputs import import_source
from xlgoals.pdfimport import extract_pdf_lines, import_pdf_file
from xlgoals.textimport import NO_TABLE_MESSAGE, ImportResult
from xlgoals.workbook.sheets import Sheet

REPO = Path(__file__).resolve().parents[1]
SHANGHAI = json.loads((REPO / "examples" / "shanghai-2020.json").read_text(encoding="utf-8"))

# A national-2021 filing: the framework's level names, long texts with paragraphs and a blank
# line, amounts with cents, a qualitative target of two words, a target written with ≥, an empty
# 项目概况, and the cover's department, contact and phone.
NATIONAL = {
    "unit": "某市文化和旅游局",
    "year": 2021,
    "framework": "national-2021",
    "department": "计划财务处",
    "contact": "王晓明",
    "phone": "0571-87654321",
    "projects": [
        {
            "name": "公共文化服务体系建设专项资金",
            "category": "特定目标类项目",
            "start_date": "2021-01-01",
            "end_date": "2021-12-31",
            "government_procurement": "是",
            "performance_type": "事业发展类",
            "overview": (
                "为贯彻落实《中华人民共和国公共文化服务保障法》和《“十四五”公共文化服务体系建设规划》，"
                "本项目围绕基层公共文化设施提档升级、公益性文化活动供给和数字文化服务三个方面展开，"
                "重点支持全市12个区县的文化馆、图书馆总分馆制建设，全年计划举办公益演出120场、"
                "公益培训讲座300期，新建城市书房8家。\n"
                "项目由市文化和旅游局统筹实施，各区县文化和旅游部门具体承办，"
                "资金按照“先建后补、以奖代补”的方式拨付。"
            ),
            "basis": (
                "1. 《中华人民共和国公共文化服务保障法》第四十五条；\n"
                "2. 《国务院办公厅关于加快构建现代公共文化服务体系的意见》（国办发〔2015〕2号）；\n"
                "3. 《财政部 文化和旅游部关于印发〈公共文化服务体系建设专项资金管理办法〉的通知》。"
            ),
            "necessity": (
                "当前我市基层公共文化设施分布不均衡，部分乡镇综合文化站设备老化、服务功能单一，"
                "群众对高质量公共文化服务的需求与供给不足之间的矛盾较为突出。"
                "实施本项目，有利于补齐基层公共文化服务短板，推动优质文化资源向基层延伸，"
                "保障人民群众基本文化权益，提升城市文化软实力。"
            ),
            "safeguards": (
                "一是建立项目管理制度，明确资金申报、审核、拨付和绩效评价各环节的责任分工；\n"
                "二是实行专账核算、专款专用，严格执行政府采购和合同管理规定；\n\n"
                "三是建立季度调度和年度考核机制，对进度滞后的区县进行约谈并督促整改。"
            ),
            "implementation_plan": (
                "第一季度：完成项目申报评审和资金下达；\n"
                "第二季度：开展公益演出和培训讲座，启动城市书房建设；\n"
                "第三季度：完成城市书房主体建设，组织中期绩效监控；\n"
                "第四季度：完成项目验收、资金清算和绩效自评。"
            ),
            "objectives": (
                "总目标：构建覆盖城乡、便捷高效、保基本、促公平的现代公共文化服务体系。\n"
                "年度目标：举办公益演出不少于120场，公益培训讲座不少于300期，新建城市书房8家，"
                "服务群众不少于50万人次，群众满意度达到90%以上。"
            ),
            "budget": {"total": "36,000,000", "current_year": "12,000,000",
                       "prior_year_budget": "11,500,000", "prior_year_executed": "11,037,450.55"},
            "indicators": [
                {"level1": "成本指标", "level2": "经济成本指标", "level3": "项目总成本", "target": "<=1200万元"},
                {"level1": "成本指标", "level2": "经济成本指标", "level3": "单场公益演出平均成本", "target": "<=3万元"},
                {"level1": "产出指标", "level2": "数量指标", "level3": "举办公益演出场次", "target": ">=120场"},
                {"level1": "产出指标", "level2": "数量指标", "level3": "公益培训讲座期数", "target": ">=300期"},
                {"level1": "产出指标", "level2": "数量指标", "level3": "新建城市书房数量", "target": "=8家"},
                {"level1": "产出指标", "level2": "质量指标", "level3": "城市书房建设验收合格率", "target": "=100%"},
                {"level1": "产出指标", "level2": "质量指标", "level3": "公益演出节目审核通过率", "target": "≥95%"},
                {"level1": "产出指标", "level2": "时效指标", "level3": "项目完成及时率", "target": "=100%"},
                {"level1": "效益指标", "level2": "社会效益指标", "level3": "服务群众人次", "target": ">=50万人次"},
                {"level1": "效益指标", "level2": "社会效益指标", "level3": "基层群众文化获得感", "target": "显著提升"},
                {"level1": "效益指标", "level2": "可持续影响指标", "level3": "公共文化服务长效机制", "target": "建立"},
                {"level1": "满意度指标", "level2": "服务对象满意度指标", "level3": "观众满意度", "target": ">=90%"},
            ],
        },
        {
            "name": "非物质文化遗产保护传承",
            "category": "其他运转类项目",
            "start_date": "2021-03-01",
            "end_date": "2021-11-30",
            "government_procurement": "否",
            "performance_type": "会议培训类",
            "overview": "支持市级以上非物质文化遗产代表性传承人开展传习活动，举办非遗展演和研培活动。",
            "basis": "《中华人民共和国非物质文化遗产法》；《国家级非物质文化遗产代表性传承人认定与管理办法》。",
            "necessity": "部分非遗项目传承人年事已高、后继乏人，亟需加大传承扶持力度。",
            "safeguards": "严格执行传承人补助资金管理办法，实行年度评估和动态管理。",
            "implementation_plan": "3月至6月开展传习活动；7月至9月举办非遗展演；10月至11月组织研培和评估。",
            "objectives": "年度目标：资助传承人60名，举办展演活动20场、研培班4期。",
            "budget": {"total": "1,800,000", "current_year": "1,800,000",
                       "prior_year_budget": "1,650,000", "prior_year_executed": "1,650,000"},
            "indicators": [
                {"level1": "成本指标", "level2": "经济成本指标", "level3": "传承人人均补助标准", "target": "=2万元/人"},
                {"level1": "产出指标", "level2": "数量指标", "level3": "资助传承人数", "target": "=60人"},
                {"level1": "产出指标", "level2": "数量指标", "level3": "非遗展演活动场次", "target": ">=20场"},
                {"level1": "产出指标", "level2": "质量指标", "level3": "研培学员结业率", "target": ">=90%"},
                {"level1": "产出指标", "level2": "时效指标", "level3": "补助资金拨付时间", "target": "<=30天"},
                {"level1": "效益指标", "level2": "社会效益指标", "level3": "非遗保护社会关注度", "target": "提升"},
                {"level1": "满意度指标", "level2": "服务对象满意度指标", "level3": "传承人满意度", "target": ">=85%"},
            ],
        },
        {
            "name": "文化市场综合执法装备购置",
            "category": "特定目标类项目",
            "start_date": "2021-04-01",
            "end_date": "2021-09-30",
            "government_procurement": "是",
            "performance_type": "设备购置类",
            "overview": None,
            "basis": "《文化市场综合行政执法装备配备标准》。",
            "necessity": "现有执法记录仪和执法车辆已超过使用年限，故障率高，影响执法效率。",
            "safeguards": "按照政府采购程序公开招标，设备到货后由使用部门和财务部门共同验收。",
            "implementation_plan": "4月完成采购需求论证；5月至6月公开招标；7月至9月到货验收并投入使用。",
            "objectives": "年度目标：购置执法记录仪120台、执法车辆4辆，执法装备达标率达到100%。",
            "budget": {"total": "2,460,000", "current_year": "2,460,000",
                       "prior_year_budget": "0", "prior_year_executed": "0"},
            "indicators": [
                {"level1": "成本指标", "level2": "经济成本指标", "level3": "设备采购成本", "target": "<=246万元"},
                {"level1": "产出指标", "level2": "数量指标", "level3": "购置执法记录仪数量", "target": "=120台"},
                {"level1": "产出指标", "level2": "数量指标", "level3": "购置执法车辆数量", "target": "=4辆"},
                {"level1": "产出指标", "level2": "质量指标", "level3": "设备验收合格率", "target": "=100%"},
                {"level1": "产出指标", "level2": "时效指标", "level3": "设备到货及时率", "target": "=100%"},
                {"level1": "效益指标", "level2": "社会效益指标", "level3": "执法办案效率", "target": "明显提高"},
                {"level1": "效益指标", "level2": "可持续影响指标", "level3": "设备使用年限", "target": ">=6年"},
                {"level1": "满意度指标", "level2": "服务对象满意度指标", "level3": "执法人员满意度", "target": ">=90%"},
            ],
        },
    ],
}

SCAN_SHEET = "附件扫描件"  # a sheet with only a picture: a page without text inside the national PDF


# ---------------------------------------------------------------------------------------------
# the PDFs


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pdfimport")


@pytest.fixture(scope="module")
def shanghai_pdf(workdir: Path) -> Path:
    lo.require()
    return lo.convert(write_filing(Filing.model_validate(SHANGHAI), workdir / "shanghai.xlsx"), "pdf", workdir)


@pytest.fixture(scope="module")
def national_pdf(workdir: Path) -> Path:
    """The national filing, with a sheet holding only a picture (a scan) after its projects."""
    lo.require()
    from PIL import Image, ImageDraw

    scan = workdir / "scan.png"
    picture = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(picture)
    for top in range(100, 700, 40):
        draw.rectangle([60, top, 540, top + 12], fill="black")
    picture.save(scan)
    scanned = Sheet(SCAN_SHEET, image=("A1", str(scan), 0.5), print_rows=0)
    write_filing(Filing.model_validate(NATIONAL), workdir / "national.xlsx", back=[scanned])
    return lo.convert(workdir / "national.xlsx", "pdf", workdir)


@pytest.fixture(scope="module")
def other_pdf(workdir: Path) -> Path:
    """A text PDF of something else: a workbook without any form."""
    lo.require()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "会议纪要"
    for row, text in enumerate(["2021年第三次办公会议纪要", "一、听取了上半年预算执行情况汇报。", "二、研究了下半年重点工作。",
                                "项目名称：办公楼维修", "参会人员：张三、李四"], start=1):
        sheet.cell(row, 1, text)
    workbook.save(workdir / "minutes.xlsx")
    return lo.convert(workdir / "minutes.xlsx", "pdf", workdir)


@pytest.fixture(scope="module")
def shanghai(shanghai_pdf: Path) -> ImportResult:
    return import_pdf_file(shanghai_pdf)


@pytest.fixture(scope="module")
def national(national_pdf: Path) -> ImportResult:
    return import_pdf_file(national_pdf)


# ---------------------------------------------------------------------------------------------
# round trips


def test_shanghai_filing_imports_back_exactly(shanghai: ImportResult, shanghai_pdf: Path) -> None:
    filing = shanghai.filing
    assert (filing.unit, filing.year, filing.framework) == ("上海市总工会", 2020, "shanghai-2020")
    assert filing.source == str(shanghai_pdf)
    assert_same_filing(filing, Filing.model_validate(SHANGHAI))
    # cover, guide, footers and the title rows repeated on each page are recognised: nothing unused
    assert shanghai.report.unused == []
    fields = [item.field for item in shanghai.report.unsure]
    # the one empty field of the example, and at most notes of the PDF's line breaks
    assert "projects[3].objectives" in fields and set(fields) <= {"projects[3].objectives", "PDF"}
    assert not any("无法解析" in item.note or "没有可提取" in item.note for item in shanghai.report.unsure)


def test_national_filing_imports_back_exactly(national: ImportResult) -> None:
    expected = Filing.model_validate(NATIONAL)
    filing = national.filing
    assert filing.framework == "national-2021"  # read from the cover and the table header: not given
    assert (filing.department, filing.contact, filing.phone) == ("计划财务处", "王晓明", "0571-87654321")
    assert_same_filing(filing, expected)
    assert filing == expected
    # the paragraphs (and the blank line) of the long texts came back
    assert "\n\n三是" in filing.projects[0].safeguards and filing.projects[0].basis.count("\n") == 2
    assert national.report.unused == []
    fields = [item.field for item in national.report.unsure]
    assert "projects[2].overview" in fields and set(fields) <= {"projects[2].overview", "PDF"}
    assert not any("无法解析" in item.note for item in national.report.unsure)


def test_a_page_without_text_is_reported(national: ImportResult, national_pdf: Path) -> None:
    pages = len(lo.pdf_pages(national_pdf))
    text = extract_pdf_lines(national_pdf)
    assert text.empty_pages == [pages]  # the scan sheet prints last
    notes = [item for item in national.report.unsure if item.page == pages]
    assert len(notes) == 1 and "没有可提取的文字" in notes[0].note and "OCR" in notes[0].note
    assert f"第{pages}页 PDF：这一页没有可提取的文字" in "\n".join(national.report.messages())


def test_framework_can_be_named(national_pdf: Path) -> None:
    assert import_pdf_file(national_pdf, framework="national-2021").filing == Filing.model_validate(NATIONAL)
    result = import_pdf_file(national_pdf, framework="shanghai-2020")
    assert result.filing.framework == "shanghai-2020"
    assert any(item.field == "framework" and "中央部门" in item.note for item in result.report.unsure)


def test_amounts_and_dates_read_as_values(shanghai: ImportResult, shanghai_pdf: Path) -> None:
    lines = [line.text for line in extract_pdf_lines(shanghai_pdf).lines]
    # the template prints amounts #,##0.00 and dates yyyy-mm-dd …
    assert "项目总预算（元） 9,000,000.00 项目当年预算（元） 9,000,000.00" in lines
    assert "计划开始日期 2020-01-01 计划完成日期 2020-12-31" in lines
    # … and the model reads them as the same numbers and dates
    project = shanghai.filing.projects[0]
    assert project.budget.total == Decimal(9000000) and isinstance(project.budget.total, Decimal)
    assert str(project.start_date) == "2020-01-01" and not isinstance(project.start_date, str)


# ---------------------------------------------------------------------------------------------
# the text as extracted


def test_lines_in_reading_order_with_cells_side_by_side(shanghai_pdf: Path) -> None:
    text = extract_pdf_lines(shanghai_pdf)
    lines = [line.text for line in text.lines]
    # the cover comes first; each page of a project starts with the title rows
    assert lines[0] == "财政项目支出绩效目标表 · 填报说明"
    assert "指标框架 上海市项目支出绩效目标（2020年版）" in lines
    # the label 同名项目上年预算执行数（元） wraps inside its cell: it stays one label, in its place
    assert "同名项目上年预算额（元） 8,100,000.00 同名项目上年预算执行数（元） 8,100,000.00" in lines
    assert "项目名称 灵活就业群体工会会员专项工作经费 项目类别 经常性专项业务费" in lines
    assert "投入与管理 实施管理 资格审核（含复审）规范性 规范" in lines
    # a long text is one line per paragraph, its wrapped lines joined with nothing added
    assert SHANGHAI["projects"][0]["necessity"] in lines
    # every page ends with its footer, and lines know their page
    for page in range(1, len(lo.pdf_pages(shanghai_pdf)) + 1):
        on_page = [line for line in text.lines if line.page == page]
        assert [line.page_line for line in on_page] == list(range(1, len(on_page) + 1))
        assert re.fullmatch(r".+\u3000第 \d+ 页，共 \d+ 页", on_page[-1].text), on_page[-1].text
    assert text.empty_pages == []


def test_report_names_page_and_line(shanghai: ImportResult, shanghai_pdf: Path) -> None:
    text = extract_pdf_lines(shanghai_pdf)
    empty = next(item for item in shanghai.report.unsure if item.field == "projects[3].objectives")
    line = text.lines[empty.line_no - 1]
    assert line.text == "总目标及阶段性目标："
    assert empty.page == line.page
    message = f"第{line.page}页第{line.page_line}行 projects[3].objectives：“总目标及阶段性目标”为空"
    assert message in shanghai.report.messages()


def test_import_source_and_cli_read_pdf(shanghai_pdf: Path, workdir: Path) -> None:
    filing, notes = import_source(shanghai_pdf)
    assert filing == Filing.model_validate(SHANGHAI)
    assert any("总目标及阶段性目标”为空" in note for note in notes)
    out = workdir / "from-pdf.xlsx"
    result = run("import", str(shanghai_pdf), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "已导入 5 个项目" in result.stdout and "导入报告" in result.stdout
    assert load_filing(out) == Filing.model_validate(SHANGHAI)


# ---------------------------------------------------------------------------------------------
# garbage in

_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")


def _rc4(key: bytes, data: bytes) -> bytes:
    state, j = list(range(256)), 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def encrypted_pdf(path: Path, user: bytes = b"secret", owner: bytes = b"owner") -> Path:
    """A one-page PDF encrypted with the standard security handler (RC4 40-bit, revision 2),
    which needs the user password to open (PDF 1.7 §7.6.3, algorithms 2–4)."""
    def pad(password: bytes) -> bytes:
        return (password + _PAD)[:32]

    permissions = -44
    owner_entry = _rc4(hashlib.md5(pad(owner)).digest()[:5], pad(user))
    file_id = hashlib.md5(b"xlgoals test").digest()
    key = hashlib.md5(pad(user) + owner_entry + permissions.to_bytes(4, "little", signed=True) + file_id).digest()[:5]
    user_entry = _rc4(key, _PAD)
    content = b"BT /F1 24 Tf 72 720 Td (Hello encrypted) Tj ET"
    stream = _rc4(hashlib.md5(key + (4).to_bytes(3, "little") + (0).to_bytes(2, "little")).digest()[:10], content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner_entry.hex().encode(), user_entry.hex().encode(), permissions),
    ]
    data, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    data += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    data += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 6 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
             % (len(objects) + 1, file_id.hex().encode(), file_id.hex().encode(), xref))
    path.write_bytes(bytes(data))
    return path


def image_only_pdf(source: Path, path: Path) -> Path:
    """A page of a real table, rendered to a picture and saved as a PDF of that picture (a scan)."""
    from PIL import Image

    png = lo.render_png(source, path.with_suffix(""), first=2, last=2, dpi=50)[0]
    Image.open(png).convert("RGB").save(path, "PDF", resolution=50)
    return path


def assert_refused(path: Path, *fragments: str) -> None:
    with pytest.raises(InputFileError) as caught:
        import_pdf_file(path)
    message = str(caught.value)
    assert "\n" not in message and path.name in message, message
    for fragment in fragments:
        assert fragment in message, message
    assert caught.value.exit_code == 2


def test_encrypted_pdf_fixture_is_a_real_encrypted_pdf(workdir: Path) -> None:
    import pdfplumber

    path = encrypted_pdf(workdir / "encrypted-check.pdf")
    with pdfplumber.open(path, password="secret") as pdf:
        assert pdf.pages[0].extract_text() == "Hello encrypted"


def _truncated(path: Path, real: Path) -> None:
    path.write_bytes(real.read_bytes()[: real.stat().st_size // 2])


def _damaged(path: Path, real: Path) -> None:
    data = real.read_bytes()
    path.write_bytes(data[:2000] + bytes(30000) + data[-2000:])


# name, how to make it (from a real PDF of a table where given one), what the message says
GARBAGE = [
    ("empty.pdf", lambda path: path.write_bytes(b""), ("文件是空的",)),
    ("blank.pdf", lambda path: path.write_bytes(b" \n\r\n\t"), ("文件是空的",)),
    ("picture.pdf", lambda path: path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200)), ("不是 PDF 文件",)),
    ("noise.pdf", lambda path: path.write_bytes(b"%PDF-1.7\n" + bytes((i * 37 + 11) % 256 for i in range(5000)) + b"\n%%EOF\n"),
     ("已损坏",)),
    ("encrypted.pdf", encrypted_pdf, ("已加密", "密码")),
]
GARBAGE_FROM_A_TABLE = [
    ("truncated.pdf", _truncated, ("不完整", "截断")),
    ("damaged.pdf", _damaged, ("已损坏",)),
    ("scan.pdf", lambda path, real: image_only_pdf(real, path), ("没有可提取的文字", "OCR")),
]


@pytest.mark.parametrize(("name", "make", "fragments"), GARBAGE)
def test_garbage_pdfs_are_refused(name, make, fragments, workdir: Path) -> None:
    path = workdir / name
    make(path)
    assert_refused(path, *fragments)


@pytest.mark.parametrize(("name", "make", "fragments"), GARBAGE_FROM_A_TABLE)
def test_broken_pdfs_of_a_table_are_refused(name, make, fragments, shanghai_pdf: Path, workdir: Path) -> None:
    path = workdir / name
    make(path, shanghai_pdf)
    assert_refused(path, *fragments)


def test_damage_that_still_reads_is_reported(shanghai_pdf: Path, workdir: Path) -> None:
    # One entry of the cross-reference table made unreadable: pdfminer repairs what it can (here
    # the object of the cover page is lost), and the report says the file is damaged.
    data = bytearray(shanghai_pdf.read_bytes())
    table = data.rindex(b"\nxref\n")
    first_entry = data.index(b" 00000 n \n", table) - 10
    data[first_entry + 3] = ord("x")
    path = workdir / "damaged-xref.pdf"
    path.write_bytes(bytes(data))
    result = import_pdf_file(path)
    damage = [item for item in result.report.unsure if "无法解析" in item.note]
    assert len(damage) == 1 and damage[0].field == "PDF" and "文字可能不全" in damage[0].note
    assert result.report.messages()[0].startswith("第1页第1行 PDF：PDF 文件结构有 1 处内容无法解析")


def test_pdf_of_something_else_is_refused(other_pdf: Path) -> None:
    assert extract_pdf_lines(other_pdf).lines  # it has text …
    assert_refused(other_pdf, NO_TABLE_MESSAGE)  # … but no table


def test_missing_file_and_directory_are_refused(workdir: Path) -> None:
    assert_refused(workdir / "missing.pdf", "文件不存在")
    folder = workdir / "folder.pdf"
    folder.mkdir(exist_ok=True)
    assert_refused(folder, "不是一个文件")


def test_cli_refuses_garbage_with_exit_code_2(workdir: Path) -> None:
    path = workdir / "cli-empty.pdf"
    path.write_bytes(b"")
    result = run("import", str(path), "-o", str(workdir / "never.xlsx"))
    assert result.returncode == 2
    assert "cli-empty.pdf" in result.stderr and "文件是空的" in result.stderr
    assert not (workdir / "never.xlsx").exists()


def test_national_fixture_is_what_the_test_says() -> None:
    # guard the round trip's meaning: paragraphs, a blank line, cents and ≥ are in the filing
    project = NATIONAL["projects"][0]
    assert "\n\n" in project["safeguards"] and project["budget"]["prior_year_executed"].endswith(".55")
    assert any(row["target"].startswith("≥") for row in project["indicators"])


@pytest.mark.parametrize("line, unit", [("［2018］289号）", "［2018］289"), ("〔2019〕12号", "〔2019〕12"),
                                        ("（沪工总财", "（沪"), ("2020年", "2020")])
def test_a_line_starts_with_what_line_breaking_cannot_split(line, unit):
    """A full-width bracket binds like any other: the unit that could not have ended the line above."""
    from xlgoals.pdfimport import _VLine, _first_unit

    chars = [{"text": char, "x0": 10.0 * n, "x1": 10.0 * n + 9, "top": 0, "bottom": 10, "size": 10}
             for n, char in enumerate(line)]
    vline = _VLine(chars, 0, 0, 10.0 * len(line), 10)
    assert "".join(char["text"] for char in _first_unit(vline)) == unit
