"""The engine: every enabled rule over a filing, in one pass over each project's indicator rows.

A row check's verdict is a function of the row's content, or of a part of it that the check
declares (see :mod:`.registry`), and real filings repeat: the 投入与管理 block is nearly the same
in every table, and a framework has a dozen goals. So each distinct row is judged once; on a
later copy only the checks that fired on the first run again, for messages naming its own
position. A new row is judged in full only by the checks that read all of it; the others reuse
the verdict on its goal or its target when seen before. Findings keep the catalogue's order
within each project.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter, itemgetter
from typing import NamedTuple

from ..model import Filing, Project
from .registry import CATALOGUE, Context, Found, Issue, ProjectView, Row, Rule
from .report import Finding
from .settings import RuleSettings

_FIRST = itemgetter(0)
_TARGET = attrgetter("target")


class _Active(NamedTuple):
    """An enabled rule, unpacked for the hot loop: its check, context, place in the catalogue, severity."""

    check: Callable[..., Found]
    context: Context
    order: int
    rule: Rule
    severity: str


_Hit = tuple[int, _Active, Issue]  # (catalogue order, rule, issue): sorted back into catalogue order
_Fired = tuple[_Active, ...]  # the checks that found something on a row (or its goal, or its target)


class _RowVerdicts:
    """Which row checks fire on what: per row content, per goal (level 1, level 2), per target."""

    def __init__(self, row_rules: list[_Active]) -> None:
        self.whole = tuple(entry for entry in row_rules if entry.rule.depends == "row")
        self.on_goal = tuple(entry for entry in row_rules if entry.rule.depends == "goal")
        self.on_target = tuple(entry for entry in row_rules if entry.rule.depends == "target")
        self.rows: dict[tuple, _Fired] = {}
        self.goals: dict[tuple, _Fired] = {}
        self.targets: dict[int, _Fired] = {}

    def judge(self, row: Row, hits: list[_Hit]) -> _Fired:
        """A row not seen before: its own checks in full, the others by goal and by target."""
        return (_run(self.whole, row, hits) + _reuse(self.goals, (row.level1, row.level2), self.on_goal, row, hits)
                + _reuse(self.targets, id(row.target), self.on_target, row, hits))


def check_filing(filing: Filing, settings: RuleSettings | None = None) -> list[Finding]:
    """The findings of every enabled rule, project by project, in the catalogue's order."""
    settings = settings or RuleSettings()
    framework, form = filing.resolved_framework(), filing.resolved_form()
    active = [_Active(rule.check, Context(filing, framework, form, settings.params(rule)), order, rule,
                      settings.severity(rule))
              for order, rule in enumerate(CATALOGUE.values()) if settings.enabled(rule)]
    verdicts = _RowVerdicts([entry for entry in active if entry.rule.scope == "row"])
    project_rules = tuple(entry for entry in active if entry.rule.scope == "project")
    by_project: dict[int, list[Finding]] = {}
    for project in filing.projects:
        hits: list[_Hit] = []
        view = ProjectView.of(project)
        indicators = project.indicators
        # A row's content: its names and its target. Equal targets are one cached instance
        # (parse_target), so id() finds repeated rows; all targets are alive, so no two share an id.
        periods = view.periods
        for index, key in enumerate(zip(view.names, map(id, map(_TARGET, indicators)))):
            fired = verdicts.rows.get(key)
            if fired is None:
                verdicts.rows[key] = verdicts.judge(Row(index, indicators[index], periods), hits)
            elif fired:
                _run(fired, Row(index, indicators[index], periods), hits)
        _run(project_rules, view, hits)
        if hits:
            hits.sort(key=_FIRST)  # stable: each rule's rows stay in table order
            by_project[id(project)] = [_finding(entry, issue, project, filing) for _, entry, issue in hits]
        else:
            by_project[id(project)] = []
    loose: list[Finding] = []
    for entry in active:
        if entry.rule.scope == "filing":
            for issue in _issues(entry.check(filing, entry.context)):
                finding = _finding(entry, issue, issue.project, filing)
                (by_project[id(issue.project)] if issue.project is not None else loose).append(finding)
    return [finding for project in filing.projects for finding in by_project[id(project)]] + loose


def _reuse(known: dict, key: object, rules: _Fired, row: Row, hits: list[_Hit]) -> _Fired:
    """The verdict of ``rules`` on the part ``key`` of ``row``: judged once, re-run where it fired."""
    fired = known.get(key)
    if fired is None:
        fired = known[key] = _run(rules, row, hits)
    elif fired:
        _run(fired, row, hits)
    return fired


def _run(rules: _Fired, subject: Row | ProjectView, hits: list[_Hit]) -> _Fired:
    """Run checks on one row or project, collecting their issues; the checks that found something."""
    fired = []
    for entry in rules:
        found = entry[0](subject, entry[1])  # check(subject, context)
        if found:
            fired.append(entry)
            hits.extend((entry.order, entry, issue) for issue in _issues(found))
    return tuple(fired)


def _issues(found: Found) -> list[Issue] | tuple[Issue, ...]:
    if not found:
        return ()
    return found if type(found) is list else (found,)


def _finding(entry: _Active, issue: Issue, project: Project | None, filing: Filing) -> Finding:
    code, severity = entry.rule.code, entry.severity
    if project is None:
        return Finding(code, severity, None, None, None, issue.field, issue.value, issue.message, filing.source)
    source = project.source
    if source is None:
        return Finding(code, severity, None, None, project.name, issue.field, issue.value, issue.message,
                       filing.source)
    return Finding(code, severity, source.sheet, source.cells.get(issue.field), project.name, issue.field,
                   issue.value, issue.message, source.file)
