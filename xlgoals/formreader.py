"""One reader for published tables of any container: a :class:`~xlgoals.grid.Grid` → a Filing.

The form is recognised by its labels: each form file lists how published copies print its
fields (``[label_variants]``) and headings (``variants``); the form whose labels the grid holds
most is read (``form`` overrides), the split-column variant being told from the plain one by
its indicator table's header. A grid of no known form is refused with the labels it lacks. The
Shanghai form is printed label-after-label in running text, so its tables are read line by line
by :mod:`xlgoals.textimport` (its seed imports exactly as before); every other form is read
here, cell by cell:

* labels are compared half-width without spaces or a final colon, so a label broken over lines
  or spaced out (``年度\\n目标``, ``总体 目标``) is still the label; a cell that runs labels and
  values together (a line of copied text) is cut at the labels it starts with or that follow a
  space; labels split over several one-cell lines are joined;
* a label's value is the next cell of its row; a label without one takes the cell below it (the
  cell under its columns, or the next in order in text without columns); a long text goes on
  over the cells that follow until the next label;
* the indicator table starts at its header row, whose columns (split or not) say what each cell
  of a row is: by position in a table, by order in a row of text (the cells a group label
  spanned are the missing first ones), by the framework's names in text that runs cells
  together. A level printed once for a group is carried down; a 一级 label printed in the middle
  of its group is given to the rows above it that the framework or their 二级 ties to it;
* amounts in 万元 (the form's unit, or the table's, or the cell's own ``128万元``) become exact
  yuan; words beside the number are left out and reported; a checkbox list (新增项目■ 延续项目□)
  reads as the ticked option. Everything else is kept as printed: the checks judge values.

The report lists every field read with its cell, every cell not used, and every guess (a label
read by a variant, a value cut from its unit, a level given by the framework, a row cut off at
the end of the file).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import InputFileError
from .frameworks import Framework, builtin_ids, load_framework
from .grid import Cell, Grid, Row
from .layout import NOT_IMPORTED, Form, builtin_forms, cells_of, load_form
from .model import Filing
# The words a 指标性质 or 度量单位 cell may hold and how a wrapped name's line ends are the line
# reader's (_NO_SIGN … _SIGN_TOKENS), declared once there.
from .textimport import _NO_SIGN as _NATURES
from .textimport import _OPEN_END, _PLACEHOLDER_UNITS
from .textimport import _SIGN_TOKENS as _SIGNS
from .textimport import (LINE_FORM, ImportReport, ImportResult, Kind, ReadField, SourceLine, Unsure, UnusedLine,
                         apply_cover, cover_or_page_line, parse_cover, parse_source_lines)
from .values import canonical_amount, to_amount
from .workbook.cells import join_target

__all__ = ["choose_form", "read_grid"]

_SPACES = re.compile(r"\s+")
_UNIT_TAIL = re.compile(r"\((?:单位:)?(万元|元)\)$")
_TITLE = re.compile(r"^.{0,40}?绩效目标(?:申报)?表(?:\((\d{4})年度?\))?$")
_TITLE_YEAR = re.compile(r"(\d{4})年")
_YEAR = re.compile(r"^\((\d{4})年度?\)$|^(\d{4})年度$|^预算年度:?(\d{4})年?度?$")
_MONEY_LINE = re.compile(r"^(?:金额)?单位:(万元|元)$")
_TABLE_LABEL = re.compile(r"^(?:\d{4}年度?|年度|中期|本年度)?绩效(?:指标|目标)")
_NOTE = re.compile(r"^(?:注|备注|说明)\s*[：:\d一二三四五六七八九十、.]")
_SIGNATURE = re.compile(r"^(?:填报人|填表人|审核人|单位负责人|负责人|财务负责人|部门负责人|经办人|联系人|联系电话|电话|"
                        r"填报日期|填表日期|日期|制表人|制表日期|审批人|分管领导|[（(]?(?:单位)?(?:盖章|公章)[)）]?)")
_CHECKED, _UNCHECKED = "■☑√✓✔●◉▣☒", "□☐○◯"
_MARK_TOKENS = re.compile(f"[{_CHECKED}{_UNCHECKED}]|[^{_CHECKED}{_UNCHECKED}\\s]+")
_AMOUNT = re.compile(r"^([+-]?\d[\d,]*(?:\.\d+)?)\s*(万元|万|元)?\s*(.*?)$", re.DOTALL)
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?%?$")
_ONE_LINE_KINDS = ("text", "choice", "date", "amount", "yesno", "title", "year")
_MATCHED_SHARE = 0.5  # of a form's required labels a grid must hold to be read as that form


def _half(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _key(text: str) -> tuple[str, str | None]:
    """How labels are compared: half-width, no spaces, no final colon; and the money unit a
    label names in brackets at its end (年度资金总额（万元）)."""
    key = _SPACES.sub("", _half(text)).rstrip(":")
    if match := _UNIT_TAIL.search(key):
        return key[: match.start()].rstrip(":"), match.group(1)
    return key, None


def _loose(label: str) -> str:
    """A label as a pattern that also finds it spaced out or with half-width brackets and colons."""
    out = []
    for char in _half(label):
        out.append({"(": "[（(]", ")": "[）)]", ":": "[：:]"}.get(char, re.escape(char)))
    return r"\s*".join(out)


# ---------------------------------------------------------------------------------------------
# what a form's tables print


@dataclass(frozen=True)
class _Vocabulary:
    form: Form
    framework: Framework
    labels: dict[str, tuple[str, ...]]  # key → the fields a label so printed may name (form order)
    own: dict[str, str]  # field → key of the form's own label
    headings: dict[str, str]  # key → "money", "goals" or "heading"
    tables: dict[str, str]  # key of an indicator table's heading → its horizon
    columns: dict[str, tuple[str, ...]]  # key of a column header → the indicator fields it may be
    pattern: re.Pattern[str]  # the labels and headings, to cut cells that run several together

    def fields(self, key: str) -> tuple[str, ...]:
        return self.labels.get(key, ())

    def is_label(self, key: str) -> bool:
        return key in self.labels or key in self.headings or key in self.tables


_VOCABULARIES: dict[tuple[int, int], tuple[Form, Framework, _Vocabulary]] = {}


def _vocabulary(form: Form, framework: Framework) -> _Vocabulary:
    """The vocabulary of a form read with a framework (kept per pair: forms and frameworks are loaded once)."""
    key = (id(form), id(framework))
    if key not in _VOCABULARIES:
        _VOCABULARIES[key] = (form, framework, _build_vocabulary(form, framework))
    return _VOCABULARIES[key][2]


def _build_vocabulary(form: Form, framework: Framework) -> _Vocabulary:
    labels: dict[str, tuple[str, ...]] = {}

    def add(text: str, path: str) -> None:
        key = _key(text)[0]
        if path not in labels.get(key, ()):
            labels[key] = (*labels.get(key, ()), path)

    for spot in form.spots:
        for text in (spot.label, *form.label_variants.get(spot.path, ())):
            add(text, spot.path)
    if not form.has("unit"):
        for text in form.label_variants.get("unit", ()):
            add(text, "unit")
    amount_rows = {cell[0] for spot in form.spots if spot.kind == "amount" and spot.label_range
                   for cell in cells_of(spot.label_range)}
    headings: dict[str, str] = {}
    for heading in form.headings:
        if "{" in heading.text:
            continue
        rows = {cell[0] for cell in cells_of(heading.range)}
        role = "money" if rows & amount_rows else "goals"
        for text in (heading.text, *heading.variants):
            headings[_key(text)[0]] = role
    tables = {_key(table.heading)[0]: table.horizon for table in form.tables if "{" not in table.heading}
    columns: dict[str, tuple[str, ...]] = {}
    names = framework.labels
    own_columns = [(names.level1, "level1"), (names.level2, "level2"), (names.level3, "level3"), (names.target, "target")]
    own_columns += [(column.label, column.field) for column in form.indicator_columns if column.label]
    variants = [(text, key.removeprefix("indicators.")) for key, texts in form.label_variants.items()
                if key.startswith("indicators.") for text in texts]
    for text, name in [*own_columns, *variants]:
        key = _key(text)[0]
        if name not in columns.get(key, ()):
            columns[key] = (*columns.get(key, ()), name)
    words = sorted({*labels, *headings, *tables}, key=len, reverse=True)
    pattern = re.compile(r"(?:^|(?<=[\s：:]))(?:" + "|".join(_loose(word) for word in words) + r")"
                         r"(?:\s*[（(](?:单位[：:])?(?:万元|元)[）)])?(?:\s*[：:])?")
    return _Vocabulary(form, framework, labels, {spot.path: _key(spot.label)[0] for spot in form.spots}, headings,
                       tables, columns, pattern)


# ---------------------------------------------------------------------------------------------
# pieces: cells, cut at their labels


@dataclass
class _Piece:
    text: str
    cell: Cell
    key: str = ""
    unit: str | None = None  # the money unit a label or heading names
    cut: str | None = None  # how the piece was cut from its cell (a guess to report)

    def __post_init__(self) -> None:
        self.key, self.unit = _key(self.text)


def _pieces(row: Row, vocab: _Vocabulary) -> list[_Piece]:
    """The row's cells, each cut at the labels it holds: a label at its start (also run into its
    value), and in a cell of a line of text also a label after a space."""
    out: list[_Piece] = []
    for cell in row.cells:
        text = cell.text.strip()
        if not text:
            continue
        if vocab.is_label(_key(text)[0]):
            out.append(_Piece(text, cell))
            continue
        found = [m for m in vocab.pattern.finditer(text)
                 if (m.start() == 0 or not row.aligned) and _ends_label(text, m)]
        if not found:
            out.append(_Piece(text, cell))
            continue
        at = 0
        for match in found:
            if match.start() > at and text[at:match.start()].strip():
                out.append(_Piece(text[at:match.start()].strip(), cell))
            run_on = match.end() < len(text) and not text[match.end() - 1] in "：:" and not text[match.end()].isspace()
            label = _Piece(match.group().strip(), cell)
            if run_on:
                label.cut = f"“{label.text}”与其后的文字连在一起，已按标签拆开"
            out.append(label)
            at = match.end()
        if text[at:].strip():
            out.append(_Piece(text[at:].strip(), cell))
    return out


def _ends_label(text: str, match: re.Match) -> bool:
    """A label found inside a cell ends the cell, or is followed by a colon or space; only the
    one at the very start may run into its value."""
    end = match.end()
    return match.start() == 0 or end == len(text) or text[end - 1] in "：:" or text[end].isspace()


# ---------------------------------------------------------------------------------------------
# choosing the form


@dataclass(frozen=True)
class _Fit:
    form: Form
    found: frozenset[str]  # the fields whose labels the grid holds
    header: int  # how many of the form's indicator column headers it holds

    @property
    def missing(self) -> list[str]:
        return [spot.label for spot in self.form.spots if spot.required and spot.path not in self.found]

    @property
    def matched(self) -> bool:
        required = [path for path in self.form.required]
        return "name" in self.found and len(self.found & set(required)) >= _MATCHED_SHARE * len(required)


def _fit(grid: Grid, form: Form) -> _Fit:
    vocab = _vocabulary(form, load_framework(form.framework))
    found: set[str] = set()
    keys: set[str] = set()
    for row in grid.rows:
        for piece in _pieces(row, vocab):
            keys.add(piece.key)
            found.update(path for path in vocab.fields(piece.key) if path != "unit")
    headers = {name for key, names in vocab.columns.items() for name in names
               if key in keys or any(key in k for k in keys if k.startswith(_key(vocab.framework.labels.level1)[0]))}
    wanted = {column.field for column in form.indicator_columns}
    return _Fit(form, frozenset(found), len(headers & wanted))


def choose_form(grid: Grid, form: str | Form | None = None) -> _Fit:
    """The form the grid's labels name (or the one given), with the labels found."""
    if form is not None:
        chosen = load_form(form)
        return _fit(grid, chosen)
    fits = [_fit(grid, load_form(ref)) for ref in builtin_forms()]
    return max(fits, key=lambda fit: (len(fit.found), fit.header, -len(fit.form.indicator_columns)))


