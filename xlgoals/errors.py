"""User-facing errors: one Chinese line naming the file, and an exit code.

A user mistake (wrong file, bad path) must never surface as a traceback; the CLI and the
ribbon catch :class:`XlgoalsError` and show ``str(error)``.
"""

from __future__ import annotations

from pathlib import Path


class XlgoalsError(Exception):
    """An input or environment problem the user can fix; ``exit_code`` follows the CLI contract."""

    exit_code = 2

    def __init__(self, message: str, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self.message = message
        super().__init__(f"{self.path}：{message}" if self.path is not None else message)


class InputFileError(XlgoalsError):
    """An input file cannot be read as what it claims to be (exit code 2)."""


class OutputFileError(XlgoalsError):
    """An output cannot be written where asked (exit code 2)."""
