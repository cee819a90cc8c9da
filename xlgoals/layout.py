"""Forms as data: the loader of form files and the derived view every part of the toolkit uses.

A form (``xlgoals/forms/*.toml``, or a unit's own file) declares its fields (model path, printed
label, kind, required, drop-down), where each sits on the sheet, the indicator tables and their
columns, the money unit it prints, the label variants published copies use, and its cross-field
checks. A form may ``extends`` another and relabel, move, add or drop fields. The template
builder, the writer, the reader, the rules, the filler, the merger, the exporter and the ribbon
take positions and labels from a :class:`Form`; no other module names a form's coordinates.

Indicator tables are stacked: the first starts at ``indicators_row``, each later one right after
the one above. A written sheet gives a table as many rows as its project needs (at least the
form's ``rows``), so the reader finds a later table by its heading in column A.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InputFileError
from .fileio import cannot_read, check_input, real_path
from .values import amount_text, canonical_amount, to_amount

TEMPLATE_VERSION = "1"
FORMS_DIR = Path(__file__).parent / "forms"
DEFAULT_FORM = "shanghai-2020"
MAX_FORM_BYTES = 256 * 1024  # a form file is a page of declarations; anything larger is not one

COVER_SHEET = "填报说明"
META_SHEET = "_xlgoals"
REPORT_SHEET = "校验结果"
DEFAULT_PROJECT_SHEET = "项目{n}"
SUMMARY_SHEET = "汇总表"
DETAIL_SHEET = "指标明细"
RESERVED_SHEETS = (COVER_SHEET, META_SHEET, REPORT_SHEET, SUMMARY_SHEET, DETAIL_SHEET)  # never a project's name
# 汇总表 of a merged filing: one row per project from this row on, department and name in these columns.
SUMMARY_FIRST_ROW = 3
SUMMARY_DEPARTMENT_HEADER = "部门"  # 汇总表's columns are found by their headers
SUMMARY_NAME_HEADER = "项目名称"

Kind = Literal["text", "long", "choice", "date", "amount", "yesno", "year", "title"]
Horizon = Literal["annual", "period"]
HORIZON_LABELS: dict[str, str] = {"period": "中期", "annual": "年度"}

# Every project field a form may place (the model's union of all forms' fields).
PROJECT_PATHS: tuple[str, ...] = (
    "unit", "name", "category", "start_date", "end_date", "government_procurement", "performance_type",
    "supervising_department", "implementing_unit", "attribute", "period",
    "overview", "basis", "necessity", "safeguards", "implementation_plan", "objectives", "annual_objectives",
    "budget.total", "budget.current_year", "budget.prior_year_budget", "budget.prior_year_executed",
    "budget.total_fiscal", "budget.total_other", "budget.current_year_fiscal", "budget.current_year_other",
)
# Indicator columns: a model field, or a part of the target that a split form prints in its own column.
IndicatorField = Literal["level1", "level2", "level3", "target", "target.op", "target.value", "target.unit",
                         "weight", "standard"]
TARGET_PARTS = ("target.op", "target.value", "target.unit")
# What ``[label_variants]`` may name: a field, a column of the indicator table (its header as
# published copies print it), or a column published copies print and the model does not hold.
NOT_IMPORTED = "indicators.not_imported"
VARIANT_KEYS: tuple[str, ...] = (*PROJECT_PATHS, *(f"indicators.{name}" for name in IndicatorField.__args__),
                                 NOT_IMPORTED)
NATURE_WORDS = ("定量", "定性")  # what a 指标性质 column may say instead of a sign

# Cover sheet 填报说明: the filing's header; department, contact and phone are inputs.
COVER_TITLE_RANGE = "A1:D1"
COVER_GUIDE_FIRST_ROW = 10
COVER_COLUMN_WIDTHS = {"A": 18.0, "B": 30.0, "C": 30.0, "D": 30.0}

# Hidden metadata sheet: key/value rows in A:B; the drop-down lists from column D on.
META_KEYS = ("template_version", "unit", "year", "framework", "framework_name", "form")
META_FRAMEWORK_TEXT_KEY = "framework_toml"  # a unit's own framework travels inside the workbook
META_FORM_TEXT_KEY = "form_json"  # and so does a unit's own form
LIST_NAMES = {"categories": "XLG_CATEGORIES", "performance_types": "XLG_PERF_TYPES", "level1": "XLG_L1"}
LEVEL2_LIST_PREFIX = "XLG_L2_"
YES_NO = ("是", "否")

# Long texts: capacity of a blank template cell, and line metrics for sizing rows to their text.
LONG_TEXT_CAPACITY = 1500
LONG_TEXT_CHARS_PER_LINE = 52
LINE_HEIGHT_PT = 13.5
MAX_ROW_HEIGHT_PT = 409.0

_RANGE_RE = re.compile(r"^([A-Z]{1,2})([1-9][0-9]{0,2})(?::([A-Z]{1,2})([1-9][0-9]{0,2}))?$")
_FORMULA_START = ("=", "+", "-", "@")
_PLACEHOLDERS = re.compile(r"\{(\w+)\}")


# --- the data of a form file -----------------------------------------------------------------


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _range(value: str) -> str:
    match = _RANGE_RE.match(value or "")
    if match is None:
        raise ValueError(f"“{value}”不是单元格或区域（如 B3 或 B3:F3）")
    return value


def _label(value: str) -> str:
    if value.lstrip().startswith(_FORMULA_START):
        raise ValueError(f"标签“{value}”以“{value.lstrip()[0]}”开头，会被表格软件当作公式，请改写")
    return value


class FieldSpec(_Data):
    """One field of the form: where its label and value sit, and what it takes."""

    path: str
    label: str
    title: str | None = None  # how messages and CSV name it when the printed label is ambiguous
    label_range: str | None = None
    value_range: str
    kind: Kind
    required: bool = False
    choices: str | None = None  # a framework list (categories, performance_types) offered as a drop-down
    options: tuple[str, ...] = ()  # or the form's own fixed list
    height: float | None = None  # the row's height in points
    label_style: Literal["band", "label"] | None = None  # long texts: a band over the row (with a colon), or a label
    capacity: int = Field(default=LONG_TEXT_CAPACITY, ge=1, le=32767)  # characters a blank long-text cell is sized for

    @field_validator("label_range", "value_range")
    @classmethod
    def _check_ranges(cls, value: str | None) -> str | None:
        return value if value is None else _range(value)

    @field_validator("label", "title")
    @classmethod
    def _check_label(cls, value: str | None) -> str | None:
        return value if value is None else _label(value)

    @field_validator("path")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in PROJECT_PATHS:
            raise ValueError(f"“{value}”不是模型中的字段（可用：{'、'.join(PROJECT_PATHS)}）")
        return value


class Heading(_Data):
    """A fixed text across a range: a section band or a label that belongs to no one field."""

    range: str
    text: str
    role: Literal["section", "label", "section_left"] = "section"
    height: float | None = 22
    variants: tuple[str, ...] = ()  # how published copies print it (for the importer)

    @field_validator("range")
    @classmethod
    def _check_range(cls, value: str) -> str:
        return _range(value)

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: str) -> str:
        return _label(value)


class Column(_Data):
    """A column of the indicator tables: the field it holds and the columns it spans."""

    field: IndicatorField
    first: str
    last: str | None = None
    label: str | None = None  # the framework's label for the four goal columns when not given
    options: tuple[str, ...] = ()

    @field_validator("label")
    @classmethod
    def _check_label(cls, value: str | None) -> str | None:
        return value if value is None else _label(value)

    @field_validator("first", "last")
    @classmethod
    def _letters(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Z]{1,2}", value):
            raise ValueError(f"“{value}”不是列字母")
        return value


class Table(_Data):
    """One indicator table: its heading band, header row, and the rows a blank template offers."""

    horizon: Horizon = "annual"
    heading: str
    rows: int = Field(default=20, ge=1, le=500)

    @field_validator("heading")
    @classmethod
    def _check_heading(cls, value: str) -> str:
        return _label(value)


class Check(_Data):
    """A cross-field check: ``rule`` is the catalogue code that reports it."""

    rule: Literal["budget-current-exceeds-total", "budget-executed-exceeds-prior", "budget-parts-mismatch"]
    lesser: str | None = None  # not-exceed: lesser ≤ greater
    greater: str | None = None
    total: str | None = None  # sum: total = Σ parts
    parts: tuple[str, ...] = ()
    message: str | None = None  # with {lesser} {greater} {total} {sum}, amounts in the form's unit

    @model_validator(mode="after")
    def _shape(self) -> Check:
        if self.rule == "budget-parts-mismatch":
            if not self.total or len(self.parts) < 2:
                raise ValueError("合计校验需要 total 和至少两个 parts")
        elif not self.lesser or not self.greater:
            raise ValueError("不超过校验需要 lesser 和 greater")
        for path in (self.lesser, self.greater, self.total, *self.parts):
            if path is not None and path not in PROJECT_PATHS:
                raise ValueError(f"“{path}”不是模型中的字段")
        if self.message is not None:
            words = dict.fromkeys(("lesser", "greater", "lesser_name", "greater_name", "total", "sum", "total_name",
                                   "parts_names"), "")
            try:
                self.message.format(**words)
            except (KeyError, IndexError, ValueError):
                raise ValueError(f"提示文字“{self.message}”只能使用 {{{'}、{'.join(words)}}} 这些占位符") from None
        return self


class Form(_Data):
    """A form as its file declares it (``extends`` already resolved)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str
    title: str
    money_unit: Literal["元", "万元"] = "元"
    framework: str
    columns: dict[str, float]
    title_range: str
    year_range: str
    fields: tuple[FieldSpec, ...] = Field(min_length=1)
    headings: tuple[Heading, ...] = ()
    indicators_row: int = Field(ge=1, le=500)
    indicator_columns: tuple[Column, ...] = Field(min_length=1)
    tables: tuple[Table, ...] = Field(min_length=1, max_length=2)
    checks: tuple[Check, ...] = ()
    weight_total: Decimal | None = None
    label_variants: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("title_range", "year_range")
    @classmethod
    def _check_ranges(cls, value: str) -> str:
        return _range(value)

    @field_validator("label_variants")
    @classmethod
    def _check_variants(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        unknown = [key for key in value if key not in VARIANT_KEYS]
        if unknown:
            raise ValueError(f"label_variants 中的“{'、'.join(unknown)}”不是字段或指标表的列")
        return value

    @field_validator("title", "name")
    @classmethod
    def _check_title(cls, value: str) -> str:
        return _label(value)

    @model_validator(mode="after")
    def _consistent(self) -> Form:
        paths = [spec.path for spec in self.fields]
        if len(set(paths)) != len(paths):
            raise ValueError(f"字段重复：{'、'.join(sorted({p for p in paths if paths.count(p) > 1}))}")
        for check in self.checks:
            for path in (check.lesser, check.greater, check.total, *check.parts):
                if path is not None and path not in paths:
                    raise ValueError(f"校验 {check.rule} 用到的字段“{path}”不在本表样中")
        for spec in self.fields:
            if spec.kind == "choice" and not (spec.choices or spec.options):
                raise ValueError(f"选择字段“{spec.label}”需要 choices 或 options")
            if spec.choices is not None and spec.choices not in ("categories", "performance_types"):
                raise ValueError(f"“{spec.label}”的 choices 只能是 categories 或 performance_types")
            if spec.kind == "title" and spec.path != "unit":
                raise ValueError(f"只有 unit 可用 title 类型（“{spec.label}”）")
        horizons = [table.horizon for table in self.tables]
        if len(set(horizons)) != len(horizons) or horizons not in (["annual"], ["period", "annual"]):
            raise ValueError("指标表须为一张年度表，或先中期表、后年度表")
        for table in self.tables[1:]:
            if _PLACEHOLDERS.search(table.heading):
                raise ValueError(f"第二张指标表的标题“{table.heading}”不能含占位符（读取时按标题查找它）")
        fields = [column.field for column in self.indicator_columns]
        if len(set(fields)) != len(fields):
            raise ValueError("指标表的列重复")
        split = set(TARGET_PARTS) & set(fields)
        if ("target" in fields) == bool(split) or (split and "target.value" not in split):
            raise ValueError("指标表须有“target”一列，或分列的 target.op / target.value / target.unit（至少 target.value）")
        if not {"level1", "level2", "level3"} <= set(fields):
            raise ValueError("指标表须有 level1、level2、level3 三列")
        letters = set(self.columns)
        for column in self.indicator_columns:
            for letter in (column.first, column.last or column.first):
                if letter not in letters:
                    raise ValueError(f"指标表的列 {letter} 不在 columns 中")
        for letter in letters:
            if not re.fullmatch(r"[A-Z]{1,2}", letter):
                raise ValueError(f"columns 中的“{letter}”不是列字母")
        _check_overlaps(self)
        return self

    # --- the derived view -------------------------------------------------------------------

    @cached_property
    def spots(self) -> tuple[Spot, ...]:
        """Every field's place, in the form's order."""
        return tuple(Spot.of(spec) for spec in self.fields)

    @cached_property
    def input_spots(self) -> tuple[Spot, ...]:
        return tuple(spot for spot in self.spots if spot.kind not in ("title", "year"))

    @cached_property
    def spot(self) -> dict[str, Spot]:
        return {spot.path: spot for spot in self.spots}

    @property
    def year_cell(self) -> str:
        """Where a project sheet prints its year: （2020年度）."""
        return self.year_range.split(":")[0]

    def has(self, path: str) -> bool:
        return path in self.spot

    def title_of(self, path: str) -> str:
        """How a message names a field: its title, else its printed label."""
        spot = self.spot.get(path)
        return spot.title if spot is not None else path

    @cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(spot.path for spot in self.spots if spot.required)

    def paths_of(self, *kinds: str) -> tuple[str, ...]:
        return tuple(spot.path for spot in self.spots if spot.kind in kinds)

    @cached_property
    def last_column(self) -> str:
        return max(self.columns, key=column_number)

    @cached_property
    def width(self) -> int:
        return column_number(self.last_column)

    @cached_property
    def signature(self) -> dict[str, str]:
        """Cells whose text identifies a project sheet of this form: its title and field labels."""
        labels = {spot.label_cell: spot.shown for spot in self.spots if spot.label_cell}
        return {self.title_range.split(":")[0]: self.title} | labels | {
            heading.range.split(":")[0]: heading.text for heading in self.headings if not _PLACEHOLDERS.search(heading.text)}

    @cached_property
    def columns_by_field(self) -> dict[str, Column]:
        return {column.field: column for column in self.indicator_columns}

    @property
    def split_target(self) -> bool:
        return "target" not in self.columns_by_field

    def horizons(self) -> tuple[str, ...]:
        return tuple(table.horizon for table in self.tables)

    def places(self, capacities: Iterable[int] | None = None) -> tuple[TablePlace, ...]:
        """Where each indicator table sits when it has ``capacities`` rows (default: the form's)."""
        rows = list(capacities) if capacities is not None else [table.rows for table in self.tables]
        placed, row = [], self.indicators_row
        for table, capacity in zip(self.tables, rows):
            placed.append(TablePlace(table.horizon, table.heading, row, row + 1, row + 2, capacity))
            row += 2 + capacity
        return tuple(placed)

    def capacities(self, indicators: Iterable[Any] = ()) -> tuple[int, ...]:
        """Rows per table for a project's indicators: at least the form's, more when it has more."""
        counts = {table.horizon: 0 for table in self.tables}
        for indicator in indicators:
            counts[indicator.horizon] = counts.get(indicator.horizon, 0) + 1
        return tuple(max(table.rows, counts[table.horizon]) for table in self.tables)

    def find_places(self, text_at: Callable[[int], str], last_row: int) -> tuple[TablePlace, ...] | None:
        """The tables of one sheet, a later one found by its heading in column A; None when one is missing."""
        first = self.places()[0]
        found = [first]
        for table in self.tables[1:]:
            start = found[-1].first_row + 1
            row = next((r for r in range(start, last_row + 1) if text_at(r) == table.heading), None)
            if row is None:
                return None
            previous = found[-1]
            found[-1] = TablePlace(previous.horizon, previous.heading, previous.heading_row, previous.header_row,
                                   previous.first_row, row - previous.first_row)
            found.append(TablePlace(table.horizon, table.heading, row, row + 1, row + 2,
                                    max(table.rows, last_row - row - 1)))
        return tuple(found)

    def written_cells(self, project: Any) -> dict[str, str]:
        """Where the writer puts each field of ``project`` (findings point at these cells)."""
        cells = {"year": self.year_cell} | {spot.path: spot.cell for spot in self.spots}
        places = {place.horizon: place for place in self.places(self.capacities(project.indicators))}
        cells.update(table_paths(places))
        seen: dict[str, int] = {}
        for index, indicator in enumerate(project.indicators):
            place = places.get(indicator.horizon)
            if place is None:
                continue
            row = place.first_row + seen.get(indicator.horizon, 0)
            seen[indicator.horizon] = seen.get(indicator.horizon, 0) + 1
            cells.update(self.row_cells(index, row))
        return cells

    def row_cells(self, index: int, row: int) -> dict[str, str]:
        """The model paths of indicator ``index`` and their cells in sheet row ``row`` (a split target
        is found at its 指标值 cell)."""
        cells = {}
        for column in self.indicator_columns:
            field = "target" if column.field == "target.value" else column.field
            if field not in TARGET_PARTS:
                cells[indicator_path(index, field)] = f"{column.first}{row}"
        return cells

    def money(self, yuan: Decimal) -> str:
        """An amount as this form prints it: 12,365,000 元 or 1,236.5 万元."""
        value = yuan.scaleb(-4) if self.money_unit == "万元" else yuan
        return f"{amount_text(value, grouped=True)} {self.money_unit}"

    def to_cell_amount(self, yuan: Any) -> Any:
        """A model amount (yuan) as the cell shows it: exact, in the form's unit."""
        if isinstance(yuan, Decimal) and self.money_unit == "万元" and yuan.is_finite():
            return canonical_amount(yuan.scaleb(-4))
        return yuan

    def from_cell_amount(self, value: Any) -> Any:
        """A cell's amount in the form's unit → yuan; text that is no amount stays as it is."""
        if self.money_unit != "万元" or value is None:
            return value
        amount = to_amount(value)
        return canonical_amount(amount.scaleb(4)) if isinstance(amount, Decimal) and amount.is_finite() else value


@dataclass(frozen=True)
class Spot:
    """A field's place: its label cell, and the (merged) range that holds its value."""

    path: str
    label: str
    title: str
    label_range: str | None
    value_range: str
    kind: Kind
    required: bool = False
    choices: str | None = None
    options: tuple[str, ...] = ()
    height: float | None = None
    band: bool = False  # a long text's label drawn as a band over its row
    capacity: int = LONG_TEXT_CAPACITY

    @classmethod
    def of(cls, spec: FieldSpec) -> Spot:
        band = spec.kind == "long" and (spec.label_style or "band") == "band"
        return cls(spec.path, spec.label, spec.title or spec.label, spec.label_range, spec.value_range, spec.kind,
                   spec.required, spec.choices, spec.options, spec.height, band, spec.capacity)

    @property
    def shown(self) -> str:
        """The label as the form prints it: a long text's band heading ends with a colon."""
        return f"{self.label}：" if self.band else self.label

    @property
    def label_cell(self) -> str | None:
        return self.label_range.split(":")[0] if self.label_range else None

    @property
    def cell(self) -> str:
        """The top-left cell of the value range, where the value lives."""
        return self.value_range.split(":")[0]


@dataclass(frozen=True)
class TablePlace:
    """One indicator table on a sheet: heading band, header row, and its rows."""

    horizon: str
    heading: str
    heading_row: int
    header_row: int
    first_row: int
    rows: int

    @property
    def last_row(self) -> int:
        return self.first_row + self.rows - 1


def table_path(horizon: str) -> str:
    """The path findings about a whole indicator table use: ``indicators`` for the annual one."""
    return "indicators" if horizon == "annual" else "period_indicators"


def table_paths(places: dict[str, TablePlace]) -> dict[str, str]:
    return {table_path(horizon): f"A{place.header_row}" for horizon, place in places.items()}


# --- overlap check ---------------------------------------------------------------------------


def cells_of(cell_range: str) -> Iterable[tuple[int, int]]:
    first, _, last = cell_range.partition(":")
    (r1, c1), (r2, c2) = split_cell(first), split_cell(last or first)
    for row in range(min(r1, r2), max(r1, r2) + 1):
        for column in range(min(c1, c2), max(c1, c2) + 1):
            yield row, column


def _check_overlaps(form: Form) -> None:
    """No cell is used by two things (field label, value, heading, title, indicator table)."""
    owner: dict[tuple[int, int], str] = {}

    def claim(cell_range: str, name: str) -> None:
        for cell in cells_of(cell_range):
            if column_name(cell[1]) not in form.columns:
                raise ValueError(f"“{name}”的区域 {cell_range} 超出 columns 所列的列")
            if cell in owner:
                raise ValueError(f"单元格 {column_name(cell[1])}{cell[0]} 被“{owner[cell]}”和“{name}”重复使用")
            owner[cell] = name

    claim(form.title_range, "表名")
    claim(form.year_range, "年度")
    for spec in form.fields:
        if spec.label_range:
            claim(spec.label_range, f"{spec.label}（标签）")
        claim(spec.value_range, spec.label)
    for heading in form.headings:
        claim(heading.range, heading.text)
    last = form.last_column
    for place in form.places():
        claim(f"A{place.heading_row}:{last}{place.last_row}", place.heading)


# --- loading ---------------------------------------------------------------------------------


@cache
def builtin_forms() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in FORMS_DIR.glob("*.toml")))


