"""Every broken or hostile file of the corpus, through every entry point that takes it.

Each case (tests/support/corpus.py) is generated once per session. A file every reader must
refuse gets, from each command, exit code 2 and one Chinese line naming the file; merged with
a good submission, the good one still goes in. A file that reads goes through every command and
comes out field for field, with nothing that gets in: no formula it did not make, no macro, no
link out. Inputs are never modified (SHA-256), and a failure leaves no output and no temp file.
The commands run in this process (tests/support/cli.py ``invoke``) to keep the corpus fast;
``test_a_folder_of_bad_files_in_a_real_process`` runs one merge as a user does.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.support import corpus, libreoffice
from tests.support.cli import digest, invoke, run
from xlgoals import Filing, layout, load_filing, write_filing
from xlgoals.errors import InputFileError
from xlgoals.inputs import read_filing

CASES = {case.name: case for case in corpus.CASES}
REFUSED = [name for name, case in CASES.items() if case.refusal]
READ = [name for name, case in CASES.items() if not case.refusal]


@pytest.fixture(scope="session")
def base(tmp_path_factory) -> corpus.Base:
    return corpus.base_files(tmp_path_factory.mktemp("corpus-base"))


@pytest.fixture(scope="session")
def make(base, tmp_path_factory):
    """A case's file, built on first use and shared by every test of the session."""
    folder = tmp_path_factory.mktemp("corpus")
    made: dict[str, Path] = {}

    def make(name: str) -> Path:
        case = CASES[name]
        if case.libreoffice:
            libreoffice.require()
        if name not in made:
            made[name] = case.build(folder, base)
        return made[name]

    return make


@pytest.fixture(scope="session")
def department(base, tmp_path_factory) -> Path:
    """A good submission of another department, merged together with each case."""
    filing = base.example.model_copy(update={"department": "宣教部", "projects": base.example.projects[1:3]})
    return write_filing(filing, tmp_path_factory.mktemp("department") / "宣教部.xlsx")


def one_line(result, path: Path, fragment: str) -> str:
    """The single Chinese error line of a failed command; it names the file and the problem."""
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：") and path.name in lines[0] and fragment in lines[0], lines[0]
    return lines[0]


def no_error(result) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert "错误" not in result.stderr, result.stderr


def dumps(projects) -> list[str]:
    """Projects as comparable text, every field (provenance excluded), in any order."""
    return sorted(project.model_dump_json() for project in projects)


def merged_exactly(path: Path, expected) -> None:
    """A merge output that holds exactly the expected projects, field for field, and nothing that gets in."""
    assert dumps(load_filing(path).projects) == dumps(expected)
    assert corpus.output_hazards(path) == []


def annotated_adds_nothing(annotated: Path, source: Path) -> None:
    """The annotated copy is the user's own workbook plus marks: no macro, no external link, nothing new."""
    kept = corpus.output_hazards(annotated, own_sheet=None)
    assert [hazard for hazard in kept if "macro" in hazard or "external" in hazard] == []
    original = corpus.output_hazards(source, own_sheet=None)
    formulas = [hazard for hazard in kept if hazard.startswith("formula")]
    assert sorted(formulas) == sorted(h for h in original if h.startswith("formula"))
    outside = [hazard for hazard in kept if "outside target" in hazard]
    assert len(outside) <= len([hazard for hazard in original if "outside target" in hazard]), outside


def commands(case: corpus.Case, path: Path, out: Path) -> dict[str, tuple[str, ...]]:
    """Every command that takes the case's kind of file, each writing into its own folder under ``out``."""
    runs = {
        "validate": ("validate", str(path)),
        "annotate": ("validate", str(path), "--annotate", str(out / "annotate" / "annotated.xlsx")),
        "fill": ("fill", str(path), "-o", str(out / "fill" / "filled.xlsx")),
        "merge": ("merge", str(path), "-o", str(out / "merge" / "merged.xlsx"), "--jobs", "1"),
        "export": ("export", str(path), "--format", "csv", "-o", str(out / "export" / "export.csv")),
        "import": ("import", str(path), "-o", str(out / "import" / "imported.xlsx")),
    }
    for command in runs:
        (out / command).mkdir()
    return runs if case.workbook else {command: args for command, args in runs.items()
                                       if command not in ("annotate", "merge")}


def fingerprints(*paths: Path) -> dict[Path, str | None]:
    """What each file holds; None for what is no file (missing, a pipe, a device, a looping link)."""
    return {path: digest(path) if path.is_file() else None for path in paths}


