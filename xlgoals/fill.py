"""The indicator-row filler: the typing a finance officer repeats every year, done once, reported.

Model in, model out: :func:`fill_filing` returns the filled filing and a :class:`FillReport`
of every value it set (before and after) and of everything it would have had to guess, which
it leaves alone. Rows a user entered are never overwritten or reordered.
"""

from __future__ import annotations

import csv
import difflib
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from . import layout
from .errors import InputFileError
from .fileio import read_input_bytes
from .frameworks import Framework
from .model import Filing, Indicator, Project
from .targets import Target, parse_target
from .values import amount_text, clean_text, to_amount

SignStyle = Literal["ascii", "symbol"]
_FIELDS = ("level1", "level2", "level3", "target")  # what the filler sets on a row
_SYMBOLS = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}
_CLOSE_NAME = 0.8  # difflib ratio above which a name is offered as a suggestion


@dataclass(frozen=True)
class Change:
    """One value the filler set. ``field`` is the model path in the filled filing."""

    project: str | None
    field: str
    before: Any
    after: Any
    reason: str
    review: bool = False  # copied from last year: the user must check it


@dataclass(frozen=True)
class Skipped:
    """Something the filler did not do because it would have had to guess."""

    project: str | None
    field: str
    reason: str


@dataclass
class FillReport:
    changes: list[Change] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def to_dict(self, cells: dict[tuple[str | None, str], tuple[str, str]] | None = None) -> dict[str, Any]:
        cells = cells or {}

        def where(project: str | None, path: str) -> dict[str, str | None]:
            sheet, cell = cells.get((project, path), (None, None))
            return {"sheet": sheet, "cell": cell}

        return {
            "changes": [{"project": c.project, "field": c.field, **where(c.project, c.field),
                         "before": _plain(c.before), "after": _plain(c.after), "reason": c.reason,
                         "review": c.review} for c in self.changes],
            "skipped": [{"project": s.project, "field": s.field, "reason": s.reason} for s in self.skipped],
        }

    def to_json(self, cells=None) -> str:
        return json.dumps(self.to_dict(cells), ensure_ascii=False, indent=2) + "\n"

    def summary(self) -> str:
        review = sum(change.review for change in self.changes)
        text = f"填充了 {len(self.changes)} 处"
        if review:
            text += f"（其中 {review} 处自上年复制，请核对）"
        if self.skipped:
            text += f"；{len(self.skipped)} 处未填充（需要人工判断）"
        return text + "。"


def fill_filing(
    filing: Filing,
    *,
    last_year: Filing | None = None,
    executed: dict[str, Decimal] | None = None,
    normalise: bool = False,
    sign_style: SignStyle = "ascii",
    framework: Framework | None = None,
) -> tuple[Filing, FillReport]:
    """The filled copy of ``filing`` and the report of what changed and what was left."""
    framework = framework or filing.resolved_framework()
    form = filing.resolved_form()
    report = FillReport()
    filled = filing.model_copy(deep=True)
    last = _by_name(last_year.projects) if last_year is not None else {}
    if last_year is not None and last_year.framework != filing.framework:
        report.skipped.append(Skipped(None, "indicators", f"上年填报使用的指标框架（{last_year.framework}）与今年不同，"
                                                         "未复制上年指标。"))
    for project in filled.projects:
        rows = _Rows(project, framework, report, typed=form.has("performance_type"), horizons=form.horizons())
        rows.label_known_names()
        rows.add_standard_rows()
        previous = _previous(project, last, report)
        if previous is not None:
            if form.has("budget.prior_year_budget"):
                _carry_budget(project, previous, report)
            if last_year.framework == filing.framework:
                rows.copy_from(previous)
        rows.add_missing_goals()
        if normalise:
            rows.normalise(sign_style)
        rows.rows.sort(key=_period_first)  # as the form prints its tables (and the model keeps them)
        project.indicators = rows.rows
        rows.record()
    if executed is not None:
        if not form.has("budget.prior_year_executed"):
            raise InputFileError(f"表样“{form.name}”没有上年执行数一栏，不能用 --executed 填充。")
        _fill_executed(filled, executed, report)
    return filled, report


