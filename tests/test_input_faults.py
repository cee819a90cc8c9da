"""Faults on the input side: a file the system will not let us read, a path that is no file, a filing's
JSON of the wrong shape, a text longer than a cell holds.

Each ends in one Chinese line naming the file and what to do, exit code 2, nothing written, the input
unchanged. tests/test_hostile_corpus.py runs the paths that are no file (looping and broken links, a
pipe, a device) and the JSON of the wrong shape through every command; here are the cases the corpus
cannot make: a file without read permission (root reads anything, so its commands run without the
capabilities that allow that), the same fault injected as the OSError, the option files, and the
texts Excel cannot hold.
"""

from __future__ import annotations

import errno
import json
import os
import pathlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.support import corpus
from tests.support.cli import digest, invoke
from xlgoals import Filing, layout, load_filing, write_filing
from xlgoals.errors import InputFileError
from xlgoals.inputs import read_filing

SEED_TEXT = Path(__file__).parent / "data" / "seed-shanghai-2020.txt"
NO_PERMISSION = "没有读取权限"


def one_line(result, name: str, fragment: str) -> str:
    """The single Chinese error line of a failed command: it names the file and the problem."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：") and name in lines[0] and fragment in lines[0], lines[0]
    return lines[0]


def dumps(projects) -> list[str]:
    """Projects as comparable text, every field (provenance excluded), in any order (merge sorts them)."""
    return sorted(project.model_dump_json() for project in projects)


@pytest.fixture(scope="module")
def example() -> Filing:
    return Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def good(example, tmp_path_factory) -> Path:
    return write_filing(example, tmp_path_factory.mktemp("good") / "部门.xlsx")


# --------------------------------------------------------------------------- no read permission


def _without_read_override() -> list[str]:
    """What to run a command under so that a mode-000 file cannot be read: nothing for an ordinary
    user; for root, the same user without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (its interpreter
    may live where no other user may go, so switching user is not always possible)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "setpriv (util-linux) runs the commands of these tests without root's read override"
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


@pytest.fixture(scope="module")
def restricted(tmp_path_factory):
    """Run the command as a user for whom a mode-000 file is unreadable; checked before it is relied on."""
    prefix = _without_read_override()
    probe = tmp_path_factory.mktemp("probe") / "probe.txt"
    probe.write_text("x")
    probe.chmod(0)
    check = subprocess.run([*prefix, sys.executable, "-c", f"open({str(probe)!r}).read()"], capture_output=True,
                           text=True)
    if check.returncode == 0 or "PermissionError" not in check.stderr:
        message = f"cannot make a file unreadable here ({' '.join(prefix) or 'as this user'}): {check.stderr}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)  # test_injected_read_errors covers the same messages in any environment

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, sys.executable, "-m", "xlgoals", *args], capture_output=True, text=True,
                              timeout=120)

    return run


FILE_ARGS = {  # command → its arguments ({file}: the input under test) and that file's suffix; {out} an empty folder
    "validate": (("validate", "{file}"), ".xlsx"),
    "validate json": (("validate", "{file}"), ".json"),
    "validate --rules": (("validate", "{good}", "--rules", "{file}"), ".toml"),
    "import": (("import", "{file}", "-o", "{out}/导入.xlsx"), ".xlsx"),
    "import json": (("import", "{file}", "-o", "{out}/导入.xlsx"), ".json"),
    "import text": (("import", "{file}", "-o", "{out}/导入.xlsx"), ".txt"),
    "import pdf": (("import", "{file}", "-o", "{out}/导入.xlsx"), ".pdf"),
    "export": (("export", "{file}", "--format", "csv", "-o", "{out}/导出.csv"), ".xlsx"),
    "fill": (("fill", "{file}", "-o", "{out}/填充.xlsx"), ".xlsx"),
    "fill --from": (("fill", "{good}", "--from", "{file}", "-o", "{out}/填充.xlsx"), ".xlsx"),
    "fill --from json": (("fill", "{good}", "--from", "{file}", "-o", "{out}/填充.xlsx"), ".json"),
    "fill --from db": (("fill", "{good}", "--from", "{file}", "-o", "{out}/填充.xlsx"), ".db"),
    "fill --executed": (("fill", "{good}", "--executed", "{file}", "-o", "{out}/填充.xlsx"), ".csv"),
    "merge": (("merge", "{file}", "-o", "{out}/汇总.xlsx", "--jobs", "1"), ".xlsx"),
    "merge --rules": (("merge", "{good}", "--rules", "{file}", "-o", "{out}/汇总.xlsx"), ".toml"),
    "template --form": (("template", "--form", "{file}", "--unit", "U", "--year", "2021", "-o", "{out}/模板.xlsx"),
                        ".toml"),
    "template --framework": (("template", "--framework", "{file}", "--unit", "U", "--year", "2021",
                              "-o", "{out}/模板.xlsx"), ".toml"),
}


