"""Import the text of published 财政项目支出绩效目标表 (as extracted from their PDF) into a Filing.

Units publish their tables as PDFs. The extracted text keeps every character but loses the cell
grid: values wrap at a fixed width, a value sits on its label's line or on the lines after it, a
project name can be split around the 项目类别 label, a page break puts a space in front of the
first line of the new page, and the indicator table prints a level-1/level-2 label once for a
group of rows. The form is rebuilt in three steps:

1. :func:`classify` names each line (title, year, heading, footer, label line, plain text);
2. :class:`_FormParser` collects the labelled fields of one table: a label opens a field that
   runs to the next label, and wrapped lines are rejoined with no added character;
3. :class:`_IndicatorParser` turns the indicator table into rows that each carry their levels.

Two layouts are read:

* the published Shanghai layout of the seed: labels end with a colon (``项目名称：``), level
  labels are printed once per group of indicator rows;
* the layout of this toolkit's template as printed to PDF (see :mod:`xlgoals.pdfimport`):
  a cover sheet 填报说明 first, labels without a colon in their own cells (a line then starts
  with a label), every indicator row carrying its level 1 and 2, the title rows repeated at the
  top of each page and a footer ``项目名 第 2 页，共 8 页`` at its bottom;

and two indicator tables: four columns (``一级目标 二级目标 三级目标 指标目标值``, or the national
``一级指标 二级指标 三级指标 指标值``), and the national published form whose sign, value and unit
sit in separate columns (``… 指标性质 指标值 度量单位``: ``≥ 90 %`` is read as ``≥90%``, ``定性 优良``
as ``优良``). The framework is named by the caller or detected from the text (the cover's
指标框架, else the indicator table's header).

Values are kept as found (``=100`` without a unit stays): judging them is the validator's job.
Nothing is dropped in silence: every non-blank line that fed no field and is no known heading,
footer or cover text is listed in ``report.unused``, and every decision the parser had to make is
listed in ``report.unsure``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from .errors import InputFileError
from .fileio import read_input_bytes
from .frameworks import Framework, builtin_ids, load_framework
from .layout import COVER_SPOTS, NATURE_WORDS, Spot, load_form
from .model import Filing
from .targets import SIGNS, parse_target

__all__ = ["ImportReport", "ImportResult", "SourceLine", "Unsure", "UnusedLine", "detect_framework",
           "import_text_file", "parse_published_text", "parse_source_lines"]

NO_TABLE_MESSAGE = "没有找到《财政项目支出绩效目标表》，请确认这是已发布的绩效目标表文本或 PDF。"
NO_FIELDS_MESSAGE = "找到了《财政项目支出绩效目标表》标题，但没有识别出表内字段（如“项目名称：”），请确认这是已发布的绩效目标表文本。"
DEFAULT_FRAMEWORK = "shanghai-2020"


# ---------------------------------------------------------------------------------------------
# input and result


class SourceLine(NamedTuple):
    """One line of the source as the parser reads it.

    ``joiner`` is what joins the line to the line before it when both belong to one long text:
    ``""`` for a line the PDF wrapped (text files), ``"\\n"`` (or more) for a new paragraph, which
    the PDF importer can tell from the layout. ``page``/``page_line`` place it in a PDF.
    """

    text: str
    joiner: str = ""
    page: int | None = None
    page_line: int | None = None


class UnusedLine(NamedTuple):
    """A non-blank source line that contributed to no field (1-based line number; page of a PDF)."""

    line_no: int
    text: str
    page: int | None = None


class Unsure(NamedTuple):
    """A field the parser had to decide about; ``field`` is a model path such as ``projects[3].objectives``."""

    line_no: int
    field: str
    note: str
    page: int | None = None


class ReadField(NamedTuple):
    """A field value read from a cell of a published table (grid sources: every field is listed)."""

    line_no: int
    field: str
    text: str


@dataclass
class ImportReport:
    unused: list[UnusedLine] = field(default_factory=list)
    unsure: list[Unsure] = field(default_factory=list)
    # line number → (page, line on that page), for sources with pages (PDF)
    places: dict[int, tuple[int, int]] = field(default_factory=dict)
    # for sources read as a grid of cells, ``line_no`` numbers a cell: its place as the user finds it
    names: dict[int, str] = field(default_factory=dict)
    read: list[ReadField] = field(default_factory=list)

    def where(self, line_no: int) -> str:
        """A line as the user finds it: 第3页第12行 in a PDF, 第120行 in a text file; a cell by its place."""
        if line_no in self.names:
            return self.names[line_no]
        if line_no in self.places:
            page, on_page = self.places[line_no]
            return f"第{page}页第{on_page}行"
        return f"第{line_no}行"

    def _at(self, item: UnusedLine | Unsure) -> str:
        if item.line_no in self.names:
            return self.names[item.line_no]
        place = self.places.get(item.line_no)
        if item.page is not None and (place is None or place[0] != item.page):
            return f"第{item.page}页"  # about a page as a whole (a page without text)
        return self.where(item.line_no)

    def messages(self) -> list[str]:
        """The report as Chinese lines for the user, in source order."""
        items = [(u.line_no, f"{self._at(u)}未使用：{u.text}") for u in self.unused]
        items += [(u.line_no, f"{self._at(u)} {u.field}：{u.note}") for u in self.unsure]
        return [text for _, text in sorted(items, key=lambda item: item[0])]


@dataclass
class ImportResult:
    filing: Filing
    report: ImportReport


# ---------------------------------------------------------------------------------------------
# the line classifier

# Characters a PDF extraction puts in front of the first line of a new page (pdftotext: \f).
_PAGE_MARKS = (" ", "\u3000", "\xa0", "\f")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"\S+")

# 财政项目支出绩效目标表 (any short prefix), and the national 项目支出绩效目标表 forms.
_TITLE_RE = re.compile(
    r"^(?:[^:]{0,16}财政|(?:\d{4}年度?)?(?:中央部门|部门)?)项目支出绩效目标(?:申报)?表(?:\((\d{4})年度?\))?$")
_TITLE_YEAR_RE = re.compile(r"^(\d{4})年")
_COVER_TITLE_RE = re.compile(r"^[^:]{0,16}绩效目标(?:申报)?表.?填报说明$")
_YEAR_RE = re.compile(r"^\((\d{4})年度?\)$|^(\d{4})年度$")
_GOALS_RE = re.compile(r"^\d{4}年度?绩效目标$|^年度绩效目标$|^绩效指标$")
# page numbers, and the template's footer "项目名　第 2 页，共 8 页"
_PAGE_NUMBER_RE = re.compile(r"^(?:第\d+页(?:[,/]?共\d+页)?|.{1,40}?第\d+页,?共\d+页|\d+/\d+|-\d+-)$")

# The published tables this reads are the Shanghai 2020 form's (xlgoals.formreader reads the others).
LINE_FORM = "shanghai-2020"
_FORM_SPOTS: tuple[Spot, ...] = load_form(LINE_FORM).spots
_LABEL_OF = {spot.path: spot.label for spot in _FORM_SPOTS}
_KIND_OF = {spot.path: spot.kind for spot in _FORM_SPOTS}
_ONE_LINE_KINDS = ("date", "yesno", "amount")  # short values: never wrapped over two lines


def _label_pattern(label: str) -> str:
    return re.escape(label).replace("（", "[（(]").replace("）", "[）)]")


_BY_LENGTH = sorted(_FORM_SPOTS, key=lambda spot: len(spot.label), reverse=True)
_LABEL_ALTERNATIVES = "|".join(f"({_label_pattern(spot.label)})" for spot in _BY_LENGTH)
# A label starts a line or follows a space (two fields share a line), and ends with a colon.
_LABEL_RE = re.compile(r"(?:^|(?<=\s))(?:" + _LABEL_ALTERNATIVES + r")\s*[：:]")
# The template prints its labels in cells of their own, without a colon: a label is then a whole
# cell, followed by a space (the next cell) or the end of the line. Only read so when the line
# starts with such a label, so that label words inside a value are not taken for labels.
_LOOSE_LABEL_RE = re.compile(r"(?:^|(?<=\s))(?:" + _LABEL_ALTERNATIVES + r")(?:\s*[：:]|(?=\s)|$)")
_LABEL_GROUP = {index: spot.path for index, spot in enumerate(_BY_LENGTH, start=1)}

# Columns an indicator table may have after its three levels. With a sign or unit column the
# target is printed in parts (指标性质 / 指标值 / 度量单位).
_VALUE_COLUMNS = ("指标目标值", "指标值", "目标值")
_SPLIT_COLUMNS = ("指标性质", "指标方向", "度量单位", "计量单位", "单位")
_COLUMN_NAMES = tuple(sorted((*_VALUE_COLUMNS, *_SPLIT_COLUMNS), key=len, reverse=True))
_TABLE_LABEL_RE = re.compile(r"^(?:\d{4}年度?|年度)?绩效(?:指标|目标)(?=一级)")


def _squash(text: str) -> str:
    """Half-width, without any whitespace: the form in which headings are compared."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


