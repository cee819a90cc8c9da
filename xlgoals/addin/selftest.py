"""``xlgoals addin selftest``: the first Windows PC with Excel checks the add-in and sends back one report.

The steps that need Excel (build it with Excel, start Excel, load the add-in, run a macro) are in
:mod:`.selftest_windows`. Everything else is here and is plain Python over xlwings' ``Book``
surface and one ``press`` function: the checks of what each button did (marks against the
findings of ``xlgoals validate``, the filled rows against the filler, the merge against the merge
core), the order of the steps and the report. ``tests/test_selftest.py`` runs these checks on the
xlwings stand-in, pressing the buttons by executing the ``RunPython`` commands of the VBA.
"""

from __future__ import annotations

import copy
import json
import platform
import struct
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from .. import __version__
from ..errors import XlgoalsError
from ..outputs import atomic_output, check_output
from .sources import shipped

EXAMPLE = "shanghai-2020.json"
MERGE_FOLDER = "各部门 & 100%"  # characters cmd.exe would misread: the VBA must escape them


class CheckFailed(Exception):
    """A step ran but did not do what it should; the message says what differed."""


class Skipped(Exception):
    """A step that could not run here; the message says why (not a fault of the add-in)."""


class Excel(Protocol):
    """What the checks need from a running Excel with the add-in loaded."""

    def open(self, path: Path) -> Any:
        """Open a workbook and make it the active one (the one a button works on)."""

    def press(self, macro: str, *args: str) -> list[str]:
        """Run a macro of the add-in's RibbonXlgoals module; the texts of the message boxes it showed."""


@dataclass(frozen=True)
class Outcome:
    step: str
    passed: bool | None  # None: not checked (see the detail)
    detail: str

    @property
    def label(self) -> str:
        return {True: "通过", False: "失败", None: "未检查"}[self.passed]


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[], str]


def attempt(steps: Iterable[Step], record: Callable[[Outcome], None] = lambda outcome: None) -> list[Outcome]:
    """Run each step; a failure is recorded with its message (or traceback for a bug) and the next runs."""
    outcomes = []
    for step in steps:
        try:
            outcome = Outcome(step.name, True, step.run())
        except Skipped as reason:
            outcome = Outcome(step.name, None, str(reason))
        except (CheckFailed, XlgoalsError) as error:
            outcome = Outcome(step.name, False, str(error))
        except Exception:  # COM errors and our bugs alike: the report carries the details
            outcome = Outcome(step.name, False, traceback.format_exc().strip())
        record(outcome)
        outcomes.append(outcome)
    return outcomes


# --------------------------------------------------------------------------- the example filing


def example_data(without_standard_rows: bool = False) -> dict:
    """The seed's five tables; optionally the first project without its standard rows (for 填充指标)."""
    data = json.loads((shipped("examples") / EXAMPLE).read_text(encoding="utf-8"))
    if without_standard_rows:
        from ..frameworks import load_framework

        project = data["projects"][0]
        standard = {row.level3 for row in load_framework(data["framework"]).standard_rows_for(project["performance_type"])}
        project["indicators"] = [row for row in project["indicators"] if row["level3"] not in standard]
    return data


def write_example(path: Path, data: dict | None = None) -> Path:
    from .. import Filing, write_filing

    return write_filing(Filing.model_validate(data or example_data()), path)


# --------------------------------------------------------------------------- what a button left


def read_marks(book: Any) -> dict[tuple[str, str], str | None]:
    """(sheet, cell) → fill (hex) of every cell carrying one of 校验's notes, read through xlwings."""
    from ..workbook.marks import is_mark_note

    marks = {}
    for sheet in book.sheets:
        for note in sheet.notes:
            if is_mark_note(note.text):
                colour = note.location.color
                fill = None if colour is None else "".join(f"{part:02X}" for part in colour)
                marks[(sheet.name, note.location.address.replace("$", ""))] = fill
    return marks


def compare_marks(seen: dict[tuple[str, str], str | None], findings: list, sheets: set[str]) -> list[str]:
    """What differs between the marked cells and the findings of ``xlgoals validate`` (empty: the same)."""
    from ..workbook.marks import cell_marks

    expected = {key: note.fill for key, note in cell_marks(findings, sheets).items()}
    differences = [f"{sheet}!{cell} 应标注（{fill}）但没有标注" for (sheet, cell), fill in expected.items()
                   if (sheet, cell) not in seen]
    differences += [f"{sheet}!{cell} 不应标注但已标注" for sheet, cell in seen if (sheet, cell) not in expected]
    differences += [f"{sheet}!{cell} 的底色是 {seen[(sheet, cell)]}，应为 {fill}" for (sheet, cell), fill in expected.items()
                    if (sheet, cell) in seen and seen[(sheet, cell)] != fill]
    return differences


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _message(messages: list[str], button: str) -> str:
    """The one message box a press showed (a second one, or none, is a failure)."""
    _expect(len(messages) == 1, f"按“{button}”后应弹出 1 个提示框，实际 {len(messages)} 个：{messages}")
    return messages[0]


