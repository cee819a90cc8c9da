"""Merging departmental workbooks: nothing lost, every conflict reported, inputs untouched."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlgoals import Filing, load_filing, write_filing
from xlgoals.merge import merge
from xlgoals.layout import DETAIL_SHEET, SUMMARY_SHEET
from tests.support.cli import digest, run
from tests.support.submissions import SEED, conflicting_submissions, submission


def originals() -> dict[str, object]:
    return {project.name: project for project in Filing.model_validate(SEED).projects}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(split=st.lists(st.integers(0, 2), min_size=5, max_size=5))
def test_random_splits_merge_back_field_by_field(split, tmp_path_factory):
    folder = tmp_path_factory.mktemp("split")
    for department in set(split):
        submission(folder, f"dept{department}", f"部门{department}", [i for i, d in enumerate(split) if d == department])
    result = merge([folder], jobs=1)
    out = folder / "merged.xlsx"
    from xlgoals.workbook.summary import write_merged
    write_merged(result, out)
    read = load_filing(out)
    expected = originals()
    assert sorted(p.name for p in read.projects) == sorted(expected)
    for project in read.projects:
        assert project == expected[project.name]
    departments = [f"部门{split[[p['name'] for p in SEED['projects']].index(p.name)]}" for p in read.projects]
    assert departments == sorted(departments)  # stable order: department, then project


@pytest.fixture(scope="module")
def conflicts(tmp_path_factory):
    """Three departments, one resubmission, one project sent twice, one other year, one broken file."""
    folder = tmp_path_factory.mktemp("conflicts")
    nameless = conflicting_submissions(folder)
    hashes = {path: digest(path) for path in folder.iterdir()}
    out = folder / "汇总.xlsx"
    result = run("merge", str(folder), "-o", str(out), "--report", str(folder / "merge.json"), "--jobs", "2")
    assert all(digest(path) == value for path, value in hashes.items())
    return folder, out, result, json.loads((folder / "merge.json").read_text(encoding="utf-8")), nameless


def test_conflicts_are_all_reported(conflicts):
    folder, out, result, report, nameless = conflicts
    assert result.returncode == 2, result.stderr  # an unreadable input: the merged filing is incomplete
    assert result.stderr.splitlines()[-1] == ("注意：3 个输入文件未合并（无法读取 1 个，单位不符 1 个，年度不符 1 个），"
                                             "汇总填报不含它们的项目；原因见上面的“输入文件”表。")
    assert report["stats"]["not_merged"] == 3
    status = {Path(item["file"]).name: item["status"] for item in report["inputs"]}
    assert status == {"宣教部.xlsx": "已合并", "劳模处-初稿.xlsx": "已被新版本替代", "劳模处-终稿.xlsx": "已合并",
                      "财务部.xlsx": "已合并", "去年.xlsx": "未合并", "外单位.xlsx": "未合并", "无部门.xlsx": "已合并",
                      "损坏.xlsx": "无法读取"}
    kinds = sorted((event["kind"], Path(event["file"]).name) for event in report["events"])
    assert kinds == sorted([("superseded", "劳模处-初稿.xlsx"), ("other-year", "去年.xlsx"),
                            ("other-unit", "外单位.xlsx"), ("unreadable", "损坏.xlsx"),
                            ("duplicate-project", "宣教部.xlsx"), ("duplicate-project", "财务部.xlsx"),
                            ("duplicate-project", "无部门.xlsx"), ("duplicate-project", "财务部.xlsx")])
    sent_twice = {event["action"] for event in report["events"] if event["project"] == SEED["projects"][1]["name"]}
    assert sent_twice == {"都已保留并标注：2 个部门提交了同名项目（宣教部、财务部）。"}
    assert result.stdout.count("2 个部门提交了同名项目") == 2  # one line per project, not per file
    assert [i["department"] for i in report["inputs"] if Path(i["file"]).name == "无部门.xlsx"] == ["无部门"]
    assert "损坏.xlsx" in result.stdout and "已被新版本替代" in result.stdout


def test_conflicts_in_the_output(conflicts):
    folder, out, result, report, _ = conflicts
    filing = load_filing(out)
    names = [p.name for p in filing.projects]
    assert names.count(SEED["projects"][1]["name"]) == 2  # both copies kept
    assert names.count(SEED["projects"][4]["name"]) == 2
    assert SEED["projects"][2]["name"] in names and SEED["projects"][3]["name"] in names  # from 终稿
    assert len(filing.projects) == 7
    duplicates = [f for f in report["findings"] if f["code"] == "project-name-duplicate"]
    assert len(duplicates) == 2  # flagged on the second copy of each
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["填报说明", SUMMARY_SHEET, "校验结果"] and wb.sheetnames[-2:] == [DETAIL_SHEET, "_xlgoals"]
    assert len(set(wb.sheetnames)) == len(wb.sheetnames) and all(len(name) <= 31 for name in wb.sheetnames)
    summary = wb[SUMMARY_SHEET]
    column = {cell.value: cell.column for cell in summary[2]}
    assert [summary.cell(r, column["项目名称"]).value for r in range(3, 10)] == names
    assert summary.cell(3, column["项目当年预算（元）"]).value.startswith("=IF(ISNUMBER(")
    assert summary.cell(3, column["项目名称"]).hyperlink.location.endswith("!A1")
    assert summary._charts, "the 汇总表 carries a native chart"
    detail = wb[DETAIL_SHEET]
    assert detail.tables["IndicatorDetail"].ref == f"A1:K{1 + sum(len(p.indicators) for p in filing.projects)}"
    kinds = [row[7] for row in detail.iter_rows(min_row=2, values_only=True)]
    assert detail["H1"].value == "目标值类型" and set(kinds) == {"定量", "定性"}
    assert all(ws.protection.sheet for ws in wb.worksheets)
    assert "xl/vbaProject.bin" not in __import__("zipfile").ZipFile(out).namelist()


def test_sixty_departments_read_well(tmp_path):
    """One project sent by 60 departments: counted, in counting order, each file named in its event."""
    folder = tmp_path / "各部门"
    folder.mkdir()
    for n in range(60, 0, -1):
        submission(folder, f"第{n}部门", f"第{n}部门", [0])
    out, report_path = tmp_path / "汇总.xlsx", tmp_path / "合并报告.json"
    result = run("merge", str(folder), "-o", str(out), "--report", str(report_path), "--jobs", "2")
    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert [Path(entry["file"]).stem for entry in report["inputs"]] == [f"第{n}部门" for n in range(1, 61)]
    events = report["events"]
    assert [Path(event["file"]).name for event in events] == [f"第{n}部门.xlsx" for n in range(1, 61)]
    assert {event["action"] for event in events} == {
        "都已保留并标注：60 个部门提交了同名项目（" + "、".join(f"第{n}部门" for n in range(1, 11)) + " 等）。"}
    assert result.stdout.count("60 个部门提交了同名项目") == 1
    filing = load_filing(out)
    assert [Path(p.source.file).stem for p in merge([folder], jobs=1).filing.projects] == [f"第{n}部门" for n in range(1, 61)]
    assert len(filing.projects) == 60


def test_the_same_file_twice_under_two_names_is_one_submission(tmp_path):
    """A byte-identical copy is reported as the same file, not as an older version (nor, without a department, as
    a second department sending every project)."""
    for department in ("宣教部", None):
        folder = tmp_path / str(department)
        folder.mkdir()
        original = submission(folder, "提交", department, [0, 1])
        copy = folder / "提交-副本.xlsx"
        copy.write_bytes(original.read_bytes())
        os.utime(original, (time.time() - 60, time.time() - 60))  # the copy is newer: it is the one kept
        result = merge([folder], jobs=1)
        assert [(e.kind, Path(e.file).name, e.action) for e in result.events] == [
            ("identical", "提交.xlsx", "只合并一次：与 提交-副本.xlsx 内容完全相同，是同一份文件。")]
        assert {Path(s.path).name: s.status for s in result.submissions} == {"提交.xlsx": "与其他文件相同",
                                                                            "提交-副本.xlsx": "已合并"}
        assert len(result.filing.projects) == 2 and not result.not_merged()


def test_an_empty_submission_is_not_merged_and_said_last(tmp_path):
    from xlgoals import build_template

    submission(tmp_path, "宣教部", "宣教部", [0])
    build_template(tmp_path / "空白.xlsx", unit=SEED["unit"], year=SEED["year"])
    out, report_path = tmp_path / "out" / "汇总.xlsx", tmp_path / "out" / "r.json"
    out.parent.mkdir()
    result = run("merge", str(tmp_path), "-o", str(out), "--report", str(report_path))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("注意：1 个输入文件未合并（没有填写项目 1 个）")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert [(e["kind"], Path(e["file"]).name) for e in report["events"]] == [("empty", "空白.xlsx")]
    assert len(load_filing(out).projects) == 1
    alone = run("merge", str(tmp_path / "空白.xlsx"), "-o", str(tmp_path / "out" / "空.xlsx"))
    assert alone.returncode == 2 and alone.stderr == "错误：没有可合并的项目，1 个输入文件都未合并（空白.xlsx：没有填写项目）。\n"
    assert not (tmp_path / "out" / "空.xlsx").exists()


def test_strict_stops_without_output(conflicts, tmp_path):
    folder, *_ = conflicts
    out = tmp_path / "strict.xlsx"
    result = run("merge", str(folder), "-o", str(out), "--strict")
    assert result.returncode == 1 and "--strict" in result.stderr
    assert not out.exists()


def test_nothing_to_merge(tmp_path):
    result = run("merge", str(tmp_path), "-o", str(tmp_path / "x.xlsx"))
    assert result.returncode == 2 and "没有找到要合并的工作簿" in result.stderr


def test_merged_filing_in_libreoffice(conflicts, tmp_path):
    from tests.support import libreoffice as lo

    lo.require()
    _, out, _, report, _ = conflicts
    inspected = lo.inspect(out, links=[SUMMARY_SHEET, "校验结果"])
    sheets = {sheet["name"] for sheet in inspected["sheets"]}
    summary_links = inspected["links"][SUMMARY_SHEET]
    assert len(summary_links) == 7
    for urls in summary_links.values():  # every project link lands on an existing sheet of the filing
        target = urls[0].removeprefix("#").rsplit(".", 1)[0].strip("'")
        assert target in sheets
    finding_links = inspected["links"]["校验结果"]
    assert sorted(urls[0] for urls in finding_links.values()) == sorted(
        f"#'{f['sheet']}'.{f['cell']}" for f in report["findings"])
    summary = next(s for s in inspected["sheets"] if s["name"] == SUMMARY_SHEET)["cells"]
    filing = load_filing(out)
    first = filing.projects[0]
    current = next(ref[0] for ref, cell in summary.items() if ref[1:] == "2" and cell["string"] == "项目当年预算（元）")
    assert summary[f"{current}3"]["string"].replace(",", "").startswith(str(int(first.budget.current_year)))
    total = sum(int(p.budget.current_year) for p in filing.projects)
    assert summary[f"{current}{3 + len(filing.projects)}"]["string"].replace(",", "").startswith(str(total))
    pdf = lo.convert(out, "pdf", tmp_path)
    pages = lo.pdf_pages(pdf)
    assert pages
    for width, height in pages:
        assert {round(width), round(height)} == {595, 842}


def test_archive_then_fill_from_it(tmp_path):
    """merge --archive stores the year; next year's fill --from the database carries it forward."""
    folder = tmp_path / "2020"
    folder.mkdir()
    submission(folder, "宣教部", "宣教部", [0, 1])
    db = tmp_path / "历年.db"
    result = run("merge", str(folder), "-o", str(tmp_path / "2020.xlsx"), "--archive", str(db))
    assert result.returncode == 0, result.stderr
    assert "已存入历年数据库" in result.stdout, result.stdout
    from xlgoals.archive import archived_years, load_archived
    assert archived_years(db) == [("上海市总工会", 2020, 2)]
    archived = load_archived(db, unit="上海市总工会", year=2020).projects
    assert all(project == originals()[project.name] for project in archived) and len(archived) == 2
    again = run("merge", str(folder), "-o", str(tmp_path / "2020b.xlsx"), "--archive", str(db))
    assert again.returncode == 0 and archived_years(db) == [("上海市总工会", 2020, 2)]  # replaced, not doubled
    this_year = write_filing(Filing.model_validate({"unit": "上海市总工会", "year": 2021, "projects": [
        {"name": SEED["projects"][1]["name"], "performance_type": "政策补贴类"}]}), tmp_path / "2021.xlsx")
    filled = tmp_path / "2021-filled.xlsx"
    assert run("fill", str(this_year), "--from", str(db), "-o", str(filled)).returncode == 0
    assert load_filing(filled).projects[0].budget.prior_year_budget == originals()[SEED["projects"][1]["name"]].budget.current_year
    missing = run("fill", str(this_year), "--from", str(tmp_path / "nope.db"), "-o", str(tmp_path / "x.xlsx"))
    assert missing.returncode == 2 and "nope.db" in missing.stderr


