"""xlgoals: prepare, check and consolidate 财政项目支出绩效目标表 in Excel workbooks.

The public API is imported lazily, so ``import xlgoals`` stays cheap for the Excel add-in,
which starts a Python process on every ribbon press.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "Filing": "xlgoals.model",
    "Project": "xlgoals.model",
    "Budget": "xlgoals.model",
    "Indicator": "xlgoals.model",
    "Source": "xlgoals.model",
    "filing_json_schema": "xlgoals.model",
    "Target": "xlgoals.targets",
    "parse_target": "xlgoals.targets",
    "load_filing": "xlgoals.workbook.reader",
    "write_filing": "xlgoals.workbook.writer",
    "build_template": "xlgoals.workbook.writer",
    "load_framework": "xlgoals.frameworks",
    "Framework": "xlgoals.frameworks",
    "load_form": "xlgoals.layout",
    "Form": "xlgoals.layout",
    "XlgoalsError": "xlgoals.errors",
    "validate": "xlgoals.rules",
    "Report": "xlgoals.rules",
}

__all__ = [*_API, "__version__"]

if TYPE_CHECKING:
    from .errors import XlgoalsError
    from .rules import Report, validate
    from .frameworks import Framework, load_framework
    from .layout import Form, load_form
    from .model import Budget, Filing, Indicator, Project, Source, filing_json_schema
    from .targets import Target, parse_target
    from .workbook.reader import load_filing
    from .workbook.writer import build_template, write_filing


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'xlgoals' has no attribute {name!r}")
