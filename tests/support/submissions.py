"""Departments' submissions made from the seed's five projects, for the merge tests (CLI and ribbon)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from xlgoals import Filing, write_filing
from tests.conftest import EXAMPLE

SEED = json.loads(EXAMPLE.read_text(encoding="utf-8"))


def submission(folder: Path, name: str, department: str | None, indexes, **changes) -> Path:
    """``folder/name.xlsx``: the seed's projects at ``indexes``, sent by ``department``, with ``changes`` to the filing."""
    data = {**SEED, "department": department, "projects": [SEED["projects"][i] for i in indexes], **changes}
    return write_filing(Filing.model_validate(data), folder / f"{name}.xlsx")


def conflicting_submissions(folder: Path) -> Path:
    """Every kind of merge event in ``folder``: three departments, one resubmission (the older file
    two hours older), projects sent twice, another year, another unit, a file without a department
    (its path is returned) and a broken file."""
    submission(folder, "宣教部", "宣教部", [0, 1])
    old = submission(folder, "劳模处-初稿", "劳模处", [2])
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    submission(folder, "劳模处-终稿", "劳模处", [2, 3])
    submission(folder, "财务部", "财务部", [4, 1])  # project 1 also sent by 宣教部
    submission(folder, "去年", "宣教部", [0], year=2019)
    submission(folder, "外单位", "其他", [0], unit="上海市某局")
    nameless = submission(folder, "无部门", None, [4])  # department falls back to the file name
    (folder / "损坏.xlsx").write_bytes(b"PK\x03\x04broken")
    return nameless
