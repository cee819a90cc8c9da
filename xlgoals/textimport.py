"""Import the text of published 财政项目支出绩效目标表 (as extracted from their PDF) into a Filing.

Units publish their tables as PDFs. The extracted text keeps every character but loses the cell
grid: values wrap at a fixed width, a value sits on its label's line or on the lines after it, a
project name can be split around the 项目类别 label, a page break puts a space in front of the
first line of the new page, and the indicator table prints a level-1/level-2 label once for a
group of rows. The form is rebuilt in three steps:

1. :func:`classify` names each line (title, year, heading, label line, plain text);
2. :class:`_FormParser` collects the labelled fields of one table: a label opens a field that
   runs to the next label, and wrapped lines are rejoined with no added character;
3. :class:`_IndicatorParser` turns the indicator table into rows that each carry their levels.

Values are kept as found (``=100`` without a unit stays): judging them is the validator's job.
Nothing is dropped in silence: every non-blank line that fed no field is listed in
``report.unused``, and every decision the parser had to make is listed in ``report.unsure``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from .errors import InputFileError
from .frameworks import Framework, load_framework
from .layout import BUDGET_SPOTS, HEADER_SPOTS, LONG_TEXT_SPOTS, TITLE, Spot
from .model import Filing
from .targets import parse_target

__all__ = ["ImportReport", "ImportResult", "Unsure", "UnusedLine", "import_text_file", "parse_published_text"]

NO_TABLE_MESSAGE = "没有找到《财政项目支出绩效目标表》，请确认这是已发布的绩效目标表文本或 PDF。"
NO_FIELDS_MESSAGE = "找到了《财政项目支出绩效目标表》标题，但没有识别出表内字段（如“项目名称：”），请确认这是已发布的绩效目标表文本。"


# ---------------------------------------------------------------------------------------------
# result


class UnusedLine(NamedTuple):
    """A non-blank source line that contributed to no field (1-based line number)."""

    line_no: int
    text: str


class Unsure(NamedTuple):
    """A field the parser had to decide about; ``field`` is a model path such as ``projects[3].objectives``."""

    line_no: int
    field: str
    note: str


@dataclass
class ImportReport:
    unused: list[UnusedLine] = field(default_factory=list)
    unsure: list[Unsure] = field(default_factory=list)

    def messages(self) -> list[str]:
        """The report as Chinese lines for the user, in source order."""
        items = [(u.line_no, f"第{u.line_no}行未使用：{u.text}") for u in self.unused]
        items += [(u.line_no, f"第{u.line_no}行 {u.field}：{u.note}") for u in self.unsure]
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

_TITLE_RE = re.compile(rf"^[^:]{{0,16}}{TITLE}(?:\((\d{{4}})年度?\))?$")
_YEAR_RE = re.compile(r"^\((\d{4})年度?\)$|^(\d{4})年度$")
_GOALS_RE = re.compile(r"^\d{4}年度?绩效目标$|^年度绩效目标$")
_PAGE_NUMBER_RE = re.compile(r"^(?:第\d+页(?:[,/]?共\d+页)?|\d+/\d+|-\d+-)$")

_FORM_SPOTS: tuple[Spot, ...] = (*HEADER_SPOTS, *LONG_TEXT_SPOTS, *BUDGET_SPOTS)
_LABEL_OF = {spot.path: spot.label for spot in _FORM_SPOTS}
_KIND_OF = {spot.path: spot.kind for spot in _FORM_SPOTS}
_ONE_LINE_KINDS = ("date", "yesno", "amount")  # short values: never wrapped over two lines


def _label_pattern(label: str) -> str:
    return re.escape(label).replace("（", "[（(]").replace("）", "[）)]")


_BY_LENGTH = sorted(_FORM_SPOTS, key=lambda spot: len(spot.label), reverse=True)
# A label starts a line or follows a space (two fields share a line), and ends with a colon.
_LABEL_RE = re.compile(
    r"(?:^|(?<=\s))(?:" + "|".join(f"({_label_pattern(spot.label)})" for spot in _BY_LENGTH) + r")\s*[：:]")
_LABEL_GROUP = {index: spot.path for index, spot in enumerate(_BY_LENGTH, start=1)}


def _squash(text: str) -> str:
    """Half-width, without any whitespace: the form in which headings are compared."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


