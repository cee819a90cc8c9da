"""Budget consistency: this year within the total, last year's execution, and large changes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..model import Project
from .registry import Context, Issue, rule


def _amounts(*values) -> bool:
    return all(isinstance(value, Decimal) for value in values)


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@rule("budget-current-exceeds-total", "当年预算超过总预算", "error", family="budget",
      meaning="项目当年预算不能大于项目总预算。")
def current_exceeds_total(project: Project, ctx: Context) -> Iterator[Issue]:
    budget = project.budget
    if _amounts(budget.total, budget.current_year) and budget.current_year > budget.total:
        yield Issue("budget.current_year", f"项目当年预算 {_yuan(budget.current_year)} 元大于项目总预算 "
                                           f"{_yuan(budget.total)} 元，请核对。", budget.current_year)


@rule("budget-executed-exceeds-prior", "上年执行数超过上年预算", "error", family="budget",
      meaning="同名项目上年预算执行数不能大于上年预算额。")
def executed_exceeds_prior(project: Project, ctx: Context) -> Iterator[Issue]:
    budget = project.budget
    if _amounts(budget.prior_year_budget, budget.prior_year_executed) \
            and budget.prior_year_executed > budget.prior_year_budget:
        yield Issue("budget.prior_year_executed",
                    f"上年预算执行数 {_yuan(budget.prior_year_executed)} 元大于上年预算额 "
                    f"{_yuan(budget.prior_year_budget)} 元，请核对。", budget.prior_year_executed)


@rule("budget-change-large", "预算较上年变化过大", "warning", family="budget", threshold=0.30,
      meaning="当年预算比同名项目上年预算增减超过阈值（默认 ±30%）时，需要说明原因。")
def change_large(project: Project, ctx: Context) -> Iterator[Issue]:
    budget = project.budget
    if not _amounts(budget.current_year, budget.prior_year_budget) or budget.prior_year_budget <= 0:
        return
    change = (budget.current_year - budget.prior_year_budget) / budget.prior_year_budget
    if abs(change) > Decimal(str(ctx.params["threshold"])):
        yield Issue("budget.current_year",
                    f"当年预算 {_yuan(budget.current_year)} 元较上年 {_yuan(budget.prior_year_budget)} 元"
                    f"{'增加' if change > 0 else '减少'} {abs(change):.0%}，超过 ±{ctx.params['threshold']:.0%}，"
                    "请在项目概况或实施计划中说明原因。", budget.current_year)


@rule("budget-execution-low", "上年预算执行率偏低", "warning", family="budget", threshold=0.90,
      meaning="同名项目上年预算执行率（执行数 ÷ 预算额）低于阈值（默认 90%）时，需要说明原因。")
def execution_low(project: Project, ctx: Context) -> Iterator[Issue]:
    budget = project.budget
    if not _amounts(budget.prior_year_budget, budget.prior_year_executed) or budget.prior_year_budget <= 0:
        return
    rate = budget.prior_year_executed / budget.prior_year_budget
    if rate < Decimal(str(ctx.params["threshold"])):
        yield Issue("budget.prior_year_executed",
                    f"上年预算执行率为 {rate:.1%}，低于 {ctx.params['threshold']:.0%}，请说明原因。",
                    budget.prior_year_executed)
