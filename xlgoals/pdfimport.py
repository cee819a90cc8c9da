"""Import published 绩效目标表 PDFs: their text, read in layout, fed to :mod:`xlgoals.textimport`.

The text is taken with pdfplumber (pdfminer.six underneath), which gives every character with
its position, and the cells of each ruled table. Plain extraction (pdfplumber's ``extract_text``,
pypdf's in either mode) loses what the parser needs: a label wrapped inside its cell
(同名项目上年预算执行数（元）) lands above and below the cells beside it, and a long text's
paragraphs run together. So each page is rebuilt from its characters:

* characters inside a ruled table are grouped by cell (the innermost holding their centre); the
  cells of one table row become one line, in column order, their texts separated by a space;
* inside a cell the visual lines are rejoined. A line the cell's width forced to wrap is joined
  with nothing added: the PDF prints the space at a wrap as a character, except one that did not
  fit at the very end of the line, which is restored between two Latin words and reported
  elsewhere. A line that ends although the next line's first unbreakable piece (a CJK character,
  a word, with the punctuation line breaking binds to it) would have fitted ends a paragraph:
  the next paragraph becomes a line of its own, joined to the field with a line break, plus one
  per blank line measured by the vertical gap;
* characters outside every table (titles, footers, the text of unruled PDFs) form lines by their
  vertical position; a visible gap between two characters of a line becomes a space.

The width a cell's text may reach is known only within a point or two (the document's cell
padding, the furthest line end seen in cells of that width): a break in that band is read as a
wrap and reported, and so is a full line ending a sentence (。！？；), which may have been a
paragraph end that happened to fill the line. Lines are numbered per page for the report
(``第3页第12行``); a page without any text (a scan inside a text PDF) is reported. Garbage in (an
empty, truncated or damaged file, an encrypted PDF, a scan without text, a PDF of something
else) is one Chinese line naming the file (:class:`InputFileError`, exit code 2).
"""

from __future__ import annotations

import logging
import re
import statistics
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputFileError
from .fileio import read_input_bytes
from .grid import Cell, Grid, Row
from .textimport import ImportResult, SourceLine, Unsure, parse_source_lines

__all__ = ["extract_pdf_lines", "import_pdf_file", "PdfText"]

# The text area of a cell ends somewhere in the last _BAND_PT points before its right edge less
# its padding; a line break whose next word would have ended in that band is reported as unsure.
_BAND_PT = 1.5
# Positions of the same layout differ by this much from line to line (glyph metrics, rounding).
_JITTER_PT = 0.25
# An empty line is shorter than a line of CJK text: its share of the document's line pitch.
_BLANK_LINE = 0.8
# Two characters of one line further apart than this share of the font size are separate words.
_WORD_GAP = 0.25
# Characters whose centres are closer than this share of the font size sit on one visual line.
_SAME_LINE = 0.45

_SENTENCE_END = tuple("。！？；")
_ALNUM = re.compile(r"[0-9A-Za-z]")
_BREAKABLE = re.compile(r"[\s\u2e80-\u9fff\uf900-\uffef]")
_OPENING = "（(《“‘[【〈「『<［〔｛〖"
_CLOSING = "）)》”’]】〉」』>］〕｝〗，。、；：！？,.;:!?%％"
_WORD = re.compile(r"[0-9A-Za-z_\-./,+@#&=<>≥≤~'%‰]+")


@dataclass
class PdfText:
    """The lines of a PDF as the parser reads them, with what the extraction was unsure of."""

    lines: list[SourceLine]
    notes: list[tuple[int, str]]  # (line number, note)
    pages: int
    empty_pages: list[int]  # pages without any text (scans inside a text PDF)
    damaged: dict[int, int] = field(default_factory=dict)  # page (0: the whole file) → problems pdfminer met
    # the same content as rows of cells: a row of ruled cells (each at its place across the page,
    # its paragraphs joined by their line breaks), or a line outside any cell
    rows: list[Row] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# characters → visual lines


@dataclass
class _VLine:
    """One visual line: its characters left to right, their text and extent."""

    chars: list[dict]
    top: float
    x0: float
    x1: float
    size: float
    text: str = ""

    def __post_init__(self) -> None:
        self.text = _chars_text(self.chars)


def _centre_y(char: dict) -> float:
    return (char["top"] + char["bottom"]) / 2


def _size(char: dict) -> float:
    return float(char.get("size") or (char["bottom"] - char["top"]) or 10.0)