class Kind(Enum):
    BLANK = "blank"
    TITLE = "title"
    COVER_TITLE = "cover title"
    YEAR = "year"
    BUDGET_HEADING = "budget heading"
    GOALS_HEADING = "goals heading"
    TABLE_HEADER = "table header"
    PAGE_NUMBER = "page number"
    LABELS = "labels"
    TEXT = "text"


@dataclass(frozen=True)
class Line:
    no: int
    text: str  # without its page-break mark and line end; every other character kept
    kind: Kind
    year: int | None = None
    labels: tuple[tuple[str, int, int], ...] = ()  # (field path, start, end) of each label, in order
    joiner: str = ""
    columns: tuple[str, ...] = ()  # the columns after the levels, of a table header


class _Vocabulary:
    """What the classifier and the parsers recognise, taken from the form layout and the framework."""

    def __init__(self, framework: Framework):
        self.framework = framework
        self.tree = framework.tree()
        self.order = list(self.tree)
        labels = framework.labels
        self.levels_header = _squash(labels.level1 + labels.level2 + labels.level3)
        self.column_names = tuple(sorted({_squash(labels.target), *_COLUMN_NAMES}, key=len, reverse=True))
        headings = (framework.budget_heading, "本项目上年度市级财政资金使用情况", "项目资金情况")
        self.budget_headings = {_squash(heading) for heading in headings}
        self.choices = {"category": framework.choices.categories,
                        "performance_type": framework.choices.performance_types}

    def header_columns(self, squashed: str) -> tuple[str, ...] | None:
        """The columns after the three levels when the line is the indicator table's header.

        The header may follow the label of a cell that spans the whole table (绩效指标).
        """
        squashed = _TABLE_LABEL_RE.sub("", squashed, count=1)
        if not squashed.startswith(self.levels_header):
            return None
        rest, columns = squashed[len(self.levels_header):], []
        while rest:
            name = next((name for name in self.column_names if rest.startswith(name)), None)
            if name is None:
                return None
            columns.append(name)
            rest = rest[len(name):]
        if not any(name in _VALUE_COLUMNS or name == _squash(self.framework.labels.target) for name in columns):
            return None
        return tuple(columns)


