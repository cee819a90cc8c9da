"""Shared fixtures: the example filing and paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shanghai-2020.json"
DEFAULT_TEMPLATE = ROOT / "workbook_templates" / "绩效目标表模板.xlsx"
SEED = ROOT.parent / "shared" / "seeds" / "000_094aa9d8d75d48e6.txt"


def read_seed() -> str:
    """The seed's text; when shared/ is missing the test skips, or fails under CI."""
    if not SEED.is_file():
        reason = f"seed not found at {SEED} (the shared/ directory sits next to the repository)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def example_data() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def example_filing(example_data):
    from xlgoals import Filing

    return Filing.model_validate(example_data)
