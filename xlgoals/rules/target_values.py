"""Checks of 指标目标值: measurable, with units, percentages for rates, no template residue."""

from __future__ import annotations

import re
from functools import lru_cache

from .registry import Context, Issue, Row, rule

_RATE_RE = re.compile(r"(率|比|比例|比重)$|占比|满意度|满意率|百分比")
_NOT_RATE_RE = re.compile(r"(频率|效率|频次)$")  # a frequency or efficiency is counted, not a share
_COUNT_RE = re.compile(r"(数|人数|次数|数量|个数|人次|户数|金额|规模|面积|场次|天数)$")
_RESIDUE_RE = re.compile(r"\*\*|★|☆|[xX×]{2}|^(三级)?指标\s*\d*$|^指标名称$|^请填写|^示例")
_SCALE_PREFIXES = ("万", "千", "百", "亿")
# Words that state an intention rather than a measure; fine as a quality statement, vague for a count.
VAGUE_WORDS = ("完成", "提升", "提高", "改善", "增强", "增加", "显著", "明显", "较高", "较好", "良好")
NUMERIC_LEVEL2 = frozenset({"数量", "数量指标", "成本", "经济成本指标"})


@lru_cache(maxsize=8192)
def is_rate(name: str | None) -> bool:
    """A rate or ratio indicator (…率, …比, 占比, 满意度) needs a percentage; counts of it do not."""
    return bool(name and _RATE_RE.search(name) and not _COUNT_RE.search(name) and not _NOT_RATE_RE.search(name))


def is_rate_row(row: Row) -> bool:
    """A rate by its name, or any row filed under a satisfaction goal (满意度, 服务对象满意度指标)."""
    return _is_rate_row(row.level2, row.level3)


@lru_cache(maxsize=8192)
def _is_rate_row(level2: str | None, level3: str | None) -> bool:
    return is_rate(level3) or bool(level2 and "满意度" in level2 and not (level3 and _COUNT_RE.search(level3)))


@lru_cache(maxsize=1024)
def is_vague(text: str) -> bool:
    """完成, 全部完成, 按时完成, 有所提升: intentions, not measures."""
    return any(word in text for word in VAGUE_WORDS)


def expects_number(row: Row) -> bool:
    return row.level2 in NUMERIC_LEVEL2 or bool(row.level3 and _COUNT_RE.search(row.level3))


@lru_cache(maxsize=8192)
def is_residue(text: str | None) -> bool:
    return bool(text and _RESIDUE_RE.search(text))


@rule("target-residue", "模板占位符未替换", "error", family="targets", scope="row",
      meaning="指标名称或目标值里留有模板的占位内容（如 ≥**%、指标1、★），说明这一行没有真正填写。")
def target_residue(row: Row, ctx: Context) -> list[Issue] | None:
    in_name, in_target = is_residue(row.level3), row.target is not None and is_residue(row.target.raw)
    if not (in_name or in_target):
        return None
    issues = []
    if in_name:
        issues.append(Issue(row.path("level3"), f"{row.number}的名称“{row.level3}”是模板占位内容，请填写实际指标。",
                            row.level3))
    if in_target:
        issues.append(Issue(row.path("target"), f"{row.name}的目标值“{row.target.raw}”是模板占位内容，"
                                                "请填写实际目标值。", row.target.raw))
    return issues


@rule("target-unparsed", "目标值无法识别", "error", family="targets", scope="row", depends="target",
      meaning="目标值既不是“比较符号+数值+单位”（如 >=90%），也不是常用的定性词（如 合理、健全）或时间"
              "（如 2023年全年、12月底前），审核时无法判断是否可衡量；区间、多个条件都应改写，日期写成如 2023年12月31日前。")
def target_unparsed(row: Row, ctx: Context) -> Issue | None:
    if row.kind == "unparsed" and not is_residue(row.target.raw):
        return Issue(row.path("target"), f"{row.name}的目标值“{row.target.raw}”无法识别，请写成如 >=90%、=100%、"
                                         ">=40家 的形式，或使用 合理、健全、规范 等定性词，时限写成如 12月底前。",
                     row.target.raw)
    return None


