"""The ribbon's entry points (xlgoals.excel) on the in-memory xlwings stand-in.

The stand-in behaves like Excel where it matters (protection refuses changes, numbers come back as
floats); the first test holds it to the real xlwings classes so it cannot drift from them.
"""

from __future__ import annotations

import copy
import inspect
import json
import sys
from pathlib import Path

import pytest
import xlwings

from xlgoals import Filing, __version__, excel, layout, load_filing, load_form, write_filing
from xlgoals.fill import fill_filing
from xlgoals.workbook.marks import LEGEND, REPORT_HEADER_ROW, is_mark_note, template_fill
from xlgoals.workbook.reader import filing_from_content, is_project_grid
from xlgoals.workbook.sheets import report_sheet
from xlgoals.workbook.styles import COLOURS, MARK_FILLS
from tests.conftest import EXAMPLE
from tests.support import xlwings_standin as standin
from tests.support.cli import digest, run
from tests.support.ribbon import StandinExcel, py_text
from tests.support.submissions import conflicting_submissions, submission
from tests.support.xlwings_standin import TEST_ONLY, Book

STANDARD = "投入与管理"
REAL = {standin.Book: xlwings.Book, standin.Sheet: xlwings.Sheet, standin.Range: xlwings.Range,
        standin.Sheets: xlwings.main.Sheets, standin.Note: xlwings.main.Note, standin.App: xlwings.App,
        standin.Books: xlwings.main.Books}


@pytest.fixture(scope="module")
def seed_workbook(tmp_path_factory):
    filing = Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
    return write_filing(filing, tmp_path_factory.mktemp("excel") / "seed.xlsx")


def marked(book: Book) -> dict[tuple[str, str], str]:
    """(sheet, cell) → fill of every cell carrying one of our notes."""
    return {(sheet.name, note.location.address.replace("$", "")): note.location.fill_hex()
            for sheet in book.sheets for note in sheet.notes if is_mark_note(note.text)}


@pytest.mark.parametrize("fake", list(REAL), ids=lambda cls: cls.__name__)
def test_standin_offers_only_what_xlwings_has(fake):
    """Every member the stand-in offers exists on the xlwings class, as the same kind, with the same parameters."""
    real = REAL[fake]
    members = [name for name, _ in inspect.getmembers(fake) if not name.startswith("_") and name not in TEST_ONLY]
    assert members
    for name in members:
        ours, theirs = inspect.getattr_static(fake, name), inspect.getattr_static(real, name, None)
        assert theirs is not None, f"xlwings.{real.__name__} has no {name}"
        assert isinstance(ours, property) == isinstance(theirs, property), name
        if isinstance(ours, property):
            assert (ours.fset is None) or (theirs.fset is not None), f"{name} is read-only in xlwings"
        elif callable(ours):
            ours_params = list(inspect.signature(getattr(fake, name)).parameters)
            theirs_params = list(inspect.signature(getattr(real, name)).parameters)
            assert ours_params == theirs_params, (name, ours_params, theirs_params)


def test_validate_marks_the_cells_the_cli_reports(seed_workbook):
    """校验 marks exactly the cells `xlgoals validate` reports, with the severity's fill, and lists them all."""
    cli = json.loads(run("validate", str(seed_workbook), "--format", "json").stdout)
    book = Book.from_file(seed_workbook)
    report = excel.validate(book)
    assert report is not None and report.summary() in book.app.alerts[-1][0]
    expected: dict[tuple[str, str], str] = {}
    for finding in cli["findings"]:
        key = (finding["sheet"], finding["cell"])
        if expected.get(key) != MARK_FILLS["error"]:
            expected[key] = MARK_FILLS[finding["severity"]]
    assert expected and marked(book) == expected
    sheet = book.sheet(layout.REPORT_SHEET)
    assert [s.name for s in book.sheets].index(layout.REPORT_SHEET) == 1
    count = len(cli["findings"])
    first = REPORT_HEADER_ROW + 1
    listed = sheet.range((first, 3), (first + count - 1, 3)).options(ndim=2).value
    assert [row[0] for row in listed] == [f["sheet"] for f in cli["findings"]]
    links = sheet.range((first, 4), (first + count - 1, 4)).formula
    assert links == [[f'=HYPERLINK("#\'{f["sheet"]}\'!{f["cell"]}","{f["cell"]}")' for f in cli["findings"]]]
    assert sheet.range((first + count, 1)).value is None