class _Rows:
    """A project's indicator table being filled: inserts keep every existing row in its order."""

    def __init__(self, project: Project, framework: Framework, report: FillReport, *, typed: bool = True,
                 horizons: tuple[str, ...] = ("annual",)):
        self.project, self.framework, self.report = project, framework, report
        self.horizons = horizons  # the indicator tables of the form
        self.typed = typed  # the form has a 绩效类型, which picks the standard rows
        self.rows: list[Indicator] = [row.model_copy() for row in project.indicators]
        self.original = [row.model_copy() for row in project.indicators]
        self.added: list[tuple[Indicator, str, bool]] = []  # (row object, reason, review)
        self.level1_order = {node.name: n for n, node in enumerate(framework.level1)}

    def _names(self) -> set[str]:
        return {_key(row.level3) for row in self.rows if row.level3}

    def label_known_names(self) -> None:
        """Put level 1 and 2 on rows that name a known indicator (or a level 2) but lack them."""
        for index, row in enumerate(self.rows):
            if row.level1 and row.level2:
                continue
            goals = self.framework.goals_of(row.level3) if row.level3 else None
            level1 = row.level1 or (goals[0] if goals else None) or \
                (self.framework.parent_of(row.level2) if row.level2 else None)
            level2 = row.level2 or (goals[1] if goals and goals[0] == level1 else None)
            if (level1, level2) == (row.level1, row.level2):
                if row.level3:
                    self.report.skipped.append(Skipped(self.project.name, layout.indicator_path(index, "level1"),
                                                       f"“{row.level3}”不在指标框架的指标库中，未补充一级/二级目标。"))
                continue
            row.level1, row.level2 = level1, level2

    def add_standard_rows(self) -> None:
        """The framework's standard rows for the project's 绩效类型, in the framework's order."""
        ptype = self.project.performance_type
        if self.typed and ptype not in self.framework.choices.performance_types:
            self.report.skipped.append(Skipped(self.project.name, "performance_type",
                                               "绩效类型未填或不在列表中，只补充了各类型通用的标准指标。"))
        standard = self.framework.standard_rows_for(ptype if ptype in self.framework.choices.performance_types
                                                    else None)
        order = {_key(row.level3): n for n, row in enumerate(standard)}
        for n, row in enumerate(standard):
            if _key(row.level3) in self._names():
                continue
            after = [i for i, r in enumerate(self.rows) if order.get(_key(r.level3), n) < n]
            before = [i for i, r in enumerate(self.rows) if order.get(_key(r.level3), -1) > n]
            position = after[-1] + 1 if after else before[0] if before else self._goal_end(row.level1)
            self._insert(position, Indicator(level1=row.level1, level2=row.level2, level3=row.level3,
                                             target=row.target), "标准指标")

    def copy_from(self, previous: Project) -> None:
        """Last year's own rows (not standard ones) that this year lacks, as a starting point."""
        standard = {_key(row.level3) for row in self.framework.standard_rows}
        for old in previous.indicators:
            if not old.level3 or _key(old.level3) in standard or _key(old.level3) in self._names():
                continue
            if old.horizon not in self.horizons:  # last year's form had a table this year's has not
                self.report.skipped.append(Skipped(self.project.name, "indicators",
                                                   f"上年的中期指标“{old.level3}”在今年的表样中没有对应的表，未复制。"))
                continue
            self._insert(self._goal_end(old.level1, old.level2), old.model_copy(), "上年指标，请核对", review=True)

    def add_missing_goals(self) -> None:
        """An empty row under each level-1 goal (and required level 2) that has none, to show what is missing."""
        annual = [row for row in self.rows if row.horizon == "annual"]
        for node in self.framework.level1:
            if node.required and not any(row.level1 == node.name for row in annual):
                self._insert(self._goal_end(node.name), Indicator(level1=node.name), "缺少的一级目标，请填写指标")
            for child in node.required_children:
                if not any((row.level1, row.level2) == (node.name, child) for row in annual):
                    self._insert(self._goal_end(node.name, child), Indicator(level1=node.name, level2=child),
                                 "缺少的二级目标，请填写指标")

    def normalise(self, sign_style: SignStyle) -> None:
        for row in self.rows:
            if row.target is not None:
                written = normalised_target(row.target, sign_style)
                if written != row.target.raw:
                    row.target = parse_target(written)

    def _goal_end(self, level1: str | None, level2: str | None = None) -> int:
        """After the last row of that goal (and level 2), or where the goal falls in framework order."""
        same = [i for i, r in enumerate(self.rows) if r.level1 == level1 and (level2 is None or r.level2 == level2)
                and r.horizon == "annual"]
        if same:
            return same[-1] + 1
        if level2 is not None:
            return self._goal_end(level1)
        rank = self.level1_order.get(level1, len(self.level1_order))
        later = [i for i, r in enumerate(self.rows) if self.level1_order.get(r.level1, len(self.level1_order)) > rank]
        return later[0] if later else len(self.rows)

    def _insert(self, position: int, row: Indicator, reason: str, review: bool = False) -> None:
        self.rows.insert(position, row)
        self.added.append((row, reason, review))

    def record(self) -> None:
        """Report every new row and every changed cell of an existing row, at its final index."""
        added = {id(row): (reason, review) for row, reason, review in self.added}
        originals = iter(self.original)
        for index, row in enumerate(self.rows):
            if id(row) in added:
                reason, review = added[id(row)]
                for name in _FIELDS:
                    value = getattr(row, name)
                    if value is not None:
                        self.report.changes.append(Change(self.project.name, layout.indicator_path(index, name),
                                                          None, _plain(value), reason, review))
                continue
            before = next(originals)
            for name in _FIELDS:
                old, new = getattr(before, name), getattr(row, name)
                if old != new:
                    reason = "规范写法" if name == "target" else "按指标库补充"
                    self.report.changes.append(Change(self.project.name, layout.indicator_path(index, name),
                                                      _plain(old), _plain(new), reason))


