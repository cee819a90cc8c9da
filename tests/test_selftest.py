"""``xlgoals addin selftest``: everything but the COM calls, on the xlwings stand-in.

The checks the self-test makes after each button press on Windows run here against buttons
pressed through the stand-in (the VBA's RunPython commands executed, :mod:`tests.support.ribbon`):
they pass when the buttons work, and fail, saying what differed, when a button does nothing.
"""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from xlgoals import __version__
from xlgoals.addin import selftest
from xlgoals.addin.selftest import Outcome, Skipped, Step, attempt, button_steps, compare_marks, report_text
from xlgoals.rules import validate
from tests.support.cli import run
from tests.support.ribbon import StandinExcel

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_every_button_check_passes_on_working_buttons(tmp_path):
    outcomes = attempt(button_steps(StandinExcel(), tmp_path))
    assert [o.step for o in outcomes] == [f"按钮：{name}" for name, _ in selftest.BUTTON_CHECKS]
    assert all(o.passed for o in outcomes), [o for o in outcomes if not o.passed]
    details = {o.step: o.detail for o in outcomes}
    assert "与 xlgoals validate 的" in details["按钮：校验"]
    assert "与 xlgoals fill 一致" in details["按钮：填充指标"] and "新增 0 行" not in details["按钮：填充指标"]
    assert details["按钮：关于/设置"].startswith(f"xlgoals {__version__}（加载项 {__version__}）")
    assert "没有选择文件夹" in details["按钮：汇总各部门表格（取消对话框）"]
    assert "6 个项目、1 项需要注意，与 xlgoals merge 一致" in details["按钮：汇总各部门表格"]


class SilentExcel(StandinExcel):
    """Buttons that do nothing and say nothing: every check must fail."""

    def press(self, macro: str, *args: str) -> list[str]:
        return []


class MuteExcel(StandinExcel):
    """Buttons that work but whose message boxes never appear."""

    def press(self, macro: str, *args: str) -> list[str]:
        super().press(macro, *args)
        return []


@pytest.mark.parametrize("excel", [SilentExcel, MuteExcel], ids=["silent", "mute"])
def test_every_button_check_fails_when_its_button_misbehaves(excel, tmp_path):
    outcomes = attempt(button_steps(excel(), tmp_path))
    assert [o.passed for o in outcomes] == [False] * len(selftest.BUTTON_CHECKS)
    assert all("应弹出 1 个提示框，实际 0 个" in o.detail for o in outcomes)


def test_marks_that_differ_from_validate_are_reported(tmp_path):
    """A mark wrongly coloured, one missing and one too many are each named."""
    excel = StandinExcel()
    [outcome] = attempt([Step("校验", lambda: selftest.check_validate(excel, tmp_path))])
    assert outcome.passed
    book = excel.active
    seen = selftest.read_marks(book)
    findings = validate(tmp_path / "校验.xlsx").findings
    sheets = {sheet.name for sheet in book.sheets}
    assert compare_marks(seen, findings, sheets) == []
    (first, fill), (second, _) = list(seen.items())[:2]
    altered = {**seen, first: "000000", ("项目1", "Z99"): fill}
    del altered[second]
    differences = compare_marks(altered, findings, sheets)
    assert differences == [f"{second[0]}!{second[1]} 应标注（{seen[second]}）但没有标注", "项目1!Z99 不应标注但已标注",
                           f"{first[0]}!{first[1]} 的底色是 000000，应为 {fill}"]


def test_an_older_addin_fails_the_about_check(tmp_path):
    [outcome] = attempt([Step("关于", lambda: selftest.check_about(StandinExcel(addin_version="0.0.1"), tmp_path))])
    assert outcome.passed is False and "版本不一致" in outcome.detail and "加载项是 0.0.1 版" in outcome.detail


def test_attempt_records_failures_skips_and_bugs_and_goes_on():
    def bug():
        return {}["missing"]

    def skipped():
        raise Skipped("Excel 没有启动")

    outcomes = attempt([Step("一", lambda: "好"), Step("二", bug), Step("三", skipped), Step("四", lambda: "好")])
    assert [(o.step, o.passed) for o in outcomes] == [("一", True), ("二", False), ("三", None), ("四", True)]
    assert "KeyError: 'missing'" in outcomes[1].detail and "Traceback" in outcomes[1].detail


def test_report_names_the_machine_and_every_step(tmp_path):
    facts = {**selftest.environment(), "Excel": "16.0（版本号 17928，64 位）"}
    outcomes = [Outcome("载入加载项", True, "C:\\x\\xlgoals.xlam"), Outcome("按钮：校验", False, "标注不一致：\n项目1!B4"),
                Outcome("功能区按钮的回调都存在", None, "Excel 不允许程序读取 VBA 工程")]
    text = report_text(facts, outcomes, when=dt.datetime(2026, 1, 2, 3, 4, 5))
    lines = text.splitlines()
    assert lines[:2] == ["xlgoals 加载项自检报告", "时间：2026-01-02T03:04:05"]
    assert f"Python：{sys.version.split()[0]}（64 位）{sys.executable}" in lines and f"xlgoals：{__version__}" in lines
    assert "Excel：16.0（版本号 17928，64 位）" in lines
    assert "[通过] 载入加载项：C:\\x\\xlgoals.xlam" in lines
    assert "[失败] 按钮：校验：标注不一致：" in lines and "    项目1!B4" in lines
    assert "[未检查] 功能区按钮的回调都存在：Excel 不允许程序读取 VBA 工程" in lines
    assert lines[-1] == "结果：1 项通过，1 项失败，1 项未检查。请把本文件发给 xlgoals 的开发者。"
    path = selftest.write_report(tmp_path / "报告.txt", text)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and path.read_text("utf-8-sig") == text
    assert [p.name for p in tmp_path.iterdir()] == ["报告.txt"]


def test_the_example_without_standard_rows_gives_fill_work():
    full, reduced = selftest.example_data(), selftest.example_data(without_standard_rows=True)
    assert 0 < len(reduced["projects"][0]["indicators"]) < len(full["projects"][0]["indicators"])
    assert reduced["projects"][1:] == full["projects"][1:]


@pytest.mark.skipif(sys.platform.startswith("win"), reason="the refusal is for systems without Excel for Windows")
def test_selftest_off_windows_says_so_in_one_chinese_line(tmp_path):
    result = run("addin", "selftest", "-o", str(tmp_path / "报告.txt"))
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "自检需要装有 Excel 的 Windows 电脑" in line and "Traceback" not in line
    assert list(tmp_path.iterdir()) == []