def _chars_text(chars: Sequence[dict]) -> str:
    """The text of one visual line: characters left to right, a space for a visible gap."""
    out: list[str] = []
    previous = None
    for char in chars:
        text = char["text"]
        if previous is not None and not text.isspace() and not previous["text"].isspace():
            gap = char["x0"] - previous["x1"]
            if gap > _WORD_GAP * min(_size(char), _size(previous)):
                out.append(" ")
        out.append(text)
        previous = char
    return "".join(out)


def _visual_lines(chars: Iterable[dict]) -> list[_VLine]:
    """Characters grouped into lines by their vertical centre, each line left to right."""
    lines: list[list[dict]] = []
    anchor = 0.0
    for char in sorted(chars, key=lambda c: (_centre_y(c), c["x0"])):
        centre = _centre_y(char)
        if lines and centre - anchor <= _SAME_LINE * _size(char):
            lines[-1].append(char)
        else:
            lines.append([char])
            anchor = centre
    out = []
    for group in lines:
        group.sort(key=lambda c: c["x0"])
        out.append(_VLine(group, min(c["top"] for c in group), group[0]["x0"], max(c["x1"] for c in group),
                          statistics.median(_size(c) for c in group)))
    return out


# ---------------------------------------------------------------------------------------------
# cells: visual lines → paragraphs


@dataclass
class _Paragraph:
    text: str
    joiner: str  # what joins it to the previous paragraph of its cell ("" for the first)
    note: str | None = None  # the break before or inside it was a close call


@dataclass
class _Cell:
    bbox: tuple[float, float, float, float]
    vlines: list[_VLine]


@dataclass
class _Page:
    no: int
    cells: list[_Cell]
    loose: list[_VLine]
    has_text: bool


class _Metrics:
    """What the whole document says about its layout: how far lines of each cell width reach, the line pitch."""

    def __init__(self, pages: Sequence[_Page]):
        self.reach: dict[float, float] = {}  # right edge of a cell → the furthest end of a line in such cells
        gaps: list[float] = []
        spaces: list[float] = []
        sizes: list[float] = []
        pads: list[float] = []
        for page in pages:
            for cell in page.cells:
                key = _edge_key(cell.bbox)
                self.reach[key] = max(self.reach.get(key, 0.0), max(_inked_end(v) for v in cell.vlines))
                gaps += [b.top - a.top for a, b in zip(cell.vlines, cell.vlines[1:])]
                spaces += [c["x1"] - c["x0"] for v in cell.vlines for c in v.chars if c["text"] == " "]
                sizes += [v.size for v in cell.vlines]
                pads.append(min(v.x0 for v in cell.vlines) - cell.bbox[0])
        self.pitch = statistics.median(gaps) if gaps else None
        # the padding inside a cell: the least space between a cell's left edge and its text
        # (centred text is further in), taken to be the same on the right
        self.padding = max(0.0, min(pads)) if pads else 0.0
        # the width of a space: a space the line break leaves at the end of a line is not printed
        # when it does not fit, so a line ending closer than this to the edge may have lost one
        self.space = statistics.median(spaces) if spaces else 0.3 * (statistics.median(sizes) if sizes else 10.0)


def _inked_end(vline: _VLine) -> float:
    """Where the line's last visible character ends (a space at a wrap may stick out of the cell)."""
    return max((c["x1"] for c in vline.chars if not c["text"].isspace()), default=vline.x0)


def _edge_key(bbox: tuple[float, float, float, float]) -> float:
    return round(bbox[2] * 2) / 2


def _first_unit(vline: _VLine) -> list[dict]:
    """The characters the layout could not have split from the start of a line.

    A CJK character or a run of Latin letters and digits, with the punctuation bound to it as
    line breaking binds it: closing punctuation even after a space ("PDF ，"), a number after
    closing punctuation ("，2020"), an opening bracket and what follows after a word ("100%（7").
    """
    chars = vline.chars
    count = len(chars)
    index = 0

    def word(at: int) -> bool:
        return at < count and bool(_WORD.fullmatch(chars[at]["text"]))

    def ideographic_spaces() -> None:
        """A full-width space is no place to break before, and it must fit like a character."""
        nonlocal index
        while index < count and chars[index]["text"] == "\u3000":
            index += 1

    def core() -> bool:
        """An opening bracket or several, then a word or one character; whether it was a word."""
        nonlocal index
        while index < count and chars[index]["text"] in _OPENING:
            index += 1
        is_word = word(index)
        index += 1
        while is_word and word(index):
            index += 1
        ideographic_spaces()
        return is_word

    was_word = core()
    while index < count:
        if was_word and chars[index]["text"] in _OPENING:
            was_word = core()
            continue
        ahead = index
        while ahead < count and chars[ahead]["text"].isspace():
            ahead += 1
        if ahead >= count or chars[ahead]["text"] not in _CLOSING:
            break
        index = ahead
        while index < count and chars[index]["text"] in _CLOSING:
            index += 1
        ideographic_spaces()
        was_word = word(index)
        while word(index):
            index += 1
        ideographic_spaces()
    return chars[: min(max(index, 1), count)]