def normalised_target(target: Target, sign_style: SignStyle = "ascii") -> str:
    """One written form: the chosen signs, half-width digits, % for 百分比, no spaces; never a reinterpretation."""
    if target.kind == "quantitative":
        op = "" if target.op is None else target.op if sign_style == "ascii" else _SYMBOLS[target.op]
        return f"{op}{amount_text(target.value)}{target.unit or ''}"
    if target.kind == "qualitative":
        return unicodedata.normalize("NFKC", target.raw).replace(" ", "")
    return target.raw


def fill_workbook(source: str | Path, output: str | Path, *, last_year: str | Path | None = None,
                  executed: str | Path | None = None, normalise: bool = False, sign_style: SignStyle = "ascii",
                  password: str | None = None) -> tuple[FillReport, dict[tuple[str | None, str], tuple[str, str]]]:
    """Fill a workbook into ``output`` (never in place); rows copied from last year get a note."""
    from .inputs import read_filing
    from .workbook.builder import DEFAULT_PASSWORD
    from .workbook.marks import Note
    from .workbook.writer import sheet_titles, write_filing

    filing = read_filing(source)
    previous = _last_year(last_year, filing) if last_year is not None else None
    amounts = read_executed(executed) if executed is not None else None
    filled, report = fill_filing(filing, last_year=previous, executed=amounts, normalise=normalise,
                                 sign_style=sign_style)
    form = filled.resolved_form()
    titles = dict(zip((project.name for project in filled.projects), sheet_titles(filled)))
    written = {project.name: form.written_cells(project) for project in filled.projects}
    cells = {(change.project, change.field): (titles.get(change.project), written[change.project].get(change.field))
             for change in report.changes if change.project in titles}
    notes = {cells[(change.project, change.field)]: Note("自上年填报复制，请核对后保留或修改。")
             for change in report.changes if change.review and (change.project, change.field) in cells}
    inputs = tuple(p for p in (source, last_year, executed) if p is not None)
    write_filing(filled, output, password=password or DEFAULT_PASSWORD, inputs=inputs, notes=notes)
    return report, cells


def _last_year(path: str | Path, filing: Filing) -> Filing:
    """Last year's filing from a workbook or JSON, or from the archive for this unit and year − 1."""
    from .inputs import read_filing

    if Path(path).suffix.lower() in (".db", ".sqlite", ".sqlite3"):
        from .archive import load_archived

        if not isinstance(filing.year, int) or not filing.unit:
            raise InputFileError("本填报的单位或年度不明，无法从历年数据库中找到上年数据。", path)
        return load_archived(path, unit=filing.unit, year=filing.year - 1)
    return read_filing(path)


def _previous(project: Project, last: dict[str, Project], report: FillReport) -> Project | None:
    if not last or project.name is None:
        return None
    if project.name in last:
        return last[project.name]
    close = difflib.get_close_matches(project.name, list(last), n=1, cutoff=_CLOSE_NAME)
    if close:
        report.skipped.append(Skipped(project.name, "name", f"上年没有同名项目；“{close[0]}”名称相近，"
                                                          "如为同一项目，请把名称改为一致后再填充。"))
    return None


