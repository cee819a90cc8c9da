"""The one way the toolkit writes a value into a cell."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from openpyxl.worksheet.worksheet import Worksheet

EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number


def put(ws: Worksheet, ref: str, value: object) -> None:
    """Numbers and dates typed, booleans as 是/否, text always as text (never a formula).

    An amount with more digits than Excel keeps is written as text, so it reads back exact.
    """
    cell = ws[ref]
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, Decimal):
        if len(value.normalize().as_tuple().digits) <= EXCEL_DIGITS:
            cell.value = int(value) if value == value.to_integral_value() else float(value)
        else:
            cell.value = format(value, "f")
            cell.data_type = "s"
        return
    if isinstance(value, (dt.date, int, float)) or value is None:
        cell.value = value
        return
    cell.value = str(value)
    cell.data_type = "s"
