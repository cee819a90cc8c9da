"""The XlsxWriter layer: worksheets assembled in parallel give the same file as one by one."""

from __future__ import annotations

import zipfile

import pytest

from xlgoals import Filing, load_filing, write_filing
from xlgoals.workbook import xlsx
from tests.conftest import EXAMPLE


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if name != "docProps/core.xml"}


@pytest.mark.skipif(not hasattr(xlsx.os, "fork"), reason="parallel assembly needs fork")
def test_parallel_assembly_writes_the_same_parts(tmp_path, monkeypatch):
    filing = Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
    projects = [p.model_copy(update={"name": f"{p.name}{n}"}) for n in range(10) for p in filing.projects]
    many = filing.model_copy(update={"projects": projects})
    assert len(projects) >= xlsx.PARALLEL_MIN_SHEETS
    forks = []
    real_fork = xlsx.os.fork
    monkeypatch.setattr(xlsx.os, "fork", lambda: forks.append(1) or real_fork())
    parallel = write_filing(many, tmp_path / "parallel.xlsx")
    assert forks, "the parallel path was not taken"
    monkeypatch.setattr(xlsx, "_workers", lambda parts: 1)
    serial = write_filing(many, tmp_path / "serial.xlsx")
    assert _parts(parallel) == _parts(serial)
    assert load_filing(parallel) == many
