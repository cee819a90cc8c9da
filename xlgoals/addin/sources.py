"""What goes into the add-in's VBA project, and from where.

Our ribbon callbacks are the readable files in ``macros/``. ``RunPython`` itself is xlwings' VBA,
taken from the installed xlwings package at build time (``xlwings_custom_addin.bas`` and its Mac
``Dictionary`` class) rather than copied into this repository: that VBA names xlwings' versioned
DLL (Windows) and AppleScript (macOS), so it must match the xlwings that runs the Python side.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from ..errors import XlgoalsError
from .vbaproject import Module

PROJECT_NAME = "xlgoals"
CONFIG_SHEET = f"{PROJECT_NAME}.conf"  # the sheet xlwings' GetConfig reads: PROJECT_NAME & ".conf"
CONFIG_SHEET_CODENAME = "Sheet1"
RIBBON_FILE = "customUI14.xml"
CHECKOUT = Path(__file__).resolve().parents[2]  # a source checkout; a wheel installs its folders in the package
MACROS = CHECKOUT / "macros"

_XLWINGS_PROJECT_LINE = 'Public Const PROJECT_NAME As String = "myaddin"'
_VERSION = re.compile(r'^Public Const XLWINGS_VERSION As String = "([0-9][0-9A-Za-z.+-]*)"\r?$', re.MULTILINE)
_NAME = re.compile(r'^Attribute VB_Name = "([A-Za-z][A-Za-z0-9_]{0,30})"\r?$', re.MULTILINE)
_DOCUMENT_BASES = {"ThisWorkbook": "0{00020819-0000-0000-C000-000000000046}",
                   CONFIG_SHEET_CODENAME: "0{00020820-0000-0000-C000-000000000046}"}
_CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"


def macros_dir(macros: Path | None = None) -> Path:
    """The folder of ribbon XML and VBA sources (``macros/`` beside the package)."""
    folder = Path(macros) if macros is not None else shipped("macros")
    if not (folder / RIBBON_FILE).is_file():
        raise XlgoalsError(f"找不到加载项源文件（{RIBBON_FILE} 和 .bas 模块），请在 xlgoals 源代码目录中运行，"
                           "或用开发版安装（pip install -e .）。", folder)
    return folder


def shipped(folder: str) -> Path:
    """A folder shipped beside the code (``macros``, ``examples``): the checkout's, else ``xlgoals.<folder>``."""
    checkout = CHECKOUT / folder
    if checkout.is_dir():
        return checkout
    spec = importlib.util.find_spec(f"xlgoals.{folder}")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]) if locations else checkout


def xlwings_dir() -> Path:
    """The installed xlwings package's folder, found without importing xlwings (which is slow)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise XlgoalsError("没有安装 xlwings，请先运行 pip install xlwings。")
    return Path(spec.origin).resolve().parent


def xlwings_version() -> str:
    """The version the add-in's VBA declares: it names xlwings' DLL and AppleScript."""
    path = xlwings_dir() / "xlwings_custom_addin.bas"
    found = _VERSION.search(path.read_text("utf-8"))
    if found is None:
        raise XlgoalsError("所装 xlwings 的加载项 VBA 中找不到版本号，无法生成加载项；请重新安装 xlwings。", path)
    return found.group(1)


def project_modules(macros: Path) -> list[Module]:
    """Every module of the add-in's project: the workbook and config sheet, xlwings', then ours."""
    modules = [Module(name, "document", _document_source(name, base)) for name, base in _DOCUMENT_BASES.items()]
    modules.append(Module("xlwings", "module", xlwings_module()))
    modules.append(Module("Dictionary", "class", class_source((xlwings_dir() / "addin" / "Dictionary.cls").read_text("utf-8"))))
    for path in module_files(macros):
        text = path.read_text("utf-8")
        if not text.isascii():
            raise XlgoalsError("VBA 代码只能使用英文字符（ASCII）：VBA 工程按西文代码页保存，中文会变成乱码。"
                               "请把中文提示放到功能区 XML 或 Python 中。", path)
        kind = "module" if path.suffix == ".bas" else "class"
        modules.append(Module(module_name(text, path), kind, text if kind == "module" else class_source(text)))
    names = [module.name.lower() for module in modules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise XlgoalsError(f"加载项中有重名的 VBA 模块：{'、'.join(duplicates)}，请给 macros 中的文件改名。", macros)
    return modules


def module_files(macros: Path) -> list[Path]:
    """Our VBA sources: standard modules (``.bas``) and class modules (``.cls``) in ``macros/``."""
    return sorted(macros.glob("*.bas")) + sorted(macros.glob("*.cls"))


def module_name(text: str, path: Path) -> str:
    """The ``Attribute VB_Name`` of a module file, which must match its file name."""
    found = _NAME.search(text)
    if found is None or found.group(1) != path.stem:
        raise XlgoalsError(f'VBA 模块文件必须以 Attribute VB_Name = "{path.stem}" 开头。', path)
    return found.group(1)


def xlwings_module() -> str:
    """xlwings' module for custom add-ins, reading its settings from our ``xlgoals.conf`` sheet."""
    text = (xlwings_dir() / "xlwings_custom_addin.bas").read_text("utf-8")
    if text.count(_XLWINGS_PROJECT_LINE) != 1:
        raise XlgoalsError(f"所装 xlwings {xlwings_version()} 的加载项 VBA 与预期不符，无法生成加载项；"
                           "请安装 xlgoals 支持的 xlwings 版本。", xlwings_dir() / "xlwings_custom_addin.bas")
    return text.replace(_XLWINGS_PROJECT_LINE, f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"')


def class_source(text: str) -> str:
    """A class module as Excel stores it: the editor's export header dropped, ``VB_Base`` and the
    two attributes the editor adds on import put in, as importing the file in Excel would."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].startswith("VERSION "):
        end = lines.index("END")
        lines = lines[end + 1:]
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("Attribute VB_Name = "):
            out.append(f'Attribute VB_Base = "{_CLASS_BASE}"')
        elif line.startswith("Attribute VB_Exposed = "):
            out += ["Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False"]
    return "\r\n".join(out)


def _document_source(name: str, base: str) -> str:
    return "\r\n".join([
        f'Attribute VB_Name = "{name}"', f'Attribute VB_Base = "{base}"',
        "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True", "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = True", "",
    ])
