"""Checks of the form's fields: filled in, dates that are dates, amounts that are amounts, choices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..values import amount_text
from .registry import Context, Issue, ProjectView, rule

DATES = ("start_date", "end_date")


@rule("required-field", "必填项未填写", "error", family="fields",
      meaning="表样规定必填的字段都必须填写（上海表：表头、六段文字说明、项目总预算和当年预算；全国申报表："
              "项目名称、主管部门、实施单位、项目属性、项目期、年度资金总额和年度目标）；空着的表会被财政部门退回。")
def required_field(view: ProjectView, ctx: Context) -> list[Issue]:
    values, form = view.values, ctx.form
    return [Issue(path, f"“{form.spot[path].label}”未填写，请补充。") for path in form.required if values[path] is None]


@rule("date-invalid", "日期无法识别", "error", family="fields",
      meaning="计划开始/完成日期必须是日期（如 2021-01-01、2021年1月1日），不能是“年初”之类的文字。")
def date_invalid(view: ProjectView, ctx: Context) -> list[Issue]:
    return [Issue(path, f"“{ctx.form.title_of(path)}”填的“{value}”不是日期，请按 2021-01-01 的格式填写。", value)
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
    return [Issue(path, f"“{ctx.form.title_of(path)}” {value} 不在 {year} 年度内，如为跨年度项目请说明。", value)
            for path in DATES if isinstance(value := view.values[path], dt.date) and value.year != year]


@rule("amount-invalid", "金额不是数字", "error", family="fields",
      meaning="预算金额必须是以表样的单位（元或万元）填写的数字（可带千分位），不能是“九百万”“约100万”之类的文字。")
def amount_invalid(view: ProjectView, ctx: Context) -> list[Issue]:
    form = ctx.form
    return [Issue(path, f"“{form.spot[path].label}”填的“{value}”不是数字，请以{form.money_unit}为单位填写数字。", value)
            for path in form.paths_of("amount") if isinstance(value := view.values[path], str)]


@rule("amount-negative", "金额为负数", "error", family="fields",
      meaning="预算金额不能为负数。")
def amount_negative(view: ProjectView, ctx: Context) -> list[Issue]:
    form = ctx.form
    return [Issue(path, f"“{form.spot[path].label}”为负数（{amount_text(form.to_cell_amount(value))}），请核对。", value)
            for path in form.paths_of("amount") if isinstance(value := view.values[path], Decimal) and value < 0]


@rule("yes-no-invalid", "是否项填写有误", "error", family="fields",
      meaning="“是否含有政府购买服务”只能填“是”或“否”。")
def yes_no_invalid(view: ProjectView, ctx: Context) -> Issue | None:
    if not ctx.form.has("government_procurement"):
        return None
    value = view.values["government_procurement"]
    if isinstance(value, str):
        return Issue("government_procurement", f"“是否含有政府购买服务”只能填“是”或“否”，现为“{value}”。", value)
    return None


@rule("choice-invalid", "选项不在列表中", "error", family="fields",
      meaning="下拉选择的字段（项目类别、绩效类型、项目属性等）必须是指标框架或表样所列的选项之一。")
def choice_invalid(view: ProjectView, ctx: Context) -> list[Issue]:
    choices = ctx.framework.choices
    issues = []
    for spot in ctx.form.spots:
        allowed = getattr(choices, spot.choices) if spot.choices else spot.options
        if allowed and (value := view.values[spot.path]) is not None and value not in allowed:
            issues.append(Issue(spot.path, f"“{spot.label}”填的“{value}”不在可选项中（{'、'.join(allowed)}），"
                                           "请从下拉列表选择。", value))
    return issues


@rule("narrative-duplicate", "文字说明互相照抄", "warning", family="fields",
      meaning="项目概况、立项依据、必要性、保障措施、实施计划、总目标各有其内容；两段完全相同，"
              "多半是照抄，审核时会要求分别说明。")
def narrative_duplicate(view: ProjectView, ctx: Context) -> list[Issue] | None:
    paths = ctx.form.paths_of("long")
    texts = [view.values[path] for path in paths]
    if len(set(texts)) == len(texts):  # the usual case: all different (at most one empty)
        return None
    seen: dict[str, str] = {}
    issues = []
    title = ctx.form.title_of
    for path, text in zip(paths, texts):
        if text is None:
            continue
        if text in seen:
            issues.append(Issue(path, f"“{title(path)}”与“{title(seen[text])}”内容完全相同，请分别说明。"))
        else:
            seen[text] = path
    return issues