def test_validate_leaves_protection_as_it_was(seed_workbook):
    book = Book.from_file(seed_workbook)
    before = {sheet.name: (sheet.api.ProtectContents, dict(vars(sheet.api.Protection))) for sheet in book.sheets}
    excel.validate(book)
    after = {sheet.name: (sheet.api.ProtectContents, dict(vars(sheet.api.Protection))) for sheet in book.sheets
             if sheet.name != layout.REPORT_SHEET}
    assert after == before
    assert before["上海市劳模节日慰问金"][1]["AllowFormattingRows"], "the template lets users resize rows"
    assert book.api.ProtectStructure
    assert book.calls["Sheet.api.Unprotect"] == book.calls["Sheet.api.Protect"] > 0


def test_validating_again_clears_old_marks_and_keeps_the_users_own(seed_workbook):
    book = Book.from_file(seed_workbook)
    excel.validate(book)
    first = marked(book)
    # a target marked only for its missing unit: giving it the unit must remove the mark
    sheet_name, ref = next(key for key in first if book.sheet(key[0]).range(key[1]).value == ">=90")
    sheet = book.sheet(sheet_name)
    # the user adds a note of their own on another cell, and corrects the marked value
    sheet.api.Unprotect("xlgoals")
    sheet.range("B4").add_note("请财务科确认项目名称")
    sheet.range(ref).value = ">=90分"
    sheet.api.Protect(Password="xlgoals", AllowFormattingRows=True)
    excel.validate(book)
    again = marked(book)
    assert [s.name for s in book.sheets].count(layout.REPORT_SHEET) == 1
    assert sheet.range("B4").note.text == "请财务科确认项目名称"
    assert set(first) - set(again) == {(sheet_name, ref)}
    for key in set(first) - set(again):
        assert book.sheet(key[0]).range(key[1]).fill_hex() == template_fill(load_form("shanghai-2020"), *key)
        assert book.sheet(key[0]).range(key[1]).note is None


def test_clear_restores_the_template_look(seed_workbook):
    original = Book.from_file(seed_workbook)
    book = Book.from_file(seed_workbook)
    excel.validate(book)
    cells = marked(book)
    assert excel.clear(book) == len(cells)
    assert layout.REPORT_SHEET not in [s.name for s in book.sheets]
    assert marked(book) == {}
    for sheet, ref in cells:
        assert book.sheet(sheet).range(ref).fill_hex() == original.sheet(sheet).range(ref).fill_hex()
    assert book.api.ProtectStructure


def test_fill_completes_the_active_sheet(example_data, tmp_path):
    data = copy.deepcopy(example_data)
    project = data["projects"][1]
    project["indicators"] = [row for row in project["indicators"] if row["level1"] != STANDARD]
    path = write_filing(Filing.model_validate(data), tmp_path / "in.xlsx")
    book = Book.from_file(path)
    sheet = book.sheet(load_filing(path).projects[1].source.sheet)
    sheet.activate()
    added = excel.fill(book)
    assert added and added > 0
    read_back = filing_from_content(excel.read_book(book))
    expected, _ = fill_filing(Filing.model_validate(data).model_copy(
        update={"projects": [Filing.model_validate(data).projects[1]]}))
    assert read_back.projects[1].indicators == expected.projects[0].indicators
    others = load_filing(path)
    assert read_back.projects[0].indicators == others.projects[0].indicators  # other sheets untouched
    assert sheet.api.ProtectContents


def test_fill_on_a_sheet_that_is_not_a_project(seed_workbook):
    book = Book.from_file(seed_workbook)
    book.sheet(layout.COVER_SHEET).activate()
    assert excel.fill(book) is None
    message, title = book.app.alerts[-1]
    assert "不是项目表" in message and "填充指标" in title