# --------------------------------------------------------------------------- the button checks


def check_validate(excel: Excel, scratch: Path) -> str:
    """校验 marks exactly the cells ``xlgoals validate`` reports, with the severity's fill."""
    from ..rules import validate

    path = write_example(scratch / "校验.xlsx")
    book = excel.open(path)
    message = _message(excel.press("OnValidate"), "校验")
    report = validate(path)
    seen = read_marks(book)
    differences = compare_marks(seen, report.findings, {sheet.name for sheet in book.sheets})
    _expect(not differences, "标注与 xlgoals validate 不一致：" + "；".join(differences[:10]))
    _expect(report.summary() in message, f"提示框应写“{report.summary()}”，实际：{message}")
    from .. import layout

    _expect(layout.REPORT_SHEET in [sheet.name for sheet in book.sheets], f"没有生成“{layout.REPORT_SHEET}”表")
    return f"{len(seen)} 个单元格的标注与 xlgoals validate 的 {len(report.findings)} 个问题一致"


def check_clear(excel: Excel, scratch: Path) -> str:
    """清除标记 removes 校验's notes, fills and sheet (on the workbook 校验 marked)."""
    from .. import layout

    book = excel.open(scratch / "校验.xlsx")
    marked = len(read_marks(book))
    message = _message(excel.press("OnClear"), "清除标记")
    _expect(not read_marks(book), f"清除后仍有 {len(read_marks(book))} 处标注")
    _expect(layout.REPORT_SHEET not in [sheet.name for sheet in book.sheets], f"“{layout.REPORT_SHEET}”表没有删除")
    _expect(f"已清除 {marked} 处标记" in message, f"提示框应写“已清除 {marked} 处标记”，实际：{message}")
    return f"已清除 {marked} 处标注"


def check_fill(excel: Excel, scratch: Path) -> str:
    """填充指标 gives the active project sheet the rows the filler gives the same project."""
    from .. import Filing
    from ..excel import read_book
    from ..fill import fill_filing
    from ..workbook.reader import filing_from_content

    data = example_data(without_standard_rows=True)
    book = excel.open(write_example(scratch / "填充.xlsx", data))
    first = filing_from_content(read_book(book)).projects[0]
    book.sheets[first.source.sheet].activate()
    message = _message(excel.press("OnFill"), "填充指标")
    filing = Filing.model_validate(data)
    expected, _ = fill_filing(filing.model_copy(update={"projects": [filing.projects[0]]}))
    rows = filing_from_content(read_book(book)).projects[0].indicators
    _expect(rows == expected.projects[0].indicators,
            f"填充后的指标与 xlgoals fill 不一致（{len(rows)} 行，应为 {len(expected.projects[0].indicators)} 行）")
    added = len(rows) - len(filing.projects[0].indicators)
    _expect(added > 0 and f"新增 {added} 行" in message, f"提示框应写“新增 {added} 行”，实际：{message}")
    return f"“{first.name}”新增 {added} 行指标，与 xlgoals fill 一致"


def check_new_project_sheet(excel: Excel, scratch: Path) -> str:
    """新增项目表 adds a blank, protected project sheet that reads as a form."""
    from ..excel import read_book
    from ..workbook.reader import filing_from_content, is_project_grid

    book = excel.open(write_example(scratch / "新增.xlsx"))
    before = [sheet.name for sheet in book.sheets]
    message = _message(excel.press("OnNewProjectSheet"), "新增项目表")
    added = [sheet.name for sheet in book.sheets if sheet.name not in before]
    _expect(len(added) == 1, f"应新增 1 张工作表，实际新增 {len(added)} 张")
    content = read_book(book)
    _expect(added[0] in content.project_sheets and is_project_grid(content.project_sheets[added[0]], content.form),
            f"新增的“{added[0]}”不是空白项目表")
    _expect(len(filing_from_content(content).projects) == len(example_data()["projects"]), "新增的项目表不是空白的")
    _expect(bool(book.sheets[added[0]].api.ProtectContents), f"新增的“{added[0]}”没有保护")
    _expect(added[0] in message, f"提示框应写新表名“{added[0]}”，实际：{message}")
    return f"新增“{added[0]}”，空白并受保护"


def check_about(excel: Excel, scratch: Path) -> str:
    """关于/设置 names this version for the add-in and the package, and asks for nothing."""
    path = scratch / "关于.xlsx"
    excel.open(path if path.exists() else write_example(path))
    message = _message(excel.press("OnAbout"), "关于/设置")
    _expect(f"xlgoals {__version__}（加载项 {__version__}）" in message, f"版本不一致或未显示：{message}")
    _expect(sys.executable in message, f"提示框没有写出 Python 的位置 {sys.executable}：{message}")
    return message.splitlines()[0]


