"""The part of ``xlgoals addin selftest`` that drives Excel: Windows only, through xlwings (COM) and,
for the message boxes the buttons show, the Win32 API (ctypes).

Unverified: written against the documented object model and never run on the Linux machines this
project is developed on; the first report from a Windows PC will tell. What each button must do is
checked by :mod:`.selftest`, whose checks are tested on the xlwings stand-in.

Excel is started as a new, visible instance (the user's own windows are not touched) with macros of
files opened by automation enabled, loads the add-in with ``Workbooks.Open`` (not ``AddIns.Add``,
which would register it), and runs each ribbon callback with ``Application.Run`` as the ribbon
would. While a macro runs, a watcher thread reads every dialog Excel or the button's Python shows,
notes a message box's text and closes it (a file dialog is cancelled the same way), so the run
needs no one at the keyboard; a press that takes longer than :data:`PRESS_TIMEOUT` ends Excel.
"""

from __future__ import annotations

import ctypes
import os
import platform
import signal
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from ctypes import wintypes
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

from .. import __version__
from .install import ADDIN_FILE, python_settings
from .package import RIBBON_NAMESPACE, RIBBON_PART, build_addin
from .selftest import (
    CheckFailed,
    Outcome,
    Skipped,
    Step,
    attempt,
    button_steps,
    check_about,
    environment,
    report_text,
    write_example,
    write_report,
)

PRESS_TIMEOUT = 300.0  # seconds; a merge of two workbooks takes a few
_AUTOMATION_SECURITY_LOW = 1  # msoAutomationSecurityLow: macros of files opened by automation run
_PROC = 0  # vbext_pk_Proc
_DIALOG_CLASSES = ("#32770", "bosa_sdm_", "NUIDialog")
_MESSAGE_TEXT = 0xFFFF  # the static control holding a message box's text
_WM_GETTEXT, _WM_GETTEXTLENGTH, _WM_CLOSE, _GW_OWNER = 0x000D, 0x000E, 0x0010, 4


def run(output: Path, echo: Callable[[str], None]) -> list[Outcome]:
    facts = environment()

    def record(outcome: Outcome) -> None:
        echo(f"[{outcome.label}] {outcome.step}")

    with tempfile.TemporaryDirectory(prefix="xlgoals-selftest-", ignore_cleanup_errors=True) as folder:
        excel = ComExcel(Path(folder))
        try:
            outcomes = attempt(excel.steps(facts), record)
        finally:
            excel.quit()
    write_report(output, report_text(facts, outcomes))
    return outcomes