def test_new_project_sheet_is_blank_protected_and_read_as_a_form(seed_workbook):
    book = Book.from_file(seed_workbook)
    excel.validate(book)  # marks on the sheet it copies must not come along
    projects = list(excel.read_book(book).project_sheets)
    source_marks = {ref for (name, ref) in marked(book) if name == projects[1]}
    assert source_marks
    book.sheet(projects[1]).activate()
    title = excel.new_project_sheet(book)
    names = [s.name for s in book.sheets]
    assert title == f"项目{len(projects) + 1}" and names.index(title) == names.index(projects[-1]) + 1
    new = book.sheet(title)
    content = excel.read_book(book)
    assert is_project_grid(content.project_sheets[title], content.form)
    assert [p.source.sheet for p in filing_from_content(content).projects] == projects  # blank: no project
    assert new.api.ProtectContents and book.api.ProtectStructure
    assert not [n for n in new.notes if is_mark_note(n.text)]
    assert new.range("B4").fill_hex() == COLOURS["input"]
    assert all(new.range(ref).fill_hex() == template_fill(load_form("shanghai-2020"), title, ref) for ref in source_marks)
    assert excel.new_project_sheet(book) == f"项目{len(projects) + 2}"


def test_wrong_workbook_and_foreign_password_end_in_a_message(seed_workbook, tmp_path):
    empty = Book("工作簿1.xlsx")
    empty.sheets.add("Sheet1")
    assert excel.validate(empty) is None
    message, _ = empty.app.alerts[-1]
    assert "不是由绩效目标表模板填写的工作簿" in message and "Traceback" not in message
    book = Book.from_file(seed_workbook)
    # the last sheet validate would mark: a run that unlocked sheet by sheet would have marked others first
    first = json.loads(run("validate", str(seed_workbook), "--format", "json").stdout)["findings"][-1]
    sheet = book.sheet(first["sheet"])
    sheet.api.Unprotect("xlgoals")
    sheet.api.Protect(Password="另一个密码")
    excel.validate(book)
    message, _ = book.app.alerts[-1]
    assert "其他保护密码" in message and sheet.name in message
    assert layout.REPORT_SHEET not in [s.name for s in book.sheets] and marked(book) == {}  # nothing changed
    assert book.api.ProtectStructure and all(s.api.ProtectContents for s in book.sheets)


def test_about_names_version_and_interpreter(seed_workbook):
    book = Book.from_file(seed_workbook)
    text = excel.about(book)
    assert text is not None and sys.executable in text and "上海市项目支出绩效目标" in text


def test_round_trips_per_sheet_not_per_cell(example_data, tmp_path):
    """Reading is one bulk read per sheet; fills are one call per colour per sheet; notes one per cell."""
    data = copy.deepcopy(example_data)
    data["projects"] = [dict(p, name=f"{p['name']}{n}") for n in range(4) for p in data["projects"]]
    path = write_filing(Filing.model_validate(data), tmp_path / "twenty.xlsx")
    before = digest(path)
    book = Book.from_file(path)
    report = excel.validate(book)
    calls, trips = dict(book.calls), book.round_trips()
    sheets = len(book._sheets) - 1  # the 校验结果 sheet added
    marks = marked(book)
    marked_sheets = len({sheet for sheet, _ in marks})
    assert calls["Range.value"] == sheets  # one bulk read per sheet
    assert calls["Range.add_note"] == len(marks)
    colours = {(sheet, fill) for (sheet, _), fill in marks.items()}
    # one call per colour per sheet, and the report sheet's: its headers, severities and legend
    assert calls["Range.color="] <= len(colours) + len({"label", *MARK_FILLS, *(fill for fill, *_ in LEGEND)})
    # per sheet: a notes scan, its used range, its values; per marked sheet: unprotect, protect; the report sheet
    # the report sheet: a few calls for its values, links and widths, one per merged span, one per row height
    report_calls = 20 + calls.get("Range.merge", 0) + calls.get("Range.row_height=", 0)
    declared = report_sheet(report.sorted(), report.summary(), load_form("shanghai-2020"))
    assert 0 < calls["Range.row_height="] <= len(set(declared.heights.values()))
    assert trips <= 3 * sheets + 2 * marked_sheets + calls["Range.color="] + len(marks) + report_calls
    assert report is not None and len(report.findings) >= len(marks)
    assert digest(path) == before  # the file behind the book is never touched