class Kind(Enum):
    BLANK = "blank"
    TITLE = "title"
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


class _Vocabulary:
    """What the classifier and the parsers recognise, taken from the form layout and the framework."""

    def __init__(self, framework: Framework):
        self.framework = framework
        self.tree = framework.tree()
        self.order = list(self.tree)
        labels = framework.labels
        self.table_header = _squash(labels.level1 + labels.level2 + labels.level3 + labels.target)
        headings = (framework.budget_heading, "本项目上年度市级财政资金使用情况", "项目资金情况")
        self.budget_headings = {_squash(heading) for heading in headings}
        self.choices = {"category": framework.choices.categories,
                        "performance_type": framework.choices.performance_types}


def classify(raw: str, no: int, vocab: _Vocabulary) -> Line:
    """Name one source line. Headings are compared half-width and without spaces; labels in place."""
    text = raw[1:] if raw.startswith(_PAGE_MARKS) else raw
    squashed = _squash(text)
    if not squashed:
        return Line(no, text, Kind.BLANK)
    if match := _TITLE_RE.match(squashed):
        return Line(no, text, Kind.TITLE, int(match.group(1)) if match.group(1) else None)
    if match := _YEAR_RE.match(squashed):
        return Line(no, text, Kind.YEAR, int(match.group(1) or match.group(2)))
    if squashed in vocab.budget_headings:
        return Line(no, text, Kind.BUDGET_HEADING)
    if _GOALS_RE.match(squashed):
        return Line(no, text, Kind.GOALS_HEADING)
    if squashed == vocab.table_header:
        return Line(no, text, Kind.TABLE_HEADER)
    if _PAGE_NUMBER_RE.match(squashed):
        return Line(no, text, Kind.PAGE_NUMBER)
    labels = tuple((_LABEL_GROUP[m.lastindex], m.start(), m.end()) for m in _LABEL_RE.finditer(text))
    if labels:
        return Line(no, text, Kind.LABELS, labels=labels)
    return Line(no, text, Kind.TEXT)


# ---------------------------------------------------------------------------------------------
# the form fields of one table


@dataclass
class _Part:
    line_no: int
    text: str
    after_category: bool = False  # a piece of the project name printed after the 项目类别 label


class _FormParser:
    """The labelled fields of one table: each label opens a field that runs to the next label.

    Wrapped lines are concatenated with no added character, because the PDF wraps at a fixed
    width, not at word boundaries. Only the spaces that separate a label from its value on one
    line are dropped.
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

    def text(self, no: int, text: str) -> bool:
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
            parts.append(_Part(no, text))
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
            value = "".join(part.text for part in parts).strip()
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
    target on its line is wrapped: its lines are rejoined until a line brings the target.
    """

    def __init__(self, vocab: _Vocabulary, report: ImportReport, where: str):
        self.vocab, self.report, self.where = vocab, report, where
        self.level1: str | None = None
        self.level2: str | None = None
        self.pending: _Pending | None = None
        self.rows: list[dict[str, str | None]] = []

    def line(self, line: Line) -> None:
        tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(line.text)]
        index = self._levels(line.no, tokens)
        rest = tokens[index:]
        if not rest:
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
# tables and the filing


def _split_tables(lines: list[Line], report: ImportReport) -> list[list[Line]]:
    """Split at each title that opens a table (followed by its year or its first labels).

    A title followed by neither is a heading repeated on a page of the same table, not a table.
    """
    tables: list[list[Line]] = []
    for index, line in enumerate(lines):
        if line.kind is Kind.TITLE and (not tables or _opens_table(lines, index)):
            tables.append([line])
        elif tables:
            tables[-1].append(line)
        elif line.kind is not Kind.BLANK:
            report.unused.append(UnusedLine(line.no, line.text))
    return tables


