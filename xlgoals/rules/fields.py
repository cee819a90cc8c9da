"""Checks of the form's fields: filled in, dates that are dates, amounts that are amounts, choices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from .. import layout
from ..model import Project, value_at
from .registry import Context, Issue, rule

REQUIRED = ("name", "category", "start_date", "end_date", "government_procurement", "performance_type",
            "overview", "basis", "necessity", "safeguards", "implementation_plan", "objectives",
            "budget.total", "budget.current_year")
LABELS = {spot.path: spot.label for spot in layout.PROJECT_SPOTS}
DATES = ("start_date", "end_date")
AMOUNTS = tuple(spot.path for spot in layout.BUDGET_SPOTS)


@rule("required-field", "必填项未填写", "error", family="fields",
      meaning="表头、六段文字说明、项目总预算和当年预算都必须填写；空着的表会被财政部门退回。")
def required_field(project: Project, ctx: Context) -> Iterator[Issue]:
    for path in REQUIRED:
        if value_at(project, path) is None:
            yield Issue(path, f"“{LABELS[path]}”未填写，请补充。")


@rule("date-invalid", "日期无法识别", "error", family="fields",
      meaning="计划开始/完成日期必须是日期（如 2021-01-01、2021年1月1日），不能是“年初”之类的文字。")
def date_invalid(project: Project, ctx: Context) -> Iterator[Issue]:
    for path in DATES:
        value = value_at(project, path)
        if isinstance(value, str):
            yield Issue(path, f"“{LABELS[path]}”填的“{value}”不是日期，请按 2021-01-01 的格式填写。", value)


@rule("date-order", "完成日期早于开始日期", "error", family="fields",
      meaning="计划完成日期不能早于计划开始日期。")
def date_order(project: Project, ctx: Context) -> Iterator[Issue]:
    start, end = project.start_date, project.end_date
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        yield Issue("end_date", f"计划完成日期 {end} 早于计划开始日期 {start}，请核对。", end)


@rule("date-outside-year", "日期不在预算年度内", "warning", family="fields",
      meaning="项目计划日期通常在预算年度之内；跨年度项目需要说明。")
def date_outside_year(project: Project, ctx: Context) -> Iterator[Issue]:
    if not isinstance(project.year, int):
        return
    for path in DATES:
        value = value_at(project, path)
        if isinstance(value, dt.date) and value.year != project.year:
            yield Issue(path, f"“{LABELS[path]}” {value} 不在 {project.year} 年度内，如为跨年度项目请说明。", value)


@rule("amount-invalid", "金额不是数字", "error", family="fields",
      meaning="预算金额必须是以元为单位的数字（可带千分位），不能是“九百万”“约100万”之类的文字。")
def amount_invalid(project: Project, ctx: Context) -> Iterator[Issue]:
    for path in AMOUNTS:
        value = value_at(project, path)
        if isinstance(value, str):
            yield Issue(path, f"“{LABELS[path]}”填的“{value}”不是数字，请以元为单位填写数字。", value)


@rule("amount-negative", "金额为负数", "error", family="fields",
      meaning="预算金额不能为负数。")
def amount_negative(project: Project, ctx: Context) -> Iterator[Issue]:
    for path in AMOUNTS:
        value = value_at(project, path)
        if isinstance(value, Decimal) and value < 0:
            yield Issue(path, f"“{LABELS[path]}”为负数（{value}），请核对。", value)


@rule("yes-no-invalid", "是否项填写有误", "error", family="fields",
      meaning="“是否含有政府购买服务”只能填“是”或“否”。")
def yes_no_invalid(project: Project, ctx: Context) -> Iterator[Issue]:
    value = project.government_procurement
    if isinstance(value, str):
        yield Issue("government_procurement", f"“是否含有政府购买服务”只能填“是”或“否”，现为“{value}”。", value)


@rule("choice-invalid", "选项不在列表中", "error", family="fields",
      meaning="项目类别和绩效类型必须是本填报指标框架所列的选项之一。")
def choice_invalid(project: Project, ctx: Context) -> Iterator[Issue]:
    choices = {"category": ctx.framework.choices.categories,
               "performance_type": ctx.framework.choices.performance_types}
    for path, allowed in choices.items():
        value = value_at(project, path)
        if value is not None and value not in allowed:
            yield Issue(path, f"“{LABELS[path]}”填的“{value}”不在可选项中（{'、'.join(allowed)}），请从下拉列表选择。", value)


@rule("narrative-duplicate", "文字说明互相照抄", "warning", family="fields",
      meaning="项目概况、立项依据、必要性、保障措施、实施计划、总目标各有其内容；两段完全相同，"
              "多半是照抄，审核时会要求分别说明。")
def narrative_duplicate(project: Project, ctx: Context) -> Iterator[Issue]:
    seen: dict[str, str] = {}
    for spot in layout.LONG_TEXT_SPOTS:
        text = value_at(project, spot.path)
        if text is None:
            continue
        if text in seen:
            yield Issue(spot.path, f"“{spot.label}”与“{LABELS[seen[text]]}”内容完全相同，请分别说明。")
        else:
            seen[text] = spot.path
