"""An in-memory stand-in for the part of xlwings' Book/Sheet/Range surface the add-in uses.

There is no Excel here, so the ribbon's entry points (:mod:`xlgoals.excel`) run against this.
It behaves like Excel where that matters to the add-in: a protected sheet refuses to change a
locked cell, a fill or a note; a workbook with a protected structure refuses to add, copy or
delete sheets; numbers come back as floats and dates as datetimes. Every property access and
method call that would cross to Excel is counted in :attr:`Book.calls`, so tests can hold the
add-in to few round trips. ``test_excel.py`` checks that each member offered here exists, with
the same signature, on the real xlwings classes, so the stand-in cannot drift from xlwings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.protection import hash_password

_CELL = re.compile(r"^\$?([A-Z]+)\$?(\d+)$")
_MAX_ROW = 1_048_576
_MAX_COLUMN = 16_384


class ExcelError(Exception):
    """What Excel raises over COM when an action is refused (protection, bad address)."""


def _rc(ref: str) -> tuple[int, int]:
    match = _CELL.match(ref.upper())
    if not match:
        raise ExcelError(f"bad address {ref!r}")
    column = 0
    for char in match.group(1):
        column = column * 26 + ord(char) - 64
    return int(match.group(2)), column


def _areas(address: str) -> list[tuple[int, int, int, int]]:
    """'A1:B2,C3' → [(row1, col1, row2, col2), ...]."""
    areas = []
    for part in address.replace("$", "").split(","):
        first, _, last = part.strip().partition(":")
        if first.isdigit() and last.isdigit():  # whole rows, as in "5:5"
            areas.append((int(first), 1, int(last), _MAX_COLUMN))
            continue
        if first.isalpha() and last.isalpha():  # whole columns, as in "A:A"
            areas.append((1, _rc(f"{first}1")[1], _MAX_ROW, _rc(f"{last}1")[1]))
            continue
        (r1, c1), (r2, c2) = _rc(first), _rc(last or first)
        areas.append((r1, c1, r2, c2))
    return areas


class App:
    def __init__(self, book: Book):
        self._book = book
        self.alerts: list[tuple[str, str | None]] = []
        self._screen_updating = True

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None,
              callback: str | None = None) -> str | None:
        self.alerts.append((prompt, title))
        return "ok"

    @property
    def screen_updating(self) -> bool:
        return self._screen_updating

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self._screen_updating = value


class _Protection:
    """The Allow* flags of a protected sheet (COM: Worksheet.Protection); ``FILE`` maps each to the
    OOXML attribute that forbids it (openpyxl's SheetProtection)."""

    FILE = {"AllowFormattingRows": "formatRows", "AllowFormattingColumns": "formatColumns",
            "AllowFormattingCells": "formatCells", "AllowInsertingRows": "insertRows",
            "AllowDeletingRows": "deleteRows", "AllowSorting": "sort", "AllowFiltering": "autoFilter"}

    def __init__(self):
        self.AllowFormattingRows = False
        self.AllowFormattingColumns = False
        self.AllowFormattingCells = False
        self.AllowInsertingRows = False
        self.AllowDeletingRows = False
        self.AllowSorting = False
        self.AllowFiltering = False


class _SheetApi:
    """The COM calls the add-in makes on a worksheet: protection only."""

    def __init__(self, sheet: Sheet, password_hash: str | None):
        self._sheet = sheet
        self._hash = password_hash
        self.ProtectContents = password_hash is not None
        self.Protection = _Protection()

    def Unprotect(self, Password: str = "") -> None:  # noqa: N802, N803  (COM names)
        self._sheet.book.calls["Sheet.api.Unprotect"] += 1
        if self.ProtectContents and self._hash and hash_password(Password) != self._hash:
            raise ExcelError("The password you supplied is not correct.")
        self.ProtectContents = False

    def Protect(self, Password: str = "", **allow: bool) -> None:  # noqa: N802, N803
        self._sheet.book.calls["Sheet.api.Protect"] += 1
        self._hash = hash_password(Password) if Password else ""
        self.ProtectContents = True
        self.Protection = _Protection()  # as Excel: an option not passed is not allowed
        for name, value in allow.items():
            if not hasattr(self.Protection, name):
                raise ExcelError(f"unknown protection option {name}")
            setattr(self.Protection, name, value)


class _BookApi:
    def __init__(self, book: Book, password_hash: str | None):
        self._book = book
        self._hash = password_hash
        self.ProtectStructure = password_hash is not None

    def Unprotect(self, Password: str = "") -> None:  # noqa: N802, N803
        self._book.calls["Book.api.Unprotect"] += 1
        if self.ProtectStructure and self._hash and hash_password(Password) != self._hash:
            raise ExcelError("The password you supplied is not correct.")
        self.ProtectStructure = False

    def Protect(self, Password: str = "", Structure: bool = True, Windows: bool = False) -> None:  # noqa: N802, N803
        self._book.calls["Book.api.Protect"] += 1
        self._hash = hash_password(Password) if Password else ""
        self.ProtectStructure = Structure


class Book:
    """A workbook held in memory: values, fills, notes, lock flags and protection of each sheet."""

    def __init__(self, fullname: str = "Book1.xlsx"):
        self._fullname = fullname
        self._sheets: list[Sheet] = []
        self._app = App(self)
        self.calls: Counter[str] = Counter()
        self._api = _BookApi(self, None)
        self._active: Sheet | None = None

    @classmethod
    def from_file(cls, path: str | Path) -> Book:
        """What Excel shows after opening ``path``: the values, looks, notes and protection it holds."""
        workbook = openpyxl.load_workbook(path)
        shown = openpyxl.load_workbook(path, data_only=True)  # Excel shows a formula's value
        book = cls(str(Path(path).resolve()))
        security = workbook.security
        if security is not None and security.lockStructure:
            book._api = _BookApi(book, security.workbookPassword or "")
        for ws in workbook.worksheets:
            sheet = Sheet(book, ws.title, ws.protection.password or "" if ws.protection.sheet else None)
            sheet._hidden = ws.sheet_state != "visible"
            if ws.protection.sheet:
                for name, attribute in _Protection.FILE.items():
                    setattr(sheet._api.Protection, name, not getattr(ws.protection, attribute))
            values = shown[ws.title]._cells
            for key, cell in ws._cells.items():  # the cells the file holds, however far apart
                if cell.data_type == "f":
                    sheet._formulas[key] = str(cell.value)
                value = values[key] if key in values else None
                if value is not None and value.value is not None and value.data_type != "e":
                    sheet._values[key] = _as_excel_value(value.value)  # errors come back as None
                if cell.fill is not None and cell.fill.fill_type == "solid":
                    sheet._fills[key] = str(cell.fill.fgColor.rgb)[-6:].upper()
                if cell.comment is not None:
                    sheet._notes[key] = _NoteImpl(sheet, key, cell.comment.text, cell.comment.author or "")
                if cell.has_style and not cell.protection.locked:
                    sheet._unlocked.add(key)
            for merged in ws.merged_cells.ranges:
                sheet._merged.append(merged.bounds)
            book._sheets.append(sheet)
        book._active = book._sheets[workbook.index(workbook.active)] if book._sheets else None
        book.calls.clear()
        return book

    # -- xlwings surface
    @property
    def sheets(self) -> Sheets:
        self.calls["Book.sheets"] += 1
        return Sheets(self)

    @property
    def app(self) -> App:
        return self._app

    @property
    def name(self) -> str:
        return Path(self._fullname).name

    @property
    def fullname(self) -> str:
        return self._fullname

    @property
    def api(self) -> _BookApi:
        return self._api

    def _check_structure(self) -> None:
        if self._api.ProtectStructure:
            raise ExcelError("The workbook is protected and cannot be changed.")

    def _insert(self, sheet: Sheet, before: Sheet | None, after: Sheet | None) -> None:
        sheets = self._sheets
        index = (sheets.index(before) if before is not None else sheets.index(after) + 1 if after is not None
                 else len(sheets))
        sheets.insert(index, sheet)
        self._active = sheet

    # -- for tests
    def sheet(self, name: str) -> Sheet:
        return next(sheet for sheet in self._sheets if sheet._name == name)

    def round_trips(self) -> int:
        return sum(self.calls.values())


class Sheets:
    def __init__(self, book: Book):
        self._book = book

    def __iter__(self):
        return iter(list(self._book._sheets))

    def __len__(self) -> int:
        return len(self._book._sheets)

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return self._book._sheets[key]
        for sheet in self._book._sheets:
            if sheet._name.lower() == key.lower():
                return sheet
        raise KeyError(key)

    @property
    def active(self) -> Sheet:
        return self._book._active

    def add(self, name: str | None = None, before: Sheet | None = None, after: Sheet | None = None) -> Sheet:
        self._book.calls["Sheets.add"] += 1
        self._book._check_structure()
        name = name or f"Sheet{len(self._book._sheets) + 1}"
        if any(sheet._name.lower() == name.lower() for sheet in self._book._sheets):
            raise ExcelError(f"sheet {name!r} exists")
        sheet = Sheet(self._book, name, None)
        self._book._insert(sheet, before, after)
        return sheet


class Sheet:
    def __init__(self, book: Book, name: str, password_hash: str | None):
        self._book = book
        self._name = name
        self._values: dict[tuple[int, int], Any] = {}
        self._formulas: dict[tuple[int, int], str] = {}
        self._fills: dict[tuple[int, int], str] = {}
        self._notes: dict[tuple[int, int], _NoteImpl] = {}
        self._unlocked: set[tuple[int, int]] = set()
        self._merged: list[tuple[int, int, int, int]] = []  # (min_col, min_row, max_col, max_row)
        self._heights: dict[int, float] = {}
        self._merged_index: tuple[int, dict] = (0, {})
        self._widths: dict[int, float] = {}
        self._hidden = False
        self._api = _SheetApi(self, password_hash)

    @property
    def name(self) -> str:
        return self._name

    @property
    def book(self) -> Book:
        return self._book

    @property
    def index(self) -> int:
        return self._book._sheets.index(self) + 1

    @property
    def api(self) -> _SheetApi:
        return self._api

    @property
    def used_range(self) -> Range:
        self._book.calls["Sheet.used_range"] += 1
        keys = set(self._values) | set(self._formulas) | set(self._fills) | set(self._unlocked)
        last_row = max((r for r, _ in keys), default=1)
        last_col = max((c for _, c in keys), default=1)
        return Range(self, [(1, 1, last_row, last_col)])

    @property
    def notes(self) -> list[Note]:
        self._book.calls["Sheet.notes"] += 1
        return [Note(impl) for impl in self._notes.values()]

    def range(self, cell1: str | tuple[int, int] | Range, cell2: str | tuple[int, int] | Range | None = None) -> Range:
        if isinstance(cell1, tuple):
            first = cell1
            last = cell2 if isinstance(cell2, tuple) else first
            return Range(self, [(first[0], first[1], last[0], last[1])])
        if cell2 is not None:
            raise ExcelError("the stand-in takes a tuple pair or one address")
        return Range(self, _areas(str(cell1)))

    def copy(self, before: Sheet | None = None, after: Sheet | None = None, name: str | None = None) -> Sheet:
        self._book.calls["Sheet.copy"] += 1
        self._book._check_structure()
        copy = Sheet(self._book, name or f"{self._name} (2)", None)
        for attribute in ("_values", "_formulas", "_fills", "_widths"):
            setattr(copy, attribute, dict(getattr(self, attribute)))
        copy._notes = {key: _NoteImpl(copy, key, note.text, note.author) for key, note in self._notes.items()}
        copy._unlocked, copy._merged = set(self._unlocked), list(self._merged)
        copy._api = _SheetApi(copy, self._api._hash if self._api.ProtectContents else None)
        copy._api.Protection.__dict__.update(self._api.Protection.__dict__)
        self._book._insert(copy, before, after)
        return copy

    def delete(self) -> None:
        self._book.calls["Sheet.delete"] += 1
        self._book._check_structure()
        self._book._sheets.remove(self)

    def activate(self) -> None:
        self._book.calls["Sheet.activate"] += 1
        self._book._active = self

    # -- used by Range
    def _check_change(self, cells, what: str) -> None:
        if not self._api.ProtectContents:
            return
        if what != "value" and not self._api.Protection.AllowFormattingCells:
            raise ExcelError(f"{self._name}: a protected sheet's {what} cannot be changed")
        locked = [key for key in cells if key not in self._unlocked]
        if locked:
            raise ExcelError(f"{self._name}!{get_column_letter(locked[0][1])}{locked[0][0]} is locked")

    def _merged_with(self, key: tuple[int, int]) -> tuple[int, int, int, int] | None:
        if self._merged_index[0] != len(self._merged):  # merged ranges are only ever added
            index = {(row, col): bounds for bounds in self._merged
                     for row in range(bounds[1], bounds[3] + 1) for col in range(bounds[0], bounds[2] + 1)}
            self._merged_index = (len(self._merged), index)
        return self._merged_index[1].get(key)


class _NoteImpl:
    def __init__(self, sheet: Sheet, key: tuple[int, int], text: str, author: str):
        self.sheet, self.key, self.text, self.author = sheet, key, text, author


class Note:
    def __init__(self, impl: _NoteImpl):
        self._impl = impl

    @property
    def text(self) -> str:
        return self._impl.text

    @text.setter
    def text(self, value: str) -> None:
        self._impl.sheet._book.calls["Note.text"] += 1
        self._impl.text = value

    @property
    def author(self) -> str:
        return self._impl.author

    @property
    def location(self) -> Range:
        row, column = self._impl.key
        return Range(self._impl.sheet, [(row, column, row, column)])

    def delete(self) -> None:
        sheet = self._impl.sheet
        sheet._book.calls["Note.delete"] += 1
        sheet._check_change([], "note")
        sheet._notes.pop(self._impl.key, None)


class Range:
    def __init__(self, sheet: Sheet, areas: list[tuple[int, int, int, int]], ndim: int | None = None):
        self._sheet = sheet
        self._areas = areas
        self._ndim = ndim

    def _cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r1, c1, r2, c2 in self._areas for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]

    def _count(self, what: str) -> None:
        self._sheet._book.calls[f"Range.{what}"] += 1

    @property
    def sheet(self) -> Sheet:
        return self._sheet

    @property
    def row(self) -> int:
        return self._areas[0][0]

    @property
    def column(self) -> int:
        return self._areas[0][1]

    @property
    def last_cell(self) -> Range:
        r1, c1, r2, c2 = self._areas[0]
        return Range(self._sheet, [(r2, c2, r2, c2)])

    @property
    def address(self) -> str:
        return ",".join(f"${get_column_letter(c1)}${r1}" + (f":${get_column_letter(c2)}${r2}" if (r1, c1) != (r2, c2) else "")
                        for r1, c1, r2, c2 in self._areas)

    def options(self, convert: Any = None, **options: Any) -> Range:
        return Range(self._sheet, self._areas, options.get("ndim"))

    @property
    def value(self) -> Any:
        self._count("value")
        r1, c1, r2, c2 = self._areas[0]
        grid = [[self._sheet._values.get((r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        if self._ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        return grid[0] if len(grid) == 1 else [row[0] for row in grid] if c1 == c2 else grid

    @value.setter
    def value(self, data: Any) -> None:
        self._count("value=")
        r1, c1, _, _ = self._areas[0]
        rows = data if isinstance(data, list) and data and isinstance(data[0], list) else [
            data if isinstance(data, list) else [data]]
        cells = {(r1 + i, c1 + j): value for i, row in enumerate(rows) for j, value in enumerate(row)}
        self._sheet._check_change(cells, "value")
        for key, value in cells.items():
            merged = self._sheet._merged_with(key)
            if merged is not None and (merged[1], merged[0]) != key and value is not None:
                raise ExcelError("Cannot change part of a merged cell.")
            self._sheet._formulas.pop(key, None)
            if value is None or value == "":
                self._sheet._values.pop(key, None)
            else:
                self._sheet._values[key] = _as_excel_value(value)

    @property
    def formula(self) -> Any:
        self._count("formula")
        return [[self._sheet._formulas.get(key, self._sheet._values.get(key)) for key in self._cells()]]

    @formula.setter
    def formula(self, data: Any) -> None:
        self._count("formula=")
        r1, c1, _, _ = self._areas[0]
        rows = data if isinstance(data, list) and isinstance(data[0], list) else [[data]]
        cells = {(r1 + i, c1 + j): value for i, row in enumerate(rows) for j, value in enumerate(row)}
        self._sheet._check_change(cells, "value")
        for key, value in cells.items():
            if isinstance(value, str) and value.startswith("="):
                self._sheet._formulas[key] = value
                self._sheet._values.pop(key, None)
            else:
                self._sheet._values[key] = value

    @property
    def color(self) -> tuple[int, int, int] | None:
        self._count("color")
        fill = self._sheet._fills.get(self._cells()[0])
        return None if fill is None else (int(fill[:2], 16), int(fill[2:4], 16), int(fill[4:], 16))

    @color.setter
    def color(self, value: tuple[int, int, int] | str | None) -> None:
        self._count("color=")
        self._sheet._check_change([], "fill")
        if isinstance(value, tuple):
            value = "".join(f"{part:02X}" for part in value)
        elif isinstance(value, str):
            value = value.lstrip("#").upper()
        for key in self._cells():
            if value is None:
                self._sheet._fills.pop(key, None)
            else:
                self._sheet._fills[key] = value

    @property
    def note(self) -> Note | None:
        self._count("note")
        impl = self._sheet._notes.get(self._cells()[0])
        return Note(impl) if impl else None

    def add_note(self, text: str) -> Note:
        self._count("add_note")
        if len(self._cells()) != 1:
            raise ValueError("A note can only be added to a single cell")
        key = self._cells()[0]
        if key in self._sheet._notes:
            raise ValueError("This cell already has a note")
        self._sheet._check_change([], "note")
        impl = self._sheet._notes[key] = _NoteImpl(self._sheet, key, text, "Excel user")
        return Note(impl)

    def clear_contents(self) -> None:
        self._count("clear_contents")
        cells = set(self._cells())
        self._sheet._check_change(cells, "value")
        for key in cells:
            merged = self._sheet._merged_with(key)
            if merged is not None:
                min_col, min_row, max_col, max_row = merged
                if not all((r, c) in cells for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)):
                    raise ExcelError("We can't do that to a merged cell.")
            self._sheet._values.pop(key, None)
            self._sheet._formulas.pop(key, None)

    @property
    def column_width(self) -> float:
        return self._sheet._widths.get(self._areas[0][1], 8.43)

    @column_width.setter
    def column_width(self, value: float) -> None:
        self._count("column_width=")
        for _, c1, _, c2 in self._areas:
            for column in range(c1, c2 + 1):
                self._sheet._widths[column] = value

    @property
    def row_height(self) -> float:
        return self._sheet._heights.get(self._areas[0][0], 15.0)

    @row_height.setter
    def row_height(self, value: float) -> None:
        self._count("row_height=")
        if self._sheet._api.ProtectContents and not self._sheet._api.Protection.AllowFormattingRows:
            raise ExcelError(f"{self._sheet._name}: a protected sheet's row heights cannot be changed")
        for r1, _, r2, _ in self._areas:
            for row in range(r1, r2 + 1):
                self._sheet._heights[row] = value

    @property
    def merge_area(self) -> Range:
        row, column = self._areas[0][:2]
        merged = self._sheet._merged_with((row, column))
        if merged is None:
            return Range(self._sheet, [(row, column, row, column)])
        min_col, min_row, max_col, max_row = merged
        return Range(self._sheet, [(min_row, min_col, max_row, max_col)])

    def merge(self, across: bool = False) -> None:
        self._count("merge")
        self._sheet._check_change(self._cells(), "format")
        for r1, c1, r2, c2 in self._areas:
            rows = [(r, r) for r in range(r1, r2 + 1)] if across else [(r1, r2)]
            for first, last in rows:
                self._sheet._merged.append((c1, first, c2, last))

    # -- for tests
    def fill_hex(self) -> str | None:
        return self._sheet._fills.get(self._cells()[0])


def _as_excel_value(value: Any) -> Any:
    """What xlwings hands back for a value Excel holds: numbers as floats, dates as datetimes."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def cell_of(key: tuple[int, int]) -> str:
    return f"{get_column_letter(key[1])}{key[0]}"


# Members that exist for tests only; everything else must match xlwings (see test_excel.py).
TEST_ONLY = {"from_file", "sheet", "round_trips", "calls", "alerts", "fill_hex"}

__all__ = ["TEST_ONLY", "App", "Book", "ExcelError", "Note", "Range", "Sheet", "Sheets", "cell_of"]
