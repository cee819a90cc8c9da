"""Where a printed form's pages break, so that every page reads on its own.

Spreadsheets break pages where a page is full, which can leave a heading at the foot of one page
and its box on the next. The rows of a form sheet and their heights are known when it is drawn, so
the breaks are chosen here: a heading row keeps with the row after it, and a page that follows the
repeated rows (the indicator table's headings) has room for them. The estimate of the page errs on
the short side (:data:`SAFETY`), so the application's own breaks never fall before ours.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from .styles import PRINT_MARGINS

A4_POINTS = (595.3, 841.9)  # width, height
DEFAULT_ROW_HEIGHT = 15.0
SAFETY = 0.94  # the share of the estimated page height the breaks plan to fill


def fit_scale(widths: Sequence[float], *, landscape: bool = False) -> float:
    """The scale at which columns of these widths (in characters) fit one page wide, at most 1.

    A column is 7 pixels per character plus 5 (the default font's metrics), a pixel ¾ point.
    """
    page_width = A4_POINTS[1] if landscape else A4_POINTS[0]
    printable = page_width - 72 * (PRINT_MARGINS["left"] + PRINT_MARGINS["right"])
    sheet = sum(7 * width + 5 for width in widths) * 0.75
    return min(1.0, printable / sheet) if sheet else 1.0


def page_breaks(heights: Mapping[int, float], last_row: int, *, keep_with_next: Collection[int] = (),
                repeat: tuple[int, int] | None = None, widths: Sequence[float] = (),
                landscape: bool = False) -> list[int]:
    """The rows that start a new page (rows from 1): no page ends on a row of ``keep_with_next``,
    and pages after the ``repeat`` rows have printed keep room for them."""
    page_height = A4_POINTS[0] if landscape else A4_POINTS[1]
    room = (page_height - 72 * (PRINT_MARGINS["top"] + PRINT_MARGINS["bottom"])) / fit_scale(widths, landscape=landscape)
    room *= SAFETY

    def height(row: int) -> float:
        return heights.get(row, DEFAULT_ROW_HEIGHT)

    repeated = sum(height(row) for row in range(repeat[0], repeat[1] + 1)) if repeat else 0.0
    breaks: list[int] = []
    used = 0.0
    row = 1
    while row <= last_row:
        group = row  # the row and every heading row before the row it keeps with
        while group in keep_with_next and group < last_row:
            group += 1
        needed = sum(height(r) for r in range(row, group + 1))
        if used > 0 and used + needed > room:
            breaks.append(row)
            used = repeated if repeat and row > repeat[1] else 0.0
        used += needed
        row = group + 1
    return breaks