def command_line(command: str, file: Path, good: Path, out: Path) -> list[str]:
    return [arg.format(file=file, good=good, out=out) for arg in FILE_ARGS[command][0]]


def _content(suffix: str, good: Path) -> bytes:
    """What a file of this kind holds (never read: the test makes it unreadable)."""
    return {".xlsx": good.read_bytes(), ".json": EXAMPLE.read_bytes(), ".txt": SEED_TEXT.read_bytes()}.get(
        suffix, "项目名称,执行数\n某项目,100\n".encode())


@pytest.mark.parametrize("command", FILE_ARGS)
def test_an_unreadable_input_is_named_with_its_cause(command, restricted, good, tmp_path):
    """The CLI library's own check once answered first ("inputs 的值无效"), naming neither file nor cause."""
    locked = tmp_path / f"锁定{FILE_ARGS[command][1]}"
    locked.write_bytes(_content(locked.suffix, good))
    before = digest(locked)
    locked.chmod(0)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o777)  # writable for the restricted process too: only reading must fail
    result = restricted(*command_line(command, locked, good, out))
    assert result.returncode == 2, (result.stdout, result.stderr)
    one_line(result, locked.name, "请确认文件未被占用且有读写权限" if locked.suffix == ".db" else NO_PERMISSION)
    assert list(out.iterdir()) == []
    assert digest(locked) == before  # read back as root (or as the owner, after chmod)


def test_an_unreadable_submission_in_a_folder_is_listed(restricted, good, tmp_path):
    folder = tmp_path / "收到的表"
    folder.mkdir()
    shutil.copy(good, folder / "宣教部.xlsx")
    locked = folder / "工会.xlsx"
    locked.write_bytes(good.read_bytes())
    locked.chmod(0)
    out, report = tmp_path / "out", tmp_path / "out" / "合并报告.json"
    out.mkdir()
    out.chmod(0o777)
    result = restricted("merge", str(folder), "-o", str(out / "汇总.xlsx"), "--report", str(report), "--jobs", "1")
    assert result.returncode == 2, result.stderr  # written without it, and said: merge's exit code for an unreadable input
    assert "Traceback" not in result.stdout + result.stderr and "无法读取 1 个" in result.stderr
    inputs = {Path(entry["file"]).name: entry for entry in json.loads(report.read_text(encoding="utf-8"))["inputs"]}
    assert inputs["工会.xlsx"]["status"] == "无法读取" and NO_PERMISSION in inputs["工会.xlsx"]["error"]
    assert inputs["宣教部.xlsx"]["status"] == "已合并"
    assert dumps(load_filing(out / "汇总.xlsx").projects) == dumps(load_filing(good).projects)


