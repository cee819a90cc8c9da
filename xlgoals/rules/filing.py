"""Checks across the filing: something filled, unique project names, one unit and one year."""

from __future__ import annotations

from ..model import Filing
from .registry import Context, Issue, rule


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
