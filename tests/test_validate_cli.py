"""`xlgoals validate` and `xlgoals rules` as a user runs them: exit codes, JSON, annotation."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from xlgoals import Filing, layout, write_filing
from xlgoals.rules import CATALOGUE
from xlgoals.workbook.marks import MARK_AUTHOR, REPORT_HEADER_ROW
from xlgoals.workbook.styles import MARK_FILLS, openpyxl_fill
from tests.support.cli import digest, run
from tests.conftest import EXAMPLE, ROOT

ERROR_FILL, WARNING_FILL = openpyxl_fill(MARK_FILLS["error"]), openpyxl_fill(MARK_FILLS["warning"])


@pytest.fixture(scope="module")
def seed_workbook(tmp_path_factory) -> Path:
    filing = Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
    return write_filing(filing, tmp_path_factory.mktemp("v") / "seed.xlsx")


@pytest.fixture(scope="module")
def clean_workbook(tmp_path_factory) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    project = data["projects"][4]  # the seed's project without defects
    return write_filing(Filing.model_validate({**data, "projects": [project]}),
                        tmp_path_factory.mktemp("c") / "clean.xlsx")


def test_json_report_and_exit_code_1(seed_workbook):
    before = digest(seed_workbook)
    result = run("validate", str(seed_workbook), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"valid", "stats", "files", "findings"} and report["valid"] is False
    assert report["stats"]["errors"] == sum(f["severity"] == "error" for f in report["findings"])
    first = report["findings"][0]
    assert set(first) >= {"code", "severity", "sheet", "cell", "project", "field", "value", "message"}
    missing = [f for f in report["findings"] if f["code"] == "required-field"]
    assert missing == [{**missing[0], "sheet": "市劳模低收入生活困难补助金", "cell": "A18", "field": "objectives",
                        "project": "市劳模低收入生活困难补助金", "severity": "error"}]
    assert digest(seed_workbook) == before


def test_clean_workbook_exits_0(clean_workbook):
    result = run("validate", str(clean_workbook))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "校验通过" in result.stdout


def test_text_report_groups_by_sheet(seed_workbook):
    result = run("validate", str(seed_workbook))
    assert result.returncode == 1
    assert "市劳模低收入生活困难补助金" in result.stdout and "强制性" in result.stdout
    assert "校验未通过" in result.stdout and "A18" in result.stdout


def test_unreadable_input_exits_2_and_others_still_checked(seed_workbook, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_text("nope", encoding="utf-8")
    result = run("validate", str(broken), str(seed_workbook), "--format", "json")
    assert result.returncode == 2
    assert "broken.xlsx" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["stats"]["errors"] > 0


def test_rules_file(seed_workbook, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[rules.budget-change-large]\nthreshold = 2.0\n[rules.narrative-duplicate]\nenabled = false\n',
                     encoding="utf-8")
    report = json.loads(run("validate", str(seed_workbook), "--format", "json", "--rules", str(rules)).stdout)
    codes = {f["code"] for f in report["findings"]}
    assert "budget-change-large" not in codes and "narrative-duplicate" not in codes
    bad = tmp_path / "bad.toml"
    bad.write_text('[rules.no-such-rule]\nenabled = false\n', encoding="utf-8")
    result = run("validate", str(seed_workbook), "--rules", str(bad))
    assert result.returncode == 2 and "no-such-rule" in result.stderr


def test_rules_catalogue_and_reference_doc():
    listed = json.loads(run("rules", "--format", "json").stdout)
    assert [rule["code"] for rule in listed] == list(CATALOGUE)
    assert all(rule["title"] and rule["meaning"] and rule["severity"] in ("error", "warning") for rule in listed)
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert doc == run("rules", "--format", "markdown").stdout, "docs/rules.md is stale: regenerate it"
    assert "docs/rules.md" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def annotated(seed_workbook, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("a") / "annotated.xlsx"
    before = digest(seed_workbook)
    result = run("validate", str(seed_workbook), "--annotate", str(out), "--format", "json")
    assert result.returncode == 1
    assert digest(seed_workbook) == before
    return out, json.loads(result.stdout)


def test_annotated_copy_marks_every_finding(annotated):
    out, report = annotated
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[1] == layout.REPORT_SHEET
    for finding in report["findings"]:
        cell = wb[finding["sheet"]][finding["cell"]]
        assert cell.comment is not None and cell.comment.author == MARK_AUTHOR
        label = "强制性" if finding["severity"] == "error" else "提示性"  # what the note says first: the message
        assert f"【{label}】{finding['message']}（{finding['code']}）" in cell.comment.text.split("\n")
        expected = ERROR_FILL if finding["severity"] == "error" else WARNING_FILL
        worst = "error" if "强制性" in cell.comment.text else "warning"
        assert cell.fill.fgColor.rgb == (ERROR_FILL if worst == "error" else expected).fgColor.rgb
    sheet = wb[layout.REPORT_SHEET]
    first = REPORT_HEADER_ROW + 1
    rows = list(sheet.iter_rows(min_row=first, values_only=True))
    assert len(rows) == len(report["findings"])
    assert [row[4] for row in rows] == [finding["message"] for finding in report["findings"]]
    links = [sheet.cell(r, 4).hyperlink.location for r in range(first, first + len(rows))]
    assert links[0] == f"'{report['findings'][0]['sheet']}'!{report['findings'][0]['cell']}"
    assert wb["上海市劳模节日慰问金"].protection.sheet  # protection kept
    # the annotated copy is still a readable filing with the same projects
    from xlgoals import load_filing
    assert [p.name for p in load_filing(out).projects] == [p["name"] for p in
                                                             json.loads(EXAMPLE.read_text("utf-8"))["projects"]]


def test_annotation_refuses_to_overwrite_input(seed_workbook):
    before = digest(seed_workbook)
    result = run("validate", str(seed_workbook), "--annotate", str(seed_workbook))
    assert result.returncode == 2 and "输出文件与输入文件相同" in result.stderr
    assert digest(seed_workbook) == before


def test_annotation_visible_in_libreoffice(annotated):
    from tests.support import libreoffice as lo

    lo.require()
    out, report = annotated
    inspected = lo.inspect(out)
    sheets = {sheet["name"]: sheet for sheet in inspected["sheets"]}
    error_color = int(ERROR_FILL.fgColor.rgb[-6:], 16)
    for finding in report["findings"]:
        cell = sheets[finding["sheet"]]["cells"][finding["cell"]]
        assert cell["annotation"] and finding["message"] in cell["annotation"]
        if finding["severity"] == "error":
            assert cell["back_color"] == error_color
    listing = sheets[layout.REPORT_SHEET]["cells"]
    assert listing[f"E{REPORT_HEADER_ROW + 1}"]["string"] == report["findings"][0]["message"]


def test_annotating_again_clears_fixed_marks(annotated, tmp_path):
    """Fix a cell in the annotated copy, annotate again: its mark and note are gone, others stay."""
    out, report = annotated
    fixed = next(f for f in report["findings"] if f["code"] == "required-field")
    wb = openpyxl.load_workbook(out)
    wb[fixed["sheet"]][fixed["cell"]] = "体现党和政府对劳模的关心关爱，按时足额发放补助金。"
    wb[fixed["sheet"]]["A1"].comment = __import__("openpyxl").comments.Comment("我的批注", "财务科")
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    again = tmp_path / "again.xlsx"
    result = run("validate", str(edited), "--annotate", str(again), "--format", "json")
    assert result.returncode == 1
    wb = openpyxl.load_workbook(again)
    cell = wb[fixed["sheet"]][fixed["cell"]]
    assert cell.comment is None and cell.fill.fgColor.rgb.endswith("FFF8DC")  # back to the input colour
    assert wb[fixed["sheet"]]["A1"].comment.text == "我的批注"  # a user's own note is kept
    still = next(f for f in json.loads(result.stdout)["findings"] if f["code"] == "target-unit-missing")
    assert wb[still["sheet"]][still["cell"]].comment.author == MARK_AUTHOR
    assert wb.sheetnames.count(layout.REPORT_SHEET) == 1


def test_text_report_goes_to_the_output_file(seed_workbook, tmp_path):
    target = tmp_path / "结果.txt"
    result = run("validate", str(seed_workbook), "-o", str(target))
    assert result.returncode == 1 and str(target) in result.stdout
    text = target.read_text(encoding="utf-8")
    findings = json.loads(run("validate", str(seed_workbook), "--format", "json").stdout)["findings"]
    assert all(f["cell"] in text and f["code"] in text for f in findings)


def test_an_amount_is_written_alike_in_the_report_and_the_exports(tmp_path, example_data):
    """One amount formatter: -0.0000001 yuan is never -1E-7, in validate --format json as in the exports."""
    project = example_data["projects"][4]
    project["budget"]["current_year"] = "-0.0000001"
    path = write_filing(Filing.model_validate({**example_data, "projects": [project]}), tmp_path / "tiny.xlsx")
    result = run("validate", str(path), "--format", "json")
    assert result.returncode == 1 and "E-" not in result.stdout, result.stdout + result.stderr
    negative = next(f for f in json.loads(result.stdout)["findings"] if f["code"] == "amount-negative")
    assert negative["value"] == "-0.0000001" and "（-0.0000001）" in negative["message"]
    for fmt in ("json", "csv"):
        assert run("export", str(path), "-o", str(tmp_path / f"out.{fmt}"), "--format", fmt).returncode == 0
    exported = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert exported["projects"][0]["budget"]["current_year"] == negative["value"]
    csv_text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert ",-0.0000001," in csv_text and "E-" not in csv_text


def test_blank_template_does_not_pass(tmp_path):
    """Nothing filled is a finding (exit 1), on screen, in JSON and on the annotated copy's 校验结果."""
    from xlgoals import build_template

    blank = build_template(tmp_path / "空白.xlsx", unit="上海市总工会", year=2021)
    result = run("validate", str(blank))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "没有填写任何项目" in result.stdout and "filing-empty" in result.stdout
    assert result.stdout.rstrip().endswith("校验未通过：1 个强制性错误，0 个提示性问题。")
    annotated = tmp_path / "已标注.xlsx"
    result = run("validate", str(blank), "--format", "json", "--annotate", str(annotated))
    assert result.returncode == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["code"] == "filing-empty" and finding["file"] == str(blank)
    listed = list(openpyxl.load_workbook(annotated)[layout.REPORT_SHEET].iter_rows(min_row=REPORT_HEADER_ROW + 1,
                                                                                   values_only=True))
    assert [(row[1], row[2], row[6]) for row in listed] == [("强制性", None, "filing-empty")]


def test_a_folder_validates_every_workbook_in_it(seed_workbook, clean_workbook, tmp_path):
    """As merge reads folders: every workbook inside (sub-folders too), each file's findings under its name."""
    folder = tmp_path / "各部门"
    (folder / "二处").mkdir(parents=True)
    (folder / "一处.xlsx").write_bytes(clean_workbook.read_bytes())
    (folder / "二处" / "二处.xlsx").write_bytes(seed_workbook.read_bytes())
    (folder / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    result = run("validate", str(folder), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["files"] == [str(folder / "一处.xlsx"), str(folder / "二处" / "二处.xlsx")]
    alone = json.loads(run("validate", str(seed_workbook), "--format", "json").stdout)["findings"]
    assert [{**f, "file": None} for f in report["findings"]] == [{**f, "file": None} for f in alone]
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    result = run("validate", str(empty))
    assert result.returncode == 2 and result.stderr == f"错误：{empty}：文件夹中没有工作簿（.xlsx、.xlsm）。\n"