def _labels(text: str) -> tuple[tuple[str, int, int], ...]:
    start = len(text) - len(text.lstrip())
    first = _LOOSE_LABEL_RE.match(text, start)
    loose = first is not None and not re.search(r"[：:]\s*$", first.group())
    pattern = _LOOSE_LABEL_RE if loose else _LABEL_RE
    return tuple((_LABEL_GROUP[m.lastindex], m.start(), m.end()) for m in pattern.finditer(text))


def classify(raw: str, no: int, vocab: _Vocabulary, *, page_marks: bool = True, joiner: str = "") -> Line:
    """Name one source line. Headings are compared half-width and without spaces; labels in place."""
    text = raw[1:] if page_marks and raw.startswith(_PAGE_MARKS) else raw
    squashed = _squash(text)
    if not squashed:
        return Line(no, text, Kind.BLANK, joiner=joiner)
    if match := _TITLE_RE.match(squashed):
        year = match.group(1) or (found.group(1) if (found := _TITLE_YEAR_RE.match(squashed)) else None)
        return Line(no, text, Kind.TITLE, int(year) if year else None, joiner=joiner)
    if _COVER_TITLE_RE.match(squashed):
        return Line(no, text, Kind.COVER_TITLE, joiner=joiner)
    if match := _YEAR_RE.match(squashed):
        return Line(no, text, Kind.YEAR, int(match.group(1) or match.group(2)), joiner=joiner)
    if squashed in vocab.budget_headings:
        return Line(no, text, Kind.BUDGET_HEADING, joiner=joiner)
    if _GOALS_RE.match(squashed):
        return Line(no, text, Kind.GOALS_HEADING, joiner=joiner)
    if (columns := vocab.header_columns(squashed)) is not None:
        return Line(no, text, Kind.TABLE_HEADER, joiner=joiner, columns=columns)
    if _PAGE_NUMBER_RE.match(squashed):
        return Line(no, text, Kind.PAGE_NUMBER, joiner=joiner)
    if labels := _labels(text):
        return Line(no, text, Kind.LABELS, labels=labels, joiner=joiner)
    return Line(no, text, Kind.TEXT, joiner=joiner)


# ---------------------------------------------------------------------------------------------
# the framework


def detect_framework(texts: Sequence[str]) -> tuple[str | None, int | None]:
    """The built-in framework a text names (cover 指标框架) or uses (indicator table header), and its line."""
    frameworks = [load_framework(ref) for ref in builtin_ids()]
    names = {_squash(fw.name): fw.id for fw in frameworks}
    headers = [(_squash(fw.labels.level1 + fw.labels.level2 + fw.labels.level3), fw.id) for fw in frameworks]
    for no, text in enumerate(texts, start=1):
        squashed = _squash(text)
        if squashed.startswith("指标框架") and squashed[4:].lstrip(":") in names:
            return names[squashed[4:].lstrip(":")], no
        matching = [ref for header, ref in headers if _TABLE_LABEL_RE.sub("", squashed, count=1).startswith(header)]
        if matching:
            return _likeliest([fw for fw in frameworks if fw.id in matching], texts), no
    return None, None


def _likeliest(candidates: list[Framework], texts: Sequence[str]) -> str:
    """Of frameworks printing the same headers, the one whose own 二级 names the text uses most
    (a cell of its own line); on a tie the newest (the later id)."""
    cells = {_squash(text) for text in texts}
    shared = set.intersection(*(set(child for node in fw.level1 for child in node.children) for fw in candidates))

    def score(fw: Framework) -> tuple[int, str]:
        own = {child for node in fw.level1 for child in node.children} - shared
        return len(own & cells), fw.id

    return max(candidates, key=score).id


# ---------------------------------------------------------------------------------------------
# the form fields of one table