class ComExcel:
    """A new Excel instance with the add-in loaded; the self-test's ``Excel``."""

    def __init__(self, scratch: Path):
        self.scratch = scratch
        self._app: Any = None
        self._addin: Any = None
        self._facts: dict[str, str] = {}

    def steps(self, facts: dict[str, str]) -> list[Step]:
        self._facts = facts
        built, by_excel = self.scratch / "build" / ADDIN_FILE, self.scratch / "with-excel" / ADDIN_FILE
        return [
            Step("Python 设置（xlgoals addin install 写入的 xlgoals.conf）", lambda: self.python_set_up(facts)),
            Step("生成加载项（xlgoals addin build）", lambda: self.build(built)),
            Step("启动 Excel", lambda: self.start(facts)),
            Step("载入加载项", lambda: self.load(built)),
            Step("VBA 编译、加载项版本和设置", lambda: self.compiled(facts)),
            Step("功能区按钮的回调都存在", lambda: self.callbacks(built)),
            *button_steps(self, self.scratch),
            Step("由 Excel 生成加载项（xlgoals addin build --with-excel）", lambda: self.build_with_excel(by_excel)),
            Step("载入 Excel 生成的加载项", lambda: self.load(by_excel)),
            Step("Excel 生成的加载项：VBA 编译、版本和设置", lambda: self.compiled(facts)),
            Step("Excel 生成的加载项：按钮 关于/设置", lambda: check_about(self, self.scratch)),
        ]

    # -- the steps
    def python_set_up(self, facts: dict[str, str]) -> str:
        import sys

        settings = python_settings("windows", sys.executable, os.environ, Path.home())
        facts["xlgoals.conf"] = f"{settings.config}：" + "、".join(f"{k} = {v}" for k, v in settings.values.items())
        if not settings.holds():
            raise CheckFailed(f"{settings.config} 没有设置为当前的 Python，按钮会找不到 xlgoals：请先运行 "
                              "xlgoals addin install，再运行 xlgoals addin selftest。")
        return facts["xlgoals.conf"]

    def build(self, path: Path) -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        build_addin(path)
        return f"{path}（{path.stat().st_size:,} 字节）"

    def build_with_excel(self, path: Path) -> str:
        from .excel_build import build_with_excel

        path.parent.mkdir(parents=True, exist_ok=True)
        build_with_excel(path)
        return f"{path}（{path.stat().st_size:,} 字节）"

    def start(self, facts: dict[str, str]) -> str:
        import xlwings

        self._app = xlwings.App(visible=True, add_book=False)
        self._app.display_alerts = False
        self._app.api.AutomationSecurity = _AUTOMATION_SECURITY_LOW
        facts["Excel"] = f"{self._app.version}（版本号 {self._app.api.Build}，{_bitness(self._app.pid)}）{self._app.path}"
        return facts["Excel"]

    def load(self, path: Path) -> str:
        app = self.app
        if self._addin is not None:
            self._addin.close()
            self._addin = None
        book = app.books.open(str(path))
        if not book.api.IsAddin:
            raise CheckFailed(f"{path.name} 打开后不是加载项（IsAddin = False）")
        self._addin = book
        return str(book.fullname)

    def compiled(self, facts: dict[str, str]) -> str:
        from .package import SETTINGS

        self.open(write_example(self.scratch / f"设置-{time.monotonic_ns()}.xlsx"))  # GetConfig reads the active book
        version = self.run_vba("RibbonXlgoals.AddinVersion")
        if version != __version__:
            raise CheckFailed(f"加载项报告的版本是 {version!r}，应为 {__version__}")
        server = self.run_vba("xlwings.GetConfig", "USE UDF SERVER")
        if str(server).lower() != str(SETTINGS["USE UDF SERVER"]).lower():
            raise CheckFailed(f"加载项的 USE UDF SERVER 是 {server!r}，应为 {SETTINGS['USE UDF SERVER']}")
        facts["加载项设置"] = f"USE UDF SERVER = {server}"
        return f"AddinVersion() = {version}，GetConfig(\"USE UDF SERVER\") = {server}（RibbonXlgoals、xlwings 两个模块已编译并运行）"

    def callbacks(self, path: Path) -> str:
        with zipfile.ZipFile(path) as package:
            root = ElementTree.fromstring(package.read(RIBBON_PART))
        actions = [button.get("onAction") for button in root.iter(f"{{{RIBBON_NAMESPACE}}}button")]
        try:
            components = self.addin.api.VBProject.VBComponents
            components.Count
        except Exception:
            raise Skipped("Excel 不允许程序读取 VBA 工程（信任中心未勾选“信任对 VBA 工程对象模型的访问”）；"
                          "各按钮的回调在下面逐个运行时检查") from None
        missing = []
        for action in actions:
            module, name = action.split(".")
            try:
                components.Item(module).CodeModule.ProcStartLine(name, _PROC)
            except Exception:
                missing.append(action)
        if missing:
            raise CheckFailed(f"VBA 工程中找不到这些按钮的回调：{'、'.join(missing)}")
        return "、".join(actions)

    # -- the self-test's Excel
    def open(self, path: Path) -> Any:
        book = self.app.books.open(str(path))
        book.activate()
        return book

    def press(self, macro: str, *args: str) -> list[str]:
        return self._watched(lambda: self.run_vba(f"RibbonXlgoals.{macro}", *args))

    def run_vba(self, procedure: str, *args: Any) -> Any:
        return self.app.api.Run(f"'{self.addin.name}'!{procedure}", *args)

    def _watched(self, action: Callable[[], Any]) -> list[str]:
        dialogs = _Dialogs(self.app.hwnd, self.app.pid)
        dialogs.start()
        try:
            action()
        finally:
            dialogs.stop()
        if dialogs.cancelled:
            self._facts["自动取消的对话框"] = "、".join(filter(None, [self._facts.get("自动取消的对话框"), *dialogs.cancelled]))
        if dialogs.timed_out:
            raise CheckFailed(f"{PRESS_TIMEOUT:.0f} 秒内没有结束，已关闭 Excel；期间的提示：{dialogs.texts}")
        return dialogs.texts

    @property
    def app(self) -> Any:
        if self._app is None:
            raise Skipped("Excel 没有启动")
        return self._app

    @property
    def addin(self) -> Any:
        if self._addin is None:
            raise Skipped("加载项没有载入")
        return self._addin

    def quit(self) -> None:
        if self._app is not None:
            try:
                for book in list(self._app.books):
                    book.close()
                self._app.quit()
            except Exception:
                self._app.kill()