# --------------------------------------------------------------------------- 汇总各部门表格


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    """Every kind of merge event, in a folder whose name cmd.exe would misread."""
    folder = tmp_path_factory.mktemp("各部门 & 100%")
    conflicting_submissions(folder)
    return folder


def test_merge_button_gives_the_clis_result(submitted, seed_workbook, tmp_path):
    """Same projects, events and findings as `xlgoals merge`; the message lists the CLI's lines; the result opens."""
    hashes = {path: digest(path) for path in submitted.iterdir()}
    cli = run("merge", str(submitted), "-o", str(tmp_path / "cli.xlsx"), "--report", str(tmp_path / "cli.json"))
    assert cli.returncode == 2, cli.stderr  # a file could not be read
    expected = json.loads((tmp_path / "cli.json").read_text(encoding="utf-8"))
    session = StandinExcel()
    book = session.open(seed_workbook)  # whatever workbook is active when the button is pressed
    target = tmp_path / "汇总 & 结果"  # the save dialog's name without .xlsx
    [message] = session.press("MergeFolder", str(submitted), str(target))
    opened = [b.fullname for b in book.app.books]
    assert opened == [str(seed_workbook.resolve()), str(target.with_suffix(".xlsx").resolve())]
    merged = load_filing(target.with_suffix(".xlsx"))
    assert len(merged.projects) == expected["projects"] == 7
    said = [line for line in cli.stdout.splitlines()  # the CLI's lines below its table of inputs
            if not set(line) & set("│┃┏┗━─┡└╇┌") and not line.startswith(("输入文件", "已生成汇总填报"))]
    assert len(said) == 7 and said[-1].startswith("校验：")  # 4 files left out, 2 projects sent twice
    for line in said:
        assert line in message, line
    [left_out] = [line for line in cli.stderr.splitlines() if line.startswith("注意：")]
    assert left_out.split("；")[0] in message  # 注意：3 个输入文件未合并（…），汇总填报不含它们的项目
    assert "合并了 4 个文件、4 个部门的 7 个项目" in message
    statuses = book.app.statuses
    assert statuses[-1] is False
    assert [s for s in statuses if isinstance(s, str) and "已读取" in s] == \
        [f"汇总各部门表格：已读取 {n}/8 个文件……" for n in range(1, 9)]
    assert all(digest(path) == value for path, value in hashes.items())
    # the result the button returns is the merge core's, field for field
    ribbon = excel.merge_folder(str(submitted), str(tmp_path / "again.xlsx"), book=book).to_dict()
    assert [ribbon[key] for key in ("projects", "events", "findings")] == \
        [expected[key] for key in ("projects", "events", "findings")]


