"""Hostile packages are refused before any parser runs: bombs, entities, absurd dimensions."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from xlgoals import Filing, load_filing, write_filing
from xlgoals import fileio
from xlgoals.errors import InputFileError
from tests.support.cli import digest, run


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    filing = Filing.model_validate({"unit": "U", "year": 2021, "projects": [{"name": "P"}]})
    return write_filing(filing, tmp_path_factory.mktemp("good") / "good.xlsx")


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy a workbook package, letting ``change(name, data)`` replace parts or add new ones."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            copy.writestr(item.filename, change(item.filename, original.read(item.filename)))
    return target


def test_zip_bomb(good, tmp_path, monkeypatch):
    monkeypatch.setattr(fileio, "MAX_INFLATED_BYTES", 8 * 1024 * 1024)
    bomb = tmp_path / "bomb.xlsx"
    rewrite(good, bomb, lambda name, data: data)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/media/zeros.bin", b"\0" * (16 * 1024 * 1024))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(InputFileError, match="解压后过大"):
        load_filing(bomb)


def test_compression_ratio(good, tmp_path):
    bomb = rewrite(good, tmp_path / "ratio.xlsx", lambda name, data: data)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/media/zeros.bin", b"\0" * (4 * 1024 * 1024))
    with pytest.raises(InputFileError, match="压缩比异常"):
        load_filing(bomb)


@pytest.mark.parametrize("declaration", [
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
])
def test_entity_declarations(good, tmp_path, declaration):
    def inject(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet2.xml":
            return declaration + data
        return data

    hostile = rewrite(good, tmp_path / "entities.xlsx", inject)
    assert zipfile.ZipFile(hostile).read("xl/worksheets/sheet2.xml").startswith(b"<!DOCTYPE")
    before = digest(hostile)
    result = run("validate", str(hostile))
    assert result.returncode == 2 and "实体声明" in result.stderr and "entities.xlsx" in result.stderr
    assert digest(hostile) == before


def test_sheet_claiming_a_million_rows(good, tmp_path):
    def claim(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet2.xml":
            return data.replace(b'<dimension ref="A1:F63"', b'<dimension ref="A1:F1048576"', 1)
        return data

    hostile = rewrite(good, tmp_path / "rows.xlsx", claim)
    assert b"A1:F1048576" in zipfile.ZipFile(hostile).read("xl/worksheets/sheet2.xml")
    with pytest.raises(InputFileError, match="行"):
        load_filing(hostile)


def test_a_normal_workbook_passes(good):
    assert fileio.check_workbook(good) == good