def load_form(ref: str | Path | Form | None = None) -> Form:
    """A form by id (built-in) or a unit's own TOML file by path; None is the default form."""
    if isinstance(ref, Form):
        return ref
    ref = DEFAULT_FORM if ref is None else ref
    if str(ref) in builtin_forms():
        return _builtin(str(ref))
    path = Path(ref)
    if path.suffix.lower() != ".toml" and not path.exists():
        raise InputFileError(f"找不到表样“{ref}”（内置表样：{'、'.join(builtin_forms())}），请检查名称或文件路径。")
    return _load_file(real_path(_check_form_file(path)))


@cache
def _builtin(form_id: str) -> Form:
    return _load_file(FORMS_DIR / f"{form_id}.toml")


def _load_file(path: Path) -> Form:
    data = _read_toml(path)
    if data.get("id") in builtin_forms() and path.parent != FORMS_DIR:
        raise InputFileError(f"自定义表样不能使用内置表样的编号“{data['id']}”，请改用其他编号。", path)
    return _validate(_resolve(data, path, (path,)), path)


def parse_form_json(text: str, origin: str | Path) -> Form:
    """A resolved form saved inside a workbook."""
    try:
        return Form.model_validate_json(text)
    except ValidationError as error:
        raise InputFileError(f"工作簿内保存的表样已损坏（{_where(error)}），请用 xlgoals template 重新生成模板。",
                             origin) from None


