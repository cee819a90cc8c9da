"""Shared fixtures: the example filing and paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shanghai-2020.json"
DEFAULT_TEMPLATE = ROOT / "workbook_templates" / "绩效目标表模板.xlsx"
# The five published 2020 tables of 上海市总工会 (public data), as text from the PDF, defects included.
SEED = ROOT / "tests" / "data" / "seed-shanghai-2020.txt"


def read_seed() -> str:
    """The seed's text (kept in the repository: a test never reads outside it)."""
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def example_data() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def example_filing(example_data):
    from xlgoals import Filing

    return Filing.model_validate(example_data)