def _refusal(fit: _Fit) -> str:
    missing = "“" + "”“".join(fit.missing) + "”" if fit.missing else "项目名称等栏目"
    return (f"没有识别出绩效目标表：按《{fit.form.title}》读取，表中缺少{missing}；"
            "请确认这是已发布的绩效目标表，或用 --form 指定表样。")


# ---------------------------------------------------------------------------------------------
# the grid → a filing


def read_grid(grid: Grid, *, source: str | None = None, form: str | Form | None = None,
              framework: str | None = None, read_lines: Callable[[], ImportResult] | None = None) -> ImportResult:
    """A filing from the tables in ``grid``, with its import report.

    ``read_lines`` reads the same source line by line (text and PDF give one; other containers
    read their rows as lines), for the Shanghai form and for sources of no form at all, whose
    refusal is the line reader's. Raises :class:`InputFileError` (naming ``source``).
    """
    fit = choose_form(grid, form)
    line_source = read_lines is not None
    if read_lines is None:
        def read_lines() -> ImportResult:
            lines = [SourceLine(" ".join(cell.text.replace("\n", " ") for cell in row.cells if cell.text.strip()))
                     for row in grid.rows]
            return parse_source_lines(lines, source=source, framework=framework)
    if fit.form.id == LINE_FORM:
        return read_lines()
    if not fit.matched and form is None:
        if len(fit.found) < 2 and line_source:
            return read_lines()  # no table of another form: the line reader says what the text is
        raise InputFileError(_refusal(fit), source)
    return _Reader(grid, fit.form, framework, source).read()


