"""Installing the add-in where Excel opens it at start-up, set up for the Python running this command.

Where: Excel's own start-up folder. On Windows, Excel is asked for it (``Application.StartupPath``,
a running Excel, else one started hidden for the question): folder redirection, roaming profiles
and managed Office installs move it away from the usual ``%APPDATA%\\Microsoft\\Excel\\XLSTART``,
which is used only when Excel cannot be reached. It is one of Excel's default trusted locations
(the add-in's macros run without a security prompt) and nothing has to be registered: the add-ins
folder plus an ``OPEN`` value in the registry would also work, but Excel rewrites that key when it
closes, so an install made while Excel runs is lost. ``xlwings addin install`` uses XLSTART too.
On macOS it is the Startup folder in Office's group container (what Excel 2016 and later report
as their start-up path; Excel is not started to ask), plus xlwings' AppleScript that
``RunPython`` calls there (the sandbox allows no other way).

The interpreter goes to xlwings' user config file for this project (``PROJECT_NAME.conf``), the
layer ``GetConfig`` reads after the add-in's own settings sheet, so the add-in file itself stays
the same on every machine. On Windows, a Python inside a conda environment is set as xlwings' own
``xlwings config create`` sets it: ``CONDA PATH`` and ``CONDA ENV`` instead of the interpreter,
so that the environment is activated (its DLLs on ``PATH``) before Python starts; xlwings only
activates when no interpreter is set. The add-in is built afresh at install time from the
installed xlwings, whose VBA must match the xlwings the interpreter imports.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

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


@dataclass(frozen=True)
class Startup:
    """Excel's start-up folder as Excel reported it (``path``), or why it could not be asked."""

    path: str | None
    why_not: str = ""


@dataclass(frozen=True)
class Conda:
    """The conda environment an interpreter lives in: its folder, the conda installation, the name
    xlwings activates (``base``, an environment's name, or its folder when outside ``envs``)."""

    prefix: str
    path: str | None
    env: str


def excel_startup(platform: str) -> Startup:
    """Ask Excel for its start-up folder (Windows, on this machine); a running Excel, else a hidden one."""
    if platform != current_platform():
        return Startup(None, "本机没有这个系统的 Excel")
    if platform != "windows":
        return Startup(None, "macOS 上不启动 Excel 询问")
    try:
        import xlwings

        if xlwings.apps.count:
            return Startup(str(xlwings.apps.active.startup_path) or None, "Excel 没有报告启动文件夹")
        app = xlwings.App(visible=False, add_book=False)
        try:
            return Startup(str(app.startup_path) or None, "Excel 没有报告启动文件夹")
        finally:
            app.quit()
    except Exception as error:  # no Excel, no COM, a broken install: the usual folder is used
        return Startup(None, f"无法连接 Excel（{error}）")


def conda_of(python: str | Path, env: Mapping[str, str]) -> Conda | None:
    """The conda environment ``python`` lives in (``conda-meta`` in its folder), or None.

    ``python.exe`` sits in the environment's folder on Windows, in its ``bin`` elsewhere. The
    installation is the environment itself (base), the folder above ``envs``, or, for an
    environment made elsewhere (``conda create -p``), where ``CONDA_EXE`` points; it must have
    ``condabin``, which xlwings calls to activate.
    """
    executable = Path(python)
    prefix = next((folder for folder in (executable.parent, executable.parent.parent)
                   if (folder / "conda-meta").is_dir()), None)
    if prefix is None:
        return None
    if (prefix / "condabin").is_dir():
        return Conda(str(prefix), str(prefix), "base")
    if prefix.parent.name == "envs" and (prefix.parent.parent / "condabin").is_dir():
        return Conda(str(prefix), str(prefix.parent.parent), prefix.name)
    conda_exe = env.get("CONDA_EXE")  # <installation>\Scripts\conda.exe or <installation>/bin/conda
    root = Path(conda_exe).parent.parent if conda_exe else None
    return Conda(str(prefix), str(root) if root is not None and (root / "condabin").is_dir() else None, str(prefix))


