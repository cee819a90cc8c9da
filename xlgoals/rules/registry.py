"""The catalogue of rules: each check has a stable code, a Chinese title, a meaning and a severity.

A check is a generator registered with :func:`rule`. Project checks receive one project and
yield ``Issue`` tuples; filing checks receive the whole filing. The engine turns issues into
findings with the cell each field was read from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from ..frameworks import Framework
from ..model import Filing, Project

Severity = Literal["error", "warning"]
SEVERITY_LABELS: dict[str, str] = {"error": "强制性", "warning": "提示性"}


class Issue(NamedTuple):
    """What a check found: the model path of the field, the message, and the value seen."""

    field: str
    message: str
    value: Any = None
    project: Project | None = None  # set by filing-level checks


@dataclass(frozen=True)
class Context:
    """What every check may consult: the filing, its framework, and the rule's parameters."""

    filing: Filing
    framework: Framework
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    meaning: str
    severity: Severity
    family: str
    scope: Literal["project", "filing"]
    check: Callable[..., Iterator[Issue]]
    params: dict[str, Any] = field(default_factory=dict)


CATALOGUE: dict[str, Rule] = {}

FAMILIES = {
    "fields": "必填与格式",
    "indicators": "指标表",
    "targets": "指标目标值",
    "budget": "预算",
    "filing": "整份填报",
}


def rule(code: str, title: str, severity: Severity, meaning: str, *, family: str,
         scope: Literal["project", "filing"] = "project", **params: Any):
    """Register a check under a stable code; ``params`` are its thresholds' defaults."""

    def register(check: Callable[..., Iterator[Issue]]) -> Callable[..., Iterator[Issue]]:
        if code in CATALOGUE:
            raise ValueError(f"duplicate rule code {code}")
        CATALOGUE[code] = Rule(code, title, meaning, severity, family, scope, check, dict(params))
        return check

    return register
