"""The xlgoals command end to end, in a subprocess, as a finance officer runs it."""

from __future__ import annotations

import csv
import os
import io
import json
from pathlib import Path

import openpyxl
import pytest

from tests.support.cli import digest, run
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


def test_same_input_and_output_is_refused(seed_workbook):
    before = digest(seed_workbook)
    result = run("import", str(seed_workbook), "-o", str(seed_workbook))
    assert result.returncode == 2
    assert "输出文件与输入文件相同" in result.stderr and "Traceback" not in result.stderr
    assert digest(seed_workbook) == before


def _encrypted(tmp_path: Path, source: Path) -> Path:
    import msoffcrypto.format.ooxml

    out = tmp_path / "encrypted.xlsx"
    with source.open("rb") as plain, out.open("wb") as target:
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("secret", target)
    return out


def _bad_files(tmp_path: Path, seed: Path) -> dict[str, tuple[Path, str]]:
    text = tmp_path / "notes.xlsx"
    text.write_text("这不是表格", encoding="utf-8")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    xls = tmp_path / "old.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(seed.read_bytes()[:3000])
    foreign = tmp_path / "foreign.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "别的表格"
    wb.save(foreign)
    old_version = tmp_path / "old_version.xlsx"
    wb = openpyxl.load_workbook(seed)
    wb["_xlgoals"]["B1"] = "0"
    wb.save(old_version)
    unknown_framework = tmp_path / "unknown_framework.xlsx"
    wb = openpyxl.load_workbook(seed)
    wb["_xlgoals"]["B4"] = "guangdong-2019"
    wb.save(unknown_framework)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{", encoding="utf-8")
    wrong_json = tmp_path / "wrong.json"
    wrong_json.write_text('{"projects": [{"名称": 1}]}', encoding="utf-8")
    return {
        "text": (text, "不是 Excel 工作簿"),
        "empty": (empty, "文件是空的"),
        "xls": (xls, ".xls"),
        "truncated": (truncated, "损坏"),
        "foreign": (foreign, "不是由绩效目标表模板填写的工作簿"),
        "old_version": (old_version, "模板版本"),
        "unknown_framework": (unknown_framework, "未知的指标框架"),
        "encrypted": (_encrypted(tmp_path, seed), "加密"),
        "missing": (tmp_path / "missing.xlsx", "文件不存在"),
        "bad_json": (bad_json, "不是有效的 JSON"),
        "wrong_json": (wrong_json, "格式不符"),
    }


def test_bad_inputs_get_one_chinese_line_and_exit_2(seed_workbook, tmp_path):
    for name, (path, expected) in _bad_files(tmp_path, seed_workbook).items():
        before = digest(path) if path.exists() else None
        out = tmp_path / f"{name}-out.json"
        command = ("import", str(path), "-o", str(out), "--format", "json") if path.suffix == ".json" else \
            ("export", str(path), "-o", str(out))
        result = run(*command)
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and path.name in lines[0], (name, result.stderr)
        assert "Traceback" not in result.stderr
        assert not out.exists(), name
        assert [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
        if before is not None:
            assert digest(path) == before, name


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

    if not SEED.exists():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"seed text not found at {SEED}")
    out = tmp_path / "imported.xlsx"
    result = run("import", str(SEED), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "已导入 5 个项目" in result.stdout and "导入报告" in result.stdout and "第340行" in result.stdout
    from xlgoals import Filing, load_filing
    assert load_filing(out) == Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