class _Reader:
    """The tables of one grid, of one form."""

    def __init__(self, grid: Grid, form: Form, framework: str | None, source: str | None):
        self.grid, self.form, self.source = grid, form, source
        self.report = ImportReport()
        for row in grid.rows:
            for cell in row.cells:
                if cell.no:
                    self.report.names[cell.no] = cell.place
        for number, place, note in grid.notes:
            self.report.names.setdefault(number, place)
            self.report.unsure.append(Unsure(number, "PDF", note))
        self.framework_ref = framework

    def unused(self, piece: _Piece | Cell) -> None:
        cell = piece.cell if isinstance(piece, _Piece) else piece
        self.report.unused.append(UnusedLine(cell.no, piece.text))

    def unsure(self, cell: Cell, path: str, note: str) -> None:
        self.report.unsure.append(Unsure(cell.no, path, note))

    def read(self) -> ImportResult:
        vocab0 = _vocabulary(self.form, load_framework(self.form.framework))
        lead, cover, tables = self._split(vocab0)
        cover_lines = [(row.cells[0].no, " ".join(cell.text for cell in row.cells if cell.text.strip()))
                       for row in cover[1:]]
        cover_values = parse_cover(cover_lines, self.report) if cover else {}
        framework = self._framework(cover_values)
        vocab = _vocabulary(self.form, framework)
        unit, year, money = None, None, None
        awaiting_unit = False
        for row in lead:
            for piece in _pieces(row, vocab):
                if vocab.fields(piece.key) == ("unit",):
                    awaiting_unit = True
                    continue
                if awaiting_unit:
                    unit, awaiting_unit = piece.text, False
                    self.report.read.append(ReadField(piece.cell.no, "unit", piece.text))
                elif match := _YEAR.match(piece.key):
                    year = int(next(g for g in match.groups() if g))
                elif match := _MONEY_LINE.match(piece.key):
                    money = match.group(1)
                elif _TITLE.match(piece.key):
                    year = year or _title_year(piece.key)
                elif cover_or_page_line(piece.text) is not Kind.PAGE_NUMBER:
                    self.unused(piece)
        projects = []
        for index, rows in enumerate(tables):
            keys = [{piece.key for piece in _pieces(row, vocab)} for row in rows]
            reader = _TableReader(self, vocab, index, money, year, keys, last=index == len(tables) - 1)
            for row in rows:
                reader.row(row)
            projects.append(reader.finish())
        if not projects:
            raise InputFileError(_refusal(_fit(self.grid, self.form)), self.source)
        filing: dict = {"unit": unit, "year": None, "form": self.form.id,
                        "framework": framework.id, "projects": projects, "source": self.source}
        units = [p.pop("unit", None) for p in projects]
        filing["unit"] = filing["unit"] or next((u for u in units if u), None)
        years = [p["year"] for p in projects if p.get("year") is not None]
        filing["year"] = years[0] if years else year
        apply_cover(cover_values, filing, framework, self.report)
        self.report.unsure.sort(key=lambda item: item.line_no)
        self.report.unused.sort(key=lambda item: item.line_no)
        return ImportResult(Filing.model_validate(filing), self.report)

    def _split(self, vocab: _Vocabulary) -> tuple[list[Row], list[Row], list[list[Row]]]:
        """The rows before any table, the cover (the template's 填报说明), and each table's rows.

        A table starts at a title followed by its name label within a few rows (a title without
        one is the title repeated at the top of a page), or at a name label when the table open
        already has its own."""
        lead: list[Row] = []
        cover: list[Row] = []
        tables: list[list[Row]] = []
        named = False
        rows = self.grid.rows
        for index, row in enumerate(rows):
            keys = [piece.key for piece in _pieces(row, vocab)]
            first = keys[0] if keys else ""
            if cover_or_page_line(row.cells[0].text) is Kind.COVER_TITLE and not tables:
                cover.append(row)
                continue
            title = _TITLE.match(first) is not None and len(row.cells) == 1
            names = any("name" in vocab.fields(key) for key in keys)
            if title and self._opens(rows, index, vocab):
                tables.append([row])
                named = False
            elif names and (not tables or named and not self._just_titled(tables[-1])):
                tables.append([row])  # the next project's name, without a title of its own
                named = True
            elif tables:
                tables[-1].append(row)
                named = named or names
            elif cover:
                cover.append(row)
            else:
                lead.append(row)
        return lead, cover, tables

    @staticmethod
    def _just_titled(rows: list[Row]) -> bool:
        """Whether the table open has only its title and year rows so far (its name comes next)."""
        return all(_TITLE.match(_key(row.cells[0].text)[0]) or _YEAR.match(_key(row.cells[0].text)[0])
                   or _MONEY_LINE.match(_key(row.cells[0].text)[0]) for row in rows)

    @staticmethod
    def _opens(rows: list[Row], index: int, vocab: _Vocabulary) -> bool:
        for row in rows[index + 1:index + 5]:
            keys = [piece.key for piece in _pieces(row, vocab)]
            if any("name" in vocab.fields(key) for key in keys):
                return True
        return False

    def _framework(self, cover: dict[str, tuple[int, str]]) -> Framework:
        """The framework named (``--framework``), else on the cover, else the one whose names the
        table uses most; on a tie the form's own."""
        if self.framework_ref is not None:
            return load_framework(self.framework_ref)
        frameworks = [load_framework(ref) for ref in builtin_ids()]
        if "framework_name" in cover:
            named = _key(cover["framework_name"][1])[0]
            for framework in frameworks:
                if _key(framework.name)[0] == named:
                    return framework
        keys = {_key(token)[0] for text in self.grid.texts() for token in (text, *text.split())}
        default = self.form.framework

        def names(framework: Framework) -> set[str]:
            return {node.name for node in framework.level1} | {child for node in framework.level1 for child in node.children}

        shared = set.intersection(*(names(framework) for framework in frameworks))

        def score(framework: Framework) -> tuple[int, int, bool]:
            """Its column headers printed, then its own level names (those no other framework has)."""
            headers = sum(_key(label)[0] in keys or any(_key(label)[0] in key for key in keys)
                          for label in (framework.labels.level1, framework.labels.level3))
            return headers, len((names(framework) - shared) & keys), framework.id == default

        return max(frameworks, key=score)


