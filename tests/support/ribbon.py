"""Pressing the ribbon's buttons without Excel: the ``RunPython`` command a macro of
``macros/RibbonXlgoals.bas`` builds, executed here with a stand-in workbook as xlwings' caller.

The command is read from the VBA source, so a macro that names a missing function, passes the
wrong arguments or escapes a path wrongly fails here. Its expressions are evaluated as VBA would:
string literals joined with ``&``, ``PyText(x)`` (mirrored by :func:`py_text`) and
``AddinVersion()`` (the add-in's settings sheet). :class:`StandinExcel` is the self-test's
``Excel`` over the stand-in.
"""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

from xlgoals import excel
from xlgoals.addin.package import VERSION_KEY, settings_sheet
from xlgoals.addin.sources import MACROS
from tests.support.xlwings_standin import App, Book

MODULE = MACROS / "RibbonXlgoals.bas"


def py_text(text: str) -> str:
    """The Python literal RibbonXlgoals.PyText builds: A-Z, a-z, 0-9 kept, every other UTF-16 code unit escaped."""
    units = text.encode("utf-16-le")
    out = []
    for index in range(0, len(units), 2):
        code = int.from_bytes(units[index:index + 2], "little")
        out.append(chr(code) if chr(code).isascii() and chr(code).isalnum() else f"\\u{code:04x}")
    return "'" + "".join(out) + "'"


def sub_body(name: str) -> tuple[list[str], list[str]]:
    """A Sub's parameter names and its lines."""
    source = MODULE.read_text("utf-8")
    found = re.search(rf"^Sub {name}\((.*?)\)\s*$(.*?)^End Sub", source, re.MULTILINE | re.DOTALL)
    assert found, f"no Sub {name} in {MODULE.name}"
    params = [part.split()[-3] if part.split()[-2] == "As" else part.split()[-1]
              for part in found.group(1).split(",") if part.strip()]
    return params, [line.strip() for line in found.group(2).splitlines() if line.strip()]


def run_python_command(macro: str, args: tuple[str, ...], addin_version: str) -> str:
    """The command ``macro`` hands to RunPython, its arguments bound as VBA would bind them."""
    params, lines = sub_body(macro)
    values = dict(zip([p for p in params if p != "control"], args, strict=True))
    [line] = [line for line in lines if line.startswith("RunPython ")]
    return "".join(_term(term.strip(), values, addin_version)
                   for term in re.split(r'&(?=(?:[^"]*"[^"]*")*[^"]*$)', line.removeprefix("RunPython ")))


def _term(term: str, values: dict[str, str], addin_version: str) -> str:
    if term.startswith('"') and term.endswith('"'):
        return term[1:-1].replace('""', '"')
    called = re.fullmatch(r"PyText\((\w+)(\(\))?\)", term)
    assert called, f"a term the stand-in cannot evaluate: {term}"
    name = called.group(1)
    return py_text(addin_version if name == "AddinVersion" else values[name])


class StandinExcel:
    """One stand-in Excel with the add-in loaded: workbooks open in it, macros run as RunPython would.

    ``dialogs``: what OnMerge's folder picker and save dialog answer (cancelled: ""), handed on to
    MergeFolder as the VBA does.
    """

    def __init__(self, addin_version: str | None = None, dialogs: tuple[str, str] = ("", "")):
        self.app = App()
        self.active: Book | None = None
        self.addin_version = settings_sheet()[VERSION_KEY] if addin_version is None else addin_version
        self.dialogs = dialogs

    def open(self, path: Path) -> Book:
        self.active = self.app.books.open(str(path))
        return self.active

    def press(self, macro: str, *args: str) -> list[str]:
        if macro == "OnMerge":
            _, lines = sub_body("OnMerge")
            assert lines[-1] == "MergeFolder folder, CStr(target)", lines[-1]
            macro, args = "MergeFolder", self.dialogs
        command = run_python_command(macro, args, self.addin_version)
        shown = len(self.app.alerts)
        with mock.patch.object(excel, "_caller", lambda: self.active or Book("Book1", self.app)):
            exec(command, {})  # noqa: S102  (the add-in's own command)
        return [text for text, _ in self.app.alerts[shown:]]