@dataclass
class _Part:
    line_no: int
    text: str
    after_category: bool = False  # a piece of the project name printed after the 项目类别 label
    joiner: str = ""  # joins the part to the one before it (a new paragraph: "\n")


class _FormParser:
    """The labelled fields of one table: each label opens a field that runs to the next label.

    Wrapped lines are concatenated with no added character, because the PDF wraps at a fixed
    width, not at word boundaries; a line the source marks as a new paragraph is joined with its
    line break. Only the spaces that separate a label from its value on one line are dropped.
    """

    def __init__(self, vocab: _Vocabulary, report: ImportReport, where: str):
        self.vocab, self.report, self.where = vocab, report, where
        self.values: dict[str, list[_Part]] = {}
        self.label_lines: dict[str, int] = {}
        self.current: str | None = None

    def close(self) -> None:
        """A heading ends the open field: what follows belongs to no field until the next label."""
        self.current = None

    def labels(self, line: Line) -> None:
        text = line.text
        before = text[: line.labels[0][1]]
        # the end of the open field, printed before the first label
        if before.strip() and not self.text(line.no, before.rstrip()):
            self.report.unused.append(UnusedLine(line.no, before.strip()))
        for index, (path, _, end) in enumerate(line.labels):
            stop = line.labels[index + 1][1] if index + 1 < len(line.labels) else len(text)
            if path in self.label_lines:
                note = f"“{_LABEL_OF[path]}”在本表中出现了不止一次，后一处的内容已接在前一处之后"
                self.report.unsure.append(Unsure(line.no, self._path(path), note))
            self.label_lines.setdefault(path, line.no)
            self.values.setdefault(path, [])
            self.current = path
            value = text[end:stop].strip()
            if value:
                self.values[path].append(_Part(line.no, value))

    def text(self, no: int, text: str, joiner: str = "") -> bool:
        """A line without a label continues the open field. Returns whether it was used."""
        path = self.current
        if path is None:
            return False
        parts = self.values[path]
        kind = _KIND_OF[path]
        if kind in _ONE_LINE_KINDS:
            if parts:
                return False
            parts.append(_Part(no, text.strip()))
        elif kind == "choice":
            value = "".join(part.text for part in parts) + text.strip()
            if not parts or any(choice.startswith(value) for choice in self.vocab.choices[path]):
                parts.append(_Part(no, text.strip()))
            elif path == "category" and "name" in self.values:
                # the category is complete: the line is the rest of a name wrapped around its label
                self.values["name"].append(_Part(no, text, after_category=True))
            else:
                return False
        else:
            parts.append(_Part(no, text, joiner=joiner if kind == "long" else ""))
        return True

    def _path(self, path: str) -> str:
        return f"{self.where}.{path}"

    def fields(self, title_line: int) -> dict[str, str | None]:
        """Field path → value (None when the label is missing), with the empty and wrapped ones reported."""
        out: dict[str, str | None] = {}
        for spot in _FORM_SPOTS:
            path = spot.path
            if path not in self.label_lines:
                self.report.unsure.append(Unsure(title_line, self._path(path), f"本表没有找到“{spot.label}”"))
                out[path] = None
                continue
            parts = self.values[path]
            if path == "name":  # pieces printed after the 项目类别 label follow the others
                parts = [p for p in parts if not p.after_category] + [p for p in parts if p.after_category]
            value = "".join((part.joiner if index else "") + part.text for index, part in enumerate(parts)).strip()
            out[path] = value
            if not value:
                self.report.unsure.append(Unsure(self.label_lines[path], self._path(path), f"“{spot.label}”为空"))
            elif path == "name" and len(parts) > 1:
                lines = "、".join(str(part.line_no) for part in parts)
                around = "（部分印在“项目类别”之后）" if any(p.after_category for p in parts) else ""
                self.report.unsure.append(Unsure(
                    self.label_lines[path], self._path(path),
                    f"项目名称分印在第{lines}行{around}，已原样拼接为“{value}”"))
        return out


# ---------------------------------------------------------------------------------------------
# the indicator table of one table

# A level-3 name never ends with these: a line ending so goes on on the next line.
_OPEN_END = tuple("、，,；;（(《“‘")
# 指标性质 as printed (compared half-width): the grammar's comparison signs, and the natures without a sign.
_SIGN_TOKENS = frozenset(SIGNS)
_NO_SIGN = frozenset(NATURE_WORDS)
_PLACEHOLDER_UNITS = frozenset({"无", "-", "—", "－", "/", "／", "--", "——"})


