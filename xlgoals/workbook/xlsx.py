"""Writing a new workbook: XlsxWriter with safe options, cached formats and one way to put a value.

XlsxWriter streams a workbook far faster than openpyxl builds one in memory, which is what lets a
merge write thousands of form sheets in seconds. It cannot protect a workbook's structure, so
:class:`_Workbook` adds the ``<workbookProtection>`` element Excel reads.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import xlsxwriter
from xlsxwriter.exceptions import DuplicateWorksheetName
from xlsxwriter.packager import Packager
from xlsxwriter.url import UrlTypes
from openpyxl.utils.protection import hash_password
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_cell_to_rowcol, xl_range
from xlsxwriter.worksheet import Worksheet

from ..outputs import signals_held
from . import styles
from .cells import typed
from .marks import MARK_AUTHOR, Note, sheet_reference

if TYPE_CHECKING:
    from .sheets import Chart, Sheet

PARALLEL_MIN_SHEETS = 40  # fewer sheets close faster than processes start
# Never turn a string into a formula, number or link: submitted text stays text.
_SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
                 "nan_inf_to_errors": True}
# A workbook of more sheets than this streams its sheets to disk row by row as they are drawn
# (XlsxWriter's constant_memory), so memory stays bounded (about 0.3 MB a form sheet otherwise);
# smaller ones keep their cells in memory and have their XML assembled in parallel on close,
# which is faster. A sheet filled out of row order always stays in memory (see Book.sheet).
STREAM_ABOVE_SHEETS = 2400


class _ParallelPackager(Packager):
    """XlsxWriter's packager, with the worksheets' XML assembled in forked processes.

    Assembling each sheet's XML is most of the time a filing of thousands of sheets takes to
    close, and the sheets are independent: each process writes its share of the part files that
    the zip step then reads. Where ``fork`` is missing (Windows), or a sheet has an external link
    (whose relationship is numbered while its XML is assembled), it assembles them in turn.

    The workers write into the output's scratch folder, so whatever stops the parent (an error, a
    full disk, Ctrl-C or SIGTERM to it alone) first stops them and waits for them: only then may the
    folder be removed. A worker whose parent was killed outright stops at its next sheet.
    """

    def _write_worksheet_files(self) -> None:
        sheets = [ws for ws in self.workbook.worksheets() if not ws.is_chartsheet]
        parts = [(ws, self._filename(f"xl/worksheets/sheet{n}.xml")) for n, ws in enumerate(sheets, start=1)]
        workers = _workers(len(parts))
        if workers == 1 or self.in_memory or any(_external_links(ws) for ws in sheets):
            _assemble(parts)
            return
        children: list[int] = []
        try:
            parent = os.getpid()
            for share in range(1, workers):
                children.append(_fork(lambda share=share: _assemble(parts[share::workers], parent)))
            _assemble(parts[0::workers])
            failures = []
            while children:
                failures.append(_exit_code(os.waitpid(children[0], 0)[1]))
                children.pop(0)
        except BaseException:
            _stop(children)
            raise
        failure = next((code for code in failures if code), 0)
        if failure > 1:  # a worker's OSError: its errno (a full disk, say) tells the user what happened
            raise OSError(failure, os.strerror(failure))
        if failure:
            raise OSError("a worksheet could not be assembled")


def _fork(work: Callable[[], None]) -> int:
    """Run ``work`` in a forked process; its exit code is 0, the errno of an OSError, or 1.

    Signals are held across the fork, so the child is inside its own handler before one arrives
    (never unwinding through the parent's frames).
    """
    with signals_held() as held:
        pid = os.fork()
        if pid == 0:  # pragma: no cover  (the child's coverage is not collected)
            code = 1
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                work()
                code = 0
            except OSError as error:
                code = error.errno if isinstance(error.errno, int) and 1 < error.errno < 256 else 1
            except BaseException:
                code = 1
            finally:
                os._exit(code)
    return pid


def _stop(children: list[int]) -> None:
    """Kill the workers and wait for them (reaped: none keeps writing into the scratch folder)."""
    with signals_held():
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _exit_code(status: int) -> int:
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1


def _workers(parts: int) -> int:
    if not hasattr(os, "fork") or parts < PARALLEL_MIN_SHEETS:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _external_links(ws: Worksheet) -> bool:
    return any(url._link_type in (UrlTypes.URL, UrlTypes.EXTERNAL)
               for row in ws.hyperlinks.values() for url in row.values())


def _assemble(parts: list[tuple[Worksheet, str]], parent: int | None = None) -> None:
    """Write each sheet's XML part; a worker (``parent`` given) stops once its parent has gone."""
    for ws, target in parts:
        if parent is not None and os.getppid() != parent:
            raise OSError("the writing process has ended")
        if ws.constant_memory:  # its rows are on disk: add the last one, then copy them in
            ws._opt_reopen()
            ws._write_single_row()
        ws._set_xml_writer(target)
        ws._assemble_xml_file()


class _Workbook(xlsxwriter.Workbook):
    """XlsxWriter's workbook plus structure protection (sheets cannot be added, removed or renamed)."""

    structure_password: str | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._taken: set[str] = set()

    def _get_packager(self) -> Packager:
        return _ParallelPackager()

    def _check_sheetname(self, sheetname, is_chartsheet=False):
        """XlsxWriter's checks, the uniqueness one against a set: its own compares with every sheet so far."""
        sheets, self.worksheets_objs = self.worksheets_objs, []
        try:
            name = super()._check_sheetname(sheetname, is_chartsheet)
        finally:
            self.worksheets_objs = sheets
        if name.lower() in self._taken:
            raise DuplicateWorksheetName(f"Sheetname '{name}', with case ignored, is already in use.")
        self._taken.add(name.lower())
        return name

    def _write_workbook_pr(self) -> None:
        super()._write_workbook_pr()
        if self.structure_password is not None:
            attributes = [("workbookPassword", hash_password(self.structure_password))] if self.structure_password else []
            self._xml_empty_tag("workbookProtection", [*attributes, ("lockStructure", 1)])


class Book:
    """A workbook being written: formats made once per look, notes placed as their cells are written."""

    def __init__(self, target: str | Path | IO[bytes], *, password: str, streaming: bool = False,
                 scratch: str | Path | None = None,
                 notes: Mapping[tuple[str, str], Note] | None = None):
        self.streaming = streaming
        options = _SAFE_OPTIONS | {"constant_memory": streaming}
        if scratch is not None:  # where XlsxWriter keeps its part files until it zips them
            options["tmpdir"] = str(scratch)
        self.workbook = _Workbook(str(target) if isinstance(target, Path) else target, options)
        self.workbook.structure_password = password
        self.password = password
        self._formats: dict[tuple[str, str | None], Format] = {}
        self._notes: dict[str, dict[str, Note]] = {}  # sheet → cell → the note waiting for it
        for (sheet, ref), note in (notes or {}).items():
            self._notes.setdefault(sheet, {})[ref] = note

    def format(self, role: str | None, fill: str | None = None) -> Format | None:
        if role is None and fill is None:
            return None
        key = (role, fill)
        cached = self._formats.get(key)
        if cached is None:
            props = styles.look(role) if role else {}
            if fill:
                props = props | {"pattern": 1, "bg_color": f"#{fill}"}
            cached = self._formats[key] = self.workbook.add_format(props)
            cached._get_xf_index()  # numbered now, not while sheets are assembled (maybe in parallel)
        return cached

    def sheet(self, title: str, *, rows_in_order: bool = True) -> Worksheet:
        """A new sheet, last. When streaming, one drawn ``rows_in_order`` goes to disk row by row (no
        row may be written after a later one); its file stays closed until :meth:`drawing` opens it."""
        self.workbook.constant_memory = self.streaming and rows_in_order
        try:
            ws = self.workbook.add_worksheet(title)
        finally:
            self.workbook.constant_memory = self.streaming
        if ws.constant_memory:
            ws._opt_close()  # thousands of sheets must not hold thousands of open files
        else:
            ws.row_data_fh_closed = True  # no row file: nothing for the workbook's close to close
        return ws

    @contextmanager
    def drawing(self, ws: Worksheet) -> Iterator[Worksheet]:
        """Open a sheet's row file for drawing it, and close it after."""
        if ws.constant_memory:
            ws._opt_reopen()
        try:
            yield ws
        finally:
            if ws.constant_memory:
                ws._opt_close()
            ws.merged_cells.clear()  # kept by XlsxWriter only to refuse overlapping ranges while drawing
            ws.table_cells.clear()

    def table(self, ws: Worksheet, last_row: int, headers: tuple[str, ...], options: dict[str, Any]) -> None:
        """An Excel table (with filters) from A1 over ``headers`` and ``last_row`` rows (0-based).

        XlsxWriter refuses tables on a sheet written row by row, because a table may write cells
        anywhere; this one writes only its header row, first, and the rows follow in order.
        """
        streaming = ws.constant_memory
        ws.constant_memory = False
        try:
            ws.add_table(0, 0, last_row, len(headers) - 1, options | {"columns": [{"header": h} for h in headers]})
        finally:
            ws.constant_memory = streaming
        for column, header in enumerate(headers):
            self.put_at(ws, 0, column, header)  # the header row as this sheet stores its cells

    def put(self, ws: Worksheet, ref: str, value: object, role: str | None = None, fill: str | None = None) -> None:
        """Write a value at ``ref``; a note waiting for this cell is placed, and its fill wins."""
        row, col = xl_cell_to_rowcol(ref)
        waiting = self._notes.get(ws.name)
        note = waiting.pop(ref, None) if waiting else None
        if note is not None:
            ws.write_comment(row, col, note.text, _note_options(note.text))
            fill = note.fill or fill
        self.put_at(ws, row, col, value, role, fill)

    def put_at(self, ws: Worksheet, row: int, col: int, value: object, role: str | None = None,
               fill: str | None = None) -> None:
        """Write a value as :func:`.cells.typed` says; ``row`` and ``col`` count from 0."""
        fmt = self.format(role, fill)
        kind, value = typed(value)
        if kind == "text":
            ws.write_string(row, col, value, fmt)
        elif kind == "number":
            ws.write_number(row, col, value, fmt)
        elif kind == "date":
            if "num_format" not in styles.look(role or "value"):
                fmt = self.format("date", fill)
            ws.write_datetime(row, col, value, fmt)
        else:
            ws.write_blank(row, col, None, fmt)

    def span(self, ws: Worksheet, cell_range: str, value: object, role: str) -> None:
        """A value in a (merged, when wider than one cell) range that all has the role's look."""
        first, _, last = cell_range.partition(":")
        if last and last != first:
            (r1, c1), (r2, c2) = xl_cell_to_rowcol(first), xl_cell_to_rowcol(last)
            ws.merge_range(r1, c1, r2, c2, "", self.format(role))
        self.put(ws, first, value, role)

    def formula(self, ws: Worksheet, ref: str, formula: str, role: str, value: object) -> None:
        """A formula of the toolkit's own making (never from submitted text), stored with its computed
        ``value``: LibreOffice, WPS, previews and pandas show that value without recalculating."""
        row, col = xl_cell_to_rowcol(ref)
        if isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        ws.write_formula(row, col, formula, self.format(role), value)

    def link(self, ws: Worksheet, ref: str, sheet: str, cell: str, text: object, role: str = "link") -> None:
        """A link to a cell of this workbook."""
        row, col = xl_cell_to_rowcol(ref)
        if ws.hlink_count < 65530:  # Excel's limit of links per sheet; past it the text stays, unlinked
            ws.write_url(row, col, f"internal:{sheet_reference(sheet, cell)}", self.format(role), string=str(text))
        else:
            self.put(ws, ref, text, "cell")

    def draw(self, ws: Worksheet, sheet: Sheet) -> None:
        """Draw a declared sheet (:mod:`.sheets`): heights first, then cells in row order, then the rest."""
        for column, width in enumerate(sheet.widths):
            ws.set_column(column, column, width)
        for row, height in sheet.heights.items():
            ws.set_row(row - 1, height)
        for cell in sorted(sheet.cells, key=lambda cell: cell.row):
            ref = cell.ref
            if cell.to is not None and cell.to != (cell.row, cell.column):
                ws.merge_range(cell.row - 1, cell.column - 1, cell.to[0] - 1, cell.to[1] - 1, "", self.format(cell.role))
            if cell.link is not None:
                self.link(ws, ref, *cell.link, cell.value, cell.role or "link")
            elif cell.formula is not None:
                self.formula(ws, ref, cell.formula, cell.role, cell.value)
            else:
                self.put(ws, ref, cell.value, cell.role, cell.fill)
        rows = sheet.rows
        if rows is not None:
            if rows.table is not None:
                self.table(ws, rows.first_row - 2 + len(rows.values), rows.headers,
                           {"name": rows.table, "style": "Table Style Light 9"})
            elif rows.headers:
                for column, header in enumerate(rows.headers):
                    self.put_at(ws, rows.first_row - 2, column, header)
            for row, values in enumerate(rows.values, start=rows.first_row - 1):
                for column, value in enumerate(values):
                    self.put_at(ws, row, column, value, rows.role)
        if sheet.chart is not None:
            _chart(self.workbook, ws, sheet.chart)
        if sheet.image is not None:
            anchor, path, scale = sheet.image
            ws.insert_image(anchor, path, {"x_scale": scale, "y_scale": scale})
        if sheet.freeze:
            ws.freeze_panes(sheet.freeze, 0)
        if sheet.hidden:
            ws.hide()
        for name, ref in sheet.names.items():
            self.workbook.define_name(name, ref)
        if not sheet.hidden and sheet.print_rows > 0:  # 0: the application's own print setup
            page_setup(ws, sheet.print_rows, sheet.print_columns, landscape=sheet.landscape, title_rows=sheet.title_rows)
        self.leftover_notes(ws)
        self.protect(ws, filters=sheet.filters)

    def leftover_notes(self, ws: Worksheet) -> None:
        """Notes for cells of ``ws`` that were never written: placed as notes alone."""
        for ref, note in self._notes.pop(ws.name, {}).items():
            row, col = xl_cell_to_rowcol(ref)
            ws.write_comment(row, col, note.text, _note_options(note.text))

    def protect(self, ws: Worksheet, *, filters: bool = False) -> None:
        """Lock the sheet; users may still select cells and adjust row heights for long texts."""
        ws.protect(self.password, {"format_rows": True, "autofilter": filters, "sort": filters})

    def close(self) -> None:
        self.workbook.close()


def _chart(workbook: xlsxwriter.Workbook, ws: Worksheet, chart: Chart) -> None:
    """A native column chart over the sheet's own cells."""
    drawn = workbook.add_chart({"type": "column"})
    for column in chart.columns:
        drawn.add_series({"name": [ws.name, 1, column - 1],
                          "categories": [ws.name, chart.first - 1, chart.names - 1, chart.last - 1, chart.names - 1],
                          "values": [ws.name, chart.first - 1, column - 1, chart.last - 1, column - 1]})
    drawn.set_title({"name": chart.title})
    drawn.set_y_axis({"name": chart.axis, "num_format": "#,##0", "name_font": {"rotation": 0}})
    drawn.set_size({"width": 980, "height": 340})
    ws.insert_chart(chart.anchor, drawn)


def _note_options(text: str) -> dict[str, Any]:
    lines = text.count("\n") + 1
    return {"author": MARK_AUTHOR, "width": 320, "height": min(60 + 40 * lines, 400)}


def page_setup(ws: Worksheet, last_row: int, last_col: int, *, landscape: bool = False,
               title_rows: tuple[int, int] | None = (1, 2), breaks: Sequence[int] = ()) -> None:
    """A4, fitted to one page wide, centred, with the sheet name and page numbers in the footer;
    ``breaks`` are the rows that start a new page."""
    ws.set_paper(9)
    ws.set_landscape() if landscape else ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(**styles.PRINT_MARGINS)
    ws.set_header("", {"margin": styles.PRINT_HEADER_MARGIN})
    ws.set_footer(styles.PRINT_FOOTER, {"margin": styles.PRINT_HEADER_MARGIN})
    ws.center_horizontally()
    if title_rows:
        ws.repeat_rows(title_rows[0] - 1, title_rows[1] - 1)
    if breaks:
        ws.set_h_pagebreaks([row - 1 for row in breaks])
    ws.print_area(xl_range(0, 0, max(last_row, 1) - 1, last_col - 1))
    ws.hide_gridlines(2)