def test_export_analyst_tables(conflicts, tmp_path):
    """汇总表 and 指标明细 of a merged filing as Parquet and CSV, departments included."""
    import pandas as pd

    _, out, _, _, _ = conflicts
    filing = load_filing(out)
    summary = tmp_path / "汇总表.parquet"
    result = run("export", str(out), "--format", "parquet", "--table", "汇总表", "-o", str(summary))
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(summary)
    assert list(frame["项目名称"]) == [p.name for p in filing.projects]
    assert list(frame["部门"]) == ["劳模处", "劳模处", "宣教部", "宣教部", "无部门", "财务部", "财务部"]
    assert frame["项目当年预算（元）"].sum() == float(sum(p.budget.current_year for p in filing.projects))
    assert str(frame["项目当年预算（元）"].dtype) == "Float64" and str(frame["指标数"].dtype) == "Int64"
    detail = tmp_path / "指标明细.csv"
    assert run("export", str(out), "--format", "csv", "--table", "指标明细", "-o", str(detail)).returncode == 0
    assert detail.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = pd.read_csv(detail, encoding="utf-8-sig", dtype=str)
    assert len(rows) == sum(len(p.indicators) for p in filing.projects)
    assert "'=100%" in set(rows["指标目标值"])  # formula-like text escaped for spreadsheets
    assert set(rows["目标值类型"]) == {"定量", "定性"}
    default = tmp_path / "明细.parquet"  # parquet without --table: 指标明细
    assert run("export", str(out), "--format", "parquet", "-o", str(default)).returncode == 0
    assert len(pd.read_parquet(default)) == len(rows)


