"""Running the xlgoals command as a user does, and fingerprinting files to prove they are untouched."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlgoals", *args], capture_output=True, text=True, timeout=120)


def invoke(*args: str) -> subprocess.CompletedProcess:
    """The command run in this process (no interpreter start-up, for long corpora); same result shape as
    :func:`run`. An exception the command lets escape is raised here, so a traceback fails the test."""
    from typer.testing import CliRunner

    from xlgoals.cli import app

    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(["xlgoals", *args], result.exit_code, result.stdout, result.stderr)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
