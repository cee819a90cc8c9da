"""The rule engine: every check of the catalogue over a filing, findings pointing at cells.

``validate`` is the one entry point the CLI, the ribbon and the Python API share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model import Filing
from . import budget, fields, indicators, target_values  # noqa: F401  (registers the rules)
from . import filing as _filing_rules  # noqa: F401  (registers the rules)
from .engine import check_filing
from .registry import CATALOGUE, FAMILIES, SEVERITY_LABELS, Rule
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


def _settings(rules: RuleSettings | str | Path | dict[str, Any] | None) -> RuleSettings:
    if rules is None or isinstance(rules, RuleSettings):
        return rules or RuleSettings()
    if isinstance(rules, dict):
        return settings_from_dict(rules)
    return load_settings(rules)
