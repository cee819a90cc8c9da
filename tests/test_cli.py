"""The xlgoals command end to end, in a subprocess, as a finance officer runs it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from tests.support.cli import run
from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def seed_workbook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "seed.xlsx"
    result = run("import", str(EXAMPLE), "-o", str(path))
    assert result.returncode == 0, result.stderr
    assert "已导入 5 个项目" in result.stdout
    return path


def test_template_command(tmp_path):
    out = tmp_path / "模板.xlsx"
    result = run("template", "--unit", "上海市总工会", "--year", "2021", "--projects", "3", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "已生成模板" in result.stdout
    assert openpyxl.load_workbook(out).sheetnames[1:4] == ["项目1", "项目2", "项目3"]


def test_export_json_is_the_model(seed_workbook, tmp_path):
    out = tmp_path / "seed.json"
    result = run("export", str(seed_workbook), "--format", "json", "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    original = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert [p["name"] for p in data["projects"]] == [p["name"] for p in original["projects"]]
    assert data["projects"][2]["overview"] == original["projects"][2]["overview"]
    assert data["projects"][0]["budget"]["total"] == "9000000"
    assert data["projects"][0]["indicators"][6]["target"] == {
        "kind": "quantitative", "op": ">=", "value": "90000", "unit": "人", "raw": ">=90000人"}


def test_export_csv_opens_in_excel(seed_workbook, tmp_path):
    out = tmp_path / "seed.csv"
    result = run("export", str(seed_workbook), "--format", "csv", "-o", str(out))
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    original = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert len(body) == sum(len(p["indicators"]) for p in original["projects"])
    assert header[:3] == ["预算年度", "申报单位名称", "项目名称"] and "指标目标值" in header
    assert body[0][:3] == ["2020", "上海市总工会", "灵活就业群体工会会员专项工作经费"]
    assert body[-1][header.index("指标目标值")] == "建立"
    assert body[1][header.index("指标目标值")] == "'=100%"  # never a formula in a spreadsheet


def test_usage_mistakes_are_chinese(tmp_path):
    result = run("template", "--unit", "U", "--year", "abc", "-o", str(tmp_path / "x.xlsx"))
    assert result.returncode == 2 and "--year" in result.stderr and "错误" in result.stderr
    result = run("template", "--year", "2021", "-o", str(tmp_path / "x.xlsx"))
    assert result.returncode == 2 and "缺少" in result.stderr and "--unit" in result.stderr
    result = run("template", "--unit", "U", "--year", "2021", "--framework", "nope", "-o", str(tmp_path / "x.xlsx"))
    assert result.returncode == 2 and "找不到指标框架" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_output_directory_missing(tmp_path):
    result = run("template", "--unit", "U", "--year", "2021", "-o", str(tmp_path / "no" / "x.xlsx"))
    assert result.returncode == 2 and "输出目录不存在" in result.stderr


def test_import_published_text(tmp_path):
    """The seed's text → a workbook whose filing equals the hand-checked example, plus a report."""
    from tests.conftest import SEED

    out = tmp_path / "imported.xlsx"
    result = run("import", str(SEED), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "已导入 5 个项目" in result.stdout and "导入报告" in result.stdout and "第340行" in result.stdout
    from xlgoals import Filing, load_filing
    assert load_filing(out) == Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", [(), ("merge",), ("addin", "install")])
def test_help_is_in_chinese(command):
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "用法：" in result.stdout and "选项" in result.stdout and "显示本帮助并退出" in result.stdout
    for english in ("Usage:", "Options:", "Commands:", "Arguments:", "Show this message", "[required]"):
        assert english not in result.stdout, english