def _half(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@dataclass
class _Pending:
    """Lines of a level-3 name still waiting for their target."""

    lines: list[tuple[int, str]]
    tokens: int  # tokens of the first line: a complete-looking "name target" line has two or more

    def name(self) -> str:
        return "".join(text for _, text in self.lines).strip()


class _IndicatorParser:
    """Rows of the indicator table, each with its level 1 and level 2 carried down explicitly.

    A row line is ``[level1] [level2] level3 target``: level labels are recognised by the
    framework's tree, the target is the last token when it parses as a target. A name without a
    target on its line is wrapped: its lines are rejoined until a line brings the target. In a
    table whose header has a sign or unit column, a row line is ``[level1] [level2] level3 sign
    value [unit]`` and the target is their concatenation.
    """

    def __init__(self, vocab: _Vocabulary, report: ImportReport, where: str):
        self.vocab, self.report, self.where = vocab, report, where
        self.level1: str | None = None
        self.level2: str | None = None
        self.pending: _Pending | None = None
        self.rows: list[dict[str, str | None]] = []
        self.split = False  # the target is printed in parts: sign / value / unit columns
        self.repeats = False  # a row printed the level 1 of the row before: every row prints its own

    def header(self, line: Line) -> None:
        self._flush()
        self.split = any(column in _SPLIT_COLUMNS for column in line.columns)

    def line(self, line: Line) -> None:
        tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(line.text)]
        level1 = self.level1
        index = self._levels(line.no, tokens)  # a level label ends the row still waiting
        rest = tokens[index:]
        if not rest:
            return
        if self.pending is None:  # the line starts a row
            self._carried(line.no, level1, tokens[0][0] if index > 0 and tokens[0][0] in self.vocab.tree else None)
        if self.split and self._split_row(line, rest):
            return
        text = line.text[rest[0][1]:]
        last, last_start = rest[-1]
        name = line.text[rest[0][1]:last_start]
        has_target = parse_target(last).kind != "unparsed"
        pending = self.pending
        if pending is not None and pending.tokens >= 2 and len(pending.lines) == 1 and len(rest) >= 2:
            # "name target?" then "name target": two rows, the first with an unreadable target
            self._flush()
            pending = None
        if pending is None:
            if len(rest) >= 2 and has_target:
                self._row(name, last, [line.no])
            else:
                self.pending = _Pending([(line.no, text)], len(rest))
            return
        lines = [no for no, _ in pending.lines] + [line.no]
        if len(rest) == 1 and has_target and not pending.lines[-1][1].rstrip().endswith(_OPEN_END):
            self.pending = None
            self._row(pending.name(), last, lines, wrapped=True)
        elif len(rest) >= 2 and has_target:
            self.pending = None
            self._row(pending.name() + name, last, lines, wrapped=True)
        else:
            pending.lines.append((line.no, text))

    def _carried(self, no: int, before: str | None, printed: str | None) -> None:
        """In a table that prints the level 1 on every row (the template), a row without one is unsure.

        Such a table shows itself by a row that repeats the level 1 of the row before; a table
        that prints it once per group never does.
        """
        if printed is not None:
            self.repeats = self.repeats or printed == before
        elif self.repeats:
            self.report.unsure.append(Unsure(
                no, f"{self.where}.indicators[{len(self.rows)}].level1",
                f"本表各行都写明了一级目标，这一行没有，已沿用上一行的“{self.level1}”“{self.level2}”"))

    def _split_row(self, line: Line, rest: list[tuple[str, int]]) -> bool:
        """``name sign value [unit]``: a row with its target joined from its parts, if the line is one."""
        at = max((i for i, (token, _) in enumerate(rest) if _half(token) in _SIGN_TOKENS | _NO_SIGN), default=None)
        if at is None:
            return False
        after = [token for token, _ in rest[at + 1:]]
        name = line.text[rest[0][1]:rest[at][1]].strip() if at else ""
        if len(after) > 2 or not (name or self.pending):
            return False
        sign = rest[at][0]
        value = after[0] if after else ""
        unit = after[1] if len(after) > 1 and after[1] not in _PLACEHOLDER_UNITS else ""
        target = ("" if _half(sign) in _NO_SIGN else sign) + value + unit
        pending, self.pending = self.pending, None
        if pending is None:
            self._row(name, target or None, [line.no])
        else:
            lines = [no for no, _ in pending.lines] + [line.no]
            self._row(pending.name() + name, target or None, lines, wrapped=True)
        return True

    def _levels(self, no: int, tokens: list[tuple[str, int]]) -> int:
        """Take the level-1 and level-2 labels at the start of a row line; return the index after them."""
        index = 0
        if index < len(tokens) and tokens[index][0] in self.vocab.tree:
            self._flush()
            self.level1, self.level2 = tokens[index][0], None
            index += 1
        if index < len(tokens):
            token = tokens[index][0]
            parent = self.vocab.framework.parent_of(token)
            if self.level1 is not None and token in self.vocab.tree[self.level1]:
                self._flush()
                self.level2 = token
                index += 1
            elif parent is not None and (self.level1 is None or self._later(parent, self.level1)):
                # the level-1 label is missing: the framework says whose child this is
                self._flush()
                self.report.unsure.append(Unsure(
                    no, f"{self.where}.indicators[{len(self.rows)}].level1",
                    f"二级目标“{token}”前没有一级目标，已按指标框架取“{parent}”"))
                self.level1, self.level2 = parent, token
                index += 1
        return index

    def _later(self, level1: str, than: str) -> bool:
        return self.vocab.order.index(level1) > self.vocab.order.index(than)

    def _row(self, name: str, target: str | None, lines: list[int], wrapped: bool = False) -> None:
        name = name.strip()
        path = f"{self.where}.indicators[{len(self.rows)}]"
        shown = "、".join(str(no) for no in lines)
        if wrapped:
            self.report.unsure.append(Unsure(lines[0], path, f"三级目标名称跨行（第{shown}行），已原样拼接为“{name}”，目标值取“{target}”"))
        elif _SPACES.search(name):
            self.report.unsure.append(Unsure(lines[0], path, f"三级目标名称含空格，已取行末“{target}”为目标值、“{name}”为名称"))
        if target is None:
            self.report.unsure.append(Unsure(lines[0], path, f"“{name}”没有指标目标值"))
        elif parse_target(target).kind == "unparsed":
            self.report.unsure.append(Unsure(lines[0], path, f"行末“{target}”不是可识别的目标值，仍按目标值读入"))
        if self.level1 is None:
            self.report.unsure.append(Unsure(lines[0], path, "这一行之前没有一级目标"))
        if self.level2 is None:
            self.report.unsure.append(Unsure(lines[0], path, "这一行之前没有二级目标"))
        self.rows.append({"level1": self.level1, "level2": self.level2, "level3": name, "target": target})

    def _flush(self) -> None:
        """A name still waiting when its group ends: a row with its last token or no target."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        lines = [no for no, _ in pending.lines]
        if len(pending.lines) == 1 and pending.tokens >= 2:
            text = pending.lines[0][1]
            tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(text)]
            self._row(text[: tokens[-1][1]], tokens[-1][0], lines)
        else:
            self._row(pending.name(), None, lines)

    def finish(self) -> list[dict[str, str | None]]:
        self._flush()
        return self.rows


# ---------------------------------------------------------------------------------------------
# the cover sheet 填报说明 of the template

_COVER_LABEL_OF = {spot.label: spot.path for spot in COVER_SPOTS}
_COVER_LABEL_RE = re.compile(
    r"^\s*(" + "|".join(re.escape(label) for label in sorted(_COVER_LABEL_OF, key=len, reverse=True))
    + r")(?:\s*[：:]|(?=\s)|$)\s*(.*?)\s*$")
_GUIDE_HEADING = "填报指引"
_GUIDE_ITEM_RE = re.compile(r"^\s*\d{1,2}[.．、]")


def parse_cover(lines: Sequence[tuple[int, str]], report: ImportReport) -> dict[str, tuple[int, str]]:
    """The cover's fields (path → (line, value)) from its (line number, text) after its title;
    its guide text is recognised, page numbers skipped, other lines unused."""
    values: dict[str, tuple[int, str]] = {}
    guide = in_item = False
    for no, text in lines:
        squashed = _squash(text)
        if not squashed or _PAGE_NUMBER_RE.match(squashed):
            continue
        if guide:
            in_item = in_item or bool(_GUIDE_ITEM_RE.match(text))
            if not in_item:
                report.unused.append(UnusedLine(no, text))
            continue
        if squashed == _GUIDE_HEADING:
            guide = True
            continue
        if match := _COVER_LABEL_RE.match(text):
            current = _COVER_LABEL_OF[match.group(1)]
            if current in values:
                report.unsure.append(Unsure(no, current, f"封面的“{match.group(1)}”出现了不止一次，取第一处"))
                continue
            values[current] = (no, match.group(2))
        else:  # a cover value is one cell: it never goes on on the next line
            report.unused.append(UnusedLine(no, text))
    return {path: (no, value.strip()) for path, (no, value) in values.items()}


# ---------------------------------------------------------------------------------------------
# tables and the filing


def _split_tables(lines: list[Line], report: ImportReport) -> tuple[list[list[Line]], list[Line]]:
    """Split at each title that opens a table (followed, after its year, by its first labels).

    Returns the tables and the cover: the lines from a cover title to the first table. A title
    followed by anything else is a heading repeated on a page of the same table, not a table.
    """
    tables: list[list[Line]] = []
    cover: list[Line] = []
    for index, line in enumerate(lines):
        if line.kind is Kind.TITLE and (not tables or _opens_table(lines, index)):
            tables.append([line])
        elif tables:
            tables[-1].append(line)
        elif line.kind is Kind.COVER_TITLE and not cover:
            cover.append(line)
        elif cover:
            cover.append(line)
        elif line.kind is not Kind.BLANK:
            report.unused.append(UnusedLine(line.no, line.text))
    return tables, cover


def _opens_table(lines: list[Line], index: int) -> bool:
    """Whether the unit or name label follows the title within two lines (its year aside).

    A title repeated at the top of a page is followed by the rest of the table instead.
    """
    following: list[Line] = []
    for line in lines[index + 1:index + 12]:
        if line.kind is Kind.TITLE or len(following) == 2:
            break
        if line.kind not in (Kind.BLANK, Kind.PAGE_NUMBER, Kind.YEAR):
            following.append(line)
    return any(line.kind is Kind.LABELS and line.labels[0][0] in ("unit", "name") for line in following)


def _parse_table(lines: list[Line], index: int, vocab: _Vocabulary, report: ImportReport) -> tuple[dict, bool]:
    """One table → the project's dict (model shape) and whether any form label was found."""
    where = f"projects[{index}]"
    title = lines[0]
    year = title.year
    form = _FormParser(vocab, report, where)
    table = _IndicatorParser(vocab, report, where)
    in_table = goals_seen = repeated = False

    def unused(line: Line) -> None:
        report.unused.append(UnusedLine(line.no, line.text))

    for line in lines[1:]:
        kind = line.kind
        if kind in (Kind.BLANK, Kind.PAGE_NUMBER):  # a page number or footer: recognised, no content
            continue
        after_title, repeated = repeated, kind is Kind.TITLE
        if kind is Kind.TITLE:
            continue  # the title repeated at the top of a page
        if kind is Kind.YEAR and after_title:  # … with its year row
            if year is not None and line.year != year:
                report.unsure.append(Unsure(line.no, f"{where}.year", f"页首重复的年度{line.year}与本表的{year}不一致"))
            continue
        if in_table:
            if kind is Kind.TEXT:
                table.line(line)
            elif kind is Kind.TABLE_HEADER:  # repeated on a new page
                table.header(line)
            elif kind is not Kind.GOALS_HEADING:
                unused(line)
            continue
        if kind is Kind.YEAR and not form.label_lines:
            if year is not None and year != line.year:
                report.unsure.append(Unsure(line.no, f"{where}.year", f"标题中的年度{year}与“（{line.year}年度）”不一致，取后者"))
            year = line.year
        elif kind is Kind.BUDGET_HEADING:
            form.close()
        elif kind is Kind.GOALS_HEADING:
            form.close()
            goals_seen = True
        elif kind is Kind.TABLE_HEADER:
            form.close()
            in_table = True
            table.header(line)
        elif kind is Kind.LABELS:
            form.labels(line)
        else:
            first = next(iter(line.text.split()), "")
            after_budget = goals_seen or (form.current or "").startswith("budget.")
            if after_budget and first in vocab.tree:
                report.unsure.append(Unsure(line.no, f"{where}.indicators", "指标表没有表头行，已从这一行起按指标表读取"))
                form.close()
                in_table = True
                table.line(line)
            elif not form.text(line.no, line.text, line.joiner):
                unused(line)
    values = form.fields(title.no)
    if year is None:
        report.unsure.append(Unsure(title.no, f"{where}.year", "没有找到预算年度（如“（2020年度）”）"))
    rows = table.finish()
    if not rows:
        report.unsure.append(Unsure(title.no, f"{where}.indicators", "本表没有读到任何绩效指标"))
    project: dict = {"year": year, "budget": {}, "indicators": rows}
    for path, value in values.items():
        if path.startswith("budget."):
            project["budget"][path.removeprefix("budget.")] = value
        else:
            project[path] = value
    return project, bool(form.label_lines)


