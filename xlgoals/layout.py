"""The one declaration of the workbook's layout: which sheet, row and cell holds each field.

The template builder, the writer, the reader and the cell references of findings all take
positions from here; no other module names a coordinate. A project sheet is recognised by its
labels (:data:`PROJECT_SIGNATURE`), so a sheet whose rows were moved is refused, not misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

TEMPLATE_VERSION = "1"

COVER_SHEET = "填报说明"
META_SHEET = "_xlgoals"
REPORT_SHEET = "校验结果"
DEFAULT_PROJECT_SHEET = "项目{n}"
SUMMARY_SHEET = "汇总表"
DETAIL_SHEET = "指标明细"
RESERVED_SHEETS = (COVER_SHEET, META_SHEET, REPORT_SHEET, SUMMARY_SHEET, DETAIL_SHEET)  # never a project's name
# 汇总表 of a merged filing: one row per project from this row on, department and name in these columns.
SUMMARY_FIRST_ROW = 3
SUMMARY_DEPARTMENT_COLUMN = "B"
SUMMARY_NAME_COLUMN = "D"

Kind = Literal["text", "long", "choice", "date", "amount", "yesno", "year", "title"]


@dataclass(frozen=True)
class Spot:
    """A field's place: its label cell, and the (merged) range that holds its value."""

    path: str
    label: str
    label_cell: str | None
    value_range: str
    kind: Kind
    choices: str | None = None  # name of the list a drop-down offers (see LIST_NAMES)

    @property
    def shown(self) -> str:
        """The label as the form prints it: long-text headings end with a colon."""
        return f"{self.label}：" if self.kind == "long" else self.label

    @property
    def cell(self) -> str:
        """The top-left cell of the value range, where the value lives."""
        return self.value_range.split(":")[0]


# Project sheet: six columns; long texts span all of them on the row under their label.
COLUMN_WIDTHS = {"A": 20.0, "B": 15.0, "C": 15.0, "D": 20.0, "E": 15.0, "F": 19.0}
LAST_COLUMN = "F"

TITLE = "财政项目支出绩效目标表"
TITLE_RANGE = "A1:F1"
YEAR_SPOT = Spot("year", "", None, "A2:F2", "year")

HEADER_SPOTS: tuple[Spot, ...] = (
    Spot("unit", "申报单位名称", "A3", "B3:F3", "title"),
    Spot("name", "项目名称", "A4", "B4:C4", "text"),
    Spot("category", "项目类别", "D4", "E4:F4", "choice", "categories"),
    Spot("start_date", "计划开始日期", "A5", "B5:C5", "date"),
    Spot("end_date", "计划完成日期", "D5", "E5:F5", "date"),
    Spot("government_procurement", "是否含有政府购买服务", "A6", "B6:C6", "yesno", "yes_no"),
    Spot("performance_type", "绩效类型", "D6", "E6:F6", "choice", "performance_types"),
)

LONG_TEXT_SPOTS: tuple[Spot, ...] = tuple(
    Spot(path, label, f"A{row}", f"A{row + 1}:F{row + 1}", "long")
    for row, (path, label) in zip(
        range(7, 19, 2),
        (
            ("overview", "项目概况"),
            ("basis", "立项依据"),
            ("necessity", "项目设立的必要性"),
            ("safeguards", "保证项目实施的制度、措施"),
            ("implementation_plan", "项目实施计划"),
            ("objectives", "总目标及阶段性目标"),
        ),
    )
)

BUDGET_HEADING_RANGE = "A19:F19"
BUDGET_SPOTS: tuple[Spot, ...] = (
    Spot("budget.total", "项目总预算（元）", "A20", "B20:C20", "amount"),
    Spot("budget.current_year", "项目当年预算（元）", "D20", "E20:F20", "amount"),
    Spot("budget.prior_year_budget", "同名项目上年预算额（元）", "A21", "B21:C21", "amount"),
    Spot("budget.prior_year_executed", "同名项目上年预算执行数（元）", "D21", "E21:F21", "amount"),
)

INDICATOR_HEADING_RANGE = "A22:F22"
INDICATOR_HEADER_ROW = 23
INDICATOR_FIRST_ROW = 24
INDICATOR_ROWS = 40
# Indicator columns: field → (first column, last column of its merged range).
INDICATOR_COLUMNS: dict[str, tuple[str, str]] = {
    "level1": ("A", "A"),
    "level2": ("B", "B"),
    "level3": ("C", "E"),
    "target": ("F", "F"),
}

