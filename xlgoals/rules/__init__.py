"""The rule engine: every check of the catalogue over a filing, findings pointing at cells.

``validate`` is the one entry point the CLI, the ribbon and the Python API share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..frameworks import load_framework
from ..model import Filing, Project
from . import budget, fields, indicators, target_values  # noqa: F401  (registers the rules)
from . import filing as _filing_rules  # noqa: F401  (registers the rules)
from .registry import CATALOGUE, FAMILIES, SEVERITY_LABELS, Context, Issue, Rule
from .report import Finding, Report
from .settings import RuleSettings, load_settings, settings_from_dict

__all__ = ["CATALOGUE", "FAMILIES", "SEVERITY_LABELS", "Finding", "Report", "Rule", "RuleSettings",
           "load_settings", "validate", "check_filing"]


def validate(source: Filing | str | Path, rules: RuleSettings | str | Path | dict[str, Any] | None = None) -> Report:
    """Check a filing (or the workbook / JSON file at a path) and report every finding."""
    from ..inputs import read_filing

    filing = source if isinstance(source, Filing) else read_filing(source)
    report = Report(check_filing(filing, _settings(rules)))
    if filing.source:
        report.files.append(filing.source)
    return report


def check_filing(filing: Filing, settings: RuleSettings | None = None) -> list[Finding]:
    """The findings of every enabled rule, project by project, in the catalogue's order."""
    settings = settings or RuleSettings()
    framework = load_framework(filing.framework)
    active = [(rule, Context(filing, framework, settings.params(rule)), settings.severity(rule))
              for rule in CATALOGUE.values() if settings.enabled(rule)]
    by_project: dict[int, list[Finding]] = {}
    loose: list[Finding] = []
    for project in filing.projects:
        found = by_project[id(project)] = []
        for rule, context, severity in active:
            if rule.scope == "project":
                for issue in rule.check(project, context):
                    found.append(_finding(rule, severity, issue, project, filing))
    for rule, context, severity in active:
        if rule.scope == "filing":
            for issue in rule.check(filing, context):
                finding = _finding(rule, severity, issue, issue.project, filing)
                (by_project[id(issue.project)] if issue.project is not None else loose).append(finding)
    return [finding for project in filing.projects for finding in by_project[id(project)]] + loose


def _finding(rule: Rule, severity: str, issue: Issue, project: Project | None, filing: Filing) -> Finding:
    if project is None:
        return Finding(rule.code, severity, None, None, None, issue.field, issue.value, issue.message, filing.source)
    source = project.source
    if source is None:
        return Finding(rule.code, severity, None, None, project.name, issue.field, issue.value, issue.message,
                       filing.source)
    return Finding(rule.code, severity, source.sheet, source.cells.get(issue.field), project.name, issue.field,
                   issue.value, issue.message, source.file)


def _settings(rules: RuleSettings | str | Path | dict[str, Any] | None) -> RuleSettings:
    if rules is None or isinstance(rules, RuleSettings):
        return rules or RuleSettings()
    if isinstance(rules, dict):
        return settings_from_dict(rules)
    return load_settings(rules)
