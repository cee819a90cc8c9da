#!/usr/bin/python3
"""Inspect or convert spreadsheets in headless LibreOffice Calc through UNO.

Run with Debian's interpreter (the only one that can ``import uno``)::

    /usr/bin/python3 tests/lo/uno_probe.py inspect FILE [--password PW] [--evaluate JSON]
    /usr/bin/python3 tests/lo/uno_probe.py convert FILE --to xlsx|xls|pdf|png|ods --outdir DIR [--dpi N]
    /usr/bin/python3 tests/lo/uno_probe.py basic MODULE.bas --calls JSON

Every run starts its own soffice with a fresh profile and a unique pipe name,
so several probes can run in parallel without fighting over a profile lock.
soffice is always shut down (killed if needed) and the profile removed.
The result is one JSON object on stdout; errors go to stderr with exit code != 0.
Exit codes: 0 ok, 1 job failed, 2 usage error, 3 timeout, 4 soffice start/connect failed,
5 interrupted by a signal (soffice is killed, the profile removed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

try:
    import uno
    from com.sun.star.beans import PropertyValue
    from com.sun.star.connection import NoConnectException
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    sys.stderr.write(
        f"uno_probe: cannot import uno ({exc}); run with /usr/bin/python3 and python3-uno installed\n"
    )
    sys.exit(4)

CONNECT_TIMEOUT = 60.0
DEFAULT_TIMEOUT = 150.0  # below the 180 s of tests/support/libreoffice.py, so we clean up first
SCRATCH_SHEET = "__uno_probe_eval__"

FILTERS = {
    "xlsx": "Calc MS Excel 2007 XML",
    "pdf": "calc_pdf_Export",
    "ods": "calc8",
    "xls": "MS Excel 97",
}
# "png" is PDF export + pdftoppm (first page): Debian's Calc has no working
# calc_png_Export without the Draw graphic filters (storeToURL fails with 0x81a).
TARGETS = sorted([*FILTERS, "png"])


class ProbeError(Exception):
    """A failure that should be reported on stderr with a non-zero exit code."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def _prop(name, value):
    pv = PropertyValue()
    pv.Name = name
    pv.Value = value
    return pv


def _enum_name(value) -> str | None:
    """pyuno enums carry their member name in ``.value``."""
    if value is None:
        return None
    return getattr(value, "value", str(value))