def _cell_paragraphs(cell: _Cell, metrics: _Metrics) -> list[_Paragraph]:
    """A cell's visual lines as paragraphs (see the module docstring for the rule).

    The text area of the cell ends at most at ``right`` (its right edge less the document's cell
    padding); lines of cells of this width are known to reach ``reach``. The next line's first
    word ending beyond ``right`` did not fit: a wrap. Ending before ``reach`` it would have
    fitted: a paragraph. In between the layout cannot tell: a wrap, reported.
    """
    vlines, bbox = cell.vlines, cell.bbox
    right = bbox[2] - metrics.padding
    reach = min(right, max(right - _BAND_PT, metrics.reach.get(_edge_key(bbox), 0.0)))
    paragraphs = [_Paragraph(vlines[0].text, "")]
    for previous, vline in zip(vlines, vlines[1:]):
        blank, odd = 0, False
        if metrics.pitch:
            lines = (vline.top - previous.top - metrics.pitch) / (_BLANK_LINE * metrics.pitch)
            blank, odd = max(0, round(lines)), lines > 0.5 and abs(lines - round(lines)) > 0.3
        end = previous.x1 + sum(c["x1"] - c["x0"] for c in _first_unit(vline))
        if blank:
            note = f"PDF 中两行之间的空白按 {blank} 个空行读入，请核对" if odd else None
            paragraphs.append(_Paragraph(vline.text, "\n" * (1 + blank), note))
        elif end <= reach - _JITTER_PT:
            paragraphs.append(_Paragraph(vline.text, "\n"))
        else:
            joiner, note = _wrap(previous, vline, end, reach, right, metrics)
            paragraphs[-1].note = paragraphs[-1].note or note
            paragraphs[-1].text += joiner + vline.text
    return paragraphs


def _wrap(previous: _VLine, vline: _VLine, end: float, reach: float, right: float,
          metrics: _Metrics) -> tuple[str, str | None]:
    """How a wrapped line joins the line before it, and what about it is unsure."""
    text = previous.text
    if not text[-1:].isspace() and previous.x1 + metrics.space > reach:
        # a space at the break may have been left unprinted at the end of the line
        last, first = text[-1], vline.text[:1]
        if _ALNUM.fullmatch(last) and _ALNUM.fullmatch(first) and _BREAKABLE.search(text):
            # a line is broken inside a word only when it has no other place to break: here it had
            return " ", None
        if _ALNUM.fullmatch(last) or _ALNUM.fullmatch(first):  # between two CJK characters a space is rare
            return "", "PDF 中这一行写到了单元格右缘，原文在折行处可能有一个空格（行末的空格不会印出），已直接连接，请核对"
    if end <= right:
        return "", "PDF 中这一行末尾的折行无法确定是自动换行还是分段，已按自动换行直接连接，请核对"
    if text.rstrip().endswith(_SENTENCE_END):
        return "", (f"PDF 中这一行写满了单元格并以“{text.rstrip()[-1]}”结尾，原文此处也可能是分段，"
                    "已按自动换行直接连接，请核对")
    return "", None


# ---------------------------------------------------------------------------------------------
# pages → lines


@dataclass
class _Item:
    """Something that prints as one or more lines at a vertical position of the page."""

    top: float
    x0: float
    cells: list[list[_Paragraph]]  # one entry per cell, in column order
    spans: list[tuple[float, float]] | None = None  # each cell's left and right edge; None: a loose line


def _inside(char: dict, bbox: tuple[float, float, float, float]) -> bool:
    x = (char["x0"] + char["x1"]) / 2
    y = _centre_y(char)
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _read_page(page, no: int) -> _Page:
    """The page's characters by ruled cell (the innermost that holds each), and those outside any cell."""
    chars = [c for c in page.dedupe_chars().chars if c.get("text")]
    if not any(not c["text"].isspace() for c in chars):
        return _Page(no, [], [], False)
    boxes = [tuple(cell) for table in page.find_tables() for cell in table.cells]
    boxes.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))  # smallest first: the innermost cell wins
    by_cell: dict[tuple, list[dict]] = {}
    loose: list[dict] = []
    for char in chars:
        for bbox in boxes:
            if _inside(char, bbox):
                by_cell.setdefault(bbox, []).append(char)
                break
        else:
            loose.append(char)
    cells = [_Cell(bbox, _visual_lines(cell_chars)) for bbox, cell_chars in by_cell.items()]
    return _Page(no, [cell for cell in cells if any(v.text.strip() for v in cell.vlines)], _visual_lines(loose), True)


