"""Budget consistency: this year within the total, last year's execution, and large changes."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from .registry import Context, Issue, ProjectView, rule


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=64, typed=True)
def _decimal(threshold: float) -> Decimal:
    """A rules-file threshold (0.3) as the exact decimal it was written as."""
    return Decimal(str(threshold))


@rule("budget-current-exceeds-total", "当年预算超过总预算", "error", family="budget",
      meaning="项目当年预算不能大于项目总预算。")
def current_exceeds_total(view: ProjectView, ctx: Context) -> Issue | None:
    total, current = view.values["budget.total"], view.values["budget.current_year"]
    if isinstance(total, Decimal) and isinstance(current, Decimal) and current > total:
        return Issue("budget.current_year", f"项目当年预算 {_yuan(current)} 元大于项目总预算 {_yuan(total)} 元，请核对。",
                     current)
    return None


@rule("budget-executed-exceeds-prior", "上年执行数超过上年预算", "error", family="budget",
      meaning="同名项目上年预算执行数不能大于上年预算额。")
def executed_exceeds_prior(view: ProjectView, ctx: Context) -> Issue | None:
    prior, executed = view.values["budget.prior_year_budget"], view.values["budget.prior_year_executed"]
    if isinstance(prior, Decimal) and isinstance(executed, Decimal) and executed > prior:
        return Issue("budget.prior_year_executed",
                     f"上年预算执行数 {_yuan(executed)} 元大于上年预算额 {_yuan(prior)} 元，请核对。", executed)
    return None


@rule("budget-change-large", "预算较上年变化过大", "warning", family="budget", threshold=0.30,
      meaning="当年预算比同名项目上年预算增减超过阈值（默认 ±30%）时，需要说明原因。")
def change_large(view: ProjectView, ctx: Context) -> Issue | None:
    current, prior = view.values["budget.current_year"], view.values["budget.prior_year_budget"]
    if not isinstance(current, Decimal) or not isinstance(prior, Decimal) or prior <= 0:
        return None
    change = (current - prior) / prior
    threshold = ctx.params["threshold"]
    if abs(change) > _decimal(threshold):
        return Issue("budget.current_year",
                     f"当年预算 {_yuan(current)} 元较上年 {_yuan(prior)} 元{'增加' if change > 0 else '减少'} "
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
