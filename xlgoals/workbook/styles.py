"""The look of the form, declared once: each role is a set of XlsxWriter format properties.

New workbooks are written with XlsxWriter (:mod:`.xlsx`); a user's own workbook is annotated with
openpyxl, which gets the same looks through :func:`openpyxl_look`, and the Excel add-in colours
cells with :data:`COLOURS`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

FONT_NAME = "宋体"  # the CJK font government forms use; LibreOffice substitutes a Noto CJK face

COLOURS = {
    "label": "E7EEF7",
    "section": "C9D7EA",
    "input": "FFF8DC",  # the mark of a cell the user may type in
    "error": "EE6A6A",  # red, darker than the warning in greyscale print too
    "warning": "FFC000",  # amber, between the error and the input fill in greyscale
    "border": "808080",
    "link": "0563C1",
}

# Every printed sheet: A4, one page wide, these margins (inches), the sheet's name and page in the footer.
PRINT_MARGINS = {"left": 0.6, "right": 0.6, "top": 0.7, "bottom": 0.7}
PRINT_HEADER_MARGIN = 0.3
PRINT_FOOTER = "&C&9&A　第 &P 页，共 &N 页"

TEXT_FORMAT = "@"
AMOUNT_FORMAT = "#,##0.00"
AMOUNT_WAN_FORMAT = "#,##0.00####"  # 万元 with the yuan's cents still shown (1.234567 万元)
NUMBER_FORMAT = "General"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"

_BORDER = {"border": 1, "border_color": f"#{COLOURS['border']}"}
_BODY = {"font_name": FONT_NAME, "font_size": 10}
_BOLD = {"font_name": FONT_NAME, "font_size": 10, "bold": True}
_CENTER = {"align": "center", "valign": "vcenter", "text_wrap": True}
_LEFT = {"align": "left", "valign": "vcenter", "text_wrap": True}
_RIGHT = {"align": "right", "valign": "vcenter"}
_TOP_LEFT = {"align": "left", "valign": "top", "text_wrap": True}


def _fill(role: str) -> dict[str, Any]:
    return {"pattern": 1, "bg_color": f"#{COLOURS[role]}"}


LOOKS: dict[str, dict[str, Any]] = {
    "title": {"font_name": FONT_NAME, "font_size": 16, "bold": True, **_CENTER},
    "subtitle": {"font_name": FONT_NAME, "font_size": 11, **_CENTER},
    "label": {**_BOLD, **_fill("label"), **_BORDER, **_CENTER},
    "section": {**_BOLD, **_fill("section"), **_BORDER, **_CENTER},
    "section_left": {**_BOLD, **_fill("label"), **_BORDER, **_LEFT},
    "guide": {**_BODY, **_LEFT},
    "value": {**_BODY, **_BORDER, **_LEFT},  # locked, filled in by the toolkit
    "input": {**_BODY, **_BORDER, **_LEFT, **_fill("input"), "locked": False, "num_format": TEXT_FORMAT},
    "input_long": {**_BODY, **_BORDER, **_TOP_LEFT, **_fill("input"), "locked": False, "num_format": TEXT_FORMAT},
    "input_amount": {**_BODY, **_BORDER, **_LEFT, **_fill("input"), "locked": False, "num_format": AMOUNT_FORMAT},
    "input_amount_wan": {**_BODY, **_BORDER, **_LEFT, **_fill("input"), "locked": False,
                         "num_format": AMOUNT_WAN_FORMAT},
    "input_number": {**_BODY, **_BORDER, **_LEFT, **_fill("input"), "locked": False, "num_format": NUMBER_FORMAT},
    "input_date": {**_BODY, **_BORDER, **_LEFT, **_fill("input"), "locked": False, "num_format": DATE_FORMAT},
    "cell": {**_BODY, **_BORDER, **_LEFT},  # a table cell of the summary and report sheets
    "cell_label": {**_BOLD, **_BORDER, **_LEFT},
    "date": {**_BODY, **_BORDER, **_LEFT, "num_format": DATE_FORMAT},
    "amount": {**_BODY, **_BORDER, **_RIGHT, "num_format": AMOUNT_FORMAT},
    "amount_total": {**_BOLD, **_BORDER, **_RIGHT, "num_format": AMOUNT_FORMAT},
    "amount_wan": {**_BODY, **_BORDER, **_RIGHT, "num_format": AMOUNT_WAN_FORMAT},
    "amount_wan_total": {**_BOLD, **_BORDER, **_RIGHT, "num_format": AMOUNT_WAN_FORMAT},
    "percent": {**_BODY, **_BORDER, **_RIGHT, "num_format": PERCENT_FORMAT},
    "link": {**_BODY, **_BORDER, **_LEFT, "font_color": f"#{COLOURS['link']}", "underline": 1},
    "heading": {**_BOLD},
}

LINE_HEIGHT = 15  # points per line of 10 pt text


def wrapped_lines(text: object, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (a CJK character is two)."""
    size = sum(2 if ord(char) >= 0x2E80 else 1 for char in str(text or ""))
    return max(1, -(-size // max(int(width) - 1, 1)))


# A finding's severity → the fill its cell gets.
MARK_FILLS = {"error": COLOURS["error"], "warning": COLOURS["warning"]}


def look(role: str, **changes: Any) -> dict[str, Any]:
    """A role's properties with ``changes`` applied (e.g. a mark's fill)."""
    return LOOKS[role] | changes


@lru_cache(maxsize=64)
def openpyxl_look(role: str) -> dict[str, Any]:
    """The same look as openpyxl style objects (attribute name → value), for existing workbooks."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

    props = LOOKS[role]
    result: dict[str, Any] = {
        "font": Font(name=props.get("font_name"), size=props.get("font_size"), bold=props.get("bold", False),
                     color=props.get("font_color", "#000000")[1:] if "font_color" in props else None,
                     underline="single" if props.get("underline") else None),
        "protection": Protection(locked=props.get("locked", True)),
    }
    if "bg_color" in props:
        result["fill"] = PatternFill("solid", fgColor=props["bg_color"][1:])
    if "border" in props:
        side = Side(style="thin", color=props["border_color"][1:])
        result["border"] = Border(left=side, right=side, top=side, bottom=side)
    if "align" in props:
        result["alignment"] = Alignment(horizontal=props["align"], vertical=props["valign"].replace("vcenter", "center"),
                                        wrap_text=props.get("text_wrap", False))
    if "num_format" in props:
        result["number_format"] = props["num_format"]
    return result


def openpyxl_fill(colour: str | None):
    """A solid openpyxl fill of one of :data:`COLOURS` (or no fill)."""
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor=colour) if colour else PatternFill()
