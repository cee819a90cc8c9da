"""The catalogue of rules: each check has a stable code, a Chinese title, a meaning and a severity.

A check is a function registered with :func:`rule` that returns what it found: an ``Issue``, a
list of them, or None (a plain return: the engine calls checks thousands of times per workbook,
and a generator per call would cost more than most checks). It has one of three scopes:

* ``row``: receives one indicator :class:`Row`. The engine calls every row check from one shared
  pass over each project's rows. A row check decides from the context and what its ``depends``
  names: ``"row"`` (the default) the row's content (three names and target), ``"goal"`` its level 1
  and level 2 only, ``"target"`` its target only. The rest of the row, and its position, may only
  appear in the issue's path and message. The engine relies on this to judge what repeats once.
* ``project``: receives a :class:`ProjectView` (fields, budget, the indicator table as a whole).
* ``filing``: receives the whole filing; each issue names its project.

The engine (:mod:`.engine`) turns issues into findings with the cell each field was read from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any, Literal, NamedTuple

from .. import layout
from ..frameworks import Framework
from ..layout import Form
from ..model import Filing, Indicator, Project

Severity = Literal["error", "warning"]
Scope = Literal["row", "project", "filing"]
Depends = Literal["row", "goal", "target"]  # what a row check's verdict is a function of
SEVERITY_LABELS: dict[str, str] = {"error": "强制性", "warning": "提示性"}


class Issue(NamedTuple):
    """What a check found: the model path of the field, the message, and the value seen."""

    field: str
    message: str
    value: Any = None
    project: Project | None = None  # set by filing-level checks


Found = Issue | list[Issue] | None  # what a check returns


class Context(NamedTuple):
    """What every check may consult: the filing, its framework and form, and the rule's parameters."""

    filing: Filing
    framework: Framework
    form: Form
    params: dict[str, Any]


FIELD_PATHS: tuple[str, ...] = ("year", *layout.PROJECT_PATHS)  # every form's fields: the model's union
_read_fields = attrgetter(*FIELD_PATHS)
_read_names = attrgetter("level1", "level2", "level3")
_goal = itemgetter(0, 1)


class ProjectView(NamedTuple):
    """One project as the project checks see it: its fields and its table's names, each read once."""

    project: Project
    values: dict[str, Any]  # every form field's path (FIELD_PATHS) → its value
    names: list[tuple[str | None, str | None, str | None]]  # each indicator row's three levels, in table order
    goals: set[tuple[str | None, str | None]]  # the (level1, level2) pairs of the year's table
    periods: int  # rows of the period's table (they come first)

    @classmethod
    def of(cls, project: Project) -> ProjectView:
        names = list(map(_read_names, project.indicators))
        periods = sum(1 for indicator in project.indicators if indicator.horizon == "period")
        return cls(project, dict(zip(FIELD_PATHS, _read_fields(project))), names, set(map(_goal, names[periods:])),
                   periods)

    def period_goals(self) -> set[tuple[str | None, str | None]]:
        return set(map(_goal, self.names[:self.periods]))


class Row:
    """One indicator row as the row checks see it: built once per row, shared by all of them."""

    __slots__ = ("index", "kind", "level1", "level2", "level3", "target", "offset", "period")

    def __init__(self, index: int, indicator: Indicator, periods: int = 0) -> None:
        self.index = index
        self.level1, self.level2, self.level3 = indicator.level1, indicator.level2, indicator.level3
        self.target = target = indicator.target
        self.kind = None if target is None else target.kind
        self.period = indicator.horizon == "period"
        self.offset = 0 if self.period else periods  # rows of the period's table before the year's

    @property
    def number(self) -> str:
        """第 N 条指标: the row's position in its table, counting from 1 as a reader does."""
        return f"{'中期' if self.period else ''}第 {self.index - self.offset + 1} 条指标"

    @property
    def name(self) -> str:
        """How a message names the row: its position and, when present, its level-3 name."""
        return f"{self.number}“{self.level3}”" if self.level3 else self.number

    def path(self, field: str) -> str:
        """The model path of one of the row's fields, as findings report it."""
        return layout.indicator_path(self.index, field)


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    meaning: str
    severity: Severity
    family: str
    scope: Scope
    check: Callable[..., Found]
    params: dict[str, Any] = field(default_factory=dict)
    depends: Depends = "row"


CATALOGUE: dict[str, Rule] = {}

FAMILIES = {
    "fields": "必填与格式",
    "indicators": "指标表",
    "targets": "指标目标值",
    "budget": "预算",
    "filing": "整份填报",
}


def rule(code: str, title: str, severity: Severity, meaning: str, *, family: str,
         scope: Scope = "project", depends: Depends = "row", **params: Any):
    """Register a check under a stable code; ``params`` are its thresholds' defaults."""

    def register(check: Callable[..., Found]) -> Callable[..., Found]:
        if code in CATALOGUE:
            raise ValueError(f"duplicate rule code {code}")
        if depends != "row" and scope != "row":
            raise ValueError(f"{code}: only row checks narrow what they depend on")
        CATALOGUE[code] = Rule(code, title, meaning, severity, family, scope, check, dict(params), depends)
        return check

    return register