def _resolve_framework(texts: list[str], framework: str | None, report: ImportReport) -> Framework:
    detected, line_no = detect_framework(texts)
    if framework is None:
        return load_framework(detected or DEFAULT_FRAMEWORK)
    chosen = load_framework(framework)
    if detected is not None and line_no is not None and detected != chosen.id:
        note = f"这一行表明原表按“{load_framework(detected).name}”填写，但按指定的“{chosen.name}”读取"
        report.unsure.append(Unsure(line_no, "framework", note))
    return chosen


def parse_source_lines(lines: Sequence[SourceLine], *, source: str | None = None, framework: str | None = None,
                       page_marks: bool = False, extra: Sequence[Unsure] = ()) -> ImportResult:
    """Read the lines of one or more published tables into a Filing, with a report of what was guessed.

    ``framework`` is a framework id; None detects it from the text. ``page_marks``: the first
    character of a line may be a page-break mark to drop (text extracted by other tools).
    ``extra`` are notes of the extraction to add to the report. Raises :class:`InputFileError`
    (naming ``source``) when the text holds no table.
    """
    report = ImportReport(unsure=list(extra))
    vocab = _Vocabulary(_resolve_framework([line.text for line in lines], framework, report))
    classified = [classify(line.text, no, vocab, page_marks=page_marks, joiner=line.joiner)
                  for no, line in enumerate(lines, start=1)]
    for no, line in enumerate(lines, start=1):
        if line.page is not None:
            report.places[no] = (line.page, line.page_line or 0)
    tables, cover_lines = _split_tables(classified, report)
    if not tables:
        raise InputFileError(NO_TABLE_MESSAGE, source)
    cover = parse_cover([(line.no, line.text) for line in cover_lines[1:]], report) if cover_lines else {}
    projects, found = [], False
    for index, table in enumerate(tables):
        project, labelled = _parse_table(table, index, vocab, report)
        projects.append(project)
        found = found or labelled
    if not found:
        raise InputFileError(NO_FIELDS_MESSAGE, source)
    unit = next((p["unit"] for p in projects if p["unit"]), None)
    year = next((p["year"] for p in projects if p["year"] is not None), None)
    for index, (project, table) in enumerate(zip(projects, tables)):
        if project["unit"] and project["unit"] != unit:
            note = f"申报单位“{project['unit']}”与第一张表的“{unit}”不同"
            report.unsure.append(Unsure(table[0].no, f"projects[{index}].unit", note))
        if project["year"] is not None and project["year"] != year:
            report.unsure.append(Unsure(table[0].no, f"projects[{index}].year", f"年度{project['year']}与第一张表的{year}不同"))
    filing: dict = {"unit": unit, "year": year, "framework": vocab.framework.id, "projects": projects, "source": source}
    apply_cover(cover, filing, vocab.framework, report)
    report.unsure.sort(key=lambda item: item.line_no)
    report.unused.sort(key=lambda item: item.line_no)
    if report.places:
        report.unused = [_paged(item, report.places) for item in report.unused]
        report.unsure = [_paged(item, report.places) for item in report.unsure]
    return ImportResult(Filing.model_validate(filing), report)


