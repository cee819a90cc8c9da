"""Checks across the filing: something filled, unique project names, one unit and one year, every text fits a cell.

Filing-wide checks are registered last: the engine reports them after each project's own findings,
in the catalogue's order.
"""

from __future__ import annotations

from ..layout import CELL_TEXT_LIMIT, COVER_SPOTS, overlong_texts
from ..model import Filing, Project
from .registry import Context, Issue, Row, rule


@rule("filing-empty", "没有填写任何项目", "error", family="filing", scope="filing",
      meaning="一份填报至少要有一张填写了内容的项目表。空白模板、或者所有项目表都还空着的工作簿，"
              "校验不能算通过：没有可审核的内容。")
def filing_empty(filing: Filing, ctx: Context) -> Issue | None:
    if filing.projects:
        return None
    return Issue("projects", "没有填写任何项目：所有项目表都是空白的。请先填写项目，再校验或提交。")


@rule("project-name-duplicate", "项目名称重复", "error", family="filing", scope="filing",
      meaning="一份填报中项目名称必须唯一；同一项目出现两次会重复申报。")
def name_duplicate(filing: Filing, ctx: Context) -> list[Issue]:
    seen: dict[str, str | None] = {}
    issues = []
    for project in filing.projects:
        if project.name is None:
            continue
        if project.name in seen:
            first = seen[project.name]
            where = f"（与工作表“{first}”重复）" if first else ""
            issues.append(Issue("name", f"项目名称“{project.name}”在本填报中出现不止一次{where}。", project.name, project))
        else:
            seen[project.name] = project.source.sheet if project.source else None
    return issues


@rule("project-unit-mismatch", "混入其他单位的表", "error", family="filing", scope="filing",
      meaning="每张项目表的申报单位必须与填报单位一致。")
def unit_mismatch(filing: Filing, ctx: Context) -> list[Issue]:
    if not filing.unit:
        return []
    return [Issue("unit", f"此表的申报单位是“{project.unit}”，与填报单位“{filing.unit}”不一致。", project.unit, project)
            for project in filing.projects if project.unit != filing.unit]


@rule("project-year-mismatch", "混入其他年度的表", "error", family="filing", scope="filing",
      meaning="每张项目表的年度必须与填报年度一致。")
def year_mismatch(filing: Filing, ctx: Context) -> list[Issue]:
    if filing.year is None:
        return []
    return [Issue("year", f"此表是 {project.year} 年度的，与填报年度 {filing.year} 不一致。", project.year, project)
            for project in filing.projects if project.year != filing.year]


@rule("text-too-long", "文字超过单元格上限", "error", family="fields", scope="filing",
      meaning=f"Excel 的一个单元格最多容纳 {CELL_TEXT_LIMIT:,} 个字符。更长的文字（例如 JSON 文件中的一段说明）"
              "写入工作簿会被截断，所以导入和填充不生成含有这种文字的工作簿，合并时不并入这样的文件并说明原因；"
              "须先缩短。")
def text_too_long(filing: Filing, ctx: Context) -> list[Issue]:
    return [Issue(path, f"“{_title(project, path, ctx)}”有 {length:,} 个字符，超过 Excel 单元格最多 "
                        f"{CELL_TEXT_LIMIT:,} 个字符的上限，写入工作簿会被截断；请缩短到 {CELL_TEXT_LIMIT:,} 个字符以内。",
                  length, project)
            for project, path, length in overlong_texts(filing)]


def _title(project: Project | None, path: str, ctx: Context) -> str:
    """How the message names a text: a cover label, a form field's title, or an indicator row's column."""
    if project is None:
        return next(spot.label for spot in COVER_SPOTS if spot.path == path)
    if not path.startswith("indicators["):
        return ctx.form.title_of(path)
    index, field = path.removeprefix("indicators[").split("].")
    periods = sum(indicator.horizon == "period" for indicator in project.indicators)
    labels = ctx.framework.labels
    own = {column.field: column.label for column in ctx.form.indicator_columns if column.label}
    column = {"level1": labels.level1, "level2": labels.level2, "level3": labels.level3, "target": labels.target,
              "weight": own.get("weight", "权重"), "standard": own.get("standard", "指标解释")}[field]
    return f"{Row(int(index), project.indicators[int(index)], periods).number}的{column}"