def test_same_file_twice_is_read_once_and_reported(tmp_path):
    path = submission(tmp_path, "宣教部", "宣教部", [0])
    result = run("merge", str(path), str(tmp_path), "-o", str(tmp_path / "out.xlsx"), "--report",
                 str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [e["kind"] for e in report["events"]] == ["repeated-input"]
    assert len(load_filing(tmp_path / "out.xlsx").projects) == 1


def test_merging_again_into_the_same_folder(tmp_path):
    """The output inside an input folder is not an input; another consolidated filing is skipped and said."""
    submission(tmp_path, "宣教部", "宣教部", [0, 1])
    out = tmp_path / "汇总.xlsx"
    assert run("merge", str(tmp_path), "-o", str(out)).returncode == 0
    again = run("merge", str(tmp_path), "-o", str(out), "--report", str(tmp_path / "r.json"))
    assert again.returncode == 0, again.stderr
    assert len(load_filing(out).projects) == 2
    copy = tmp_path / "上次汇总.xlsx"
    copy.write_bytes(out.read_bytes())
    third = run("merge", str(tmp_path), "-o", str(out), "--report", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert third.returncode == 0 and len(load_filing(out).projects) == 2
    assert [(e["kind"], Path(e["file"]).name) for e in report["events"]] == [("skipped-merged", "上次汇总.xlsx")]