def col_letters(col: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(col: int, row: int) -> str:
    return f"{col_letters(col)}{row + 1}"


# --------------------------------------------------------------------------- soffice


class Office:
    """One private soffice process: own profile dir, own pipe, always torn down."""

    def __init__(self, soffice: str):
        self.soffice = soffice
        self.token = f"uno_probe_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        self.profile = Path(tempfile.mkdtemp(prefix=f"{self.token}_"))
        self.log_path = self.profile / "soffice.log"
        self.proc: subprocess.Popen | None = None
        self.desktop = None
        self.context = None
        self._log = None
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        user_install = (self.profile / "user").as_uri()
        cmd = [
            self.soffice,
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"-env:UserInstallation={user_install}",
            f"--accept=pipe,name={self.token};urp;StarOffice.ComponentContext",
        ]
        self._log = open(self.log_path, "wb")
        try:
            # Own session/process group: the wrapper script -> oosplash -> soffice.bin
            # chain can then be killed as a whole without touching anything else.
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise ProbeError(f"cannot start {self.soffice}: {exc}", 4) from exc
        self.desktop = self._connect()

    def _connect(self):
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        url = f"uno:pipe,name={self.token};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + CONNECT_TIMEOUT
        last_exc = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                # oosplash handles restarts itself, so an exited wrapper means no office.
                raise ProbeError(
                    f"soffice exited early with code {self.proc.returncode}\n{self.log_tail()}", 4
                )
            try:
                ctx = resolver.resolve(url)
                desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
                if desktop is not None:
                    self.context = ctx
                    return desktop
            except NoConnectException as exc:
                last_exc = exc
            except Exception as exc:  # bridge not ready yet, e.g. RuntimeException
                last_exc = exc
            time.sleep(0.25)
        raise ProbeError(
            f"could not connect to soffice within {CONNECT_TIMEOUT:.0f}s "
            f"(last error: {last_exc!r}; soffice exit={self.proc.poll()})\n{self.log_tail()}",
            4,
        )

    def log_tail(self, limit: int = 2000) -> str:
        try:
            data = self.log_path.read_bytes()[-limit:]
        except OSError:
            return ""
        text = data.decode("utf-8", "replace").strip()
        return f"--- soffice output ---\n{text}" if text else ""

    def close(self, *, kill_now: bool = False) -> None:
        """Terminate soffice (kill it if it hangs) and remove the profile.

        Idempotent and serialised: a second caller (main thread vs. watchdog)
        blocks until the first one has finished, so the probe never exits while
        soffice is still being shut down.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            desktop, self.desktop = self.desktop, None
            if desktop is not None and not kill_now:
                try:
                    desktop.terminate()
                except Exception:
                    pass  # the bridge dies with the process; DisposedException is expected
            if self.proc is not None:
                if not kill_now:
                    try:
                        self.proc.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        pass
                # Always sweep the group: soffice.bin may outlive the oosplash wrapper.
                self._kill_group()
            if self._log is not None:
                self._log.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    def _group_alive(self) -> bool:
        """True while a non-zombie process of soffice's process group exists.

        Orphaned zombies are ignored: in containers PID 1 may never reap them.
        """
        pgid = self.proc.pid
        self.proc.poll()  # reap our direct child if it is done
        proc_dir = Path("/proc")
        if not proc_dir.is_dir():
            try:
                os.killpg(pgid, 0)
                return True
            except OSError:
                return False
        for stat in proc_dir.glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            # fields after "comm)": state ppid pgrp ...
            if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
                return True
        return False

    def _kill_group(self) -> None:
        if self.proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not self._group_alive():
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            except OSError:
                pass
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and self._group_alive():
                time.sleep(0.1)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def load(self, path: Path):
        """Load a private copy of ``path``.

        A copy keeps LibreOffice's ``.~lock.*#`` files out of the caller's
        directory; a stale lock file (left by a crashed soffice) otherwise makes
        headless loading silently return None.
        """
        copy_dir = self.profile / "input"
        copy_dir.mkdir(exist_ok=True)
        copy = copy_dir / path.name
        try:
            shutil.copyfile(path, copy)
        except OSError as exc:
            raise ProbeError(f"cannot copy {path} for loading: {exc}") from exc
        url = copy.as_uri()
        props = (
            _prop("Hidden", True),
            _prop("MacroExecutionMode", 0),  # NEVER_EXECUTE
            _prop("UpdateDocMode", 0),  # NO_UPDATE: don't refresh external links
        )
        if path.suffix.lower() == ".xlam":
            # Type detection does not know the add-in content type (not even for Excel's own
            # add-ins); the OOXML filter reads the package, sheets and VBA project all the same.
            props += (_prop("FilterName", "Calc MS Excel 2007 XML"),)
        try:
            doc = self.desktop.loadComponentFromURL(url, "_blank", 0, props)
        except Exception as exc:
            raise ProbeError(f"LibreOffice failed to load {path}: {exc}") from exc
        if doc is None:
            raise ProbeError(
                f"LibreOffice could not load {path} "
                "(loadComponentFromURL returned None: corrupt, encrypted or unsupported file?)"
            )
        if not hasattr(doc, "getSheets"):
            _close_doc(doc)
            raise ProbeError(f"{path} was not opened as a spreadsheet")
        return doc


def _close_doc(doc) -> None:
    try:
        doc.close(True)
    except Exception:
        try:
            doc.dispose()
        except Exception:
            pass


# --------------------------------------------------------------------------- inspect


PAGE_PROPS = {
    "width": "Width",
    "height": "Height",
    "is_landscape": "IsLandscape",
    "scale_to_pages_x": "ScaleToPagesX",
    "scale_to_pages_y": "ScaleToPagesY",
    "scale_to_pages": "ScaleToPages",
    "page_scale": "PageScale",
    "top_margin": "TopMargin",
    "bottom_margin": "BottomMargin",
    "left_margin": "LeftMargin",
    "right_margin": "RightMargin",
    "center_horizontally": "CenterHorizontally",
    "center_vertically": "CenterVertically",
    "header_on": "HeaderIsOn",
    "footer_on": "FooterIsOn",
}

VISIBILITY = {0: "INVISIBLE", 1: "UNSORTED", 2: "SORTEDASCENDING"}


def _row_range(addr) -> str:
    return f"${addr.StartRow + 1}:${addr.EndRow + 1}"


def _col_range(addr) -> str:
    return f"${col_letters(addr.StartColumn)}:${col_letters(addr.EndColumn)}"


def _range_a1(addr) -> str:
    start = a1(addr.StartColumn, addr.StartRow)
    end = a1(addr.EndColumn, addr.EndRow)
    return start if start == end else f"{start}:{end}"


def page_info(doc, sheet) -> dict:
    style_name = sheet.getPropertyValue("PageStyle")
    style = doc.getStyleFamilies().getByName("PageStyles").getByName(style_name)
    page = {"style": style_name}
    for key, prop in PAGE_PROPS.items():
        try:
            page[key] = style.getPropertyValue(prop)
        except Exception:
            page[key] = None
    page["print_title_rows"] = _row_range(sheet.getTitleRows()) if sheet.getPrintTitleRows() else None
    page["print_title_columns"] = (
        _col_range(sheet.getTitleColumns()) if sheet.getPrintTitleColumns() else None
    )
    page["print_areas"] = [_range_a1(a) for a in sheet.getPrintAreas()]
    return page


def validation_info(obj) -> dict | None:
    """Validation of a cell or of a range with uniform attributes."""
    v = obj.getPropertyValue("Validation")
    vtype = _enum_name(v.getPropertyValue("Type"))
    show_input = bool(v.getPropertyValue("ShowInputMessage"))
    input_message = v.getPropertyValue("InputMessage")
    if vtype == "ANY" and not show_input and not input_message:
        return None  # LibreOffice hands out a default object even without validation
    show_list = v.getPropertyValue("ShowList")
    return {
        "type": vtype,
        "operator": _enum_name(v.getOperator()),
        "formula1": v.getFormula1(),
        "formula2": v.getFormula2(),
        "show_list": bool(show_list),
        "show_list_mode": VISIBILITY.get(show_list, show_list),
        "show_error": bool(v.getPropertyValue("ShowErrorMessage")),
        "error_style": _enum_name(v.getPropertyValue("ErrorAlertStyle")),
        "error_title": v.getPropertyValue("ErrorTitle"),
        "error_message": v.getPropertyValue("ErrorMessage"),
        "show_input": show_input,
        "input_title": v.getPropertyValue("InputTitle"),
        "input_message": input_message,
        "ignore_blank": bool(v.getPropertyValue("IgnoreBlankCells")),
    }


def attr_info(obj) -> dict:
    """Cell attributes (protection, validation, background) of a cell or uniform range."""
    protection, back_color = obj.getPropertyValues(("CellProtection", "CellBackColor"))
    return {
        "locked": bool(protection.IsLocked),
        "hidden_formula": bool(protection.IsFormulaHidden),
        "validation": validation_info(obj),
        "back_color": back_color,
    }


def cell_info(cell, annotation: str | None) -> dict:
    """Slow path, one cell at a time (used for notes outside the used area)."""
    return _cell_dict(cell.getString(), cell.getFormula(), _enum_name(cell.getType()), attr_info(cell), annotation)


def _cell_dict(string, formula, ctype, attrs, annotation) -> dict:
    return {
        "string": string,
        "formula": formula,
        "type": ctype,
        "locked": attrs["locked"],
        "hidden_formula": attrs["hidden_formula"],
        "validation": attrs["validation"],
        "annotation": annotation,
        "back_color": attrs["back_color"],
    }


# com.sun.star.sheet.CellFlags
CF_VALUE, CF_DATETIME, CF_STRING, CF_FORMULA = 1, 2, 4, 16


def _positions(ranges) -> list[tuple[int, int]]:
    return [
        (c, r)
        for addr in ranges.getRangeAddresses()
        for r in range(addr.StartRow, addr.EndRow + 1)
        for c in range(addr.StartColumn, addr.EndColumn + 1)
    ]


def used_cells(area, used, annotations: dict) -> dict:
    """All cells of the used area in bulk: a per-cell UNO loop costs ~5 ms/cell,
    so contents come from array getters, types from content queries and
    attributes from unique-format ranges (one read per distinct cell format)."""
    c0, r0 = used.StartColumn, used.StartRow
    formulas = area.getFormulaArray()
    data = area.getDataArray()
    types = {}
    for flags, name in ((CF_VALUE | CF_DATETIME, "VALUE"), (CF_STRING, "TEXT"), (CF_FORMULA, "FORMULA")):
        for pos in _positions(area.queryContentCells(flags)):
            types[pos] = name
    attrs = {}
    groups = area.getUniqueCellFormatRanges()
    for i in range(groups.getCount()):
        group = groups.getByIndex(i)
        info = attr_info(group.getByIndex(0))
        for pos in _positions(group):
            attrs[pos] = info
    cells = {}
    for r in range(used.StartRow, used.EndRow + 1):
        for c in range(used.StartColumn, used.EndColumn + 1):
            ctype = types.get((c, r), "EMPTY")
            value = data[r - r0][c - c0]
            if ctype == "EMPTY":
                string = ""
            elif isinstance(value, str):
                string = value
            else:  # numbers need LibreOffice's number formatting
                string = area.getCellByPosition(c - c0, r - r0).getString()
            cells[a1(c, r)] = _cell_dict(
                string, formulas[r - r0][c - c0], ctype, attrs[(c, r)], annotations.get((c, r))
            )
    return cells


def sheet_info(doc, sheet) -> dict:
    annotations = {}
    anns = sheet.getAnnotations()
    for i in range(anns.getCount()):
        ann = anns.getByIndex(i)
        pos = ann.getPosition()
        annotations[(pos.Column, pos.Row)] = ann.getString()

    cursor = sheet.createCursor()
    cursor.gotoStartOfUsedArea(False)
    cursor.gotoEndOfUsedArea(True)
    used = cursor.getRangeAddress()
    area = sheet.getCellRangeByPosition(used.StartColumn, used.StartRow, used.EndColumn, used.EndRow)
    cells = used_cells(area, used, annotations)
    # Notes may sit outside the content area; report them too.
    for c, r in sorted(annotations, key=lambda p: (p[1], p[0])):
        if a1(c, r) not in cells:
            cells[a1(c, r)] = cell_info(sheet.getCellByPosition(c, r), annotations[(c, r)])

    sheet_names = {}
    try:
        local = sheet.getPropertyValue("NamedRanges")
        for name in local.getElementNames():
            sheet_names[name] = local.getByName(name).getContent()
    except Exception:
        pass

    return {
        "name": sheet.getName(),
        "visible": bool(sheet.getPropertyValue("IsVisible")),
        "protected": bool(sheet.isProtected()),
        "used_range": _range_a1(used),
        "page": page_info(doc, sheet),
        "named_ranges": sheet_names,
        "cells": cells,
    }


def basic_modules(doc) -> dict:
    """``{library: {module: source}}`` of the document's Basic libraries (imported VBA included)."""
    libraries = doc.BasicLibraries
    result = {}
    for name in libraries.getElementNames():
        libraries.loadLibrary(name)
        library = libraries.getByName(name)
        result[name] = {module: library.getByName(module) for module in library.getElementNames()}
    return result


def evaluate(doc, formulas: list[str], password: str | None) -> list[str]:
    if doc.isProtected():
        if password is None:
            raise ProbeError("document structure is protected; pass --password to use --evaluate")
        try:
            doc.unprotect(password)
        except Exception as exc:
            raise ProbeError(f"unprotecting the document failed (wrong password?): {exc}") from exc
        if doc.isProtected():
            raise ProbeError("document is still protected after unprotect(); wrong password?")
    sheets = doc.getSheets()
    sheets.insertNewByName(SCRATCH_SHEET, sheets.getCount())
    scratch = sheets.getByName(SCRATCH_SHEET)
    cells = []
    for i, formula in enumerate(formulas):
        cell = scratch.getCellByPosition(0, i)
        cell.setFormula(formula)
        cells.append(cell)
    doc.calculateAll()
    return [cell.getString() for cell in cells]


def sheet_links(sheet) -> dict:
    """A1 → the URLs of the hyperlink fields in that cell (text cells of the used area only)."""
    cursor = sheet.createCursor()
    cursor.gotoStartOfUsedArea(False)
    cursor.gotoEndOfUsedArea(True)
    used = cursor.getRangeAddress()
    links = {}
    for r in range(used.StartRow, used.EndRow + 1):
        for c in range(used.StartColumn, used.EndColumn + 1):
            cell = sheet.getCellByPosition(c, r)
            if _enum_name(cell.getType()) != "TEXT":
                continue
            fields = cell.getTextFields().createEnumeration()
            urls = []
            while fields.hasMoreElements():
                field = fields.nextElement()
                if field.getPropertySetInfo().hasPropertyByName("URL"):
                    urls.append(field.getPropertyValue("URL"))
            if urls:
                links[a1(c, r)] = urls
    return links


def do_inspect(office: Office, args) -> dict:
    formulas = None
    if args.evaluate is not None:
        try:
            formulas = json.loads(args.evaluate)
        except json.JSONDecodeError as exc:
            raise ProbeError(f"--evaluate is not valid JSON: {exc}", 2) from exc
        if not isinstance(formulas, list) or not all(isinstance(f, str) for f in formulas):
            raise ProbeError("--evaluate must be a JSON list of formula strings", 2)

    doc = office.load(Path(args.file))
    try:
        # openpyxl writes no cached results; recalc so "string" shows LibreOffice's values.
        doc.calculateAll()
        sheets = doc.getSheets()
        result = {
            "document": {"structure_protected": bool(doc.isProtected())},
            "sheets": [sheet_info(doc, sheets.getByIndex(i)) for i in range(sheets.getCount())],
            "named_ranges": {
                name: doc.NamedRanges.getByName(name).getContent()
                for name in doc.NamedRanges.getElementNames()
            },
            "basic": basic_modules(doc),
        }
        if formulas is not None:
            result["evaluated"] = evaluate(doc, formulas, args.password)
        if args.links:
            result["links"] = {name: sheet_links(sheets.getByName(name)) for name in args.links
                               if sheets.hasByName(name)}
        return result
    finally:
        _close_doc(doc)


# --------------------------------------------------------------------------- convert


def do_convert(office: Office, args) -> dict:
    src = Path(args.file)
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    out = (outdir / f"{src.stem}.{args.to}").resolve()
    if out == src.resolve():
        raise ProbeError(f"refusing to overwrite the input file {src}", 2)
    if out.exists():
        out.unlink()
    store_as = "pdf" if args.to == "png" else args.to
    stored = office.profile / f"{src.stem}.pdf" if args.to == "png" else out
    doc = office.load(src)
    try:
        props = (_prop("FilterName", FILTERS[store_as]), _prop("Overwrite", True))
        try:
            doc.storeToURL(stored.as_uri(), props)
        except Exception as exc:
            raise ProbeError(f"storing {stored} with filter {FILTERS[store_as]!r} failed: {exc}") from exc
    finally:
        _close_doc(doc)
    if not stored.exists() or stored.stat().st_size == 0:
        raise ProbeError(f"conversion produced no output (expected non-empty {stored})")
    if args.to == "png":
        _pdf_to_png(stored, out, args.dpi)
        if not out.exists() or out.stat().st_size == 0:
            raise ProbeError(f"pdftoppm produced no output (expected non-empty {out})")
    return {"output": str(out)}


def _pdf_to_png(pdf: Path, out: Path, dpi: int) -> None:
    tool = shutil.which("pdftoppm")
    if not tool:
        raise ProbeError("png output needs pdftoppm (poppler-utils), which is not on PATH")
    cmd = [tool, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(out.with_suffix(""))]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise ProbeError(f"pdftoppm failed ({proc.returncode}): {proc.stderr.strip()}")


# --------------------------------------------------------------------------- basic


def do_basic(office: Office, args) -> dict:
    """Call Functions of a VBA module file in LibreOffice Basic, in VBA support mode.

    The named Functions are copied out of the file (``Private`` dropped) into a module of the
    application's Standard library (this run's own profile), so no document macro security is
    involved; ``--calls`` is a JSON list of ``[name, [arguments]]``; the result is ``{"results": [...]}``.
    """
    try:
        calls = json.loads(args.calls)
    except json.JSONDecodeError as exc:
        raise ProbeError(f"--calls is not valid JSON: {exc}", 2) from exc
    source = Path(args.file).read_text("utf-8").replace("\r\n", "\n")
    blocks = []
    for name in sorted({name for name, _ in calls}):
        found = re.search(rf"^(?:Private |Public )?Function {name}\(.*?^End Function", source, re.MULTILINE | re.DOTALL)
        if found is None:
            raise ProbeError(f"no Function {name} in {args.file}", 2)
        blocks.append(re.sub(r"^(?:Private|Public) ", "", found.group(0)))
    manager = office.context.ServiceManager
    libraries = manager.createInstanceWithContext("com.sun.star.script.ApplicationScriptLibraryContainer", office.context)
    libraries.loadLibrary("Standard")
    libraries.getByName("Standard").insertByName("UnoProbe", "Option VBASupport 1\n" + "\n".join(blocks) + "\n")
    factory = manager.createInstanceWithContext("com.sun.star.script.provider.MasterScriptProviderFactory", office.context)
    provider = factory.createScriptProvider("")
    results = []
    for name, arguments in calls:
        script = provider.getScript(f"vnd.sun.star.script:Standard.UnoProbe.{name}?language=Basic&location=application")
        results.append(script.invoke(tuple(arguments), (), ())[0])
    return {"results": results}


# --------------------------------------------------------------------------- main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soffice", default=shutil.which("soffice") or "soffice")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds for the whole run")
    sub = parser.add_subparsers(dest="command", required=True)

    p_inspect = sub.add_parser("inspect", help="dump sheets, cells, validation, protection as JSON")
    p_inspect.add_argument("file")
    p_inspect.add_argument("--password", default=None)
    p_inspect.add_argument("--evaluate", default=None, help="JSON list of formulas (English names, ';')")
    p_inspect.add_argument("--links", action="append", default=[], metavar="SHEET",
                           help="also report hyperlink URLs of this sheet's cells (repeatable)")

    p_convert = sub.add_parser("convert", help="store FILE in another format")
    p_convert.add_argument("file")
    p_convert.add_argument("--to", required=True, choices=TARGETS)
    p_convert.add_argument("--outdir", required=True)
    p_convert.add_argument("--dpi", type=int, default=60, help="resolution for --to png (first page)")

    p_basic = sub.add_parser("basic", help="call Functions of a VBA module file in LibreOffice Basic")
    p_basic.add_argument("file")
    p_basic.add_argument("--calls", required=True, help='JSON list of [name, [arguments]]')
    return parser.parse_args(argv)


class Interrupted(BaseException):
    """SIGTERM/SIGINT/SIGHUP: the caller gave up; kill soffice instead of a polite shutdown."""


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _on_stop_signal(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not Path(args.file).is_file():
        sys.stderr.write(f"uno_probe: no such file: {args.file}\n")
        return 2
    if not shutil.which(args.soffice):
        sys.stderr.write(f"uno_probe: soffice not found ({args.soffice})\n")
        return 4

    for sig in STOP_SIGNALS:
        signal.signal(sig, _on_stop_signal)
    try:
        office = Office(args.soffice)
    except Interrupted:
        return 5

    def on_timeout():
        # Runs in a thread: the main thread may be stuck inside a UNO call.
        sys.stderr.write(f"uno_probe: timed out after {args.timeout:.0f}s; killing soffice\n")
        tail = office.log_tail()
        if tail:
            sys.stderr.write(tail + "\n")
        sys.stderr.flush()
        office.close(kill_now=True)
        os._exit(3)

    watchdog = threading.Timer(args.timeout, on_timeout)
    watchdog.daemon = True
    kill_now = False
    try:
        watchdog.start()
        office.start()
        job = {"inspect": do_inspect, "convert": do_convert, "basic": do_basic}[args.command]
        result = job(office, args)
    except Interrupted as exc:
        kill_now = True
        sys.stderr.write(f"uno_probe: interrupted by {exc}; killing soffice\n")
        return 5
    except ProbeError as exc:
        sys.stderr.write(f"uno_probe: {exc}\n")
        return exc.code
    except Exception as exc:
        import traceback

        traceback.print_exc()
        sys.stderr.write(f"uno_probe: unexpected error: {exc!r}\n{office.log_tail()}\n")
        return 1
    finally:
        # No second signal may interrupt the cleanup half-way.
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        watchdog.cancel()
        office.close(kill_now=kill_now)

    sys.stdout.reconfigure(encoding="utf-8")
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