def _carry_budget(project: Project, previous: Project, report: FillReport) -> None:
    """同名项目上年预算额 = last year's 当年预算, unless the user already typed something else."""
    amount = previous.budget.current_year
    if not isinstance(amount, Decimal):
        report.skipped.append(Skipped(project.name, "budget.prior_year_budget", "上年表中的当年预算不是数字，未填充。"))
    else:
        _set_amount(project, "prior_year_budget", amount, "上年表的当年预算", "上年当年预算", report)


def _set_amount(project: Project, name: str, amount: Decimal, origin: str, reason: str, report: FillReport) -> None:
    """Fill an empty budget amount; one the user typed differently is listed, never overwritten."""
    current = getattr(project.budget, name)
    if current is None:
        setattr(project.budget, name, amount)
        report.changes.append(Change(project.name, f"budget.{name}", None, amount, reason))
    elif current != amount:
        report.skipped.append(Skipped(project.name, f"budget.{name}",
                                      f"已填 {_plain(current)}，与{origin} {_plain(amount)} 不同，未覆盖，请核对。"))


def _fill_executed(filing: Filing, executed: dict[str, Decimal], report: FillReport) -> None:
    names = {project.name for project in filing.projects}
    for project in filing.projects:
        amount = executed.get(project.name) if project.name else None
        if amount is None:
            close = difflib.get_close_matches(project.name or "", [n for n in executed if n not in names], n=1,
                                              cutoff=_CLOSE_NAME)
            if close:
                report.skipped.append(Skipped(project.name, "budget.prior_year_executed",
                                              f"执行数文件中没有同名项目；“{close[0]}”名称相近，未自动填充。"))
        else:
            _set_amount(project, "prior_year_executed", amount, "执行数文件", "上年执行数", report)
    for name in sorted(set(executed) - names):
        report.skipped.append(Skipped(name, "budget.prior_year_executed", "执行数文件中的项目在本填报中找不到。"))


def read_executed(path: str | Path) -> dict[str, Decimal]:
    """Project name → executed amount from a finance system's CSV or xlsx export."""
    path = Path(path)
    rows = _table_rows(path)
    if not rows:
        raise InputFileError("执行数文件是空的。", path)
    header = [clean_text(cell) or "" for cell in rows[0]]
    name_col = next((i for i, h in enumerate(header) if "项目" in h and "名称" in h), None) or \
        next((i for i, h in enumerate(header) if "项目" in h), None)
    amount_col = next((i for i, h in enumerate(header) if any(w in h for w in ("执行", "支出", "决算", "金额"))), None)
    if name_col is None or amount_col is None:
        raise InputFileError("执行数文件需要“项目名称”列和“执行数”（或“支出数”“金额”）列，请检查表头。", path)
    result: dict[str, Decimal] = {}
    for number, row in enumerate(rows[1:], start=2):
        name = clean_text(row[name_col]) if name_col < len(row) else None
        amount = to_amount(row[amount_col]) if amount_col < len(row) else None
        if name is None and amount is None:
            continue
        if name is None or not isinstance(amount, Decimal):
            raise InputFileError(f"第 {number} 行的项目名称或执行数无法识别，请修改后再试。", path)
        if name in result:
            raise InputFileError(f"项目“{name}”出现了不止一次（第 {number} 行），请合并后再试。", path)
        result[name] = amount
    return result


def _table_rows(path: Path) -> list[list[Any]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import python_calamine

        from .fileio import check_workbook

        check_workbook(path)
        try:
            book = python_calamine.CalamineWorkbook.from_path(str(path))
            return book.get_sheet_by_index(0).to_python()
        except Exception:
            raise InputFileError("执行数工作簿无法读取，请在 Excel 中重新保存后再试。", path) from None
    data = read_input_bytes(path, kind="执行数文件（CSV 或 xlsx）", empty="执行数文件是空的，请填入项目名称和执行数后再试。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return list(csv.reader(data.decode(encoding).splitlines()))
        except UnicodeDecodeError:
            continue
    raise InputFileError("执行数文件不是 UTF-8 或 GB18030 编码的 CSV，请另存后再试。", path)


def _period_first(row: Indicator) -> int:
    return 0 if row.horizon == "period" else 1


def _by_name(projects: Iterable[Project]) -> dict[str, Project]:
    return {project.name: project for project in projects if project.name}


def _key(name: str | None) -> str:
    return "".join((name or "").split())


def _plain(value: Any) -> Any:
    if isinstance(value, Target):
        return value.raw
    if isinstance(value, Decimal):
        return amount_text(value)
    return value
