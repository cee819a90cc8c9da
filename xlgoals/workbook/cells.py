"""How a model value goes into a cell, for every writer (XlsxWriter, openpyxl, xlwings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from openpyxl.worksheet.worksheet import Worksheet

EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number
CellKind = Literal["number", "text", "date", "blank"]


def typed(value: object) -> tuple[CellKind, object]:
    """Numbers and dates typed, booleans as 是/否, anything else as text (never a formula).

    An amount with more digits than Excel keeps is text, so it reads back exact.
    """
    if value is None:
        return "blank", None
    if isinstance(value, bool):
        return "text", "是" if value else "否"
    if isinstance(value, Decimal):
        if len(value.normalize().as_tuple().digits) <= EXCEL_DIGITS:
            return "number", int(value) if value == value.to_integral_value() else float(value)
        return "text", format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return "date", value
    if isinstance(value, (int, float)):
        return "number", value
    return "text", str(value)


def put(ws: Worksheet, ref: str, value: object) -> None:
    """Write a value into an openpyxl cell (a user's own workbook being annotated)."""
    kind, value = typed(value)
    cell = ws[ref]
    cell.value = value
    if kind == "text":
        cell.data_type = "s"