@rule("target-unit-missing", "定量目标缺少单位", "error", family="targets", scope="row",
      meaning="定量目标值必须带计量单位，如 >=1650人、>=90分；只有数字无法判断衡量的是什么。")
def target_unit_missing(row: Row, ctx: Context) -> Issue | None:
    if row.kind == "quantitative" and not row.target.unit and not is_rate_row(row):
        return Issue(row.path("target"), f"{row.name}的目标值“{row.target.raw}”没有计量单位，请补上（如 人、家、分）。",
                     row.target.raw)
    return None


@rule("target-rate-not-percent", "比率类指标未用百分比", "error", family="targets", scope="row",
      meaning="名称为“…率”“…比”“占比”“满意度”的指标衡量的是比例，目标值必须是百分比（如 >=85%），"
              "不能是“规范”等定性词或不带 % 的数字。")
def target_rate_not_percent(row: Row, ctx: Context) -> Issue | None:
    if row.kind is None or row.kind == "unparsed" or (row.kind == "quantitative" and row.target.unit == "%"):
        return None
    if is_rate_row(row):
        return Issue(row.path("target"), f"{row.name}是比率类指标，目标值“{row.target.raw}”应为百分比，"
                                         "如 =100% 或 >=90%。", row.target.raw)
    return None


@rule("target-percent-over-100", "百分比超过 100%", "error", family="targets", scope="row", depends="target",
      max_percent=100, meaning="完成率、覆盖率、满意度等百分比目标不能超过 100%。")
def target_percent_over_100(row: Row, ctx: Context) -> Issue | None:
    target = row.target
    if target is None or target.unit != "%" or target.value is None or target.op in ("<", "<="):
        return None
    limit = ctx.params["max_percent"]
    if target.value > limit or (target.value == limit and target.op == ">"):
        return Issue(row.path("target"), f"{row.name}的目标值“{target.raw}”超过 {limit}%，请核对。", target.raw)
    return None


@rule("target-vague", "应量化的指标用了笼统表述", "error", family="targets", scope="row",
      meaning="数量、成本等指标以及名称表明是人数、次数、金额的指标，应写明数值（如 >=12场），"
              "不能只写“完成”“提升”之类的词或只写时间（如 12月底前）。")
def target_vague(row: Row, ctx: Context) -> Issue | None:
    stated = row.kind == "time" or (row.kind == "qualitative" and is_vague(row.target.raw))
    if stated and expects_number(row) and not is_rate_row(row):
        return Issue(row.path("target"), f"{row.name}属于应量化的指标，目标值“{row.target.raw}”过于笼统，"
                                         "请写明数值和单位，如 >=12场。", row.target.raw)
    return None


@rule("target-sign-missing", "定量目标缺少比较符号", "warning", family="targets", scope="row",
      depends="target", meaning="定量目标值应写明比较符号（>=、<=、=），否则不清楚是下限、上限还是确数。")
def target_sign_missing(row: Row, ctx: Context) -> Issue | None:
    if row.kind == "quantitative" and row.target.op is None:
        return Issue(row.path("target"), f"{row.name}的目标值“{row.target.raw}”没有比较符号，"
                                         f"请写成如 >={row.target.raw}。", row.target.raw)
    return None


@rule("target-unit-unknown", "计量单位不常见", "warning", family="targets", scope="row", depends="target",
      meaning="目标值的计量单位不在指标框架的常用单位中，请确认没有写错（可在自定义框架中增加单位）。")
def target_unit_unknown(row: Row, ctx: Context) -> Issue | None:
    if row.kind != "quantitative" or not row.target.unit:
        return None
    known = ctx.framework.vocabulary.units
    if known and not _known_unit(row.target.unit, known):
        return Issue(row.path("target"), f"{row.name}的计量单位“{row.target.unit}”不常见，请确认。", row.target.raw)
    return None


@lru_cache(maxsize=1024)
def _known_unit(unit: str, known: tuple[str, ...]) -> bool:
    """人, 万人次 (scaled), 元/人 (compound) all count as known when their parts are."""
    parts = unit.split("/")
    return all(part in known or (part[:1] in _SCALE_PREFIXES and part[1:] in known) for part in parts)
