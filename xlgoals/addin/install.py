"""Installing the add-in where Excel opens it at start-up, set up for the Python running this command.

Where: the user's Excel start-up folder. On Windows that is ``%APPDATA%\\Microsoft\\Excel\\XLSTART``,
one of Excel's default trusted locations (the add-in's macros run without a security prompt), and
nothing has to be registered: the add-ins folder plus an ``OPEN`` value in the registry would
also work, but Excel rewrites that key when it closes, so an install made while Excel runs is lost.
``xlwings addin install`` uses XLSTART too. On macOS it is the Startup folder in Office's group
container, plus xlwings' AppleScript that ``RunPython`` calls there (the sandbox allows no other way).

The interpreter goes to xlwings' user config file for this project (``PROJECT_NAME.conf``), the
layer ``GetConfig`` reads after the add-in's own settings sheet, so the add-in file itself stays
the same on every machine. The add-in is built afresh at install time from the installed xlwings,
whose VBA must match the xlwings the interpreter imports.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import XlgoalsError
from ..outputs import atomic_output
from .package import build_addin
from .sources import PROJECT_NAME, xlwings_dir, xlwings_version

ADDIN_FILE = f"{PROJECT_NAME}.xlam"
PLATFORMS = ("windows", "macos")
_MAC_OFFICE = ("Library", "Group Containers", "UBF8T346G9.Office", "User Content.localized", "Startup.localized", "Excel")
_MAC_SCRIPTS = ("Library", "Application Scripts", "com.microsoft.Excel")
_MAC_SANDBOX = ("Library", "Containers", "com.microsoft.Excel", "Data")


@dataclass(frozen=True)
class Step:
    """One thing ``install`` does: what it tells the user, and the action."""

    description: str
    run: Callable[[], None]


def current_platform() -> str | None:
    """``windows`` or ``macos`` where Excel can run, else None."""
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return None


def target_platform(requested: str | None, *, dry_run: bool) -> str:
    """The platform to install for; only the machine's own, except when merely showing the steps."""
    here = current_platform()
    if here is None and not dry_run:
        raise XlgoalsError("安装加载项需要装有 Excel 的 Windows 或 macOS，本机没有 Excel。可以用 xlgoals addin build "
                           "生成 xlgoals.xlam 后复制到装有 Excel 的电脑，或用 --dry-run --platform windows|macos 查看安装步骤。")
    if requested is None:
        if here is None:
            raise XlgoalsError("本机不是 Windows 或 macOS，请用 --platform windows 或 --platform macos 指定要查看哪个系统的安装步骤。")
        return here
    if requested not in PLATFORMS:
        raise XlgoalsError(f"不支持的系统：{requested}，请用 windows 或 macos。")
    if requested != here and not dry_run:
        raise XlgoalsError(f"本机不是 {requested}，只能用 --dry-run 查看在 {requested} 上的安装步骤。")
    return requested


def plan(platform: str, *, python: str, env: Mapping[str, str] | None = None, home: Path | None = None,
         macros: Path | None = None) -> list[Step]:
    """The steps that install the add-in on ``platform`` for the interpreter ``python``."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    version = xlwings_version()
    if platform == "windows":
        appdata = env.get("APPDATA") or "%APPDATA%"
        profile = env.get("USERPROFILE") or "%USERPROFILE%"
        addin = PureWindowsPath(appdata, "Microsoft", "Excel", "XLSTART", ADDIN_FILE)
        config = PureWindowsPath(profile, f".{PROJECT_NAME}", f"{PROJECT_NAME}.conf")
        # VBA reads the file in the ANSI code page ("mbcs"), lines ending in CRLF
        key, encoding, newline, folder = "INTERPRETER_WIN", "mbcs", "\r\n", "Excel 启动文件夹（XLSTART）"
    elif platform == "macos":
        addin = PurePosixPath(home, *_MAC_OFFICE, ADDIN_FILE)
        config = PurePosixPath(home, *_MAC_SANDBOX, f"{PROJECT_NAME}.conf")
        key, encoding, newline, folder = "INTERPRETER_MAC", "utf-8", "\n", "Excel 启动文件夹（Startup/Excel）"
    else:
        raise XlgoalsError(f"不支持的系统：{platform}，请用 windows 或 macos。")
    steps = [Step(f"生成加载项（含 xlwings {version} 的 VBA）并放入{folder}：{addin}",
                  lambda: _install_addin(Path(addin), macros))]
    if platform == "macos":
        script = xlwings_dir() / f"xlwings-{version}.applescript"
        scripts = PurePosixPath(home, *_MAC_SCRIPTS)
        steps.append(Step(f"复制 xlwings 运行 Python 所需的脚本 {script.name} 到：{scripts}",
                          lambda: _copy(script, Path(scripts))))
    steps.append(Step(f"写入 Python 解释器设置 {key} = {python}：{config}",
                      lambda: write_setting(Path(config), key, python, encoding=encoding, newline=newline)))
    return steps


def _install_addin(target: Path, macros: Path | None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    build_addin(target, macros=macros)


def _copy(source: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_output(folder / source.name) as temp:
        shutil.copyfile(source, temp)


def write_setting(path: Path, key: str, value: str, *, encoding: str = "utf-8", newline: str = "\n") -> None:
    """Set ``key`` in an xlwings config file (lines of ``"KEY","value"``), keeping its other lines."""
    if '"' in value:
        raise XlgoalsError(f"设置值中不能有双引号：{value}", path)
    lines = []
    if path.is_file():
        lines = [line for line in path.read_text(encoding, errors="replace").splitlines()
                 if line.strip() and line.split(",", 1)[0].strip().strip('"').upper() != key.upper()]
    lines.append(f'"{key}","{value}"')
    text = newline.join(lines) + newline
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        raise XlgoalsError(f"Python 的路径含有 Excel 读不出的字符，请把 Python 装到只含英文字符的路径下：{value}", path) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as temp:
        temp.write_bytes(data)
