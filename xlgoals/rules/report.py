"""The Report: one structured object rendered as a terminal table, JSON, or a pandas frame."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..layout import split_cell
from ..values import amount_text
from .registry import SEVERITY_LABELS

_ORDER = {"error": 0, "warning": 1}


@dataclass(slots=True)
class Finding:
    """One problem, pointing at the cell that has it (sheet and cell are None for JSON inputs)."""

    code: str
    severity: str
    sheet: str | None
    cell: str | None
    project: str | None
    field: str
    value: Any
    message: str
    file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "sheet": self.sheet, "cell": self.cell,
                "project": self.project, "field": self.field, "value": _jsonable(self.value),
                "message": self.message, "file": self.file}


@dataclass
class Report:
    """Every finding of a validation run; ``valid`` means no errors (warnings allowed)."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "warning")

    @property
    def valid(self) -> bool:
        return self.errors == 0

    @property
    def stats(self) -> dict[str, int]:
        return {"errors": self.errors, "warnings": self.warnings, "findings": len(self.findings)}

    def sorted(self) -> list[Finding]:
        """Grouped by file and sheet (in reading order); in a sheet, errors first, then by cell."""
        sheets: dict[tuple[str | None, str | None], int] = {}
        for finding in self.findings:
            sheets.setdefault((finding.file, finding.sheet), len(sheets))
        return sorted(self.findings, key=lambda f: (sheets[(f.file, f.sheet)], _ORDER[f.severity],
                                                    split_cell(f.cell) if f.cell else (0, 0)))

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "stats": self.stats, "files": self.files,
                "findings": [finding.as_dict() for finding in self.sorted()]}

    def to_json(self) -> str:
        """Compact JSON (C encoder: indenting would cost more than the checks themselves)."""
        return json.dumps(self.to_dict(), ensure_ascii=False) + "\n"

    def to_frame(self):
        """The findings as a pandas DataFrame (pandas is imported only here)."""
        import pandas as pd

        columns = ["file", "sheet", "cell", "project", "field", "severity", "code", "value", "message"]
        return pd.DataFrame([finding.as_dict() for finding in self.sorted()], columns=columns)

    def render(self, console) -> None:
        """A table per sheet, errors first, then a one-line summary."""
        from ..terminal import Wrapped, add_row, table

        current = object()
        drawn = None
        for finding in self.sorted():
            key = (finding.file, finding.sheet)
            if key != current:
                if drawn is not None:
                    console.print(drawn)
                current = key
                title = f"{finding.sheet or finding.project or '整份填报'}"
                if len(self.files) > 1 and finding.file:
                    title = f"{finding.file} · {title}"
                drawn = table(title, ("单元格", "级别", "说明", "规则"), whole=("单元格", "级别", "规则"))
            style = "red" if finding.severity == "error" else "yellow"
            add_row(drawn, finding.cell or finding.field, Wrapped(SEVERITY_LABELS[finding.severity], style),
                    finding.message, finding.code)
        if drawn is not None:
            console.print(drawn)
        console.print(self.summary())

    def summary(self) -> str:
        if not self.findings:
            return "校验通过：没有发现问题。"
        verdict = "校验未通过" if self.errors else "校验通过（有提示）"
        return f"{verdict}：{self.errors} 个强制性错误，{self.warnings} 个提示性问题。"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return value_text(value)


def value_text(value: Any) -> str | None:
    """A finding's value as the user wrote or sees it: a target's text, a decimal without exponent."""
    if value is None:
        return None
    if hasattr(value, "raw"):
        return value.raw
    if isinstance(value, Decimal):
        return amount_text(value)
    return str(value)
