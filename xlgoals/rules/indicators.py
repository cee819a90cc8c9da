"""Checks of the indicator table against the filing's framework: names, tree, coverage, rows."""

from __future__ import annotations

from collections.abc import Iterator

from .. import layout
from ..model import Indicator, Project
from .registry import Context, Issue, rule


def row_name(index: int, indicator: Indicator) -> str:
    """How a message names a row: its position and, when present, its level-3 name."""
    name = f"“{indicator.level3}”" if indicator.level3 else ""
    return f"第 {index + 1} 条指标{name}"


@rule("level1-unknown", "一级目标不在框架中", "error", family="indicators",
      meaning="一级目标（一级指标）必须是本填报指标框架中的名称。")
def level1_unknown(project: Project, ctx: Context) -> Iterator[Issue]:
    tree = ctx.framework.tree()
    label = ctx.framework.labels.level1
    for index, row in enumerate(project.indicators):
        if row.level1 is not None and row.level1 not in tree:
            yield Issue(layout.indicator_path(index, "level1"),
                        f"{row_name(index, row)}的{label}“{row.level1}”不在框架中（{'、'.join(tree)}）。", row.level1)


@rule("level2-unknown", "二级目标不在框架中", "error", family="indicators",
      meaning="二级目标（二级指标）必须是本填报指标框架中的名称。")
def level2_unknown(project: Project, ctx: Context) -> Iterator[Issue]:
    label = ctx.framework.labels.level2
    for index, row in enumerate(project.indicators):
        if row.level2 is not None and ctx.framework.parent_of(row.level2) is None:
            yield Issue(layout.indicator_path(index, "level2"),
                        f"{row_name(index, row)}的{label}“{row.level2}”不在框架中，请从下拉列表选择。", row.level2)


@rule("level2-misplaced", "二级目标挂错一级目标", "error", family="indicators",
      meaning="二级目标必须挂在框架规定的一级目标之下，例如“数量”属于“产出目标”。")
def level2_misplaced(project: Project, ctx: Context) -> Iterator[Issue]:
    labels = ctx.framework.labels
    tree = ctx.framework.tree()
    for index, row in enumerate(project.indicators):
        parent = ctx.framework.parent_of(row.level2) if row.level2 else None
        if parent and row.level1 in tree and parent != row.level1:
            yield Issue(layout.indicator_path(index, "level2"),
                        f"{row_name(index, row)}的{labels.level2}“{row.level2}”属于“{parent}”，"
                        f"不属于“{row.level1}”。", row.level2)


@rule("level-missing", "指标缺少一级或二级目标", "error", family="indicators",
      meaning="每条指标都要写明所属的一级目标和二级目标。")
def level_missing(project: Project, ctx: Context) -> Iterator[Issue]:
    labels = ctx.framework.labels
    for index, row in enumerate(project.indicators):
        for field, label in (("level1", labels.level1), ("level2", labels.level2)):
            if getattr(row, field) is None:
                yield Issue(layout.indicator_path(index, field), f"{row_name(index, row)}缺少{label}。")


@rule("level1-uncovered", "一级目标没有指标", "error", family="indicators",
      meaning="框架中的每个一级目标至少要有一条指标。")
def level1_uncovered(project: Project, ctx: Context) -> Iterator[Issue]:
    present = {row.level1 for row in project.indicators}
    for node in ctx.framework.level1:
        if node.required and node.name not in present:
            yield Issue("indicators", f"一级目标“{node.name}”下没有任何指标，请至少填写一条。", node.name)


@rule("level2-required-missing", "缺少必备的二级目标", "error", family="indicators",
      meaning="产出目标必须同时包含数量和质量指标（按框架规定）。")
def level2_required_missing(project: Project, ctx: Context) -> Iterator[Issue]:
    present = {(row.level1, row.level2) for row in project.indicators}
    for node in ctx.framework.level1:
        for child in node.required_children:
            if (node.name, child) not in present:
                yield Issue("indicators", f"“{node.name}”下缺少“{child}”指标，请补充。", child)


@rule("indicator-target-missing", "指标没有目标值", "error", family="indicators",
      meaning="写了三级目标名称的指标必须填写指标目标值。")
def indicator_target_missing(project: Project, ctx: Context) -> Iterator[Issue]:
    for index, row in enumerate(project.indicators):
        if row.level3 is not None and row.target is None:
            yield Issue(layout.indicator_path(index, "target"), f"{row_name(index, row)}没有填写指标目标值。")


@rule("indicator-name-missing", "目标值没有指标名称", "error", family="indicators",
      meaning="填了指标目标值的行必须写明三级目标（指标名称）。")
def indicator_name_missing(project: Project, ctx: Context) -> Iterator[Issue]:
    for index, row in enumerate(project.indicators):
        if row.level3 is None and row.target is not None:
            yield Issue(layout.indicator_path(index, "level3"),
                        f"第 {index + 1} 条指标有目标值“{row.target.raw}”，但没有三级目标名称。", row.target.raw)


@rule("indicator-duplicate", "指标重复", "warning", family="indicators",
      meaning="同一项目中一级、二级、三级目标都相同的指标出现了两次，多半是复制时留下的。")
def indicator_duplicate(project: Project, ctx: Context) -> Iterator[Issue]:
    seen: dict[tuple, int] = {}
    for index, row in enumerate(project.indicators):
        if row.level3 is None:
            continue
        key = (row.level1, row.level2, row.level3)
        if key in seen:
            yield Issue(layout.indicator_path(index, "level3"),
                        f"{row_name(index, row)}与第 {seen[key] + 1} 条重复，请删除或合并。", row.level3)
        else:
            seen[key] = index