def api_read(case: corpus.Case, path: Path) -> Filing:
    """The Python API: ``xlgoals.load_filing`` for workbooks, ``read_filing`` for a filing's JSON."""
    return load_filing(path) if case.workbook else read_filing(path)


@pytest.mark.parametrize("name", REFUSED)
def test_refused_by_every_entry_point(name, make, department, tmp_path):
    case, path = CASES[name], make(name)
    before = fingerprints(path, department)
    with pytest.raises(InputFileError) as raised:
        api_read(case, path)
    assert case.refusal in str(raised.value) and path.name in str(raised.value)
    for command, args in commands(case, path, tmp_path).items():
        result = invoke(*args)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        one_line(result, path, case.refusal)
        assert list((tmp_path / command).iterdir()) == [], f"{command} left a file behind"
    if case.workbook:
        mixed = tmp_path / "mixed"
        mixed.mkdir()
        result = invoke("merge", str(department), str(path), "-o", str(mixed / "merged.xlsx"),
                        "--report", str(mixed / "report.json"), "--jobs", "1")
        assert result.returncode == 2, result.stderr  # merged without it, and the exit code says so
        no_error(result)
        assert result.stderr.startswith("注意：1 个输入文件未合并（无法读取 1 个）")
        assert path.name in result.stdout and "无法读取" in result.stdout
        report = json.loads((mixed / "report.json").read_text(encoding="utf-8"))
        status = {Path(entry["file"]).name: (entry["status"], entry["error"]) for entry in report["inputs"]}
        assert status[path.name][0] == "无法读取" and case.refusal in status[path.name][1]
        merged_exactly(mixed / "merged.xlsx", load_filing(department).projects)
        assert sorted(p.name for p in mixed.iterdir()) == ["merged.xlsx", "report.json"]
    assert fingerprints(path, department) == before