@pytest.mark.parametrize("where", ["top", "inside"])
def test_a_folder_that_cannot_be_listed_is_refused(where, restricted, good, tmp_path):
    """What a folder holds is unknown when it cannot be listed: merging the rest would drop it in silence."""
    folder = tmp_path / "收到的表"
    locked = folder if where == "top" else folder / "二季度"
    locked.mkdir(parents=True)
    shutil.copy(good, locked / "宣教部.xlsx")
    if where == "inside":
        shutil.copy(good, folder / "工会.xlsx")
    locked.chmod(0)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o777)
    try:
        merged = restricted("merge", str(folder), "-o", str(out / "汇总.xlsx"), "--jobs", "1")
        validated = restricted("validate", str(folder))  # validate of a folder reads it as merge does
    finally:
        locked.chmod(0o755)  # pytest removes it afterwards
    for result in (merged, validated):
        assert result.returncode == 2, (result.stdout, result.stderr)
        one_line(result, locked.name, "无法打开文件夹")
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(("code", "fragment"), [(errno.EACCES, NO_PERMISSION), (errno.EIO, "磁盘或网络出错")])
def test_injected_read_errors(code, fragment, good, tmp_path, monkeypatch):
    """The system's refusal injected where every reader opens its file: the same one line, in any environment
    (a file open in Excel on Windows is refused with EACCES too)."""
    workbook, data = tmp_path / "锁定.xlsx", tmp_path / "锁定.json"
    workbook.write_bytes(good.read_bytes())
    data.write_bytes(EXAMPLE.read_bytes())
    opened = []
    real_open = pathlib.Path.open

    def refuse(self, *args, **kwargs):
        if self.name.startswith("锁定"):
            opened.append(self.name)
            raise OSError(code, os.strerror(code), str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", refuse)
    out = tmp_path / "out"
    out.mkdir()
    for path in (workbook, data):
        for args in (("validate", str(path)), ("import", str(path), "-o", str(out / "导入.xlsx")),
                     ("export", str(path), "-o", str(out / "导出.json")), ("fill", str(path), "-o", str(out / "填充.xlsx"))):
            result = invoke(*args)
            assert result.returncode == 2, (args, result.stdout, result.stderr)
            one_line(result, path.name, fragment)
    result = invoke("merge", str(workbook), "-o", str(out / "汇总.xlsx"), "--jobs", "1")
    assert result.returncode == 2
    one_line(result, workbook.name, fragment)
    assert list(out.iterdir()) == [] and set(opened) == {workbook.name, data.name}


# --------------------------------------------------------------------------- paths that are no file


NOT_FILES = {"symlink_loop": (corpus.symlink_loop, "循环指向自己"), "fifo": (corpus.fifo, "不是普通文件"),
             "device": (corpus.device, "不是普通文件"), "broken_symlink": (corpus.broken_symlink, "指向不存在的文件")}


@pytest.mark.parametrize("kind", NOT_FILES)
@pytest.mark.parametrize("command", FILE_ARGS)
def test_a_path_that_is_no_file(command, kind, good, tmp_path):
    """A looping link once ended in ``RuntimeError: Symlink loop``; a pipe or /dev/zero was "文件不存在"
    (or, read, would never end). Here for every option that takes a file; the corpus sends them to every command."""
    make, fragment = NOT_FILES[kind]
    path = make(tmp_path / f"坏的{FILE_ARGS[command][1]}", None)
    out = tmp_path / "out"
    out.mkdir()
    result = invoke(*command_line(command, path, good, out))
    assert result.returncode == 2, (result.stdout, result.stderr)
    one_line(result, path.name, fragment)
    assert list(out.iterdir()) == []


def test_reading_checks_what_a_path_is_before_opening_it(tmp_path):
    """A folder is named as one; a pipe is never opened (it would block)."""
    folder = tmp_path / "文件夹.json"
    folder.mkdir()
    with pytest.raises(InputFileError, match="而是文件夹"):
        read_filing(folder)
    pipe = corpus.fifo(tmp_path / "管道.json", None)
    with pytest.raises(InputFileError, match="不是普通文件"):
        read_filing(pipe)


# --------------------------------------------------------------------------- a filing's JSON of the wrong shape


def _with(example: dict, **changes) -> dict:
    data = json.loads(json.dumps(example))
    for place, value in changes.items():
        target, *parts = place.split("__")
        holder = data
        for part in [target, *parts][:-1]:
            holder = holder[int(part)] if part.isdigit() else holder[part]
        last = [target, *parts][-1]
        holder[int(last) if last.isdigit() else last] = value
    return data


WRONG_SHAPES = {  # what is written (changes to the example) → the place and problem the message names
    "object as a name": ({"projects__0__name": {"a": 1}}, "projects[0].name：应为文字"),
    "list as a year": ({"year": [2020]}, "year：应为年份"),
    "year as true": ({"year": True}, "year：应为年份"),
    "year as 2020.5": ({"year": 2020.5}, "year：应为年份"),
    "number as a phone": ({"phone": 13800000000}, "phone：应为文字"),
    "list as an amount": ({"projects__1__budget__total": [1]}, "projects[1].budget.total：应为金额"),
    "number as a date": ({"projects__0__start_date": 43831}, "projects[0].start_date：应为日期文字"),
    "number as yes/no": ({"projects__0__government_procurement": 1},
                         "projects[0].government_procurement：应为 \"是\"、\"否\" 或 true、false"),
    "target without its text": ({"projects__0__indicators__2__target": {"value": 90}},
                                "projects[0].indicators[2].target：应为目标值文字"),
    "target as a number": ({"projects__0__indicators__2__target": 90}, "projects[0].indicators[2].target：应为目标值文字"),
    "unknown horizon": ({"projects__0__indicators__0__horizon": "soon"},
                        "projects[0].indicators[0].horizon：只能是 annual 或 period"),
    "no unit": ({"unit": None}, "unit：缺少此字段"),
    "blank unit": ({"unit": "  "}, "unit：缺少此字段"),
    "no year": ({"year": None}, "year：缺少此字段"),
    "a field outside the JSON": ({"projects__2__source": {"sheet": "x"}}, "projects[2].source：不认识的字段"),
    "the form carried in code": ({"form_spec": {}}, "form_spec：不认识的字段"),
    "projects as an object": ({"projects": {"name": "A"}}, "projects：应为列表"),
}


@pytest.mark.parametrize("case", WRONG_SHAPES)
def test_json_of_the_wrong_shape_names_the_place(case, example_data, tmp_path):
    changes, expected = WRONG_SHAPES[case]
    path = tmp_path / "填报.json"
    path.write_text(json.dumps(_with(example_data, **changes), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputFileError) as raised:
        read_filing(path)
    message = str(raised.value)
    assert path.name in message and expected in message and "\n" not in message, message


def test_the_json_that_was_accepted_still_is(example_data, good, tmp_path):
    """The example, the export of every form, an exported target, amounts as numbers or text: all load."""
    assert read_filing(EXAMPLE) == Filing.model_validate(example_data)
    exported = tmp_path / "导出.json"
    assert invoke("export", str(good), "-o", str(exported)).returncode == 0
    assert read_filing(exported) == load_filing(good)
    loose = _with(example_data, year="2020年度", projects__0__budget__total=9000000,
                  projects__0__budget__current_year=9000000.0, projects__0__government_procurement=False,
                  projects__0__indicators__0__target={"raw": "合理"})
    path = tmp_path / "手写.json"
    path.write_text(json.dumps(loose, ensure_ascii=False), encoding="utf-8")
    filing = read_filing(path)
    assert filing.year == 2020 and filing.projects[0].budget == Filing.model_validate(example_data).projects[0].budget
    assert filing.projects[0].indicators[0].target.raw == "合理"
    assert filing.projects[0].government_procurement is False


def test_the_python_api_stays_lenient():
    """Only a JSON file is held to JSON's types; Python callers and workbook cells keep the lenient coercion."""
    filing = Filing.model_validate({"projects": [{"name": 2020, "budget": {"total": "九百万"}}]})
    assert filing.unit is None and filing.projects[0].name == "2020"
    assert filing.projects[0].budget.total == "九百万"


# --------------------------------------------------------------------------- texts longer than a cell


LONG = "长" * (layout.CELL_TEXT_LIMIT + 1)


def test_xlsxwriter_cuts_a_long_text_without_a_word(tmp_path):
    """Why the writer must refuse first: XlsxWriter keeps 32,767 characters and goes on."""
    import xlsxwriter

    with xlsxwriter.Workbook(tmp_path / "cut.xlsx") as book:
        assert book.add_worksheet().write_string(0, 0, LONG) == -2


@pytest.fixture
def long_json(example_data, tmp_path) -> Path:
    path = tmp_path / "长文本.json"
    path.write_text(json.dumps(_with(example_data, projects__1__overview=LONG), ensure_ascii=False), encoding="utf-8")
    return path


def test_a_long_text_in_json_is_a_finding_and_never_written_cut(long_json, tmp_path):
    result = invoke("validate", str(long_json), "--format", "json")
    assert result.returncode == 1
    findings = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "text-too-long"]
    assert [(f["project"], f["field"], f["value"]) for f in findings] == \
        [(read_filing(long_json).projects[1].name, "overview", len(LONG))]
    assert "项目概况" in findings[0]["message"] and "32,767" in findings[0]["message"]
    out = tmp_path / "out"
    out.mkdir()
    before = digest(long_json)
    for args in (("import", str(long_json), "-o", str(out / "导入.xlsx")), ("fill", str(long_json), "-o", str(out / "填充.xlsx"))):
        result = invoke(*args)
        assert result.returncode == 2, result.stdout
        line = one_line(result, long_json.name, "projects[1].overview")
        assert "32,768 个字符" in line and "32,767" in line
    assert list(out.iterdir()) == [] and digest(long_json) == before
    result = invoke("import", str(long_json), "--format", "json", "-o", str(out / "导入.json"))  # JSON holds it whole
    assert result.returncode == 0
    assert read_filing(out / "导入.json").projects[1].overview == LONG


@pytest.fixture
def long_workbook(good, tmp_path) -> Path:
    """A workbook no Excel writes: a cell of 32,768 characters (XML allows it; calamine reads it whole)."""
    return corpus.edit_sheet(good, tmp_path / "长文本.xlsx", corpus.FIRST_PROJECT,
                             lambda xml: corpus.set_cells(xml, {"A8": corpus.text_cell(LONG)}))


def test_a_long_text_in_a_workbook(long_workbook, good, tmp_path):
    from tests.support.xlwings_standin import Book
    from xlgoals import excel

    assert load_filing(long_workbook).projects[0].overview == LONG
    result = invoke("validate", str(long_workbook), "--format", "json")
    assert result.returncode == 1
    cli = [(f["sheet"], f["cell"]) for f in json.loads(result.stdout)["findings"] if f["code"] == "text-too-long"]
    assert cli == [(corpus.FIRST_PROJECT, "A8")]
    report = excel.validate(Book.from_file(long_workbook))  # the ribbon's 校验 marks the same cell
    assert [(f.sheet, f.cell) for f in report.findings if f.code == "text-too-long"] == cli

    out = tmp_path / "out"
    out.mkdir()
    before = digest(long_workbook)
    for args in (("import", str(long_workbook), "-o", str(out / "导入.xlsx")),
                 ("fill", str(long_workbook), "-o", str(out / "填充.xlsx")),
                 ("merge", str(long_workbook), "-o", str(out / "汇总.xlsx"), "--jobs", "1")):
        result = invoke(*args)
        assert result.returncode == 2, (args, result.stdout)
        one_line(result, long_workbook.name, f"工作表“{corpus.FIRST_PROJECT}”A8）有 32,768 个字符")
    assert list(out.iterdir()) == []

    department = write_filing(load_filing(good).model_copy(update={"department": "宣教部"}), tmp_path / "宣教部.xlsx")
    result = invoke("merge", str(department), str(long_workbook), "-o", str(out / "汇总.xlsx"),
                    "--report", str(out / "报告.json"), "--jobs", "1")
    assert result.returncode == 1, result.stderr  # merged without it, and said last (as for a file of another year)
    assert "文字超过单元格上限 1 个" in result.stderr
    assert f"{long_workbook.name} 未合并" in result.stdout and "32,768 个字符" in result.stdout
    inputs = {Path(e["file"]).name: e for e in json.loads((out / "报告.json").read_text(encoding="utf-8"))["inputs"]}
    assert inputs[long_workbook.name]["status"] == "无法合并"
    assert dumps(load_filing(out / "汇总.xlsx").projects) == dumps(load_filing(department).projects)
    assert digest(long_workbook) == before
