"""Coercion of what people really type into typed values.

The model validates every field through these functions, so a workbook cell, a hand-written
JSON value and a Python value all go through one implementation. A value that cannot be read
is returned as its (stripped) text: a bad cell is data for the checks, not an exception.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serials of 1950-01-01 .. 2100-12-31: a plain number in a date cell outside this is not a date.
_SERIAL_MIN, _SERIAL_MAX = 18264, 73415
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_AMOUNT_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_SPACES_RE = re.compile(r"[\s\u3000]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_YEAR_DECORATION_RE = re.compile(r"^[（(]?(.*?)(?:年度|年)?[）)]?$")
_YES = frozenset({"是", "Y", "YES", "TRUE"})
_NO = frozenset({"否", "N", "NO", "FALSE"})


def clean_text(value: object) -> str | None:
    """Text as a cell can hold it: no surrounding whitespace, ``\n`` line ends, no control characters.

    XLSX cannot store control characters and turns ``\r\n`` into ``\n``, so the model does the
    same up front and a write → read round trip is lossless. Empty becomes None.
    """
    if value is None:
        return None
    if isinstance(value, bool):  # as Excel shows a logical value
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        value = format_number(value)
    text = str(value)
    if not text.isprintable():  # the common case skips the substitutions
        text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.strip().strip("\u3000").strip()
    return text or None


def format_number(value: float | int | Decimal) -> str:
    """A number as a person would write it: 100.0 → "100", 0.5 → "0.5", Decimal 1E-7 → "0.0000001"."""
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return amount_text(value)
    return str(value)


def amount_text(value: Decimal, *, grouped: bool = False) -> str:
    """The one written form of a decimal (an amount, a weight, a target's number): exact, never an exponent.

    Every output writes a decimal through here, so ``-1E-7`` is ``-0.0000001`` alike in the JSON
    export, the validation report, the archive, a text cell and a message. ``grouped`` is for
    messages: thousands separators and no trailing zeros (9000000 → 9,000,000; 1234.50 → 1,234.5).
    """
    if not value.is_finite():
        return str(value)
    return format(canonical_amount(value), ",f") if grouped else format(value, "f")


def _half_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def canonical_amount(value: Decimal) -> Decimal:
    """One spelling per amount: no trailing zeros and no exponent (9000000.00 → 9000000, 1E-7 → 0.0000001)."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return Decimal(format(value.normalize(), "f"))


def to_amount(value: object) -> Decimal | str | None:
    """Yuan as Decimal from numbers, "9,000,000", "９０００", "1 000.50 元"; else the text."""
    if value is None or isinstance(value, bool):
        return clean_text(value)
    if isinstance(value, Decimal):
        return canonical_amount(value) if value.is_finite() else str(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return Decimal(int(value)) if value.is_integer() else canonical_amount(Decimal(repr(value)))
    text = clean_text(value)
    if text is None:
        return None
    compact = _SPACES_RE.sub("", _half_width(text)).removesuffix("元")
    if _AMOUNT_RE.match(compact):
        try:
            return canonical_amount(Decimal(compact.replace(",", "")))
        except InvalidOperation:
            return text
    return text


def to_date(value: object) -> dt.date | str | None:
    """A date from a date, an Excel serial, 2020-01-01, 2020/1/1, 2020.1.1, 2020年1月1日; else the text."""
    if value is None or isinstance(value, bool):
        return clean_text(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float, Decimal)):
        if _SERIAL_MIN <= float(value) <= _SERIAL_MAX and float(value) == int(value):
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return format_number(value)
    text = clean_text(value)
    if text is None:
        return None
    normal = _half_width(text)
    match = _DATE_RE.match(normal) or _COMPACT_DATE_RE.match(normal)
    if match is None and normal.endswith(" 00:00:00"):
        match = _DATE_RE.match(normal[:-9])
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            return text
    return text


def to_yes_no(value: object) -> bool | str | None:
    """是/否 (and booleans) as bool; anything else stays text for the checks."""
    if isinstance(value, bool) or value is None:
        return value
    text = clean_text(value)
    if text is None:
        return None
    key = _half_width(text).upper()
    if key in _YES:
        return True
    if key in _NO:
        return False
    return text


def to_year(value: object) -> int | str | None:
    """A budget year from 2021, "2021", "2021年", "2021年度"; else the text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = clean_text(value)
    if text is None:
        return None
    inner = _YEAR_DECORATION_RE.match(_half_width(text)).group(1).strip()
    if re.fullmatch(r"\d{4}", inner):
        return int(inner)
    bracketed = _half_width(text)[:1] in "（(" and _half_width(text)[-1:] in "）)"
    return (inner if bracketed else text) or text  # "（明年年度）" → "明年"; "明年" stays itself