def _check_form_file(path: Path) -> Path:
    """``path`` as a form file that can be read, named as the user gave it (a link is not yet followed)."""
    return check_input(path, "表样文件（.toml）",
                       missing=f"找不到表样文件（内置表样：{'、'.join(builtin_forms())}），请检查名称或文件路径。")


def _read_toml(path: Path) -> dict[str, Any]:
    _check_form_file(path)
    try:
        if path.stat().st_size > MAX_FORM_BYTES:
            raise InputFileError(f"表样文件超过 {MAX_FORM_BYTES // 1024} KB，不是表样文件，请检查。", path)
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputFileError(cannot_read(error), path) from None
    except UnicodeDecodeError:
        raise InputFileError("无法读取表样文件，请确认它是 UTF-8 编码的 TOML 文件。", path) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputFileError(f"表样文件不是有效的 TOML（{error}），请检查文件格式。", path) from None


_REPLACED = ("columns", "headings", "indicator_columns", "tables", "checks")


def _resolve(data: dict[str, Any], path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """:func:`_extend`, with a file whose parts have the wrong shape (a list where a table belongs)
    refused in one line rather than failing while merging."""
    try:
        return _extend(data, path, chain)
    except (AttributeError, TypeError, ValueError):
        raise InputFileError("表样文件的结构有误（fields、checks、label_variants 等须为表格），"
                             "请对照内置表样修改。", path) from None


def _extend(data: dict[str, Any], path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """Apply ``extends``: the base's data with this file's changes (fields merged by path, ``drop`` removed)."""
    base_ref = data.pop("extends", None)
    drop = data.pop("drop", [])
    if base_ref is None:
        if drop:
            raise InputFileError("表样文件的 drop 只能与 extends 一起使用。", path)
        return data
    if not isinstance(base_ref, str) or not isinstance(drop, list):
        raise InputFileError("表样文件的 extends 须为表样编号或文件名，drop 须为字段列表。", path)
    if base_ref in builtin_forms():
        base_path = FORMS_DIR / f"{base_ref}.toml"
    else:
        base_path = real_path(path.parent / base_ref)
        if base_path.suffix.lower() != ".toml":
            raise InputFileError(f"extends 的“{base_ref}”不是已知表样（内置表样：{'、'.join(builtin_forms())}），"
                                 "也不是 .toml 文件，请检查。", path)
    if base_path in chain or base_path == path:
        raise InputFileError(f"表样文件的 extends 形成循环（{' → '.join(p.name for p in (*chain, base_path))}），请检查。",
                             path)
    base = _resolve(_read_toml(base_path), base_path, (*chain, base_path))
    merged = dict(base)
    for key, value in data.items():
        if key == "fields":
            merged["fields"] = _merge_fields(base.get("fields", []), value, path)
        elif key == "label_variants" and isinstance(value, dict):
            merged[key] = dict(base.get(key, {})) | value
        else:
            merged[key] = value
    if drop:
        known = {field.get("path") for field in merged.get("fields", []) if isinstance(field, dict)}
        unknown = [p for p in drop if p not in known]
        if unknown:
            raise InputFileError(f"drop 中的字段“{'、'.join(map(str, unknown))}”不在所继承的表样中，请检查。", path)
        merged["fields"] = [field for field in merged["fields"] if field.get("path") not in drop]
        merged["checks"] = [check for check in merged.get("checks", []) if not any(
            p in drop for p in (check.get("lesser"), check.get("greater"), check.get("total"), *check.get("parts", ())))]
    return merged


def _merge_fields(base: list, changes: Any, path: Path) -> list:
    if not isinstance(changes, list) or not all(isinstance(change, dict) for change in changes):
        raise InputFileError("表样文件的 fields 须为 [[fields]] 表格列表。", path)
    merged = [dict(field) for field in base]
    index = {field.get("path"): n for n, field in enumerate(merged)}
    for change in changes:
        if change.get("path") in index:
            merged[index[change["path"]]].update(change)
        else:
            merged.append(dict(change))
    return merged


def _validate(data: dict[str, Any], path: Path) -> Form:
    try:
        return Form.model_validate(data)
    except ValidationError as error:
        raise InputFileError(f"表样文件内容有误（{_where(error)}），请对照内置表样修改。", path) from None


def _where(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "文件"
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}：{message}"


# --- cells -----------------------------------------------------------------------------------


def long_text_height(text: str | None, minimum_chars: int = 0,
                     chars_per_line: int = LONG_TEXT_CHARS_PER_LINE) -> float:
    """Row height (points) that shows ``text`` wrapped in a cell of ``chars_per_line``, within Excel's limit."""
    chars = max(len(text or ""), minimum_chars)
    lines = sum(max(1, -(-len(part) // chars_per_line)) for part in (text or "").split("\n"))
    lines = max(lines, -(-chars // chars_per_line), 2)
    return min(MAX_ROW_HEIGHT_PT, lines * LINE_HEIGHT_PT + 6)


def indicator_path(index: int, field: str) -> str:
    """The model path of an indicator field, as findings report it."""
    return f"indicators[{index}].{field}"


CELL_TEXT_LIMIT = 32_767  # Excel's most characters in a cell; XlsxWriter cuts a longer text to it, telling nobody
_COVER_TEXTS = ("unit", "year", "department", "contact", "phone")


class Overlong(NamedTuple):
    """A text of a filing longer than a cell holds: its project (None: the cover), field path and length."""

    project: Any
    path: str
    length: int


def overlong_texts(filing: Any) -> list[Overlong]:
    """Every text of ``filing`` longer than a cell holds (a JSON file has no such limit; a workbook does).

    Reads the models' ``__dict__``: the rule runs on every validation, over every indicator row.
    """
    found = [Overlong(None, name, len(value)) for name in _COVER_TEXTS
             if isinstance(value := getattr(filing, name), str) and len(value) > CELL_TEXT_LIMIT]
    for project in filing.projects:
        for name, value in project.__dict__.items():
            if type(value) is str and len(value) > CELL_TEXT_LIMIT:
                found.append(Overlong(project, name, len(value)))
        found += [Overlong(project, f"budget.{name}", len(value)) for name, value in project.budget.__dict__.items()
                  if type(value) is str and len(value) > CELL_TEXT_LIMIT]
        for index, indicator in enumerate(project.indicators):
            for name, value in indicator.__dict__.items():
                text = value.raw if name == "target" and value is not None else value
                if type(text) is str and len(text) > CELL_TEXT_LIMIT:
                    found.append(Overlong(project, indicator_path(index, name), len(text)))
    return found


def overlong_refusal(filing: Any) -> tuple[str, str | None] | None:
    """Why ``filing`` cannot be written whole, and the file it came from: its first text longer than a
    cell holds, found by its cell (read from a workbook) or its place in the JSON; None when all fit."""
    found = overlong_texts(filing)
    if not found:
        return None
    project, path, length = found[0]
    if project is None:
        where, file = f"“{path}”", filing.source
    elif (cell := project.cell(path))[1] is not None:
        where, file = f"项目“{project.name or '未命名'}”（工作表“{cell[0]}”{cell[1]}）", project.source.file
    else:
        index = next(number for number, each in enumerate(filing.projects) if each is project)
        where, file = f"项目“{project.name or '未命名'}”的“projects[{index}].{path}”", filing.source
    return (f"{where}有 {length:,} 个字符，超过 Excel 单元格最多 {CELL_TEXT_LIMIT:,} 个字符的上限，"
            "写入工作簿会被截断；请缩短后再试（xlgoals validate 列出每一处）。", file)


@lru_cache(maxsize=4096)
def split_cell(ref: str) -> tuple[int, int]:
    """A1 → (row, column), both from 1."""
    letters = ref.rstrip("0123456789")
    return int(ref[len(letters):]), column_number(letters)


@lru_cache(maxsize=256)
def column_number(letters: str) -> int:
    """A → 1, AA → 27."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char.upper()) - 64
    return number


@lru_cache(maxsize=256)
def column_name(number: int) -> str:
    """1 → A, 27 → AA."""
    name = ""
    while number:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cover_spot(path: str, label: str, row: int, kind: Kind) -> Spot:
    return Spot(path, label, label, f"A{row}", f"B{row}:D{row}", kind)


# Cover sheet 填报说明, the same for every form: the filing's header, then the department's inputs.
COVER_SPOTS: tuple[Spot, ...] = (
    _cover_spot("unit", "申报单位名称", 3, "title"),
    _cover_spot("year", "预算年度", 4, "title"),
    _cover_spot("framework_name", "指标框架", 5, "title"),
    _cover_spot("department", "填报部门", 6, "text"),
    _cover_spot("contact", "联系人", 7, "text"),
    _cover_spot("phone", "联系电话", 8, "text"),
)
