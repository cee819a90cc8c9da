"""Indicator frameworks as data: the built-in TOML files and a unit's own.

A framework names the level-1 → level-2 tree, the choices of the form's drop-downs, the standard
rows per 绩效类型, and the units of target values. The template, the checks and the filler
all follow from it.
"""

from __future__ import annotations

import tomllib
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import InputFileError
from ..fileio import check_input, read_input_bytes, real_path

FRAMEWORKS_DIR = Path(__file__).parent


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Labels(_Data):
    """Headers of the indicator table's four columns."""

    level1: str
    level2: str
    level3: str
    target: str


class Choices(_Data):
    categories: tuple[str, ...] = ()
    performance_types: tuple[str, ...] = ()


class Level1(_Data):
    name: str
    children: tuple[str, ...]
    required: bool = True
    required_children: tuple[str, ...] = ()


class StandardRow(_Data):
    """A row every project of the listed 绩效类型 carries (all types when none are listed)."""

    level1: str
    level2: str
    level3: str
    target: str
    performance_types: tuple[str, ...] = ()

    def applies_to(self, performance_type: str | None) -> bool:
        return not self.performance_types or performance_type in self.performance_types


class Vocabulary(_Data):
    """The units a target may use without a warning. Qualitative words are the grammar's one list
    (:data:`xlgoals.targets.QUALITATIVE_WORDS`): a framework does not name its own."""

    units: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _drop_qualitative_words(cls, data: Any) -> Any:
        """Earlier frameworks carried a ``qualitative_words`` list nothing read (a unit's own file, the
        JSON a workbook keeps of its framework): they still load, the list is dropped."""
        if isinstance(data, dict) and "qualitative_words" in data:
            data = {key: value for key, value in data.items() if key != "qualitative_words"}
        return data


class Framework(_Data):
    id: str
    name: str
    budget_heading: str = "项目资金情况"
    labels: Labels
    choices: Choices = Choices()
    level1: tuple[Level1, ...] = Field(min_length=1)
    standard_rows: tuple[StandardRow, ...] = ()
    library: tuple[tuple[str, str, str], ...] = ()
    vocabulary: Vocabulary = Vocabulary()

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        tree = self.tree()
        if len(tree) != len(self.level1):
            raise ValueError("一级目标名称重复")
        for node in self.level1:
            if len(set(node.children)) != len(node.children):
                raise ValueError(f"“{node.name}”下的二级目标重复")
            if not set(node.required_children) <= set(node.children):
                raise ValueError(f"“{node.name}”的必填二级目标不在其下级列表中")
        for level1, level2, level3 in self.library:
            if level2 not in tree.get(level1, ()):
                raise ValueError(f"指标库中“{level3}”的一级/二级目标不在框架中")
        for row in self.standard_rows:
            if row.level2 not in tree.get(row.level1, ()):
                raise ValueError(f"标准指标“{row.level3}”的一级/二级目标不在框架中")
            if not set(row.performance_types) <= set(self.choices.performance_types):
                raise ValueError(f"标准指标“{row.level3}”的绩效类型不在绩效类型列表中")
        return self

    @cached_property
    def _tree(self) -> dict[str, tuple[str, ...]]:
        return {node.name: node.children for node in self.level1}

    @cached_property
    def _parents(self) -> dict[str, str]:
        return {child: node.name for node in reversed(self.level1) for child in node.children}

    def tree(self) -> dict[str, tuple[str, ...]]:
        """Level-1 name → its level-2 names, in framework order."""
        return self._tree

    def parent_of(self, level2: str) -> str | None:
        """The level-1 goal a level-2 name belongs to, if the name is in the framework."""
        return self._parents.get(level2)

    @cached_property
    def _known(self) -> dict[str, tuple[str, str]]:
        known = {level3: (level1, level2) for level1, level2, level3 in self.library}
        return known | {row.level3: (row.level1, row.level2) for row in self.standard_rows}

    def goals_of(self, level3: str) -> tuple[str, str] | None:
        """(level 1, level 2) of an indicator the framework knows by name: standard rows and library."""
        return self._known.get(level3)

    def standard_rows_for(self, performance_type: str | None) -> list[StandardRow]:
        return [row for row in self.standard_rows if row.applies_to(performance_type)]


@cache
def builtin_ids() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in FRAMEWORKS_DIR.glob("*.toml")))


def own_framework(framework: Framework, origin: str | Path | None = None) -> Framework:
    """A unit's own framework (from a file or a workbook): refused when it takes a built-in's id."""
    if framework.id in builtin_ids():
        raise InputFileError(f"自定义指标框架不能使用内置框架的编号“{framework.id}”，请改用其他编号。", origin)
    return framework


def load_framework(ref: str | Path | Framework) -> Framework:
    """A framework by built-in id, or a unit's own TOML file by path (nothing is registered anywhere:
    the filing carries its framework)."""
    if isinstance(ref, Framework):
        return ref
    if str(ref) in builtin_ids():
        return _load(FRAMEWORKS_DIR / f"{ref}.toml")
    check_input(ref, "指标框架文件（.toml）", missing=_missing())  # as given: a link is named, not its target
    path = real_path(ref)
    return own_framework(_load(path), path)


def parse_framework(text: str, origin: str | Path) -> Framework:
    """A framework from TOML text; ``origin`` names it in the error a user sees."""
    try:
        return Framework.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise InputFileError(f"指标框架文件不是有效的 TOML（{error}），请检查文件格式。", origin) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputFileError(f"指标框架文件内容有误（{where}：{first['msg']}），请对照内置框架修改。", origin) from None


def _missing() -> str:
    return f"找不到指标框架（内置框架：{'、'.join(builtin_ids())}），请检查名称或文件路径。"


@cache
def _load(path: Path) -> Framework:
    data = read_input_bytes(path, kind="指标框架文件（.toml）", empty=None, missing=_missing())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError("无法读取指标框架文件，请确认它是 UTF-8 编码的 TOML 文件。", path) from None
    return parse_framework(text, path)
