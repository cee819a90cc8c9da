"""Checks of the form's fields: filled in, dates that are dates, amounts that are amounts, choices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from operator import itemgetter

from .. import layout
from .registry import Context, Issue, ProjectView, rule

REQUIRED = ("name", "category", "start_date", "end_date", "government_procurement", "performance_type",
            "overview", "basis", "necessity", "safeguards", "implementation_plan", "objectives",
            "budget.total", "budget.current_year")
LABELS = {spot.path: spot.label for spot in layout.PROJECT_SPOTS}
DATES = ("start_date", "end_date")
AMOUNTS = tuple(spot.path for spot in layout.BUDGET_SPOTS)
LONG_TEXTS = tuple(spot.path for spot in layout.LONG_TEXT_SPOTS)
_long_texts = itemgetter(*LONG_TEXTS)


@rule("required-field", "必填项未填写", "error", family="fields",
      meaning="表头、六段文字说明、项目总预算和当年预算都必须填写；空着的表会被财政部门退回。")
def required_field(view: ProjectView, ctx: Context) -> list[Issue]:
    values = view.values
    return [Issue(path, f"“{LABELS[path]}”未填写，请补充。") for path in REQUIRED if values[path] is None]


@rule("date-invalid", "日期无法识别", "error", family="fields",
      meaning="计划开始/完成日期必须是日期（如 2021-01-01、2021年1月1日），不能是“年初”之类的文字。")
def date_invalid(view: ProjectView, ctx: Context) -> list[Issue]:
    return [Issue(path, f"“{LABELS[path]}”填的“{value}”不是日期，请按 2021-01-01 的格式填写。", value)
            for path in DATES if isinstance(value := view.values[path], str)]


@rule("date-order", "完成日期早于开始日期", "error", family="fields",
      meaning="计划完成日期不能早于计划开始日期。")
def date_order(view: ProjectView, ctx: Context) -> Issue | None:
    start, end = view.values["start_date"], view.values["end_date"]
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        return Issue("end_date", f"计划完成日期 {end} 早于计划开始日期 {start}，请核对。", end)
    return None


@rule("date-outside-year", "日期不在预算年度内", "warning", family="fields",
      meaning="项目计划日期通常在预算年度之内；跨年度项目需要说明。")
def date_outside_year(view: ProjectView, ctx: Context) -> list[Issue] | None:
    year = view.values["year"]
    if not isinstance(year, int):
        return None
    return [Issue(path, f"“{LABELS[path]}” {value} 不在 {year} 年度内，如为跨年度项目请说明。", value)
            for path in DATES if isinstance(value := view.values[path], dt.date) and value.year != year]


@rule("amount-invalid", "金额不是数字", "error", family="fields",
      meaning="预算金额必须是以元为单位的数字（可带千分位），不能是“九百万”“约100万”之类的文字。")
def amount_invalid(view: ProjectView, ctx: Context) -> list[Issue]:
    return [Issue(path, f"“{LABELS[path]}”填的“{value}”不是数字，请以元为单位填写数字。", value)
            for path in AMOUNTS if isinstance(value := view.values[path], str)]


@rule("amount-negative", "金额为负数", "error", family="fields",
      meaning="预算金额不能为负数。")
def amount_negative(view: ProjectView, ctx: Context) -> list[Issue]:
    return [Issue(path, f"“{LABELS[path]}”为负数（{value}），请核对。", value)
            for path in AMOUNTS if isinstance(value := view.values[path], Decimal) and value < 0]


@rule("yes-no-invalid", "是否项填写有误", "error", family="fields",
      meaning="“是否含有政府购买服务”只能填“是”或“否”。")
def yes_no_invalid(view: ProjectView, ctx: Context) -> Issue | None:
    value = view.values["government_procurement"]
    if isinstance(value, str):
        return Issue("government_procurement", f"“是否含有政府购买服务”只能填“是”或“否”，现为“{value}”。", value)
    return None


@rule("choice-invalid", "选项不在列表中", "error", family="fields",
      meaning="项目类别和绩效类型必须是本填报指标框架所列的选项之一。")
def choice_invalid(view: ProjectView, ctx: Context) -> list[Issue]:
    choices = ctx.framework.choices
    return [Issue(path, f"“{LABELS[path]}”填的“{value}”不在可选项中（{'、'.join(allowed)}），请从下拉列表选择。", value)
            for path, allowed in (("category", choices.categories), ("performance_type", choices.performance_types))
            if (value := view.values[path]) is not None and value not in allowed]


@rule("narrative-duplicate", "文字说明互相照抄", "warning", family="fields",
      meaning="项目概况、立项依据、必要性、保障措施、实施计划、总目标各有其内容；两段完全相同，"
              "多半是照抄，审核时会要求分别说明。")
def narrative_duplicate(view: ProjectView, ctx: Context) -> list[Issue] | None:
    texts = _long_texts(view.values)
    if len(set(texts)) == len(texts):  # the usual case: all different (at most one empty)
        return None
    seen: dict[str, str] = {}
    issues = []
    for path, text in zip(LONG_TEXTS, texts):
        if text is None:
            continue
        if text in seen:
            issues.append(Issue(path, f"“{LABELS[path]}”与“{LABELS[seen[text]]}”内容完全相同，请分别说明。"))
        else:
            seen[text] = path
    return issues
