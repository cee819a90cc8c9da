"""The grid of cells every published container is read into, and the reader of text into it.

A published 申报表 reaches us as a web page, a PDF, a Word or Excel attachment, or text copied
from one of these. Each container's reader (:mod:`xlgoals.containers`, :mod:`xlgoals.pdfimport`)
ends in the same :class:`Grid`: rows of cells in reading order, each cell with its text as
printed and where it is, so that one form reader (:mod:`xlgoals.formreader`) turns any of them
into a filing and its report can name the page, line or cell of everything it read or left.

A cell's ``left``/``right`` are positions on one axis shared by the cells of its source: column
numbers of an HTML, Word or Excel table (a spanned cell covers several), points across a PDF
page. Rows whose cells have such positions are ``aligned``: a cell under another belongs to the
same column. Rows of text have no positions, only an order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["Cell", "Grid", "Row", "text_grid"]


@dataclass(frozen=True)
class Cell:
    """One cell: its text (paragraphs joined by line breaks), its horizontal extent and its place."""

    text: str
    left: float
    right: float
    place: str  # how the report names it: 第2页第5行第3格, 表1第4行第2列, 工作表“Sheet1”B4, 第12行
    no: int = 0  # its number in the grid's reading order (the report's sort key)


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    aligned: bool  # the cells' positions are columns of a table (not just their order on a line)
    notes: tuple[str, ...] = ()  # what the container's reader was unsure of in this row

    @classmethod
    def loose(cls, text: str, place: str) -> Row:
        """A line outside any table: one cell without a column."""
        return cls((Cell(text, 0, 1, place),), aligned=False)


@dataclass
class Grid:
    """A container's content as rows of cells; ``notes`` are about the container as a whole
    (a page without text), each placed at the number of the first cell after it."""

    rows: list[Row]
    notes: list[tuple[int, str, str]] = field(default_factory=list)  # (cell number, place, note)

    @classmethod
    def of(cls, rows: Iterable[Sequence[tuple[str, float, float, str]] | Row], *, aligned: bool = True) -> Grid:
        """A grid of rows given as (text, left, right, place) cells, the cells with text numbered
        in reading order; rows without any text are left out."""
        out: list[Row] = []
        number = 0
        for row in rows:
            if isinstance(row, Row):
                cells, row_aligned, notes = row.cells, row.aligned, row.notes
                items = [(c.text, c.left, c.right, c.place) for c in cells]
            else:
                items, row_aligned, notes = list(row), aligned, ()
            if not any(text.strip() for text, *_ in items):
                continue
            numbered = []
            for text, left, right, place in items:  # an empty cell keeps its place in a row of text
                number += bool(text.strip())
                numbered.append(Cell(text, left, right, place, number if text.strip() else 0))
            out.append(Row(tuple(numbered), row_aligned, notes))
        return cls(out)

    def texts(self) -> list[str]:
        """Every cell's text, in reading order."""
        return [cell.text for row in self.rows for cell in row.cells]


# A line copied from a table: its cells separated by tabs or by "|" (a line may start and end with one).
_CELL_SEPARATOR = re.compile(r"\t|\|")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def text_grid(text: str) -> Grid:
    """Text copied from a published table: a row per line, its cells split at tabs or ``|``.

    A line without either is one cell (one cell per line, or the cells of a row run together
    with spaces): the form reader splits such a cell at the labels it knows.
    """
    rows = []
    for number, line in enumerate(_LINE_BREAK.split(text.removeprefix("\ufeff")), start=1):
        if not line.strip():
            continue
        if _CELL_SEPARATOR.search(line):
            pieces = _CELL_SEPARATOR.split(line)
            if line.strip().startswith("|"):
                pieces = pieces[1:]
            if line.strip().endswith("|"):
                pieces = pieces[:-1]
            rows.append(Row(tuple(Cell(piece.strip(), index, index + 1, f"第{number}行第{index + 1}格")
                                  for index, piece in enumerate(pieces)), aligned=False))
        else:
            rows.append(Row((Cell(line.strip(), 0, 1, f"第{number}行"),), aligned=False))
    return Grid.of(rows)
