"""The typed model of a filing: one unit's 绩效目标表 for one budget year.

Field names are DOMAIN.md's. Every field is validated through :mod:`xlgoals.values`, so a
value that cannot be read (an amount typed as "九百万", a date typed as "年初") is kept as its
text for the checks to report. Values read from a workbook carry a :class:`Source`, which is
not part of the JSON shape.

A filing's JSON file is validated with the context :data:`JSON_FILE`: there each value must
already be of its JSON type (a name is a string, a year a number or a string), since turning
an object into the text ``{'a': 1}`` would hide a mistake; the filing must name its unit and
year; fields outside the JSON shape are unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from operator import attrgetter
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from .targets import Target, parse_target
from .values import amount_text, clean_text, to_amount, to_date, to_year, to_yes_no

JSON_FILE: dict[str, Any] = {"from": "a filing's JSON file"}  # validation context: see the module docstring


def _json_typed(coerce: Callable[[Any], Any], allowed: tuple[type, ...], expected: str) -> BeforeValidator:
    """``coerce`` any value; in a filing's JSON file, only the JSON types ``allowed`` (and null)."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        if info.context is JSON_FILE and value is not None and \
                (not isinstance(value, allowed) or type(value) is bool and bool not in allowed):
            raise PydanticCustomError("json_type", expected)
        return coerce(value)

    return BeforeValidator(validate)


Text = Annotated[str | None, _json_typed(clean_text, (str,), "应为文字（加英文双引号）")]
Amount = Annotated[Decimal | str | None, _json_typed(to_amount, (int, float, str), "应为金额（数字或文字）"),
                   PlainSerializer(lambda v: amount_text(v) if isinstance(v, Decimal) else v, when_used="json")]
DateValue = Annotated[dt.date | str | None, _json_typed(to_date, (str,), "应为日期文字，如 \"2021-01-01\"")]
YesNo = Annotated[bool | str | None, _json_typed(to_yes_no, (bool, str), "应为 \"是\"、\"否\" 或 true、false")]
Year = Annotated[int | str | None, _json_typed(to_year, (int, str), "应为年份，如 2021")]
_TARGET_KEYS = frozenset(Target.model_fields)


def _to_target(value: Any, info: ValidationInfo) -> Target | None:
    """A target from its written text, a number, a Target, or an exported Target dict (its ``raw`` is the text);
    in a filing's JSON file only the text or the exported dict."""
    if isinstance(value, Target) or value is None:
        return value
    if info.context is JSON_FILE and not isinstance(value, str) and not (
            isinstance(value, dict) and value.keys() <= _TARGET_KEYS and isinstance(value.get("raw"), str)):
        raise PydanticCustomError("json_type", "应为目标值文字（如 \">=90%\"），或导出的目标值（含文字 raw）")
    if isinstance(value, dict):
        value = value.get("raw")
    target = parse_target(value)
    return target if target.raw else None


TargetValue = Annotated[Target | None, BeforeValidator(_to_target)]


class Source(BaseModel):
    """Where a project was read from: file, sheet, and the cell of each field path."""

    file: str | None = None
    sheet: str
    cells: dict[str, str] = Field(default_factory=dict)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _json_shape(cls, data: Any, info: ValidationInfo) -> Any:
        """In a filing's JSON file, provenance (``source``, the form and framework carried along) is no field."""
        if info.context is JSON_FILE and isinstance(data, dict):
            for name, field in cls.model_fields.items():
                if field.exclude and name in data:
                    raise PydanticCustomError("json_unknown", "不认识的字段", {"field": name})
        return data

    def __eq__(self, other: object) -> bool:
        """Equal content: provenance (fields excluded from the JSON, like ``source``) does not count."""
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name)
                   for name, info in type(self).model_fields.items() if not info.exclude)

    __hash__ = None  # mutable models


class Budget(_Model):
    """The amounts of the forms, always in yuan (a 万元 form converts on reading and writing).

    ``total`` is 项目总预算 (Shanghai) or 中期资金总额 (national), ``current_year`` 项目当年预算 or
    年度资金总额; the national form splits each into 财政拨款 and 其他资金.
    """

    total: Amount = None
    current_year: Amount = None
    prior_year_budget: Amount = None
    prior_year_executed: Amount = None
    total_fiscal: Amount = None
    total_other: Amount = None
    current_year_fiscal: Amount = None
    current_year_other: Amount = None