def plan(platform: str, *, python: str, env: Mapping[str, str] | None = None, home: Path | None = None,
         macros: Path | None = None, startup: Startup | None = None) -> list[Step]:
    """The steps that install the add-in on ``platform`` for the interpreter ``python``."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    startup = startup or Startup(None, "没有询问 Excel")
    version = xlwings_version()
    steps: list[Step] = []
    if platform == "windows":
        usual = PureWindowsPath(env.get("APPDATA") or "%APPDATA%", "Microsoft", "Excel", "XLSTART")
        folder = PureWindowsPath(startup.path) if startup.path else usual
        where = ("Excel 报告的启动文件夹（Application.StartupPath）" if startup.path
                 else f"默认的 Excel 启动文件夹（{startup.why_not}；能连接 Excel 时改用 Excel 报告的启动文件夹）")
    elif platform == "macos":
        folder = PurePosixPath(home, *_MAC_OFFICE)
        where = "Excel 启动文件夹（Startup/Excel）"
    else:
        raise XlgoalsError(f"不支持的系统：{platform}，请用 windows 或 macos。")
    python_setup = python_settings(platform, python, env, home)
    addin = folder / ADDIN_FILE
    steps.append(Step(f"生成加载项（含 xlwings {version} 的 VBA）并放入{where}：{addin}",
                      lambda: _install_addin(Path(addin), macros)))
    if platform == "windows" and folder != usual:
        old = usual / ADDIN_FILE
        steps.append(Step(f"删除以前装在默认启动文件夹的加载项（如有），免得 Excel 载入两份：{old}", lambda: _remove(Path(old))))
    if platform == "macos":
        script = xlwings_dir() / f"xlwings-{version}.applescript"
        scripts = PurePosixPath(home, *_MAC_SCRIPTS)
        steps.append(Step(f"复制 xlwings 运行 Python 所需的脚本 {script.name} 到：{scripts}",
                          lambda: _copy(script, Path(scripts))))
    steps.append(Step(f"{python_setup.description}：{python_setup.config}", python_setup.write))
    return steps


@dataclass(frozen=True)
class PythonSettings:
    """What xlwings' user config file must say for ``RunPython`` to start this Python."""

    config: PurePath
    values: dict[str, str]
    stale: tuple[str, ...]  # keys that would override ``values`` and are removed
    encoding: str
    newline: str
    description: str

    def write(self) -> None:
        write_settings(Path(self.config), self.values, remove=self.stale, encoding=self.encoding, newline=self.newline)

    def holds(self) -> bool:
        """Whether the config file already says so (``xlgoals addin install`` was run for this Python)."""
        found = read_settings(Path(self.config), self.encoding)
        return all(found.get(key.upper()) == value for key, value in self.values.items()) and \
            not any(key.upper() in found for key in self.stale)


def python_settings(platform: str, python: str, env: Mapping[str, str], home: Path) -> PythonSettings:
    if platform == "macos":
        return PythonSettings(PurePosixPath(home, *_MAC_SANDBOX, f"{PROJECT_NAME}.conf"), {"INTERPRETER_MAC": python}, (),
                              "utf-8", "\n", f"写入 Python 解释器设置 INTERPRETER_MAC = {python}")
    config = PureWindowsPath(env.get("USERPROFILE") or "%USERPROFILE%", f".{PROJECT_NAME}", f"{PROJECT_NAME}.conf")
    # VBA reads the file in the ANSI code page ("mbcs"), lines ending in CRLF
    conda = conda_of(python, env)
    if conda is not None and conda.path is not None:
        return PythonSettings(config, {"CONDA PATH": conda.path, "CONDA ENV": conda.env}, ("INTERPRETER_WIN", "INTERPRETER"),
                              "mbcs", "\r\n", f"写入 conda 设置 CONDA PATH = {conda.path}、CONDA ENV = {conda.env}"
                              "（Python 在 conda 环境中：由 conda 激活后运行，与 xlwings 自己的设置相同）")
    description = f"写入 Python 解释器设置 INTERPRETER_WIN = {python}"
    if conda is not None:
        description += (f"（Python 在 conda 环境 {conda.prefix} 中，但找不到带 condabin 的 conda 安装，"
                        "不写 conda 设置；如按钮报告缺少 DLL，请在 Anaconda Prompt 中激活该环境后重新安装）")
    return PythonSettings(config, {"INTERPRETER_WIN": python}, ("CONDA PATH", "CONDA ENV"), "mbcs", "\r\n", description)


def _install_addin(target: Path, macros: Path | None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    build_addin(target, macros=macros)


def _copy(source: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_output(folder / source.name) as temp:
        shutil.copyfile(source, temp)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except PermissionError:
        raise XlgoalsError("旧的加载项正在 Excel 中使用，无法删除：请关闭 Excel 后重新运行 xlgoals addin install。", path) from None


def write_settings(path: Path, values: Mapping[str, str], *, remove: tuple[str, ...] = (), encoding: str = "utf-8",
                   newline: str = "\n") -> None:
    """Set ``values`` in an xlwings config file (lines of ``"KEY","value"``) and drop the keys in
    ``remove``, keeping its other lines."""
    for value in values.values():
        if '"' in value:
            raise XlgoalsError(f"设置值中不能有双引号：{value}", path)
    dropped = {key.upper() for key in (*values, *remove)}
    lines = [line for line in _lines(path, encoding) if _key(line) not in dropped]
    lines += [f'"{key}","{value}"' for key, value in values.items()]
    text = newline.join(lines) + newline
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        raise XlgoalsError(f"Python 的路径含有 Excel 读不出的字符，请把 Python 装到只含英文字符的路径下：{'、'.join(values.values())}",
                           path) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as temp:
        temp.write_bytes(data)


def read_settings(path: Path, encoding: str = "utf-8") -> dict[str, str]:
    """An xlwings config file as ``{KEY: value}`` (keys upper-cased, as xlwings compares them)."""
    return {_key(line): line.split(",", 1)[1].strip().strip('"') if "," in line else "" for line in _lines(path, encoding)}


def _lines(path: Path, encoding: str) -> list[str]:
    if not path.is_file():
        return []
    return [line for line in path.read_text(encoding, errors="replace").splitlines() if line.strip()]


def _key(line: str) -> str:
    return line.split(",", 1)[0].strip().strip('"').upper()
