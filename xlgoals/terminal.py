"""Chinese text on a terminal: lines broken between words, never inside a code, a number or a target.

Rich breaks lines at spaces and folds anything longer character by character, so a Chinese
sentence (which has no spaces) was cut anywhere: inside ``target-rate-not-percent``, inside
“>=90000人”, or before a closing “，”. :func:`wrap` breaks where Chinese typesetting may: between
two Chinese characters and at spaces; a run of Latin letters, digits and signs stays whole with
the character it is written against (``>=40家``, ``2021年``), closing punctuation stays on the line
before and opening punctuation goes with what follows. :class:`Wrapped` makes a table cell of it.
"""

from __future__ import annotations

from rich.cells import cell_len, chop_cells
from rich.measure import Measurement
from rich.segment import Segment

_CLOSING = frozenset("，。、；：！？）》」』】〕”’…")  # stays on the line before
_OPENING = frozenset("（《「『【〔“‘")  # goes with what follows


def units(text: str) -> list[str]:
    """``text`` cut where a line may break (a run of spaces is a unit of its own)."""
    pieces: list[str] = []
    run = glue = False  # the last piece ends in narrow characters / in opening punctuation
    for char in text:
        if char.isspace():
            if pieces and pieces[-1].isspace():
                pieces[-1] += char
            else:
                pieces.append(char)
            run = glue = False
            continue
        narrow = cell_len(char) == 1 and char not in _CLOSING and char not in _OPENING
        joins = glue or char in _CLOSING or (run and char not in _OPENING)
        if joins and pieces and not pieces[-1].isspace():
            pieces[-1] += char
        else:
            pieces.append(char)
        run, glue = narrow, char in _OPENING
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells, broken between units (a unit wider than a line is cut)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in units(paragraph):
            if piece.isspace():
                if line and cell_len(line) + cell_len(piece) <= width:
                    line += piece
                elif line:
                    lines.append(line.rstrip())
                    line = ""
                continue
            if cell_len(line) + cell_len(piece) <= width:
                line += piece
                continue
            if line.strip():
                lines.append(line.rstrip())
            if cell_len(piece) <= width:
                line = piece
            else:
                *whole, line = chop_cells(piece, max(width, 1))
                lines += whole
        lines.append(line.rstrip())
    return lines


class Wrapped:
    """A table cell whose text wraps with :func:`wrap`; the column is never narrower than its widest unit."""

    def __init__(self, text: object, style: str | None = None) -> None:
        self.text = "" if text is None else str(text)
        self.style = style

    def __rich_measure__(self, console, options) -> Measurement:
        paragraphs = self.text.split("\n")
        widest = max((cell_len(piece) for piece in units(self.text) if not piece.isspace()), default=0)
        return Measurement(widest, max(cell_len(line) for line in paragraphs))

    def __rich_console__(self, console, options):
        style = console.get_style(self.style) if self.style else None
        for line in wrap(self.text, options.max_width):
            yield Segment(line, style)
            yield Segment.line()


def table(title: str | None, headers: tuple[str, ...], *, whole: tuple[str, ...] = (), **options):
    """A rich table of :class:`Wrapped` cells (add rows with :func:`add_row`); the ``whole`` columns (codes,
    cells, counts) keep their full width when the terminal is narrow, the others give way."""
    from rich.table import Table

    drawn = Table(title=title, title_justify="left", **options)
    for header in headers:
        drawn.add_column(Wrapped(header), no_wrap=header in whole)
    return drawn


def add_row(drawn, *cells: object) -> None:
    """A row of texts (or :class:`Wrapped` cells, for a style)."""
    drawn.add_row(*(cell if isinstance(cell, Wrapped) else Wrapped(cell) for cell in cells))