def _opens_table(lines: list[Line], index: int) -> bool:
    following = [line for line in lines[index + 1:index + 12] if line.kind is not Kind.BLANK][:3]
    return any(line.kind is Kind.YEAR or (line.kind is Kind.LABELS and line.labels[0][0] in ("unit", "name"))
               for line in following)


def _parse_table(lines: list[Line], index: int, vocab: _Vocabulary, report: ImportReport) -> tuple[dict, bool]:
    """One table → the project's dict (model shape) and whether any form label was found."""
    where = f"projects[{index}]"
    title = lines[0]
    year = title.year
    form = _FormParser(vocab, report, where)
    table = _IndicatorParser(vocab, report, where)
    in_table = goals_seen = False

    def unused(line: Line) -> None:
        report.unused.append(UnusedLine(line.no, line.text))

    for line in lines[1:]:
        kind = line.kind
        if kind is Kind.BLANK:
            continue
        if in_table:
            if kind is Kind.TEXT:
                table.line(line)
            elif kind not in (Kind.TABLE_HEADER, Kind.GOALS_HEADING, Kind.TITLE):  # repeated on a new page
                unused(line)
            continue
        if kind is Kind.YEAR and not form.label_lines:
            if year is not None and year != line.year:
                report.unsure.append(Unsure(line.no, f"{where}.year", f"标题中的年度{year}与“（{line.year}年度）”不一致，取后者"))
            year = line.year
        elif kind is Kind.TITLE:
            continue  # the title repeated at the top of a page
        elif kind is Kind.BUDGET_HEADING:
            form.close()
        elif kind is Kind.GOALS_HEADING:
            form.close()
            goals_seen = True
        elif kind is Kind.TABLE_HEADER:
            form.close()
            in_table = True
        elif kind is Kind.PAGE_NUMBER:
            unused(line)
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
            elif not form.text(line.no, line.text):
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


def parse_published_text(text: str, *, source: str | None = None, framework: str = "shanghai-2020") -> ImportResult:
    """Read the text of one or more published tables into a Filing, with a report of what was guessed.

    Raises :class:`InputFileError` (naming ``source``) when the text holds no table.
    """
    vocab = _Vocabulary(load_framework(framework))
    report = ImportReport()
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = [classify(raw, no, vocab) for no, raw in enumerate(_LINE_BREAK.split(text), start=1)]
    tables = _split_tables(lines, report)
    if not tables:
        raise InputFileError(NO_TABLE_MESSAGE, source)
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
    report.unsure.sort(key=lambda item: item.line_no)
    report.unused.sort(key=lambda item: item.line_no)
    filing = Filing.model_validate(
        {"unit": unit, "year": year, "framework": vocab.framework.id, "projects": projects, "source": source})
    return ImportResult(filing, report)


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


def import_text_file(path: str | Path) -> ImportResult:
    """Read a text file extracted from published tables. Every failure is one Chinese line naming the file."""
    path = Path(path)
    if not path.is_file():
        message = "这不是一个文件，请指定文本文件。" if path.exists() else "文件不存在，请检查路径。"
        raise InputFileError(message, path)
    try:
        data = path.read_bytes()
    except OSError:
        raise InputFileError("无法读取文件，请确认文件未被占用且有读取权限。", path) from None
    if not data.strip():
        raise InputFileError("文件是空的，请重新导出文本后再试。", path)
    if data.startswith(b"%PDF"):
        raise InputFileError("这是 PDF 文件，请先把其中的文字导出为文本文件，再导入该文本。", path)
    text = _decode(data)
    if text is None:
        raise InputFileError("不是文本文件，请选择从已发布的绩效目标表导出的文本（UTF-8 或 GB18030 编码）。", path)
    return parse_published_text(text, source=str(path))