def _paged(item, places: dict[int, tuple[int, int]]):
    """The item with the page of its line, unless it already names its page."""
    if item.page is not None or item.line_no not in places:
        return item
    return item._replace(page=places[item.line_no][0])


def apply_cover(cover: dict[str, tuple[int, str]], filing: dict, framework: Framework, report: ImportReport) -> None:
    """The cover's department, contact and phone go into the filing; its unit, year and framework are checked."""
    for path in ("department", "contact", "phone"):
        if path in cover:
            filing[path] = cover[path][1] or None
    if "unit" in cover and cover["unit"][1]:
        no, unit = cover["unit"]
        if filing["unit"] is None:
            filing["unit"] = unit
        elif unit != filing["unit"]:
            report.unsure.append(Unsure(no, "unit", f"封面的申报单位“{unit}”与项目表的“{filing['unit']}”不同，取项目表的"))
    if "year" in cover and cover["year"][1]:
        no, text = cover["year"]
        if filing["year"] is None:
            filing["year"] = text  # the model reads it as a year, or keeps the text for the checks
        elif text != str(filing["year"]):
            report.unsure.append(Unsure(no, "year", f"封面的预算年度“{text}”与项目表的{filing['year']}不同，取项目表的"))
    if "framework_name" in cover and _squash(cover["framework_name"][1]) != _squash(framework.name):
        no, name = cover["framework_name"]
        report.unsure.append(Unsure(no, "framework", f"封面的指标框架“{name}”不是“{framework.name}”，已按后者读取"))


