"""Checks across the filing: unique project names, one unit and one year."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Filing
from .registry import Context, Issue, rule


@rule("project-name-duplicate", "项目名称重复", "error", family="filing", scope="filing",
      meaning="一份填报中项目名称必须唯一；同一项目出现两次会重复申报。")
def name_duplicate(filing: Filing, ctx: Context) -> Iterator[Issue]:
    seen: dict[str, str | None] = {}
    for project in filing.projects:
        if project.name is None:
            continue
        if project.name in seen:
            first = seen[project.name]
            where = f"（与工作表“{first}”重复）" if first else ""
            yield Issue("name", f"项目名称“{project.name}”在本填报中出现不止一次{where}。", project.name, project)
        else:
            seen[project.name] = project.source.sheet if project.source else None


@rule("project-unit-mismatch", "混入其他单位的表", "error", family="filing", scope="filing",
      meaning="每张项目表的申报单位必须与填报单位一致。")
def unit_mismatch(filing: Filing, ctx: Context) -> Iterator[Issue]:
    for project in filing.projects:
        if filing.unit and project.unit != filing.unit:
            yield Issue("unit", f"此表的申报单位是“{project.unit}”，与填报单位“{filing.unit}”不一致。",
                        project.unit, project)


@rule("project-year-mismatch", "混入其他年度的表", "error", family="filing", scope="filing",
      meaning="每张项目表的年度必须与填报年度一致。")
def year_mismatch(filing: Filing, ctx: Context) -> Iterator[Issue]:
    for project in filing.projects:
        if filing.year is not None and project.year != filing.year:
            yield Issue("year", f"此表是 {project.year} 年度的，与填报年度 {filing.year} 不一致。",
                        project.year, project)
