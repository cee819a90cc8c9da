"""How a model value goes into a cell, for every writer (XlsxWriter, openpyxl, xlwings) and back."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from ..layout import NATURE_WORDS
from ..targets import SIGN_CHARACTERS, parse_target
from ..values import amount_text, clean_text

if TYPE_CHECKING:
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
        return "text", amount_text(value)
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


# A target written as sign, number and unit with nothing else: what a split form's three columns hold.
_SIGN_CLASS = f"[{re.escape(SIGN_CHARACTERS)}]"
_SPLITTABLE = re.compile(rf"^({_SIGN_CLASS}*)([0-9]+(?:\.[0-9]+)?)((?!{_SIGN_CLASS})[^\s0-9.][^\s]*)?$")


def split_target(raw: str | None) -> tuple[str | None, str | None, str | None]:
    """A target's text as (指标性质, 指标值, 度量单位) cells whose concatenation is the text again.

    ``≥95%`` → (≥, 95, %); a qualitative word or a time (2023年全年, 12月底前) → (定性, text, None),
    as the budget system files a deadline; anything else (template residue, a sign after the unit)
    stays whole in the value cell, so nothing is reinterpreted.
    """
    if raw is None:
        return None, None, None
    if parse_target(raw).kind == "time":
        return "定性", raw, None
    match = _SPLITTABLE.match(raw)
    if match is None:
        nature = "定性" if not any(char.isdigit() for char in raw) else None
        return nature, raw, None
    op, number, unit = match.groups()
    return op or "定量", number, unit


def join_target(op: object, value: object, unit: object) -> str | None:
    """The one target text from a split form's three cells (定量/定性 in 指标性质 say no sign)."""
    parts = [_cell_text(op), _cell_text(value), _cell_text(unit)]
    if parts[0] in NATURE_WORDS:
        parts[0] = ""
    text = "".join(part for part in parts if part)
    return text or None


def _cell_text(value: object) -> str:
    return clean_text(value) or ""
