"""Chinese text on a terminal: tables wrap between words, never inside a code, a number or a target."""

from __future__ import annotations

import json
import re

import pytest
from rich.cells import cell_len

from xlgoals import Filing, write_filing
from xlgoals.rules import CATALOGUE
from xlgoals.terminal import wrap
from tests.conftest import EXAMPLE
from tests.support.cli import invoke

RUN = re.compile(r"[!-~]+")  # codes, numbers, signs: never cut


@pytest.fixture(scope="module")
def seed_workbook(tmp_path_factory):
    return write_filing(Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8")),
                        tmp_path_factory.mktemp("terminal") / "seed.xlsx")


def _texts(seed_workbook) -> list[str]:
    findings = json.loads(invoke("validate", str(seed_workbook), "--format", "json").stdout)["findings"]
    return [f["message"] for f in findings] + [rule.meaning for rule in CATALOGUE.values()]


@pytest.mark.parametrize("width", [12, 17, 24, 33, 40])
def test_wrap_breaks_between_words(seed_workbook, width):
    for text in _texts(seed_workbook):
        lines = wrap(text, width)
        assert all(cell_len(line) <= width for line in lines), (text, lines)
        assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", text)
        assert not any(line[:1] in "，。、；：！？）”" for line in lines[1:]), lines  # no line opens with a closing mark
        assert not any(line[-1:] in "（“" for line in lines), lines  # nor ends with an opening one
        for run in RUN.findall(text):
            if cell_len(run) + 2 <= width:  # fits a line even with the marks around it
                assert any(run in line for line in lines), (run, lines)


def test_report_table_keeps_codes_and_targets_whole(seed_workbook, monkeypatch):
    """A narrow terminal: every rule code and every target in the report appears unbroken."""
    monkeypatch.setenv("COLUMNS", "72")
    findings = json.loads(invoke("validate", str(seed_workbook), "--format", "json").stdout)["findings"]
    text = invoke("validate", str(seed_workbook)).stdout
    assert max(cell_len(line) for line in text.splitlines()) <= 72
    for finding in findings:
        assert finding["code"] in text
        for target in re.findall(r"“([^”]*[0-9][^”]*)”", finding["message"]):
            assert f"“{target}”" in text, target


def test_rules_table_keeps_codes_whole(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    text = invoke("rules").stdout
    assert all(code in text for code in CATALOGUE)