PROJECT_SPOTS: tuple[Spot, ...] = (YEAR_SPOT, *HEADER_SPOTS, *LONG_TEXT_SPOTS, *BUDGET_SPOTS)
INPUT_SPOTS: tuple[Spot, ...] = tuple(spot for spot in PROJECT_SPOTS if spot.kind not in ("title", "year"))

# Cells whose text identifies a project sheet of this template version.
PROJECT_SIGNATURE: dict[str, str] = {"A1": TITLE} | {
    spot.label_cell: spot.shown for spot in (*HEADER_SPOTS, *LONG_TEXT_SPOTS, *BUDGET_SPOTS) if spot.label_cell
}

# Cover sheet 填报说明: the filing's header; department, contact and phone are inputs.
COVER_TITLE_RANGE = "A1:D1"
COVER_SPOTS: tuple[Spot, ...] = (
    Spot("unit", "申报单位名称", "A3", "B3:D3", "title"),
    Spot("year", "预算年度", "A4", "B4:D4", "title"),
    Spot("framework_name", "指标框架", "A5", "B5:D5", "title"),
    Spot("department", "填报部门", "A6", "B6:D6", "text"),
    Spot("contact", "联系人", "A7", "B7:D7", "text"),
    Spot("phone", "联系电话", "A8", "B8:D8", "text"),
)
COVER_GUIDE_FIRST_ROW = 10
COVER_COLUMN_WIDTHS = {"A": 18.0, "B": 30.0, "C": 30.0, "D": 30.0}

# Hidden metadata sheet: key/value rows in A:B; the drop-down lists from column D on.
META_KEYS = ("template_version", "unit", "year", "framework", "framework_name")
META_FRAMEWORK_TEXT_KEY = "framework_toml"  # a unit's own framework travels inside the workbook
LIST_NAMES = {"categories": "XLG_CATEGORIES", "performance_types": "XLG_PERF_TYPES", "level1": "XLG_L1"}
LEVEL2_LIST_PREFIX = "XLG_L2_"
YES_NO = ("是", "否")

# Long texts: capacity of a blank template cell, and line metrics for sizing rows to their text.
LONG_TEXT_CAPACITY = 1500
LONG_TEXT_CHARS_PER_LINE = 52
LINE_HEIGHT_PT = 13.5
MAX_ROW_HEIGHT_PT = 409.0


def long_text_height(text: str | None, minimum_chars: int = 0) -> float:
    """Row height (points) that shows ``text`` wrapped in a full-width cell, within Excel's limit."""
    chars = max(len(text or ""), minimum_chars)
    lines = sum(max(1, -(-len(part) // LONG_TEXT_CHARS_PER_LINE)) for part in (text or "").split("\n"))
    lines = max(lines, -(-chars // LONG_TEXT_CHARS_PER_LINE), 2)
    return min(MAX_ROW_HEIGHT_PT, lines * LINE_HEIGHT_PT + 6)


@lru_cache(maxsize=4096)
def indicator_cell(field: str, row: int) -> str:
    """The cell of an indicator field in a sheet row."""
    return f"{INDICATOR_COLUMNS[field][0]}{row}"


def indicator_path(index: int, field: str) -> str:
    """The model path of an indicator field, as findings report it."""
    return f"indicators[{index}].{field}"


@lru_cache(maxsize=4096)
def cell_of(path: str) -> str | None:
    """The cell of a project field path in a written form (indicators in consecutive rows)."""
    if path == "indicators":
        return f"A{INDICATOR_HEADER_ROW}"
    if path.startswith("indicators["):
        index, _, name = path.removeprefix("indicators[").partition("].")
        return indicator_cell(name or "level1", INDICATOR_FIRST_ROW + int(index.rstrip("]")))
    spot = next((spot for spot in PROJECT_SPOTS if spot.path == path), None)
    return spot.cell if spot else None


@lru_cache(maxsize=4096)
def split_cell(ref: str) -> tuple[int, int]:
    """A1 → (row, column), both from 1."""
    letters = ref.rstrip("0123456789")
    column = 0
    for char in letters:
        column = column * 26 + ord(char.upper()) - 64
    return int(ref[len(letters):]), column