def check_merge_cancelled(excel: Excel, scratch: Path) -> str:
    """汇总各部门表格 with its dialogs cancelled: one message, no file."""
    before = set(scratch.iterdir())
    message = _message(excel.press("OnMerge"), "汇总各部门表格")
    _expect("没有选择文件夹" in message, f"取消选择文件夹后应提示“没有选择文件夹”，实际：{message}")
    _expect(set(scratch.iterdir()) == before, "取消后不应生成任何文件")
    return message


def check_merge(excel: Excel, scratch: Path) -> str:
    """汇总各部门表格 on two departments' copies of the example: what the merge core gives, opened in Excel."""
    from ..merge import merge

    folder = scratch / MERGE_FOLDER
    folder.mkdir(exist_ok=True)
    data = example_data()
    for name, indexes in (("甲部门", (0, 1, 2)), ("乙部门", (2, 3, 4))):
        part = copy.deepcopy(data)
        part.update(department=name, projects=[data["projects"][i] for i in indexes])
        write_example(folder / f"{name}.xlsx", part)
    target = scratch / "汇总 & 结果.xlsx"
    message = _message(excel.press("MergeFolder", str(folder), str(target)), "汇总各部门表格")
    expected = merge([folder], jobs=1, exclude=target)
    from .. import load_filing

    _expect(target.is_file(), f"没有生成汇总文件 {target}")
    merged = load_filing(target)
    _expect(len(merged.projects) == len(expected.filing.projects),
            f"汇总文件有 {len(merged.projects)} 个项目，xlgoals merge 得 {len(expected.filing.projects)} 个")
    events = [f"{subject} {text}" for subject, text, _ in expected.event_lines()]
    for line in events:
        _expect(line in message, f"提示框没有列出：{line}")
    _expect(expected.findings_line() in message, f"提示框应写“{expected.findings_line()}”，实际：{message}")
    return f"{len(merged.projects)} 个项目、{len(events)} 项需要注意，与 xlgoals merge 一致；汇总文件：{target.name}"


BUTTON_CHECKS = [("校验", check_validate), ("清除标记", check_clear), ("填充指标", check_fill),
                 ("新增项目表", check_new_project_sheet), ("关于/设置", check_about),
                 ("汇总各部门表格（取消对话框）", check_merge_cancelled), ("汇总各部门表格", check_merge)]


def button_steps(excel: Excel, scratch: Path) -> list[Step]:
    return [Step(f"按钮：{name}", lambda check=check: check(excel, scratch)) for name, check in BUTTON_CHECKS]


# --------------------------------------------------------------------------- the report


def environment() -> dict[str, str]:
    """What the report says about this machine's Python side (Excel's lines are added by the COM part)."""
    import xlwings

    return {"系统": platform.platform(), "Python": f"{sys.version.split()[0]}（{struct.calcsize('P') * 8} 位）{sys.executable}",
            "xlwings": xlwings.__version__, "xlgoals": __version__}


def report_text(facts: dict[str, str], outcomes: list[Outcome], when: datetime | None = None) -> str:
    counts = {label: sum(outcome.label == label for outcome in outcomes) for label in ("通过", "失败", "未检查")}
    lines = ["xlgoals 加载项自检报告", f"时间：{(when or datetime.now()).isoformat(timespec='seconds')}", ""]
    lines += [f"{key}：{value}" for key, value in facts.items()]
    lines.append("")
    for outcome in outcomes:
        detail = outcome.detail.replace("\n", "\n    ")
        lines.append(f"[{outcome.label}] {outcome.step}：{detail}")
    tally = "，".join(f"{count} 项{label}" for label, count in counts.items() if count or label != "未检查")
    lines += ["", f"结果：{tally}。请把本文件发给 xlgoals 的开发者。"]
    return "\n".join(lines) + "\n"


def write_report(path: Path, text: str) -> Path:
    with atomic_output(path) as temp:
        temp.write_text(text, encoding="utf-8-sig")  # Notepad on older Windows needs the BOM for UTF-8
    return path


def run_selftest(output: Path, echo: Callable[[str], None]) -> list[Outcome]:
    """The whole self-test; only on Windows with Excel."""
    if not sys.platform.startswith("win"):
        raise XlgoalsError(f"自检需要装有 Excel 的 Windows 电脑，本机是 {platform.system() or '其他系统'}，无法运行。"
                           "请在装有 Excel 的 Windows 电脑上运行 xlgoals addin selftest。")
    check_output(output)  # before minutes of work
    from .selftest_windows import run

    return run(output, echo)