def _title_year(key: str) -> int | None:
    match = _TITLE_YEAR.search(key)
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------------------------------------
# one table


@dataclass
class _Column:
    field: str
    left: float
    right: float


@dataclass
class _Value:
    piece: _Piece
    text: str
    joiner: str = ""


@dataclass
class _Stream:
    """Tokens of rows that run their cells together, waiting to make a row of the table."""

    levels: list[tuple[str, str, _Piece]] = field(default_factory=list)  # (level field, name, piece)
    name: list[_Piece] = field(default_factory=list)
    parts: dict[str, _Piece] = field(default_factory=dict)  # target / op / value / unit / weight


class _TableReader:
    def __init__(self, reader: _Reader, vocab: _Vocabulary, index: int, money: str | None, year: int | None,
                 keys: list[set[str]], last: bool):
        self.reader, self.vocab, self.index, self.last = reader, vocab, index, last
        self.where = f"projects[{index}]"
        self.form = vocab.form
        self.money = money or self.form.money_unit
        self.year = year
        self.unit: str | None = None
        self.first: Cell | None = None
        self.values: dict[str, list[_Value]] = {}
        self.labels: dict[str, _Piece] = {}
        self.open: str | None = None  # the field the next value goes to
        self.pending: list[tuple[str, _Piece]] = []  # labels of the row above still without a value
        # a heading that is also a label (总体目标) is a heading when the table prints the labels under it
        goals = {"objectives", "annual_objectives"}
        self.goal_labels = [{key for key in row if set(vocab.fields(key)) & goals} for row in keys]
        self.at = -1  # the row being read
        self.header_run: list[_Piece] = []  # one-cell lines that may make the indicator table's header
        self.aligned_header = False
        self.horizon = "annual"
        self.columns: list[_Column] | None = None
        self.split = False
        self.weighted = False
        self.rows: list[dict] = []
        self.level1: str | None = None
        self.level2: str | None = None
        self.stream = _Stream()
        self.label_run: list[_Piece] = []  # one-cell lines that may be the pieces of one label

    # --- rows --------------------------------------------------------------------------------

    def row(self, row: Row) -> None:
        self.at += 1
        if self.first is None:
            self.first = row.cells[0]
        for note in row.notes:
            self.reader.unsure(row.cells[0], "PDF", note)
        pieces = _pieces(row, self.vocab)
        if not pieces:
            return
        pieces = self._joined_label(pieces, row)
        if pieces is None or self._header_run(pieces, row):
            return
        self._read(pieces, row)

    def _read(self, pieces: list[_Piece], row: Row) -> None:
        head = pieces[0]
        if len(pieces) == 1 and (cover_or_page_line(head.text) is Kind.PAGE_NUMBER):
            return
        if self._title_or_year(pieces):
            return
        header = self._header(pieces)
        if header is not None:
            self._start_table(header, pieces, row.aligned)
            return
        if self.columns is not None:
            if not self._ends_table(head):
                if len(row.cells) == 1 and not row.aligned:  # words run together: cut by the framework's names
                    self._tokens(_Piece(row.cells[0].text.strip(), row.cells[0]))
                else:
                    self._table_row(pieces, row)
                return
            self._finish_rows()
            self.columns = None
        if head.key in self.vocab.tables:
            self.horizon = self.vocab.tables[head.key]
            self._close()
            for piece in pieces[1:]:
                self.reader.unused(piece)
            return
        if _NOTE.match(head.text) or _SIGNATURE.match(head.key):
            self._close()
            for piece in pieces:
                self.reader.unused(piece)
            return
        self._field_row(pieces, row)

    def _header_run(self, pieces: list[_Piece], row: Row) -> bool:
        """One-cell lines that each print a column's header (after the table's label) make the
        header together; returns whether the row was taken into such a run."""
        key = pieces[0].key if len(pieces) == 1 and not row.aligned else None
        columns = self.vocab.columns
        if key is not None and (key in columns and (self.header_run or "level1" in columns[key])
                                or not self.header_run and _TABLE_LABEL.fullmatch(key) and key not in self.vocab.labels):
            self.header_run.append(pieces[0])
            return True
        if not self.header_run:
            return False
        run, self.header_run = self.header_run, []
        numbered = [_Piece(piece.text, Cell(piece.text, index, index + 1, piece.cell.place, piece.cell.no),
                           cut=piece.cut) for index, piece in enumerate(run)]
        header = self._header(numbered)
        if header is not None:
            self._start_table(header, numbered, aligned=False)
        else:
            for piece in run:
                self._read([piece], Row((piece.cell,), aligned=False))
        return False

    def _joined_label(self, pieces: list[_Piece], row: Row) -> list[_Piece] | None:
        """One-cell lines that together spell a label (年度 / 目标, 绩 / 效 / 指 / 标) are that label."""
        words = [*self.vocab.labels, *self.vocab.headings, *self.vocab.tables, *self.vocab.columns, "绩效指标"]
        if row.aligned or len(pieces) != 1 or len(pieces[0].key) > 4 or pieces[0].key in words:
            self._flush_run()
            return pieces
        self.label_run.append(pieces[0])
        joined = "".join(piece.key for piece in self.label_run)
        if joined in words and len(self.label_run) > 1:
            run, self.label_run = self.label_run, []
            label = _Piece(joined, run[0].cell)
            label.cut = f"标签分印在{len(run)}行，已合并为“{joined}”"
            return [label]
        if any(word.startswith(joined) for word in words):
            return None  # wait for the next line
        run, self.label_run = self.label_run[:-1], self.label_run[-1:]
        for piece in run:
            self._replay(piece)
        if not any(word.startswith(self.label_run[0].key) for word in words):
            self.label_run = []
            return pieces
        return None

    def _flush_run(self) -> None:
        run, self.label_run = self.label_run, []
        for piece in run:
            self._replay(piece)

    def _replay(self, piece: _Piece) -> None:
        """A one-cell line held back as a possible piece of a label, read as itself after all."""
        saved, self.label_run = self.label_run, []
        self._read([piece], Row((piece.cell,), aligned=False))
        self.label_run = saved

    def _title_or_year(self, pieces: list[_Piece]) -> bool:
        head = pieces[0]
        if len(pieces) == 1 and (match := _TITLE.match(head.key)):
            year = int(match.group(1)) if match.group(1) else _title_year(head.key)
            self.year = self.year if year is None or (self.year is not None and self.values) else year
            return True
        if len(pieces) == 1 and (match := _YEAR.match(head.key)):
            year = int(next(g for g in match.groups() if g))
            if self.year is not None and year != self.year and self.values:
                self.reader.unsure(head.cell, f"{self.where}.year", f"页首重复的年度{year}与本表的{self.year}不一致")
            elif not self.values:
                self.year = year
            return True
        if len(pieces) == 1 and (match := _MONEY_LINE.match(head.key)):
            self.money = match.group(1)
            return True
        return False

    # --- the labelled fields -----------------------------------------------------------------

    def _close(self) -> None:
        self.open = None

    def _field_row(self, pieces: list[_Piece], row: Row) -> None:
        pending, self.pending = self.pending, []
        awaiting: list[tuple[str, _Piece]] = []  # labels of this row without a value yet
        has_label = any(self.vocab.fields(piece.key) for piece in pieces)
        for piece in pieces:
            if piece.key in self.vocab.headings and not self._goals_label(piece, pieces, pending):
                role = self.vocab.headings[piece.key]
                if role == "money" and piece.unit:
                    self.unit = piece.unit
                self._close()
                awaiting = [item for item in awaiting if item[0] is None]
                if role == "money":
                    awaiting.append(("money", piece))  # a value beside the heading: the year's total
                continue
            fields = self.vocab.fields(piece.key)
            if fields:
                path = self._resolve(fields, piece, row.aligned)
                self._label(path, piece)
                awaiting = [item for item in awaiting if item[0] != "money"]
                awaiting.append((path, piece))
                continue
            # a value
            target = self._target(piece, row, awaiting, pending, has_label)
            if target is None:
                self.reader.unused(piece)
                continue
            path, joiner = target
            if path == "money":
                path = "budget.current_year"
                self.labels.setdefault(path, piece)
                self.reader.unsure(piece.cell, f"{self.where}.{path}",
                                   "金额写在资金标题旁，没有“年度资金总额”等标签，已按年度资金总额读入")
            self._add(path, piece, joiner)
        self.pending = [item for item in awaiting if item[0] not in ("money", None) and not self.values.get(item[0])]

    def _goals_label(self, piece: _Piece, pieces: list[_Piece], pending: list[tuple[str, _Piece]]) -> bool:
        """Whether a heading that is also a field's label (总体目标) is the label: not when other goal
        labels (中期目标, 年度目标) wait above for their values or are printed beside it; yes when its
        value follows it; else not when such labels follow in the next two rows."""
        if not self.vocab.fields(piece.key):
            return False
        goals = ("objectives", "annual_objectives")
        if any(path in goals for path, _ in pending) or self.goal_labels[self.at] - {piece.key}:
            return False
        after = pieces[pieces.index(piece) + 1:]
        if after and not self.vocab.is_label(after[0].key):
            return True
        return not set().union(*self.goal_labels[self.at + 1:self.at + 3]) - {piece.key}

    def _resolve(self, fields: tuple[str, ...], piece: _Piece, aligned: bool) -> str:
        """Which of the fields a shared label (其中：财政拨款, 其他资金) names: in a table, the one
        whose horizon's total is printed in the same column; else the one whose total the table
        has; else the next not yet read."""
        if len(fields) == 1:
            return fields[0]
        candidates = [path for path in fields if path not in self.labels] or list(fields)
        totals = {path: self.labels.get("budget.total" if path.startswith("budget.total") else "budget.current_year")
                  for path in candidates}
        if aligned:
            above = [path for path in candidates if totals[path] is not None and _overlap(totals[path].cell, piece.cell) > 0]
            if len(above) == 1:
                return above[0]
        seen = [path for path in candidates if totals[path] is not None]
        return seen[0] if len(seen) == 1 else candidates[0]

    def _label(self, path: str, piece: _Piece) -> None:
        if piece.cut:
            self.reader.unsure(piece.cell, f"{self.where}.{path}", piece.cut)
        if path in self.labels and path != "unit":
            self.reader.unsure(piece.cell, f"{self.where}.{path}",
                               f"“{piece.text}”在本表中出现了不止一次，后一处的内容已接在前一处之后")
        elif path != "unit" and piece.key != self.vocab.own.get(path, piece.key) and path in self.vocab.own:
            own = self.form.spot[path].label
            self.reader.unsure(piece.cell, f"{self.where}.{path}", f"标签“{piece.text}”按“{own}”读取")
        if piece.unit and path.startswith("budget."):
            self.unit = piece.unit
        self.labels.setdefault(path, piece)
        self.values.setdefault(path, [])
        self.open = path

    def _target(self, piece: _Piece, row: Row, awaiting: list, pending: list,
                has_label: bool) -> tuple[str, str] | None:
        """The field a value cell goes to, and what joins it to the field's text so far: a label of
        its row still without a value; else a label of the row above, the one over it (a table) or
        the first (text); else the field open, a long text going on."""
        for index, (path, label) in enumerate(awaiting):
            if path is not None:
                awaiting[index] = (None, label)
                return path, ""
        if pending:
            if row.aligned:
                below = [item for item in pending if _overlap(item[1].cell, piece.cell) > 0]
                if below:
                    pending.remove(below[0])
                    self.open = below[0][0]
                    return below[0][0], ""
            elif not has_label:
                path, _ = pending.pop(0)
                self.open = path
                return path, ""
        path = self.open
        if path is None or path == "unit":
            return None
        kind = self.form.spot[path].kind if self.form.has(path) else "text"
        if self.values.get(path) and kind in _ONE_LINE_KINDS:
            return None
        return path, ("\n" if row.aligned else "") if self.values.get(path) else ""

    def _add(self, path: str, piece: _Piece, joiner: str) -> None:
        self.values.setdefault(path, []).append(_Value(piece, piece.text, joiner))

    # --- the indicator table -----------------------------------------------------------------

    def _header(self, pieces: list[_Piece]) -> list[_Column] | None:
        """The indicator table's columns when the row is its header (after a label cell that
        spans the table, 绩效指标, which may also say the horizon)."""
        columns = self.vocab.columns
        if len(pieces) == 1:
            key = _TABLE_LABEL.sub("", pieces[0].key, count=1) if not pieces[0].key.startswith(
                tuple(columns)) else pieces[0].key
            names: list[str] = []
            while key:
                name = next((name for name in sorted(columns, key=len, reverse=True) if key.startswith(name)), None)
                if name is None:
                    return None
                names.append(name)
                key = key[len(name):]
            found = [(name, pieces[0].cell.left + i, pieces[0].cell.left + i + 1) for i, name in enumerate(names)]
        else:
            found = []
            for index, piece in enumerate(pieces):
                if piece.key in columns:
                    found.append((piece.key, piece.cell.left, piece.cell.right))
                elif index > 0 or not (_TABLE_LABEL.match(piece.key) or piece.key in self.vocab.tables):
                    return None
        fields = {name for key, _, _ in found for name in columns[key]}
        if not ({"level1", "level3"} <= fields and fields & {"target", "target.value"}):
            return None
        split = bool(fields & {"target.op", "target.unit"})
        out = []
        for key, left, right in found:
            names = columns[key]
            if len(names) > 1:
                name = "target.value" if split and "target.value" in names else next(n for n in names if n != "target.value")
            else:
                name = names[0]
            out.append(_Column(name, left, right))
        return out

    def _start_table(self, columns: list[_Column], pieces: list[_Piece], aligned: bool) -> None:
        self._close()
        self.pending = []
        self._finish_rows()
        label = pieces[0] if pieces[0].key not in self.vocab.columns else None
        if label is not None and label.key in self.vocab.tables:
            self.horizon = self.vocab.tables[label.key]
        if label is not None and label.cut:
            self.reader.unsure(label.cell, f"{self.where}.indicators", label.cut)
        self.columns = columns
        self.split = any(column.field in ("target.op", "target.unit") for column in columns)
        self.weighted = any(column.field == "weight" for column in columns)
        self.aligned_header = aligned
        self.level1 = self.level2 = None

    def _ends_table(self, head: _Piece) -> bool:
        key = head.key
        return bool(self.vocab.fields(key) and key not in self.vocab.columns and not self._is_level(key)) or \
            (key in self.vocab.headings) or bool(_TITLE.match(key)) or bool(_NOTE.match(head.text)) or \
            bool(_SIGNATURE.match(key)) or key in self.vocab.tables

    def _is_level(self, name: str) -> bool:
        return name in self.vocab.framework.tree() or self.vocab.framework.parent_of(name) is not None

    def _table_row(self, pieces: list[_Piece], row: Row) -> None:
        assert self.columns is not None
        if len(row.cells) == 1 and not row.aligned:
            self._tokens(pieces[0])
            return
        self._flush_stream()
        values: dict[str, list[_Piece]] = {}
        if row.aligned and self.aligned_header:
            for piece in pieces:
                best = max(self.columns, key=lambda column: _overlap(column, piece.cell))
                if _overlap(best, piece.cell) <= 0:
                    self.reader.unused(piece)
                    continue
                values.setdefault(best.field, []).append(piece)
        else:  # cells in order: the missing ones are the first (a group label printed once)
            cells = [cell for cell in row.cells]
            fields = [column.field for column in self.columns]
            if len(cells) > len(fields):
                extra, cells = cells[: len(cells) - len(fields)], cells[len(cells) - len(fields):]
                for cell in extra:
                    if cell.text.strip() and not _TABLE_LABEL.match(_key(cell.text)[0]):
                        self.reader.unused(cell)
            for name, cell in zip(fields[len(fields) - len(cells):], cells):
                if cell.text.strip():
                    values.setdefault(name, []).append(_Piece(cell.text.strip(), cell))
        self._make_row({name: items for name, items in values.items()})

    def _make_row(self, values: dict[str, list[_Piece]]) -> None:
        def text(name: str) -> str | None:
            items = values.get(name)
            return "".join(piece.text for piece in items).strip() if items else None

        first = next(iter(values.values()))[0].cell
        for name in values.keys() & {NOT_IMPORTED.removeprefix("indicators."), "not_imported"}:
            for piece in values[name]:
                self.reader.unused(piece)
        printed1, printed2 = text("level1"), text("level2")
        level3 = text("level3")
        if self.split:
            op, value, unit = text("target.op"), text("target.value"), text("target.unit")
            if unit in _PLACEHOLDER_UNITS:
                self.reader.unsure(first, self._path("target"), f"度量单位“{unit}”表示没有单位，未并入指标值")
                unit = None
            target = join_target(op, value, unit)
            complete = value is not None or op is not None
        else:
            target = text("target")
            complete = target is not None
        self._levels(printed1, printed2, first)
        if level3 is None and target is None and text("weight") is None:
            return  # a row of group labels only
        row = {"level1": self.level1, "level2": self.level2, "level3": level3, "target": target,
               "horizon": self.horizon, "weight": text("weight"), "standard": text("standard"),
               "_complete": complete, "_cell": first, "_printed1": printed1 is not None,
               "_pieces": [piece for items in values.values() for piece in items]}
        self.rows.append(row)

    def _path(self, name: str) -> str:
        return f"{self.where}.indicators[{len(self.rows)}].{name}"

    def _levels(self, printed1: str | None, printed2: str | None, cell: Cell) -> None:
        """The row's levels: printed, else carried down; a 二级 the framework places under another
        一级 than the one carried takes that one."""
        if printed1 is not None:
            if printed1 != self.level1:
                self.level2 = None
            self.level1 = printed1
        if printed2 is not None:
            self.level2 = printed2
            parent = self.vocab.framework.parent_of(printed2)
            if printed1 is None and parent is not None and parent != self.level1:
                self.level1 = parent
                self.reader.unsure(cell, self._path("level1"),
                                   f"二级指标“{printed2}”前没有印一级指标，已按指标框架取“{parent}”")

    # --- cells run together on lines of text --------------------------------------------------

    def _tokens(self, piece: _Piece) -> None:
        """A line of text in the table: its words, continuing the row the lines above began."""
        stream = self.stream
        line = [(m.group(), m.start()) for m in re.finditer(r"\S+", piece.text)]
        index = 0
        tree = self.vocab.framework.tree()
        while index < len(line) and not stream.name and not stream.parts:
            word = line[index][0]
            if word in tree or (self.vocab.framework.parent_of(word) is not None):
                stream.levels.append(("level1" if word in tree else "level2", word, piece))
                index += 1
            else:
                break
        rest = line[index:]
        if not rest:
            return
        tokens = [word for word, _ in rest]
        if self.split:
            self._split_tokens(piece, rest)
            return
        if len(tokens) >= 2 and not stream.name:
            name = piece.text[rest[0][1]:rest[-1][1]].strip()
            stream.name.append(_Piece(name, piece.cell))
            stream.parts["target"] = _Piece(tokens[-1], piece.cell)
            if " " in name or "\u3000" in name:
                self.reader.unsure(piece.cell, self._path("level3"),
                                   f"三级指标名称含空格，已取行末“{tokens[-1]}”为指标值、“{name}”为名称")
            self._flush_stream()
            return
        if len(tokens) == 1 and stream.name and not stream.name[-1].text.endswith(_OPEN_END):
            stream.parts["target"] = _Piece(tokens[0], piece.cell)
            self._flush_stream()
            return
        stream.name.append(_Piece(piece.text[rest[0][1]:].strip(), piece.cell))

    def _split_tokens(self, piece: _Piece, rest: list[tuple[str, int]]) -> None:
        """``name sign value [unit] [weight]`` over one line or several."""
        stream = self.stream
        tokens = [word for word, _ in rest]
        at = max((i for i, word in enumerate(tokens) if _half(word) in _SIGNS | _NATURES), default=None)
        if at is None and not stream.parts:
            if len(tokens) >= 2 and not stream.name:  # a row without its 指标性质: name and value
                name = piece.text[rest[0][1]:rest[-1][1]].strip()
                stream.name.append(_Piece(name, piece.cell))
                stream.parts["target.value"] = _Piece(tokens[-1], piece.cell)
                self._flush_stream()
            else:
                stream.name.append(_Piece(piece.text[rest[0][1]:].strip(), piece.cell))
            return
        if at is not None:
            if at:
                stream.name.append(_Piece(piece.text[rest[0][1]:rest[at][1]].strip(), piece.cell))
            stream.parts = {"target.op": _Piece(tokens[at], piece.cell)}
            after = tokens[at + 1:]
        else:
            after = tokens
        for word in after:
            self._split_part(_Piece(word, piece.cell))
        if "target.value" in stream.parts and (not self.weighted or "weight" in stream.parts) and len(rest) > 1:
            self._flush_stream()

    def _split_part(self, piece: _Piece) -> None:
        parts = self.stream.parts
        if "target.value" not in parts:
            parts["target.value"] = piece
        elif "target.unit" not in parts and "weight" not in parts and not (self.weighted and _NUMBER.match(piece.text)):
            parts["target.unit"] = piece
        elif self.weighted and "weight" not in parts:
            parts["weight"] = piece
            self._flush_stream()
        else:
            self.reader.unused(piece)

    def _flush_stream(self) -> None:
        stream, self.stream = self.stream, _Stream()
        values: dict[str, list[_Piece]] = {}
        for level, name, piece in stream.levels:
            values[level] = [_Piece(name, piece.cell)]
        if stream.name:
            values["level3"] = stream.name
            if len(stream.name) > 1:
                joined = "".join(p.text for p in stream.name)
                lines = "、".join(p.cell.place for p in stream.name)
                self.reader.unsure(stream.name[0].cell, self._path("level3"),
                                   f"三级指标名称分印在{lines}，已原样拼接为“{joined}”")
        for name, piece in stream.parts.items():
            values[name] = [piece]
        if values:
            self._make_row(values)

    def _finish_rows(self) -> None:
        if self.stream.name or self.stream.parts or self.stream.levels:
            self._flush_stream()

    # --- the project -------------------------------------------------------------------------

    def finish(self) -> dict:
        self._flush_run()
        if self.header_run:
            self._header_run([_Piece("", self.header_run[-1].cell)], Row((), aligned=True))
        self._finish_rows()
        first = self.first
        assert first is not None
        self._cut_off()
        self._middle_labels()
        project: dict = {"year": self.year, "budget": {}, "indicators": []}
        for path, values in self.values.items():
            value = self._value(path, values)
            if path.startswith("budget."):
                project["budget"][path.removeprefix("budget.")] = value
            else:
                project[path] = value
        optional = []
        for spot in self.form.spots:
            if spot.path in self.labels:
                if not self.values.get(spot.path):
                    self.reader.unsure(self.labels[spot.path].cell, f"{self.where}.{spot.path}", f"“{spot.label}”为空")
            elif spot.required:
                self.reader.unsure(first, f"{self.where}.{spot.path}", f"本表没有找到“{spot.label}”")
            else:
                optional.append(spot.title)
        if optional:
            self.reader.unsure(first, self.where, f"本表没有{'、'.join(dict.fromkeys(optional))}（非必填）")
        if self.year is None:
            self.reader.unsure(first, f"{self.where}.year", "没有找到预算年度（如“（2024年度）”）")
        if not self.rows:
            self.reader.unsure(first, f"{self.where}.indicators", "本表没有读到任何绩效指标")
        for index, row in enumerate(self.rows):
            cell = row["_cell"]
            if row["target"] is None:
                self.reader.unsure(cell, f"{self.where}.indicators[{index}]", f"“{row['level3']}”没有指标值")
            for name in ("level1", "level2"):
                if row[name] is None:
                    self.reader.unsure(cell, f"{self.where}.indicators[{index}].{name}", "这一行之前没有印出该级指标")
            for name in ("level1", "level2", "level3", "target", "weight", "standard"):
                if row[name] is not None:
                    self.reader.report.read.append(ReadField(cell.no, f"{self.where}.indicators[{index}].{name}", row[name]))
            project["indicators"].append({key: value for key, value in row.items() if not key.startswith("_")})
        return project

    def _cut_off(self) -> None:
        """The last row of the file's last table, without its 指标值, is where the file was cut."""
        if not self.last or not self.rows or self.rows[-1]["_complete"]:
            return
        last = max(cell.no for row in self.reader.grid.rows for cell in row.cells)
        if not any(piece.cell.no == last for piece in self.rows[-1]["_pieces"]):
            return
        row = self.rows.pop()
        for piece in row["_pieces"]:
            self.reader.unused(piece)
        self.reader.unsure(row["_cell"], f"{self.where}.indicators",
                           "表格在文件末尾中断：最后一行没有指标值，未导入；之前的完整行已导入，请对照原表补全")

    def _middle_labels(self) -> None:
        """A 一级 label printed in the middle of its group: the rows above it in the same 二级
        group that carried another 一级 take this one."""
        for index, row in enumerate(self.rows):
            if not row["_printed1"]:
                continue
            back = index - 1
            while back >= 0 and not self.rows[back]["_printed1"] and self.rows[back]["level2"] == row["level2"] \
                    and row["level2"] is not None and self.rows[back]["level1"] != row["level1"] \
                    and self.rows[back]["horizon"] == row["horizon"]:
                self.rows[back]["level1"] = row["level1"]
                self.reader.unsure(self.rows[back]["_cell"], f"{self.where}.indicators[{back}].level1",
                                   f"一级指标“{row['level1']}”印在本组中间，已用于其上方同组各行")
                back -= 1

    def _value(self, path: str, values: list[_Value]):
        kind = self.form.spot[path].kind if self.form.has(path) else "text"
        if not values:
            return None
        text = "".join((value.joiner if index else "") + value.text for index, value in enumerate(values)).strip()
        cell = values[0].piece.cell
        if kind in _ONE_LINE_KINDS and "\n" in text:
            text = "".join(line.strip() for line in text.split("\n"))
            self.reader.unsure(cell, f"{self.where}.{path}", f"“{self.form.title_of(path)}”分印在几行，已直接连接为“{text}”")
        if len(values) > 1:
            places = "、".join(value.piece.cell.place for value in values)
            how = "直接连接" if any(not value.joiner for value in values[1:]) else "按分段连接"
            self.reader.unsure(cell, f"{self.where}.{path}", f"“{self.form.title_of(path)}”分印在{places}，已{how}")
        self.reader.report.read.append(ReadField(cell.no, f"{self.where}.{path}", text))
        if kind == "amount":
            return self._amount(path, text, cell)
        if path == "attribute":
            return self._checkbox(text, cell)
        return text

    def _amount(self, path: str, text: str, cell: Cell):
        match = _AMOUNT.match(_half(text).replace("，", ",").strip())
        amount = to_amount(match.group(1)) if match else None
        if not isinstance(amount, Decimal):
            self.reader.unsure(cell, f"{self.where}.{path}", f"金额“{text}”不是数字，原样读入")
            return text
        said, rest = match.group(2), match.group(3)
        if rest and len(_half(text).strip()) == len(text.strip()):  # the remark as printed (full-width kept)
            rest = text.strip()[match.start(3):]
        unit = {"万元": "万元", "万": "万元", "元": "元"}.get(said or "", self.unit or self.money)
        if said or rest:
            note = f"金额“{text}”取数值{match.group(1)}{unit}"
            self.reader.unsure(cell, f"{self.where}.{path}", note + (f"，“{rest}”未导入" if rest else ""))
        return canonical_amount(amount.scaleb(4)) if unit == "万元" else amount

    def _checkbox(self, text: str, cell: Cell) -> str:
        tokens = _MARK_TOKENS.findall(text)
        if not any(token in _CHECKED + _UNCHECKED for token in tokens):
            return text
        before = tokens[0] in _CHECKED + _UNCHECKED  # marks before their words, or after
        ticked = []
        for index, token in enumerate(tokens):
            if token in _CHECKED:
                near = index + 1 if before else index - 1
                if 0 <= near < len(tokens) and tokens[near] not in _CHECKED + _UNCHECKED:
                    ticked.append(tokens[near])
        if len(ticked) == 1:
            self.reader.unsure(cell, f"{self.where}.attribute", f"勾选框“{text}”读为所勾选的“{ticked[0]}”")
            return ticked[0]
        self.reader.unsure(cell, f"{self.where}.attribute", f"勾选框“{text}”勾选了{len(ticked)}项，原样读入")
        return text


def _overlap(a: Cell | _Column, b: Cell) -> float:
    """How far two horizontal extents overlap (negative: the gap between them)."""
    return min(a.right, b.right) - max(a.left, b.left)