def cover_or_page_line(text: str) -> Kind | None:
    """Whether a line is a cover title or a page number (as any form's table prints them)."""
    squashed = _squash(text)
    if _COVER_TITLE_RE.match(squashed):
        return Kind.COVER_TITLE
    if _PAGE_NUMBER_RE.match(squashed):
        return Kind.PAGE_NUMBER
    return None


def parse_published_text(text: str, *, source: str | None = None, framework: str | None = None) -> ImportResult:
    """Read the text of one or more published tables into a Filing, with a report of what was guessed.

    ``framework`` is a framework id; None detects it (default: shanghai-2020). Raises
    :class:`InputFileError` (naming ``source``) when the text holds no table.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = [SourceLine(raw) for raw in _LINE_BREAK.split(text)]
    return parse_source_lines(lines, source=source, framework=framework, page_marks=True)


# ---------------------------------------------------------------------------------------------
# files

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


def _decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; None when it is no text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in data:
        return None
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # bytes that happen to decode (GB18030 accepts much) but are full of controls are no text
        if len(_CONTROL.findall(text)) > max(2, len(text) // 100):
            return None
        return text
    return None


def read_text_file(path: str | Path) -> str:
    """The text of a text file (UTF-8, UTF-16 or GB18030); every failure is one Chinese line naming the file."""
    path = Path(path)
    data = read_input_bytes(path, kind="文本文件", empty="文件是空的，请重新导出文本后再试。")
    if data.startswith(b"%PDF"):
        raise InputFileError("这是 PDF 文件，请把扩展名改为 .pdf 后直接导入，或先把其中的文字导出为文本文件。", path)
    text = _decode(data)
    if text is None:
        raise InputFileError("不是文本文件，请选择从已发布的绩效目标表导出的文本（UTF-8 或 GB18030 编码）。", path)
    return text


def import_text_file(path: str | Path, *, framework: str | None = None, form: str | None = None) -> ImportResult:
    """Read a text file copied from published tables: the form its labels name (``form``
    overrides), the Shanghai layout line by line, any other through :mod:`xlgoals.formreader`."""
    from .formreader import read_grid
    from .grid import text_grid

    text = read_text_file(path)
    return read_grid(text_grid(text), source=str(path), form=form, framework=framework,
                     read_lines=lambda: parse_published_text(text, source=str(path), framework=framework))
