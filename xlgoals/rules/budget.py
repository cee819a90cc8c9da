"""Budget consistency: this year within the total, last year's execution, and large changes."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from .registry import Context, Issue, ProjectView, rule


@lru_cache(maxsize=64, typed=True)
def _decimal(threshold: float) -> Decimal:
    """A rules-file threshold (0.3) as the exact decimal it was written as."""
    return Decimal(str(threshold))


def _not_exceeding(view: ProjectView, ctx: Context, code: str) -> list[Issue]:
    """The form's ``lesser ≤ greater`` checks reported under ``code``."""
    form, issues = ctx.form, []
    for check in form.checks:
        if check.rule != code:
            continue
        lesser, greater = view.values[check.lesser], view.values[check.greater]
        if isinstance(lesser, Decimal) and isinstance(greater, Decimal) and lesser > greater:
            template = check.message or "“{lesser_name}” {lesser}大于“{greater_name}” {greater}，请核对。"
            issues.append(Issue(check.lesser, template.format(
                lesser=form.money(lesser), greater=form.money(greater),
                lesser_name=form.title_of(check.lesser), greater_name=form.title_of(check.greater)), lesser))
    return issues


@rule("budget-current-exceeds-total", "当年预算超过总预算", "error", family="budget",
      meaning="当年（年度）的金额不能大于总预算（中期）的金额：上海表的项目当年预算与项目总预算，"
              "全国申报表的年度资金总额、财政拨款、其他资金与中期的对应金额。")
def current_exceeds_total(view: ProjectView, ctx: Context) -> list[Issue]:
    return _not_exceeding(view, ctx, "budget-current-exceeds-total")


@rule("budget-executed-exceeds-prior", "上年执行数超过上年预算", "error", family="budget",
      meaning="同名项目上年预算执行数不能大于上年预算额。")
def executed_exceeds_prior(view: ProjectView, ctx: Context) -> list[Issue]:
    return _not_exceeding(view, ctx, "budget-executed-exceeds-prior")


@rule("budget-parts-mismatch", "资金总额不等于各来源之和", "error", family="budget",
      meaning="资金总额必须等于其中各来源之和，如全国申报表的年度资金总额 = 财政拨款 + 其他资金；"
              "只填了总额、各来源都空着时不检查。")
def parts_mismatch(view: ProjectView, ctx: Context) -> list[Issue]:
    form, issues = ctx.form, []
    for check in form.checks:
        if check.rule != "budget-parts-mismatch":
            continue
        total = view.values[check.total]
        parts = [view.values[path] for path in check.parts]
        if not isinstance(total, Decimal) or all(part is None for part in parts) \
                or not all(part is None or isinstance(part, Decimal) for part in parts):
            continue
        summed = sum((part for part in parts if part is not None), Decimal(0))
        if summed != total:
            names = " + ".join(form.title_of(path) for path in check.parts)
            template = check.message or "“{total_name}” {total}不等于{parts_names}之和 {sum}，请核对。"
            issues.append(Issue(check.total, template.format(
                total=form.money(total), sum=form.money(summed), total_name=form.title_of(check.total),
                parts_names=names), total))
    return issues


@rule("budget-change-large", "预算较上年变化过大", "warning", family="budget", threshold=0.30,
      meaning="当年预算比同名项目上年预算增减超过阈值（默认 ±30%）时，需要说明原因。")
def change_large(view: ProjectView, ctx: Context) -> Issue | None:
    current, prior = view.values["budget.current_year"], view.values["budget.prior_year_budget"]
    if not isinstance(current, Decimal) or not isinstance(prior, Decimal) or prior <= 0:
        return None
    change = (current - prior) / prior
    threshold = ctx.params["threshold"]
    if abs(change) > _decimal(threshold):
        money = ctx.form.money
        return Issue("budget.current_year",
                     f"当年预算 {money(current)}较上年 {money(prior)}{'增加' if change > 0 else '减少'} "
                     f"{abs(change):.0%}，超过 ±{threshold:.0%}，请在项目概况或实施计划中说明原因。", current)
    return None


@rule("budget-execution-low", "上年预算执行率偏低", "warning", family="budget", threshold=0.90,
      meaning="同名项目上年预算执行率（执行数 ÷ 预算额）低于阈值（默认 90%）时，需要说明原因。")
def execution_low(view: ProjectView, ctx: Context) -> Issue | None:
    prior, executed = view.values["budget.prior_year_budget"], view.values["budget.prior_year_executed"]
    if not isinstance(prior, Decimal) or not isinstance(executed, Decimal) or prior <= 0:
        return None
    rate = executed / prior
    threshold = ctx.params["threshold"]
    if rate < _decimal(threshold):
        return Issue("budget.prior_year_executed", f"上年预算执行率为 {rate:.1%}，低于 {threshold:.0%}，请说明原因。",
                     executed)
    return None