class Indicator(_Model):
    """One row of an indicator table: three levels of goal and the target value.

    ``horizon`` says which table of a form holds it: the year's (every form) or the period's
    (中期, the national form); ``weight`` and ``standard`` are the 权重 and 指标解释 columns some
    forms add.
    """

    level1: Text = None
    level2: Text = None
    level3: Text = None
    target: TargetValue = None
    horizon: Literal["annual", "period"] = "annual"
    weight: Amount = None
    standard: Text = None

    def is_empty(self) -> bool:
        return not (self.level1 or self.level2 or self.level3 or self.target or self.weight is not None
                    or self.standard)


class Project(_Model):
    """One 绩效目标表. ``unit`` and ``year`` default to the filing's."""

    unit: Text = None
    year: Year = None
    name: Text = None
    category: Text = None
    start_date: DateValue = None
    end_date: DateValue = None
    government_procurement: YesNo = None
    performance_type: Text = None
    overview: Text = None
    basis: Text = None
    necessity: Text = None
    safeguards: Text = None
    implementation_plan: Text = None
    objectives: Text = None
    supervising_department: Text = None
    implementing_unit: Text = None
    attribute: Text = None
    period: Text = None
    annual_objectives: Text = None
    budget: Budget = Field(default_factory=Budget)
    indicators: list[Indicator] = Field(default_factory=list)
    source: Source | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _drop_empty_rows(self) -> Project:
        """A row with nothing in it is no indicator (the reader skips such rows too); the period's
        rows come first, as the forms print their tables, so an index means one row everywhere."""
        indicators = self.indicators
        if any(indicator.is_empty() for indicator in indicators):
            indicators = [indicator for indicator in indicators if not indicator.is_empty()]
        if any(indicator.horizon == "period" for indicator in indicators):
            indicators = sorted(indicators, key=_period_first)
        if indicators is not self.indicators:
            self.indicators = indicators
        return self

    def cell(self, field: str) -> tuple[str | None, str | None]:
        """The (sheet, cell) a field path such as ``budget.total`` was read from, if known."""
        if self.source is None:
            return None, None
        return self.source.sheet, self.source.cells.get(field)


def _period_first(indicator: Indicator) -> int:
    return 0 if indicator.horizon == "period" else 1


class Filing(_Model):
    """A unit's filing for one budget year: the cover data and its projects.

    ``form`` and ``framework`` name the form and the indicator framework (ids); a unit's own form
    or framework, read from a file or a workbook, travels with the filing in ``form_spec`` and
    ``framework_spec`` (not part of the JSON), so checks and writers never look it up elsewhere.
    """

    unit: Text = None
    year: Year = None
    form: str = "shanghai-2020"
    framework: str | None = None  # the form's default framework when not given
    department: Text = None
    contact: Text = None
    phone: Text = None
    projects: list[Project] = Field(default_factory=list)
    source: str | None = Field(default=None, exclude=True)
    form_spec: Any = Field(default=None, exclude=True)
    framework_spec: Any = Field(default=None, exclude=True)

    def _default_framework(self) -> str:
        from .layout import builtin_forms, load_form

        if self.form_spec is not None:
            return self.form_spec.framework
        return load_form(self.form).framework if self.form in builtin_forms() else "shanghai-2020"

    def resolved_form(self):
        """The filing's form: the one it carries, else the built-in of its id."""
        from .layout import load_form

        return self.form_spec if self.form_spec is not None else load_form(self.form)

    def resolved_framework(self):
        """The filing's framework: the one it carries, else the built-in of its id."""
        from .frameworks import load_framework

        return self.framework_spec if self.framework_spec is not None else load_framework(self.framework)

    @model_validator(mode="before")
    @classmethod
    def _json_names_unit_and_year(cls, data: Any, info: ValidationInfo) -> Any:
        """A filing's JSON file says whose filing it is and for which year: ``{}`` is no filing of nobody."""
        if info.context is JSON_FILE and isinstance(data, dict):
            for name in ("unit", "year"):
                if data.get(name) is None or isinstance(data[name], str) and clean_text(data[name]) is None:
                    raise PydanticCustomError("json_required", "缺少此字段或为空", {"field": name})
        return data

    @model_validator(mode="after")
    def _inherit_unit_and_year(self) -> Filing:
        if self.framework is None:
            self.framework = self._default_framework()
        for project in self.projects:
            if project.unit is None:
                project.unit = self.unit
            if project.year is None:
                project.year = self.year
        return self


@cache
def _getter(path: str) -> Callable[[Any], Any]:
    return attrgetter(path)


def value_at(model: BaseModel, path: str) -> Any:
    """The value at a dotted field path such as ``budget.total`` (the paths of layout and findings)."""
    return _getter(path)(model)


def filing_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`Filing` as exported (serialisation mode)."""
    return Filing.model_json_schema(mode="serialization")
