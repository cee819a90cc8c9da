"""Printed pages read on their own: rendered by LibreOffice to PDF and read back with pdfplumber.

A project sheet keeps each heading with its box and repeats the indicator table's headings on every
page the table spans; 校验结果 and 汇总表 print at 9 pt or more on A4; the marks' fills differ from
each other and from the input fill, also in greyscale.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal

import pdfplumber
import pytest

from tests.conftest import EXAMPLE
from tests.support import libreoffice as lo
from xlgoals import Filing, load_form, write_filing
from xlgoals.merge import merge
from xlgoals.workbook.pages import page_breaks
from xlgoals.workbook.sheets import report_sheet
from xlgoals.workbook.styles import COLOURS, MARK_FILLS
from xlgoals.workbook.summary import write_merged
from xlgoals.rules.report import Finding

NAME = "长文本与四十条指标的项目"


def _pages(pdf) -> list[tuple[str, str, list[dict]]]:
    """(sheet named in the footer, page text, characters above the footer) per page."""
    pages = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            text = page.extract_text() or ""
            footer = re.search(r"(\S+)\s*第 ?\d+ ?页", text.replace("\u3000", " "))
            body = [char for char in page.chars if char["top"] < page.height - 45]
            pages.append((footer.group(1) if footer else "", text, body))
    return pages


def _point_sizes(body: list[dict], footer_size: float) -> list[float]:
    """Character sizes in printed points: the footer is 9 pt and not scaled with the sheet."""
    return [char["size"] / footer_size * 9 for char in body if char["text"].strip()]


@pytest.fixture(scope="module")
def long_project_pdf(tmp_path_factory):
    lo.require()
    data = Filing.model_validate_json(EXAMPLE.read_text("utf-8"))
    project = copy.deepcopy(data.projects[4])
    project.name = NAME
    for field in ("overview", "basis", "necessity", "safeguards", "implementation_plan", "objectives"):
        setattr(project, field, (getattr(project, field) or "说明") * 3)
    rows = project.indicators
    project.indicators = [rows[n % len(rows)].model_copy(update={"level3": f"第{n + 1}项指标{rows[n % len(rows)].level3}"})
                          for n in range(40)]
    filing = data.model_copy(update={"projects": [project]})
    folder = tmp_path_factory.mktemp("print")
    workbook = write_filing(filing, folder / "long.xlsx")
    return lo.convert(workbook, "pdf", folder), project


def test_indicator_headings_on_every_page_of_the_table(long_project_pdf):
    pdf, project = long_project_pdf
    pages = [(text, body) for sheet, text, body in _pages(pdf) if sheet.startswith(NAME)]
    with_rows = [text for text, _ in pages if any(row.level3 in text for row in project.indicators)]
    assert len(with_rows) >= 2, "the table should span pages for this test to mean anything"
    for text in with_rows:
        assert "一级目标" in text and "三级目标" in text and "指标目标值" in text, text[:200]
    printed = "".join(text for text, _ in pages)
    assert all(row.level3 in printed for row in project.indicators)


def test_headings_print_with_their_boxes(long_project_pdf):
    pdf, project = long_project_pdf
    pages = [text.replace("\n", "") for sheet, text, _ in _pages(pdf) if sheet.startswith(NAME)]
    form = load_form("shanghai-2020")
    for spot in form.spots:
        if spot.kind != "long":
            continue
        value = getattr(project, spot.path)[:8]
        holding = [n for n, text in enumerate(pages) if spot.label in text]
        assert holding, spot.label
        assert value in pages[holding[0]], f"{spot.label} is printed apart from its box"


@pytest.fixture(scope="module")
def merged_pdf(tmp_path_factory):
    """Two departments' copies of the example filing merged: every project twice, with findings."""
    lo.require()
    folder = tmp_path_factory.mktemp("merged")
    filing = Filing.model_validate_json(EXAMPLE.read_text("utf-8"))
    paths = [write_filing(filing, folder / f"第{n}部门.xlsx") for n in (2, 10)]
    merged = write_merged(merge(paths, jobs=1), folder / "汇总.xlsx")
    return lo.convert(merged, "pdf", folder)


@pytest.mark.parametrize("sheet", ["汇总表", "校验结果"])
def test_summary_and_report_print_at_nine_points(merged_pdf, sheet):
    pages = [(text, body) for name, text, body in _pages(merged_pdf) if name == sheet]
    assert pages
    with pdfplumber.open(merged_pdf) as document:
        footer = next(char["size"] for page in document.pages for char in page.chars if char["text"] == "页")
    for _, body in pages:
        sizes = _point_sizes(body, footer)
        assert sizes and min(sizes) >= 8.95, (sheet, min(sizes))


def test_fills_differ_in_colour_and_in_greyscale():
    def grey(colour: str) -> float:
        red, green, blue = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
        return (0.299 * red + 0.587 * green + 0.114 * blue) / 255

    fills = [COLOURS["input"], MARK_FILLS["warning"], MARK_FILLS["error"]]
    levels = sorted(grey(fill) for fill in fills)
    assert min(b - a for a, b in zip(levels, levels[1:])) >= 0.12, levels
    red, green, blue = (int(MARK_FILLS["error"][i:i + 2], 16) for i in (0, 2, 4))
    assert red - max(green, blue) >= 0x60, "the error fill must read as red"


@pytest.mark.parametrize("form_id, shown", [("shanghai-2020", "19,000,000 元"), ("national-2015", "1,900 万元")])
def test_report_writes_amounts_as_the_messages_do(form_id, shown):
    finding = Finding("budget-change-large", "warning", "项目1", "E20", "项目1", "budget.current_year",
                      Decimal("19000000"), "当年预算较上年增加 161%", "a.xlsx")
    sheet = report_sheet([finding], "1 个提示性问题", load_form(form_id))
    assert shown in [cell.value for cell in sheet.cells]
    assert "19000000" not in [str(cell.value) for cell in sheet.cells]


def test_a_heading_never_ends_a_page():
    """A heading that would fit as the last row of a page goes to the next page with its box."""
    heights = {row: 20.0 for row in range(1, 200)}
    plain = page_breaks(heights, 199)
    assert plain, "the rows must span pages"
    heading = plain[0] - 1  # the last row of the first page
    kept = page_breaks(heights, 199, keep_with_next={heading})
    assert kept[0] == heading and heading not in plain
    table = page_breaks(heights, 199, repeat=(5, 6))
    assert len(table) > len(plain), "pages after the table's headings have room for them"


def test_a_table_that_fits_a_page_is_not_split(tmp_path):
    """The national form's 中期 table (heading, headers, ten rows) prints on one page."""
    import openpyxl

    from xlgoals import build_template

    form = load_form("national-2015")
    path = build_template(tmp_path / "national.xlsx", unit="某县", year=2024, projects=1, form="national-2015")
    ws = openpyxl.load_workbook(path)["项目1"]
    breaks = [brk.id + 1 for brk in ws.row_breaks.brk]  # the first row of each new page
    assert breaks, "the sheet spans pages"
    period = form.places()[0]
    assert not [row for row in breaks if period.heading_row < row <= period.last_row], breaks


def test_every_rule_code_fits_its_column_on_one_line():
    from xlgoals.rules import CATALOGUE
    from xlgoals.workbook.marks import REPORT_COLUMNS

    width = dict(REPORT_COLUMNS)["规则代码"]
    assert max(len(code) for code in CATALOGUE) < width
