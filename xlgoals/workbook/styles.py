"""The look of the form: fonts, fills, borders and number formats, in one place."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

FONT_NAME = "宋体"  # the CJK font government forms use; LibreOffice substitutes a Noto CJK face

_thin = Side(style="thin", color="808080")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)

TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
SUBTITLE_FONT = Font(name=FONT_NAME, size=11)
LABEL_FONT = Font(name=FONT_NAME, size=10, bold=True)
BODY_FONT = Font(name=FONT_NAME, size=10)
NOTE_FONT = Font(name=FONT_NAME, size=9, color="595959")

LABEL_FILL = PatternFill("solid", fgColor="E7EEF7")
SECTION_FILL = PatternFill("solid", fgColor="C9D7EA")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")  # the mark of a cell the user may type in

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)

LOCKED = Protection(locked=True)
UNLOCKED = Protection(locked=False)

TEXT_FORMAT = "@"
AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