@pytest.mark.parametrize(("dialogs", "said"), [
    (("", ""), "没有选择文件夹"),
    (("{folder}", ""), "没有选择汇总文件的保存位置"),
], ids=["no-folder", "no-output"])
def test_merge_button_refuses_a_cancelled_dialog(dialogs, said, submitted, tmp_path):
    session = StandinExcel(dialogs=tuple(answer.format(folder=submitted) for answer in dialogs))
    session.open(write_filing(Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8")), tmp_path / "a.xlsx"))
    [message] = session.press("OnMerge")
    assert said in message and "Traceback" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]


def test_merge_button_refuses_nothing_to_merge_and_an_open_output(submitted, tmp_path):
    empty, broken = tmp_path / "空", tmp_path / "坏"
    empty.mkdir()
    broken.mkdir()
    (broken / "损坏.xlsx").write_bytes(b"PK\x03\x04broken")
    blank = tmp_path / "空白"
    blank.mkdir()
    submission(blank, "空白模板", "宣教部", [])
    session = StandinExcel()
    seed = session.open(write_filing(Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8")), tmp_path / "a.xlsx"))
    for folder, said in ((empty, "没有找到要合并的工作簿"), (broken, "损坏.xlsx"), (blank, "没有可合并的项目")):
        [message] = session.press("MergeFolder", str(folder), str(tmp_path / "汇总.xlsx"))
        assert said in message, message
        assert not (tmp_path / "汇总.xlsx").exists()
    for target in (seed.fullname, tmp_path / "其他" / "A.xlsx"):  # the workbook open in Excel, or one of its name
        [message] = session.press("MergeFolder", str(submitted), str(target))
        assert "Excel 中已打开名为" in message and Path(target).name in message
    read = "汇总各部门表格：已读取 1/1 个文件……"
    assert seed.app.statuses == [False, read, False, read, False]  # each merge that ran hands the bar back
    assert len(list(seed.app.books)) == 1


def test_a_path_outside_the_basic_plane_reaches_python_whole(tmp_path):
    """The VBA escapes UTF-16 code units: a character beyond the BMP arrives as a surrogate pair, joined again."""
    name = "部门𠀀 & ^ % ! ' \" x"
    literal = py_text(name)
    assert literal.isascii() and not set(literal) & set("&^%!\" ")
    assert excel._from_vba(eval(literal)) == name  # noqa: S307  (the literal the VBA builds)


# --------------------------------------------------------------------------- 关于: versions


def test_about_reports_the_versions_and_how_to_reinstall_an_older_addin(seed_workbook):
    session = StandinExcel()
    session.open(seed_workbook)
    [message] = session.press("OnAbout")
    assert f"xlgoals {__version__}（加载项 {__version__}）" in message and "重新" not in message
    session = StandinExcel(addin_version="0.0.1")
    session.open(seed_workbook)
    [message] = session.press("OnAbout")
    assert f"加载项是 0.0.1 版，Python 中的 xlgoals 是 {__version__} 版" in message
    assert "xlgoals addin install" in message and "重新启动 Excel" in message


@pytest.mark.parametrize(("addin", "running", "installed", "said"), [
    ("1.0", "1.0", "1.0", None),
    ("1.0", "1.0", None, None),  # run from a source folder
    ("0.9", "1.0", "1.0", "加载项是 0.9 版，Python 中的 xlgoals 是 1.0 版：请在命令行运行 xlgoals addin install"),
    ("", "1.0", "1.0", "加载项是更早的版本（没有版本号），Python 中的 xlgoals 是 1.0 版"),
    ("1.1", "1.0", "1.1", "已安装 xlgoals 1.1，但 Excel 中运行的仍是 1.0：请关闭所有 Excel 窗口后重新打开。"),
    ("1.0", "1.0", "1.1", "已安装 xlgoals 1.1，但 Excel 中运行的仍是 1.0：请关闭所有 Excel 窗口后重新打开；"
                          "加载项也需要更新，请先在命令行运行 xlgoals addin install。"),
], ids=["same", "source", "older-addin", "addin-without-version", "stale-process", "stale-process-and-addin"])
def test_version_advice(addin, running, installed, said):
    advice = excel.version_advice(addin, running, installed)
    assert advice == said if said is None or said.endswith("。") else advice.startswith(said)


def test_validate_on_a_blank_template_says_nothing_is_filled(tmp_path):
    """The button shares the rules: a blank template is not 校验通过."""
    from xlgoals import build_template

    book = Book.from_file(build_template(tmp_path / "空白.xlsx", unit="上海市总工会", year=2021))
    report = excel.validate(book)
    assert report is not None and [f.code for f in report.findings] == ["filing-empty"]
    assert book.app.alerts[-1][0].startswith("校验未通过：1 个强制性错误")
    listed = book.sheet(layout.REPORT_SHEET).range((REPORT_HEADER_ROW + 1, 7)).value
    assert listed == "filing-empty"