class _Dialogs(threading.Thread):
    """Reads and closes the dialogs of Excel's window while a macro runs (message boxes: their text)."""

    def __init__(self, excel_hwnd: int, excel_pid: int):
        super().__init__(daemon=True)
        self.excel_hwnd, self.excel_pid = excel_hwnd, excel_pid
        self.texts: list[str] = []
        self.cancelled: list[str] = []
        self.timed_out = False
        self._done = threading.Event()
        self._seen: set[int] = set()
        self._user32 = _user32()

    def run(self) -> None:
        deadline = time.monotonic() + PRESS_TIMEOUT
        callback = _ENUM_PROC(self._visit)
        while not self._done.wait(0.1):
            self._user32.EnumWindows(callback, 0)
            if time.monotonic() > deadline:
                self.timed_out = True
                os.kill(self.excel_pid, signal.SIGTERM)  # TerminateProcess: Application.Run returns with an error
                return

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)

    def _visit(self, hwnd: int, _: int) -> bool:
        user32 = self._user32
        if hwnd in self._seen or not user32.IsWindowVisible(hwnd):
            return True
        name = ctypes.create_unicode_buffer(64)
        user32.GetClassNameW(hwnd, name, 64)
        if not name.value.startswith(_DIALOG_CLASSES):
            return True
        pid = wintypes.DWORD()
        user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        if user32.GetWindow(hwnd, _GW_OWNER) != self.excel_hwnd and pid.value != self.excel_pid:
            return True
        self._seen.add(hwnd)
        title = _text(user32, hwnd)
        static = user32.GetDlgItem(hwnd, _MESSAGE_TEXT)
        if static:  # a message box: what it says is what the check compares
            self.texts.append(_text(user32, static))
        else:  # a file dialog, cancelled; its title goes to the report
            self.cancelled.append(title)
        user32.PostMessageW(hwnd, _WM_CLOSE, 0, 0)
        return True


_ENUM_PROC = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM) if os.name == "nt" else None


def _user32() -> Any:
    user32 = ctypes.WinDLL("user32", use_last_error=True)
    user32.EnumWindows.argtypes = [_ENUM_PROC, wintypes.LPARAM]
    user32.IsWindowVisible.argtypes = [wintypes.HWND]
    user32.GetClassNameW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
    user32.GetWindowThreadProcessId.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.DWORD)]
    user32.GetWindow.argtypes = [wintypes.HWND, wintypes.UINT]
    user32.GetWindow.restype = wintypes.HWND
    user32.GetDlgItem.argtypes = [wintypes.HWND, ctypes.c_int]
    user32.GetDlgItem.restype = wintypes.HWND
    user32.SendMessageW.argtypes = [wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM]
    user32.SendMessageW.restype = ctypes.c_ssize_t
    user32.PostMessageW.argtypes = [wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM]
    return user32


def _text(user32: Any, hwnd: int) -> str:
    """A window's text, asked with WM_GETTEXT (marshalled across processes, unlike GetWindowText)."""
    length = user32.SendMessageW(hwnd, _WM_GETTEXTLENGTH, 0, 0)
    buffer = ctypes.create_unicode_buffer(length + 1)
    user32.SendMessageW(hwnd, _WM_GETTEXT, length + 1, ctypes.addressof(buffer))
    return buffer.value


def _bitness(pid: int) -> str:
    """Excel's bitness: a 32-bit process on 64-bit Windows runs under WOW64."""
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.IsWow64Process.argtypes = [wintypes.HANDLE, ctypes.POINTER(wintypes.BOOL)]
    kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return "位数未知"
    try:
        wow64 = wintypes.BOOL()
        if not kernel32.IsWow64Process(handle, ctypes.byref(wow64)):
            return "位数未知"
    finally:
        kernel32.CloseHandle(handle)
    return "32 位" if wow64.value or not platform.machine().endswith("64") else "64 位"