@pytest.mark.parametrize("name", READ)
def test_read_by_every_entry_point(name, make, department, tmp_path):
    case, path = CASES[name], make(name)
    before = fingerprints(path, department)
    filing = api_read(case, path)
    runs = commands(case, path, tmp_path)

    result = invoke(*runs["validate"])
    assert result.returncode in (0, 1), result.stderr
    no_error(result)

    if case.workbook:
        result = invoke(*runs["annotate"])
        assert result.returncode in (0, 1), result.stderr
        no_error(result)
        annotated_adds_nothing(tmp_path / "annotate" / "annotated.xlsx", path)

    result = invoke(*runs["fill"])
    assert result.returncode == 0, result.stderr
    no_error(result)
    filled = load_filing(tmp_path / "fill" / "filled.xlsx")
    assert corpus.output_hazards(tmp_path / "fill" / "filled.xlsx") == []
    assert [p.name for p in filled.projects] == [p.name for p in filing.projects]
    for before_fill, after_fill in zip(filing.projects, filled.projects):
        assert after_fill.model_dump(exclude={"indicators"}) == before_fill.model_dump(exclude={"indicators"})
        rows = iter(after_fill.indicators)
        assert all(any(row == kept for kept in rows) for row in before_fill.indicators), "fill lost or moved a row"

    if case.workbook:
        result = invoke(*runs["merge"])
        if case.filled:
            assert result.returncode == 0, result.stderr
            no_error(result)
            merged_exactly(tmp_path / "merge" / "merged.xlsx", filing.projects)
        else:  # nothing to merge: one line, no output
            assert result.returncode == 2
            one_line(result, path, "没有可合并的项目")
            assert list((tmp_path / "merge").iterdir()) == []
        (tmp_path / "mixed").mkdir()
        result = invoke("merge", str(department), str(path), "-o", str(tmp_path / "mixed" / "merged.xlsx"),
                        "--jobs", "1")
        no_error(result)
        if case.same_year and case.filled:
            assert result.returncode == 0, result.stderr
            merged_exactly(tmp_path / "mixed" / "merged.xlsx", [*load_filing(department).projects, *filing.projects])
        else:  # left out: said in the table and the last line, and the exit code is 1
            assert result.returncode == 1, result.stderr
            said = "未合并：年度是" if case.filled else "未合并：没有填写任何项目"
            assert f"{path.name} {said}" in result.stdout and result.stderr.startswith("注意：1 个输入文件未合并")
            merged_exactly(tmp_path / "mixed" / "merged.xlsx", load_filing(department).projects)

    result = invoke(*runs["export"])
    assert result.returncode == 0, result.stderr
    no_error(result)
    exported = tmp_path / "export" / "export.csv"
    assert corpus.csv_hazards(exported) == []
    rows = list(csv.reader(io.StringIO(exported.read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 1 + sum(max(1, len(p.indicators)) for p in filing.projects)
    detail = tmp_path / "export" / "detail.csv"
    result = invoke("export", str(path), "--format", "csv", "--table", "指标明细", "-o", str(detail))
    assert result.returncode == 0, result.stderr
    assert corpus.csv_hazards(detail) == []
    result = invoke("export", str(path), "-o", str(tmp_path / "export" / "filing.json"))
    assert result.returncode == 0, result.stderr
    assert read_filing(tmp_path / "export" / "filing.json") == filing

    result = invoke(*runs["import"])
    assert result.returncode == 0, result.stderr
    no_error(result)
    assert load_filing(tmp_path / "import" / "imported.xlsx") == filing
    assert corpus.output_hazards(tmp_path / "import" / "imported.xlsx") == []

    assert [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")] == []
    assert fingerprints(path, department) == before


# --------------------------------------------------------------------------- the ribbon

# Files Excel itself opens, so their content reaches the ribbon's buttons: every workbook the reader
# reads, those it refuses for what they hold, and sheets whose used range runs past the limit (Excel
# opens them; the buttons must refuse before reading a million rows). The rest (not a zip,
# encrypted, entity bombs ...) Excel refuses or asks about before any button can be pressed.
HELD_REFUSALS = ["rows_deleted", "rows_inserted", "cover_rows_deleted", "meta_wrong_version",
                 "meta_unknown_framework", "meta_garbage", "meta_framework_garbage", "meta_missing",
                 "empty_workbook", "million_rows_sparse", "rows_without_references"]
RIBBON = [name for name in READ if CASES[name].workbook] + HELD_REFUSALS


@pytest.mark.parametrize("name", RIBBON)
def test_every_button_on_what_excel_opens(name, make):
    """Each button ends in a message box, never a traceback: the counts, or the reader's refusal."""
    from tests.support.xlwings_standin import Book
    from xlgoals import excel

    case, path = CASES[name], make(name)
    before = digest(path)
    book = Book.from_file(path)
    report = excel.validate(book)
    message, title = book.app.alerts[-1]
    assert "意外错误" not in message and title.endswith("校验")
    if case.refusal:
        assert report is None and case.refusal in message and path.name in message
    else:
        cli = json.loads(invoke("validate", str(path), "--format", "json").stdout)
        assert [(f.code, f.sheet, f.cell) for f in report.sorted()] == \
            [(f["code"], f["sheet"], f["cell"]) for f in cli["findings"]]
    forms = [sheet for sheet in book.sheets if sheet.name not in (layout.COVER_SHEET, layout.REPORT_SHEET, layout.META_SHEET)]
    if forms:
        forms[0].activate()  # 填充指标 works on the sheet the user is on
    for button, press in (("填充指标", excel.fill), ("清除标记", excel.clear), ("新增项目表", excel.new_project_sheet)):
        press(book)
        message, title = book.app.alerts[-1]
        assert "意外错误" not in message and title.endswith(button), (button, message)
        if case.refusal and press is not excel.clear:  # 清除标记 reads no values
            assert case.refusal in message, (button, message)
    assert digest(path) == before


# --------------------------------------------------------------------------- what each readable case reads as


def first(make, name: str):
    return load_filing(make(name)).projects[0]


def test_formulas_read_as_the_values_excel_showed(make):
    project = first(make, "formulas")
    assert project.name == "2" and project.overview == "点此"  # =1+1 and =HYPERLINK(…,"点此")
    assert project.indicators[0].target is None  # the DDE formula showed #N/A
    assert project.indicators[1].level3 is None  # a formula no program computed shows nothing


def test_errors_read_as_empty_and_are_reported(make, tmp_path):
    path = make("errors")
    project = load_filing(path).projects[0]
    assert project.indicators[0].target is None and project.budget.current_year is None
    assert project.indicators[1].level3 is None
    report = tmp_path / "report.json"
    assert invoke("validate", str(path), "--format", "json", "-o", str(report)).returncode == 1
    cells = {(f["sheet"], f["cell"]) for f in json.loads(report.read_text(encoding="utf-8"))["findings"]}
    assert (corpus.FIRST_PROJECT, "E20") in cells and (corpus.FIRST_PROJECT, "F24") in cells


def test_booleans_where_text_belongs(make):
    project = first(make, "booleans")
    # read as Excel shows a logical value in a text cell
    assert (project.name, project.category, project.indicators[0].level3) == ("TRUE", "FALSE", "TRUE")
    assert project.government_procurement is True


def test_texts_that_look_like_formulas_stay_text(make, tmp_path):
    path = make("formula_text")
    project = load_filing(path).projects[0]
    read = {"B4": project.name, "E4": project.category, "C24": project.indicators[0].level3,
            "C25": project.indicators[1].level3, "A8": project.overview, "F26": project.indicators[2].target.raw}
    assert read == corpus.FORMULA_TEXTS
    exported = tmp_path / "export.csv"
    assert invoke("export", str(path), "--format", "csv", "-o", str(exported)).returncode == 0
    cells = {cell for row in csv.reader(io.StringIO(exported.read_bytes().decode("utf-8-sig"))) for cell in row}
    assert {"'" + text for text in corpus.FORMULA_TEXTS.values()} <= cells
    filing = read_filing(make("json_hostile_text"))
    project = filing.projects[0]
    assert (filing.department, project.name, project.category) == ("-5%", "=1+1", "+86 21 5555 0000")
    assert project.overview == '=HYPERLINK("http://evil.example/","点此")' and project.basis == "𠀀" * 50
    assert (project.indicators[0].level3, project.indicators[0].target.raw) == ("@SUM(A1:A9)", "=cmd|' /C calc'!A0")


def test_long_rare_and_control_characters(make):
    assert first(make, "long_text").overview == corpus.LONG_TEXT and len(corpus.LONG_TEXT) == 32767
    project = first(make, "non_bmp")
    assert project.name == corpus.NON_BMP_NAME and project.overview.startswith("𠀀" * 100)
    project = first(make, "control_characters")
    assert project.name == "项目名称" and project.overview == "概况\t正文"


def test_ten_thousand_indicator_rows(make):
    assert len(first(make, "ten_thousand_rows").indicators) == 10_000


def test_macros_and_links_out_read_as_values(make, base):
    assert load_filing(make("xlsm_with_vba")) == base.example
    assert load_filing(make("outside_hyperlink")) == base.example
    assert first(make, "external_link").name == "外部的项目名称"  # the value the link last showed


def test_template_structure_changes_that_still_read(make, base):
    renamed = load_filing(make("sheet_renamed"))
    assert renamed == base.example and renamed.projects[0].source.sheet == "改过名的项目表"
    deleted = load_filing(make("sheet_deleted"))
    assert [p.name for p in deleted.projects] == [p.name for p in base.example.projects[1:]]
    assert load_filing(make("sheet_added")) == base.example
    assert load_filing(make("protection_removed")) == base.example
    assert load_filing(make("blank_template")).projects == []


def test_garbage_year_on_the_cover_is_reported(make, base, tmp_path):
    path = make("cover_year_garbage")
    report = tmp_path / "report.json"
    assert invoke("validate", str(path), "--format", "json", "-o", str(report)).returncode == 1
    findings = json.loads(report.read_text(encoding="utf-8"))["findings"]
    mismatches = {f["sheet"] for f in findings if f["code"] == "project-year-mismatch"}
    assert mismatches == {project.name for project in base.example.projects}


# --------------------------------------------------------------------------- several files, and outputs


def test_the_same_file_given_twice(make, tmp_path):
    path = make("formula_text")
    result = invoke("validate", str(path), str(path), "--format", "json")
    assert result.returncode in (0, 1) and "不止一次" in result.stderr
    assert json.loads(result.stdout)["files"] == [str(path)]
    result = invoke("import", str(path), str(path), "-o", str(tmp_path / "imported.xlsx"))
    assert result.returncode == 0 and "不止一次" in result.stderr
    assert load_filing(tmp_path / "imported.xlsx") == load_filing(path)
    result = invoke("merge", str(path), str(path), "-o", str(tmp_path / "merged.xlsx"), "--jobs", "1",
                    "--report", str(tmp_path / "report.json"))
    assert result.returncode == 0
    merged_exactly(tmp_path / "merged.xlsx", load_filing(path).projects)
    events = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["events"]
    assert [e["kind"] for e in events] == ["repeated-input"]


def test_an_output_never_replaces_an_input(make, department, tmp_path):
    good = tmp_path / "部门.xlsx"
    good.write_bytes(make("formula_text").read_bytes())
    folder = tmp_path / "提交"
    folder.mkdir()
    inside = folder / "宣教部.xlsx"
    inside.write_bytes(department.read_bytes())
    files = (good, inside)
    before = {file: digest(file) for file in files}
    filled = str(tmp_path / "filled.xlsx")
    attempts = {  # what is run, and the input its output would have replaced
        "import": (("import", str(good), "-o", str(good)), good),
        "export": (("export", str(good), "--format", "csv", "-o", str(good)), good),
        "fill": (("fill", str(good), "-o", str(good)), good),
        "fill --from": (("fill", str(good), "--from", str(inside), "-o", str(inside)), inside),
        "fill --report": (("fill", str(good), "-o", filled, "--report", str(good)), good),
        "fill --report = -o": (("fill", str(good), "-o", filled, "--report", filled), Path(filled)),
        "merge": (("merge", str(good), str(folder), "-o", str(good), "--jobs", "1"), good),
        "merge into its folder": (("merge", str(folder), "-o", str(inside), "--jobs", "1"), inside),
        "merge --report": (("merge", str(folder), "-o", str(tmp_path / "merged.xlsx"), "--report", str(inside)), inside),
        "merge --archive": (("merge", str(folder), "-o", str(tmp_path / "merged.xlsx"), "--archive", str(inside)), inside),
        "validate -o": (("validate", str(good), "--format", "json", "-o", str(good)), good),
        "validate --annotate": (("validate", str(good), "--annotate", str(good)), good),
    }
    for name, (args, target) in attempts.items():
        result = invoke(*args)
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        line = one_line(result, target, "输出文件")
        assert "另选输出文件名" in line, (name, line)
        assert {file: digest(file) for file in files} == before, name
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["宣教部.xlsx", "部门.xlsx"]


def test_a_folder_of_bad_files_in_a_real_process(make, department, tmp_path):
    """A merge of a folder holding every refused case and one good submission, run as a user runs it
    (a separate process, reading in parallel): the good one is merged, each bad one reported with its reason."""
    folder = tmp_path / "收到的表"
    folder.mkdir()
    names = [name for name in REFUSED if CASES[name].workbook and name != "missing"
             and (not CASES[name].libreoffice or libreoffice.available())]
    for name in names:
        source = make(name)
        (folder / source.name).symlink_to(source)
    (folder / department.name).symlink_to(department)
    out, report = tmp_path / "汇总.xlsx", tmp_path / "合并报告.json"
    result = run("merge", str(folder), "-o", str(out), "--report", str(report), "--jobs", "2")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines()[-1].startswith(f"注意：{len(names)} 个输入文件未合并（无法读取 {len(names)} 个）")
    inputs = {Path(entry["file"]).stem: entry for entry in json.loads(report.read_text(encoding="utf-8"))["inputs"]}
    for name in names:
        assert inputs[name]["status"] == "无法读取" and CASES[name].refusal in inputs[name]["error"], name
    assert inputs["宣教部"]["status"] == "已合并"
    merged_exactly(out, load_filing(department).projects)


def test_the_detectors_see_what_they_look_for(make, department, tmp_path):
    """The checks above find nothing in the outputs; here they find everything in the hostile inputs."""
    assert "macro part xl/vbaProject.bin" in corpus.output_hazards(make("xlsm_with_vba"))
    linked = corpus.output_hazards(make("external_link"))
    assert "external reference in workbook.xml" in linked and any(h.startswith("formula") for h in linked)
    assert any("outside target" in h for h in corpus.output_hazards(make("outside_hyperlink")))
    assert len([h for h in corpus.output_hazards(make("formulas")) if h.startswith("formula")]) == 4
    merged = tmp_path / "merged.xlsx"
    assert invoke("merge", str(department), "-o", str(merged), "--jobs", "1").returncode == 0
    assert corpus.output_hazards(merged) == [] and len(corpus.output_hazards(merged, own_sheet=None)) >= 10
    sheet = tmp_path / "cells.csv"
    sheet.write_text("=1+1,'=1+1,-5,-5%,@A1,+1,text\n", encoding="utf-8-sig")
    assert corpus.csv_hazards(sheet) == ["=1+1", "-5%", "@A1", "+1"]


# --------------------------------------------------------------------------- openpyxl, which annotate loads with


def test_openpyxl_parses_with_defusedxml(make):
    """openpyxl loads a user's workbook for the annotated copy; with defusedxml it refuses entity declarations."""
    import openpyxl
    import openpyxl.xml
    from defusedxml import DTDForbidden, EntitiesForbidden

    assert openpyxl.xml.DEFUSEDXML is True
    with pytest.raises(Exception) as raised:
        openpyxl.load_workbook(make("entity_bomb"))  # fed past check_workbook, straight to openpyxl
    chain, error = [], raised.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(error, (EntitiesForbidden, DTDForbidden)) for error in chain), chain