def _page_items(page: _Page, metrics: _Metrics) -> list[_Item]:
    """The page in reading order: a row of cells is one item, a loose visual line another."""
    rows: dict[float, list[tuple[tuple, list[_Paragraph]]]] = {}
    for cell in page.cells:
        rows.setdefault(round(cell.bbox[1], 1), []).append((cell.bbox, _cell_paragraphs(cell, metrics)))
    items = []
    for top, row in rows.items():
        row.sort(key=lambda entry: entry[0][0])
        items.append(_Item(top, row[0][0][0], [paragraphs for _, paragraphs in row],
                           [(bbox[0], bbox[2]) for bbox, _ in row]))
    items += [_Item(v.top, v.x0, [[_Paragraph(v.text, "")]]) for v in page.loose if v.text.strip()]
    items.sort(key=lambda item: (item.top, item.x0))
    return items


def _item_lines(item: _Item) -> list[tuple[str, str, str | None]]:
    """An item as (text, joiner, note) lines: the first paragraph of every cell on one line, the
    further paragraphs of a cell on lines of their own."""
    lines: list[list] = [["", "", None]]
    for paragraphs in item.cells:
        first, *rest = paragraphs
        text = first.text.strip() if not rest else first.text.lstrip()
        current = lines[-1]
        if text:
            current[0] = f"{current[0]} {text}" if current[0] else text
        current[2] = current[2] or first.note
        blank = ""  # a paragraph of spaces only goes into the line break before the next one
        for paragraph in rest:
            if paragraph.text.strip():
                lines.append([paragraph.text, blank + paragraph.joiner, paragraph.note])
                blank = ""
            else:
                blank += paragraph.joiner + paragraph.text
    return [(text, joiner, note) for text, joiner, note in lines if text.strip()]


def _item_row(item: _Item, page: int, line: int, notes: list[str]) -> Row:
    """An item as a grid row: each cell's paragraphs joined by their line breaks, at its edges."""
    texts = ["".join((p.joiner if index else "") + p.text for index, p in enumerate(paragraphs)).strip()
             for paragraphs in item.cells]
    if item.spans is None:
        return Row.loose(texts[0], f"第{page}页第{line}行")
    cells = tuple(Cell(text, left, right, f"第{page}页第{line}行第{index}格")
                  for index, (text, (left, right)) in enumerate(zip(texts, item.spans), start=1))
    return Row(cells, aligned=True, notes=tuple(notes))


