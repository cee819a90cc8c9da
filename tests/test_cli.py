"""The xlgoals command end to end, in a subprocess, as a finance officer runs it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from typer.main import get_command

from xlgoals.cli import app
from tests.support.cli import invoke, run
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
    assert {row[header.index("目标值类型")] for row in body} == {"定量", "定性"}  # Chinese, not quantitative


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


USAGE_MISTAKES = {
    ("valdate", "x.xlsx"): "没有“valdate”这个命令，是不是要用 validate？用 xlgoals --help 查看用法。",
    ("addin", "buld"): "没有“buld”这个命令，是不是要用 build？用 xlgoals addin --help 查看用法。",
    ("validate",): "缺少 文件...：要校验的工作簿（.xlsx）或 JSON，或存放工作簿的文件夹。用 xlgoals validate --help 查看用法。",
    ("template", "--unit", "U", "--year", "2021"): "缺少 -o, --output 文件：输出的模板文件（.xlsx）。用 xlgoals template --help 查看用法。",
    ("export", "a.xlsx", "-o", "a.csv", "--format", "xml"):
        "--format 的值无效：不能是“xml”，可选：json、csv、parquet。用 xlgoals export --help 查看用法。",
    ("template", "-o", "x.xlsx", "--unit", "U", "--year", "abc"):
        "--year 的值无效：应为整数（2000–2100），不能是“abc”。用 xlgoals template --help 查看用法。",
    ("template", "-o", "x.xlsx", "--unit", "U", "--year", "1990"):
        "--year 的值无效：应在 2000–2100 之间，不能是 1990。用 xlgoals template --help 查看用法。",
    ("merge", "--jobs", "0", "a", "-o", "b.xlsx"): "--jobs 的值无效：应至少 1，不能是 0。用 xlgoals merge --help 查看用法。",
    ("validate", "--fromat", "json", "x.xlsx"): "没有 --fromat 这个选项，是不是要用 --format？用 xlgoals validate --help 查看用法。",
    ("template", "--unit", "U", "-o"): "-o 后面缺少值。用 xlgoals template --help 查看用法。",
    ("merge", "--strict=yes", "a", "-o", "b.xlsx"): "--strict 是开关，后面不能跟值。用 xlgoals merge --help 查看用法。",
    ("export", "a.xlsx", "b.xlsx", "-o", "c.json"): "多余的参数：b.xlsx。用 xlgoals export --help 查看用法。",
}


@pytest.mark.parametrize("args", list(USAGE_MISTAKES), ids=" ".join)
def test_usage_mistake_is_one_chinese_line(args, tmp_path):
    """What was wrong, with the command's own words (the suggestion, the name the help uses, the allowed values)."""
    result = run(*args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"错误：{USAGE_MISTAKES[args]}\n")


def _commands(group, path=()):
    """Every command and group of the command line, as the words typed after ``xlgoals``."""
    yield path
    for name, command in group.commands.items():
        yield from _commands(command, (*path, name)) if hasattr(command, "commands") else [(*path, name)]


@pytest.mark.parametrize("command", list(_commands(get_command(app))), ids=lambda command: " ".join(command) or "xlgoals")
def test_help_is_in_chinese(command):
    """Every help page: Chinese frame, parameters named as the user types them (no Python types), -h as --help."""
    result = invoke(*command, "--help")
    assert result.returncode == 0 and result.stdout == invoke(*command, "-h").stdout
    text = result.stdout
    assert text.startswith("用法：") and "选项：" in text and "-h, --help" in text and "显示本帮助并退出" in text
    for english in ("Usage:", "Options:", "Commands:", "Arguments:", "Show this message", "[required]", "default:",
                    "<", "{", "list[", "Path", "int range", "COMMAND", "ARGS", "OPTIONS"):
        assert english not in text, english


def test_version_and_bare_command():
    from xlgoals import __version__

    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith(f"xlgoals {__version__}（Python ")
    bare = run()
    assert bare.returncode == 2 and bare.stderr.startswith("用法：xlgoals [选项] 命令 [参数]...") and "命令：" in bare.stderr
    assert "错误" not in bare.stderr


@pytest.mark.parametrize("name", ["模板.xls", "模板.xlsm", "模板"])
def test_a_workbook_is_written_only_under_an_xlsx_name(seed_workbook, tmp_path, name):
    """Every command writing a workbook refuses another name before writing anything (it writes .xlsx)."""
    out = tmp_path / name
    fixed = out.with_suffix(".xlsx").name
    commands = [("template", "--unit", "U", "--year", "2021", "-o", str(out)),
                ("import", str(EXAMPLE), "-o", str(out)),
                ("fill", str(seed_workbook), "-o", str(out)),
                ("merge", str(seed_workbook), "-o", str(out)),
                ("validate", str(seed_workbook), "--annotate", str(out))]
    for command in commands:
        result = run(*command)
        assert result.returncode == 2, command
        assert result.stderr == f"错误：{out}：工作簿只能保存为 .xlsx 文件，请把输出文件名改为 {fixed}。\n", command
        assert list(tmp_path.iterdir()) == [], command
