"""Assembling ``xlgoals.xlam``: a workbook holding the VBA project, the ribbon and xlwings' settings sheet.

XlsxWriter writes the workbook (the settings sheet, ``vbaProject.bin``, the code names that tie the
two together); it knows no add-ins or ribbons, so the package is then rewritten with the add-in
content type, the ``customUI14.xml`` part and its relationship. Fixed timestamps and a fixed entry
order make two builds of the same sources the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import xlsxwriter
from defusedxml import ElementTree

from ..errors import XlgoalsError
from ..outputs import atomic_output
from .sources import (
    CONFIG_SHEET,
    CONFIG_SHEET_CODENAME,
    PROJECT_NAME,
    RIBBON_FILE,
    macros_dir,
    project_modules,
    xlwings_version,
)
from .vbaproject import Module, project_bin

ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
MACRO_WORKBOOK_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
RIBBON_RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
RIBBON_NAMESPACE = "http://schemas.microsoft.com/office/2009/07/customui"
RIBBON_PART = f"customUI/{RIBBON_FILE}"
# What xlwings' VBA reads from the add-in's own settings sheet (key in column A, value in B).
# USE UDF SERVER: on Windows, RunPython talks to one Python COM server that stays running between
# presses instead of starting python for each one. ADD_WORKBOOK_TO_PYTHONPATH off: a user's folder
# (or a OneDrive link) is never put on sys.path; xlgoals is imported from the installed package.
# The interpreter is a per-machine setting: ``xlgoals addin install`` writes it to xlwings' user
# config file for this project, which the sheet falls back to.
SETTINGS = {"USE UDF SERVER": True, "ADD_WORKBOOK_TO_PYTHONPATH": False, "SHOW CONSOLE": False}
_EPOCH = datetime(2020, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Built:
    """What a build produced, for the command's message."""

    path: Path
    modules: list[Module]
    xlwings: str


def build_addin(out_path: str | Path, *, macros: Path | None = None, inputs: tuple[Path, ...] = ()) -> Built:
    """Write ``xlgoals.xlam`` from ``macros/`` and the installed xlwings' VBA, atomically."""
    folder = macros_dir(macros)
    modules = project_modules(folder)
    data = addin_bytes(modules, ribbon_xml(folder))
    with atomic_output(out_path, inputs=inputs) as temp:
        temp.write_bytes(data)
    return Built(Path(out_path), modules, xlwings_version())


def ribbon_xml(folder: Path) -> bytes:
    """The ribbon definition, checked to be well-formed Office 2010 ribbon XML."""
    path = folder / RIBBON_FILE
    data = path.read_bytes()
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise XlgoalsError(f"功能区定义不是有效的 XML（{error}）。", path) from None
    if root.tag != f"{{{RIBBON_NAMESPACE}}}customUI":
        raise XlgoalsError(f"功能区定义的根元素必须是 {RIBBON_NAMESPACE} 命名空间的 customUI。", path)
    return data


def addin_bytes(modules: list[Module], ribbon: bytes) -> bytes:
    """The ``.xlam`` package for ``modules`` and the ribbon XML."""
    return with_ribbon(workbook_bytes(project_bin(PROJECT_NAME, modules)), ribbon)


def workbook_bytes(vba_project: bytes) -> bytes:
    """A macro workbook with the settings sheet and ``vba_project``, written by XlsxWriter."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"title": "xlgoals", "created": _EPOCH})
    workbook.set_vba_name("ThisWorkbook")
    workbook.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    sheet = workbook.add_worksheet(CONFIG_SHEET)
    sheet.set_vba_name(CONFIG_SHEET_CODENAME)
    sheet.set_column(0, 0, 30)
    for row, (key, value) in enumerate(SETTINGS.items()):
        sheet.write_string(row, 0, key)
        sheet.write_boolean(row, 1, value)
    workbook.close()
    return buffer.getvalue()


def with_ribbon(workbook: bytes, ribbon: bytes) -> bytes:
    """Rewrite a macro workbook (or an add-in Excel saved) as an add-in carrying ``ribbon``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "[Content_Types].xml" and ADDIN_CONTENT_TYPE.encode() not in data:
                data = _replace_once(data, MACRO_WORKBOOK_CONTENT_TYPE.encode(), ADDIN_CONTENT_TYPE.encode())
            elif name == "_rels/.rels":
                relationship = f'<Relationship Id="rIdXlgoalsRibbon" Type="{RIBBON_RELATIONSHIP}" Target="{RIBBON_PART}"/>'
                data = _replace_once(data, b"</Relationships>", relationship.encode() + b"</Relationships>")
            _store(target, name, data)
        _store(target, RIBBON_PART, ribbon)
    return out.getvalue()


def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    if data.count(old) != 1:
        raise RuntimeError(f"unexpected workbook package: {old!r} found {data.count(old)} times")
    return data.replace(old, new)


def _store(target: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, _ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    target.writestr(info, data)