class _Complaints(logging.Handler):
    """Counts what pdfminer logs about a damaged file (and keeps it off the user's terminal)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextmanager
def _listening() -> Iterator[_Complaints]:
    logger = logging.getLogger("pdfminer")
    handler, propagate = _Complaints(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def extract_pdf_lines(path: str | Path) -> PdfText:
    """The lines of a PDF in reading order (see the module docstring); raises InputFileError."""
    pages: list[_Page] = []
    damaged: dict[int, int] = {}  # page (0: the file's structure) → complaints of pdfminer
    with _listening() as complaints:
        pdf = _open(Path(path))
        damaged[0] = complaints.count
        try:
            for page_no, page in enumerate(pdf.pages, start=1):
                complaints.count = 0
                try:
                    pages.append(_read_page(page, page_no))
                except Exception as error:  # noqa: BLE001 - pdfminer raises many kinds on broken content
                    raise InputFileError(f"PDF 第{page_no}页的内容无法解析（{type(error).__name__}），文件可能已损坏。",
                                         path) from None
                finally:
                    page.close()  # drop the page's parsed objects: a long PDF is read page by page
                damaged[page_no] = complaints.count
        finally:
            _close(pdf)
    metrics = _Metrics(pages)
    lines: list[SourceLine] = []
    notes: list[tuple[int, str]] = []
    rows: list[Row] = []
    for page in pages:
        on_page = 0
        for item in _page_items(page, metrics):
            item_notes = []
            item_lines = _item_lines(item)
            for text, joiner, note in item_lines:
                on_page += 1
                lines.append(SourceLine(text, joiner, page.no, on_page))
                if note:
                    notes.append((len(lines), note))
                    item_notes.append(note)
            if any(p.text.strip() for paragraphs in item.cells for p in paragraphs):
                rows.append(_item_row(item, page.no, on_page - len(item_lines) + 1, item_notes))
    return PdfText(lines, notes, len(pages), [page.no for page in pages if not page.has_text],
                   {page: count for page, count in damaged.items() if count}, rows)


# ---------------------------------------------------------------------------------------------
# the file


def _open(path: Path):
    """pdfplumber's PDF, or the reason in Chinese why the file is no readable PDF."""
    data = read_input_bytes(path, kind="PDF 文件", empty="文件是空的，请重新下载或导出该 PDF。")
    if b"%PDF-" not in data[:1024]:
        raise InputFileError("不是 PDF 文件（文件开头没有 PDF 标记），请确认文件类型。", path)
    if b"%%EOF" not in data[-2048:]:
        raise InputFileError("PDF 文件不完整（缺少文件结尾），可能在下载或复制时被截断，请重新获取该文件。", path)

    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    pdf = None
    try:
        pdf = pdfplumber.open(path)
        pdf.pages  # noqa: B018 - reads the page tree: a damaged file fails here, not later
    except Exception as error:  # noqa: BLE001 - pdfminer raises many kinds on broken files
        _close(pdf)
        # pdfplumber wraps what pdfminer raises
        cause = error.args[0] if error.args and isinstance(error.args[0], BaseException) else error
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)) or "password" in str(cause).lower():
            raise InputFileError("PDF 已加密，需要密码才能打开；请提供未加密的 PDF 或原始文本。", path) from None
        detail = "" if isinstance(cause, PDFSyntaxError) else f"（{type(cause).__name__}）"
        raise InputFileError(f"PDF 文件已损坏，无法读取{detail}，请重新获取该文件。", path) from None
    return pdf


def _close(pdf) -> None:
    """Close the PDF; pdfplumber's close reads the page tree again, which fails in a damaged file."""
    if pdf is None:
        return
    try:
        pdf.close()
    except Exception:  # noqa: BLE001
        stream = getattr(pdf, "stream", None)
        if stream is not None and not getattr(pdf, "stream_is_external", False):
            stream.close()


def import_pdf_file(path: str | Path, *, framework: str | None = None, form: str | None = None) -> ImportResult:
    """Read the published tables in a PDF into a Filing, with the import report: the form its
    labels name (``form`` overrides), through :func:`xlgoals.formreader.read_grid`.

    Every failure is one Chinese line naming the file (:class:`InputFileError`, exit code 2).
    """
    from .formreader import read_grid

    path = Path(path)
    text = extract_pdf_lines(path)
    if not text.lines:
        if text.pages == 0:
            raise InputFileError("PDF 中没有页面，请确认文件完整。", path)
        raise InputFileError("PDF 中没有可提取的文字（可能是扫描件或图片），需要先做文字识别（OCR），"
                             "或提供原始文本、电子版 PDF。", path)
    extra = [Unsure(no, "PDF", note) for no, note in text.notes]
    grid = Grid.of(text.rows)
    cells = [(cell.no, int(cell.place[1:cell.place.index("页")])) for row in grid.rows for cell in row.cells if cell.no]

    def page_note(line: int, after: int, page: int | None, note: str) -> None:
        """A note about a page (or the file's structure) for both readers, at the first line or
        cell from page ``after`` on."""
        extra.append(Unsure(line, "PDF", note, page))
        number = next((no for no, on in cells if on >= after), cells[-1][0] if cells else 0)
        grid.notes.append((number, f"第{page}页" if page else "文件结构", note))

    for page in text.empty_pages:
        # placed at the first line after the empty page, so that it reads in page order
        after = next((no for no, line in enumerate(text.lines, start=1) if (line.page or 0) > page), len(text.lines))
        page_note(after, page + 1, page, "这一页没有可提取的文字（可能是扫描图片），其内容没有导入，"
                                         "请对照原表补录或先做文字识别（OCR）")
    for page, count in text.damaged.items():
        first = next((no for no, line in enumerate(text.lines, start=1) if (line.page or 0) >= page), len(text.lines))
        where = "文件结构" if page == 0 else "这一页"
        page_note(first, page, page or None, f"PDF {where}有 {count} 处内容无法解析（文件可能已损坏），已尽量读取，"
                                             "文字可能不全，请对照原表核对")
    return read_grid(grid, source=str(path), form=form, framework=framework,
                     read_lines=lambda: parse_source_lines(text.lines, source=str(path), framework=framework,
                                                           extra=extra))
