"""Running the xlgoals command as a user does, and fingerprinting files to prove they are untouched."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlgoals", *args], capture_output=True, text=True, timeout=120)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
