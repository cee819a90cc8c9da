"""Checks of the indicator table against the filing's framework: names, tree, coverage, rows."""

from __future__ import annotations

from decimal import Decimal

from ..layout import table_path
from ..values import amount_text
from .registry import Context, Issue, ProjectView, Row, rule


@rule("level1-unknown", "一级目标不在框架中", "error", family="indicators", scope="row", depends="goal",
      meaning="一级目标（一级指标）必须是本填报指标框架中的名称。")
def level1_unknown(row: Row, ctx: Context) -> Issue | None:
    tree = ctx.framework.tree()
    if row.level1 is not None and row.level1 not in tree:
        return Issue(row.path("level1"), f"{row.name}的{ctx.framework.labels.level1}“{row.level1}”不在框架中"
                                         f"（{'、'.join(tree)}）。", row.level1)
    return None


@rule("level2-unknown", "二级目标不在框架中", "error", family="indicators", scope="row", depends="goal",
      meaning="二级目标（二级指标）必须是本填报指标框架中的名称。")
def level2_unknown(row: Row, ctx: Context) -> Issue | None:
    if row.level2 is not None and ctx.framework.parent_of(row.level2) is None:
        return Issue(row.path("level2"), f"{row.name}的{ctx.framework.labels.level2}“{row.level2}”不在框架中，"
                                         "请从下拉列表选择。", row.level2)
    return None


@rule("level2-misplaced", "二级目标挂错一级目标", "error", family="indicators", scope="row", depends="goal",
      meaning="二级目标必须挂在框架规定的一级目标之下，例如“数量”属于“产出目标”。")
def level2_misplaced(row: Row, ctx: Context) -> Issue | None:
    parent = ctx.framework.parent_of(row.level2) if row.level2 else None
    if parent and parent != row.level1 and row.level1 in ctx.framework.tree():
        return Issue(row.path("level2"), f"{row.name}的{ctx.framework.labels.level2}“{row.level2}”属于“{parent}”，"
                                         f"不属于“{row.level1}”。", row.level2)
    return None


@rule("level-missing", "指标缺少一级或二级目标", "error", family="indicators", scope="row", depends="goal",
      meaning="每条指标都要写明所属的一级目标和二级目标。")
def level_missing(row: Row, ctx: Context) -> list[Issue] | None:
    if row.level1 is not None and row.level2 is not None:
        return None
    labels = ctx.framework.labels
    return [Issue(row.path(field), f"{row.name}缺少{label}。")
            for field, label in (("level1", labels.level1), ("level2", labels.level2)) if getattr(row, field) is None]


def _tables(view: ProjectView, ctx: Context):
    """The tables coverage is checked on: the year's always, the period's once it has rows."""
    yield "annual", "", view.goals
    if view.periods and "period" in ctx.form.horizons():
        yield "period", "中期指标中", view.period_goals()


@rule("level1-uncovered", "一级目标没有指标", "error", family="indicators",
      meaning="框架中的每个一级目标至少要有一条指标（有中期绩效指标表的，填了中期指标时中期表也一样）。")
def level1_uncovered(view: ProjectView, ctx: Context) -> list[Issue]:
    label = ctx.framework.labels.level1
    issues = []
    for horizon, where, goals in _tables(view, ctx):
        present = {level1 for level1, _ in goals}
        issues += [Issue(table_path(horizon), f"{where}{label}“{node.name}”下没有任何指标，请至少填写一条。", node.name)
                   for node in ctx.framework.level1 if node.required and node.name not in present]
    return issues


@rule("level2-required-missing", "缺少必备的二级目标", "error", family="indicators",
      meaning="产出目标必须同时包含数量和质量指标（按框架规定）。")
def level2_required_missing(view: ProjectView, ctx: Context) -> list[Issue]:
    return [Issue(table_path(horizon), f"{where}“{node.name}”下缺少“{child}”指标，请补充。", child)
            for horizon, where, goals in _tables(view, ctx)
            for node in ctx.framework.level1 for child in node.required_children
            if (node.name, child) not in goals]


@rule("indicator-weights-total", "指标权重合计不符", "warning", family="indicators",
      meaning="表样有权重（分值）列时，每张指标表中各指标的权重合计应等于表样规定的总分（通常为 100）。")
def weights_total(view: ProjectView, ctx: Context) -> list[Issue] | None:
    total = ctx.form.weight_total
    if total is None:
        return None
    issues = []
    indicators = view.project.indicators
    for horizon, rows in (("period", indicators[:view.periods]), ("annual", indicators[view.periods:])):
        weights = [row.weight for row in rows if isinstance(row.weight, Decimal)]
        if weights and sum(weights) != total:
            where = "中期" if horizon == "period" else "年度"
            issues.append(Issue(table_path(horizon), f"{where}绩效指标的权重合计为 {amount_text(sum(weights), grouped=True)}，"
                                                     f"应为 {amount_text(total, grouped=True)}，请核对。", sum(weights)))
    return issues


@rule("indicator-target-missing", "指标没有目标值", "error", family="indicators", scope="row",
      meaning="写了三级目标名称的指标必须填写指标目标值。")
def indicator_target_missing(row: Row, ctx: Context) -> Issue | None:
    if row.target is None and row.level3 is not None:
        return Issue(row.path("target"), f"{row.name}没有填写指标目标值。")
    return None


@rule("indicator-name-missing", "目标值没有指标名称", "error", family="indicators", scope="row",
      meaning="填了指标目标值的行必须写明三级目标（指标名称）。")
def indicator_name_missing(row: Row, ctx: Context) -> Issue | None:
    if row.level3 is None and row.target is not None:
        return Issue(row.path("level3"), f"{row.number}有目标值“{row.target.raw}”，但没有三级目标名称。",
                     row.target.raw)
    return None


@rule("indicator-duplicate", "指标重复", "warning", family="indicators",
      meaning="同一项目中一级、二级、三级目标都相同的指标出现了两次，多半是复制时留下的。")
def indicator_duplicate(view: ProjectView, ctx: Context) -> list[Issue] | None:
    if len(set(view.names)) == len(view.names):  # the usual case: no two rows alike
        return None
    seen: dict[tuple, int] = {}
    issues = []
    for index, names in enumerate(view.names):
        if names[2] is None:
            continue
        key = (index < view.periods, *names)  # the same indicator for the period and for the year is no repeat
        if key in seen:
            row = Row(index, view.project.indicators[index], view.periods)
            first = seen[key] - row.offset + 1
            issues.append(Issue(row.path("level3"), f"{row.name}与第 {first} 条重复，请删除或合并。", row.level3))
        else:
            seen[key] = index
    return issues
