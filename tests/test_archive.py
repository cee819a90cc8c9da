"""The SQLite archive: lossless round trips, replacement in one transaction, SQL use, clear refusals."""

from __future__ import annotations

import copy
import sqlite3
import subprocess
import sys
from decimal import Decimal

import pytest

from xlgoals import archive
from xlgoals.archive import archive_filing, archived_years, load_archived
from xlgoals.errors import InputFileError, OutputFileError
from xlgoals.model import Filing

UNIT = "上海市总工会"


def _filing(data: dict, *, unit: str = UNIT, year: int = 2020, projects: slice = slice(None),
            rename: str = "") -> Filing:
    """The seed filing for another unit/year, with a subset of its projects, optionally renamed."""
    data = copy.deepcopy(data)
    data["unit"], data["year"] = unit, year
    data["projects"] = data["projects"][projects]
    for project in data["projects"]:
        project["name"] = project["name"] + rename
    return Filing.model_validate(data)


def _one_line(error: Exception, path) -> str:
    text = str(error)
    assert "\n" not in text and str(path) in text
    return text


def _rows(db, query: str, *parameters) -> list[tuple]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(query, parameters).fetchall()
    finally:
        connection.close()


# --- round trips ------------------------------------------------------------------------------


def test_seed_filing_reads_back_equal(tmp_path, example_filing):
    db = tmp_path / "archive.db"
    assert archive_filing(db, example_filing, source="合并.xlsx") == 5
    again = load_archived(db, unit=UNIT, year=2020)
    assert again == example_filing
    assert again is not example_filing and again.source == str(db)
    first = again.projects[0]
    assert first.budget.total == Decimal("9000000") and isinstance(first.budget.total, Decimal)
    assert first.government_procurement is False
    assert first.indicators[6].target.op == ">=" and first.indicators[6].target.value == Decimal("90000")
    assert archived_years(db) == [(UNIT, 2020, 5)]
    assert _rows(db, "SELECT source, framework FROM filings") == [("合并.xlsx", "shanghai-2020")]


def test_odd_values_read_back_equal(tmp_path):
    long_text = "𠀀𪚥龘" + "项目概述，" * 20_000 + "\n第二段"
    filing = Filing.model_validate({
        "unit": "某区𠀀街道办事处", "year": "2021年度", "department": None, "contact": "张𠀀", "phone": "021-1234",
        "projects": [
            {"name": "𠀀项目", "start_date": "年初", "end_date": "2021-02-30", "government_procurement": "不详",
             "overview": long_text, "objectives": "=SUM(A1)",
             "budget": {"total": "九百万", "current_year": 1e-07, "prior_year_budget": Decimal("1E+3"),
                        "prior_year_executed": "1,234.50"},
             "indicators": [{"level1": "产出指标", "level3": "覆盖人数", "target": "约100人左右"},
                            {"level3": "无目标值"},
                            {"level1": "效益指标", "target": ">=９０％"}]},
            {"name": None, "year": 2019, "government_procurement": "是"},  # another year kept as the project's own
            {},
        ],
    })
    db = tmp_path / "odd.db"
    assert archive_filing(db, filing) == 3
    again = load_archived(db, unit="某区𠀀街道办事处", year=2021)
    assert again == filing
    odd = again.projects[0]
    assert odd.budget.total == "九百万" and odd.start_date == "年初" and odd.end_date == "2021-02-30"
    assert odd.government_procurement == "不详" and odd.overview == long_text
    assert odd.budget.current_year == Decimal("1E-7") and odd.budget.prior_year_budget == Decimal("1000")
    assert [i.target.kind if i.target else None for i in odd.indicators] == ["unparsed", None, "quantitative"]
    assert again.projects[1].year == 2019 and again.projects[1].government_procurement is True
    assert again.projects[2].unit == "某区𠀀街道办事处" and again.department is None
    # The SQL columns: exact decimal text (no exponent, trailing zero kept), bad values as written.
    assert _rows(db, "SELECT budget_total, budget_current_year, budget_prior_year_budget, "
                     "budget_prior_year_executed, start_date, government_procurement FROM projects "
                     "WHERE position = 1") == [("九百万", "0.0000001", "1000", "1234.5", "年初", "不详")]
    assert _rows(db, "SELECT position, government_procurement FROM projects WHERE position > 1 ORDER BY position") \
        == [(2, "是"), (3, None)]


def test_a_value_that_would_not_read_back_equal_is_refused(tmp_path, example_data, example_filing):
    db = tmp_path / "archive.db"
    archive_filing(db, example_filing)
    changed = _filing(example_data, rename="（新）")
    changed.projects[1].start_date = "2020-01-01"  # assigned unvalidated: would come back as a date
    with pytest.raises(OutputFileError, match="第 2 个项目.*start_date.*无法原样存档") as caught:
        archive_filing(db, changed)
    _one_line(caught.value, db)
    assert load_archived(db, unit=UNIT, year=2020) == example_filing


# --- replacing a year ---------------------------------------------------------------------------


def test_archiving_a_year_again_replaces_only_that_year(tmp_path, example_data):
    db = tmp_path / "archive.db"
    first = _filing(example_data, year=2020)
    next_year = _filing(example_data, year=2021, rename="（2021）")
    other_unit = _filing(example_data, unit="上海市妇女联合会", year=2020, projects=slice(1, 3))
    for filing in (first, next_year, other_unit):
        archive_filing(db, filing)
    indicators_before = _rows(db, "SELECT COUNT(*) FROM indicators WHERE unit = ? AND year = 2020", UNIT)[0][0]

    smaller = _filing(example_data, year=2020, projects=slice(3, 5), rename="（调整后）")
    assert archive_filing(db, smaller) == 2

    assert archived_years(db) == [("上海市妇女联合会", 2020, 2), (UNIT, 2020, 2), (UNIT, 2021, 5)]
    assert archived_years(db, UNIT) == [(UNIT, 2020, 2), (UNIT, 2021, 5)]
    assert load_archived(db, unit=UNIT, year=2020) == smaller
    assert load_archived(db, unit=UNIT, year=2021) == next_year
    assert load_archived(db, unit="上海市妇女联合会", year=2020) == other_unit
    names = [row[0] for row in _rows(db, "SELECT name FROM projects WHERE unit = ? AND year = 2020 "
                                         "ORDER BY position", UNIT)]
    assert names == [project.name for project in smaller.projects]
    indicators_after = _rows(db, "SELECT COUNT(*) FROM indicators WHERE unit = ? AND year = 2020", UNIT)[0][0]
    assert indicators_after == sum(len(project.indicators) for project in smaller.projects) < indicators_before
    assert _rows(db, "SELECT COUNT(*) FROM indicators WHERE position > 2 AND unit = ? AND year = 2020", UNIT) \
        == [(0,)]


# --- atomicity ----------------------------------------------------------------------------------


def test_a_failure_midway_leaves_the_previous_rows(tmp_path, example_data, example_filing, monkeypatch):
    db = tmp_path / "archive.db"
    archive_filing(db, example_filing, source="旧.xlsx")
    before = _rows(db, "SELECT * FROM filings") + _rows(db, "SELECT * FROM projects") \
        + _rows(db, "SELECT * FROM indicators")

    serialise = archive._project_json
    calls = []

    def failing(project):
        calls.append(project.name)
        if len(calls) == 3:
            raise RuntimeError("disk exploded while serialising")
        return serialise(project)

    monkeypatch.setattr(archive, "_project_json", failing)
    with pytest.raises(RuntimeError, match="exploded"):
        archive_filing(db, _filing(example_data, rename="（新）"), source="新.xlsx")
    assert len(calls) == 3  # the failure came after the old rows were deleted and two new projects written

    after = _rows(db, "SELECT * FROM filings") + _rows(db, "SELECT * FROM projects") \
        + _rows(db, "SELECT * FROM indicators")
    assert after == before
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    monkeypatch.undo()
    assert load_archived(db, unit=UNIT, year=2020) == example_filing
    assert archive_filing(db, _filing(example_data, projects=slice(0, 1))) == 1  # still writable


def test_a_failed_first_archive_leaves_no_file(tmp_path, example_filing, monkeypatch):
    db = tmp_path / "new.db"

    def failing(project):
        raise RuntimeError("boom")

    monkeypatch.setattr(archive, "_project_json", failing)
    with pytest.raises(RuntimeError):
        archive_filing(db, example_filing)
    assert not db.exists()


# --- SQL ----------------------------------------------------------------------------------------


def test_the_archive_is_usable_with_plain_sql(tmp_path, example_data):
    db = tmp_path / "archive.db"
    years = {2019: _filing(example_data, year=2019, projects=slice(0, 3)), 2020: _filing(example_data, year=2020)}
    odd = copy.deepcopy(example_data)
    odd["year"] = 2021
    odd["projects"] = odd["projects"][:2]
    odd["projects"][1]["budget"]["current_year"] = "待定"
    years[2021] = Filing.model_validate(odd)
    for filing in years.values():
        archive_filing(db, filing)

    sums = _rows(db, "SELECT year, SUM(CAST(budget_current_year AS REAL)) FROM projects "
                     "WHERE unit = ? GROUP BY year ORDER BY year", UNIT)
    expected = [(year, float(sum(p.budget.current_year for p in filing.projects
                                 if isinstance(p.budget.current_year, Decimal))))
                for year, filing in years.items()]
    assert sums == expected and sums[0][1] > 0
    assert _rows(db, "SELECT year, position, budget_current_year FROM projects "
                     "WHERE budget_current_year GLOB '*[^0-9.+-]*'") == [(2021, 2, "待定")]

    joined = _rows(db, "SELECT p.name, i.row, i.level3, i.target, i.target_kind, i.target_op, i.target_value, "
                       "i.target_unit FROM indicators AS i JOIN projects AS p USING (unit, year, position) "
                       "WHERE p.year = 2020 ORDER BY p.position, i.row")
    assert len(joined) == sum(len(project.indicators) for project in years[2020].projects)
    indicator = years[2020].projects[0].indicators[6]
    assert joined[6] == (years[2020].projects[0].name, 7, indicator.level3, indicator.target.raw,
                         "quantitative", ">=", "90000", "人")
    assert _rows(db, "PRAGMA foreign_key_check") == []

    connection = sqlite3.connect(db)  # ON DELETE CASCADE, for analysts who clean up by hand
    connection.execute("PRAGMA foreign_keys = ON")
    with connection:
        connection.execute("DELETE FROM filings WHERE year = 2019")
    connection.close()
    assert _rows(db, "SELECT COUNT(*) FROM projects WHERE year = 2019") == [(0,)]
    assert _rows(db, "SELECT COUNT(*) FROM indicators WHERE year = 2019") == [(0,)]
    indexes = {row[0] for row in _rows(db, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"projects_name_year", "projects_year", "filings_year"} <= indexes
    assert _rows(db, "SELECT version FROM xlgoals_schema") == [(v,) for v in range(1, archive.SCHEMA_VERSION + 1)]


# --- refusals -------------------------------------------------------------------------------------


def test_a_file_that_is_no_sqlite_database_is_refused_and_untouched(tmp_path, example_filing):
    db = tmp_path / "预算.xlsx"
    db.write_bytes(b"PK\x03\x04 not a database at all")
    with pytest.raises(OutputFileError, match="不是 SQLite 数据库") as caught:
        archive_filing(db, example_filing)
    _one_line(caught.value, db)
    assert db.read_bytes() == b"PK\x03\x04 not a database at all"
    with pytest.raises(InputFileError, match="不是 SQLite 数据库"):
        load_archived(db, unit=UNIT, year=2020)
    with pytest.raises(InputFileError, match="不是 SQLite 数据库"):
        archived_years(db)


def test_another_programs_database_is_refused(tmp_path, example_filing):
    db = tmp_path / "other.db"
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("CREATE TABLE filings (id INTEGER PRIMARY KEY, title TEXT)")
        connection.execute("INSERT INTO filings (title) VALUES ('keep me')")
    connection.close()
    with pytest.raises(OutputFileError, match="其他程序的 SQLite 数据库") as caught:
        archive_filing(db, example_filing)
    _one_line(caught.value, db)
    assert _rows(db, "SELECT name FROM sqlite_master") == [("filings",)]
    assert _rows(db, "SELECT title FROM filings") == [("keep me",)]
    with pytest.raises(InputFileError, match="其他程序"):
        load_archived(db, unit=UNIT, year=2020)


def test_a_newer_schema_is_refused(tmp_path, example_filing):
    db = tmp_path / "archive.db"
    archive_filing(db, example_filing)
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("INSERT INTO xlgoals_schema VALUES (99, '2030-01-01')")
    connection.close()
    with pytest.raises(OutputFileError, match="较新版本.*99"):
        archive_filing(db, example_filing)
    with pytest.raises(InputFileError, match="较新版本"):
        load_archived(db, unit=UNIT, year=2020)


def test_a_corrupt_database_is_an_error_not_a_traceback(tmp_path, example_filing):
    db = tmp_path / "broken.db"
    db.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    with pytest.raises(OutputFileError, match="损坏") as caught:
        archive_filing(db, example_filing)
    _one_line(caught.value, db)
    with pytest.raises(InputFileError, match="损坏"):
        load_archived(db, unit=UNIT, year=2020)


def test_a_locked_database_is_an_error_and_nothing_changes(tmp_path, example_data, example_filing, monkeypatch):
    db = tmp_path / "archive.db"
    archive_filing(db, example_filing)
    monkeypatch.setattr(archive, "LOCK_TIMEOUT", 0.05)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(OutputFileError, match="占用") as caught:
            archive_filing(db, _filing(example_data, projects=slice(0, 1)))
        _one_line(caught.value, db)
        with pytest.raises(InputFileError, match="占用"):
            load_archived(db, unit=UNIT, year=2020)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert load_archived(db, unit=UNIT, year=2020) == example_filing


def test_a_filing_without_unit_or_year_is_refused(tmp_path, example_data):
    db = tmp_path / "archive.db"
    no_unit = copy.deepcopy(example_data)
    no_unit["unit"] = None
    with pytest.raises(OutputFileError, match="单位名称"):
        archive_filing(db, Filing.model_validate(no_unit))
    bad_year = copy.deepcopy(example_data)
    bad_year["year"] = "二〇二一"
    with pytest.raises(OutputFileError, match="预算年度「二〇二一」"):
        archive_filing(db, Filing.model_validate(bad_year))
    assert not db.exists()


def test_missing_years_and_units_are_named(tmp_path, example_data):
    db = tmp_path / "archive.db"
    for year in (2021, 2019):
        archive_filing(db, _filing(example_data, year=year))
    with pytest.raises(InputFileError, match="没有「上海市总工会」2020 年度.*已存档的年度：2019、2021") as caught:
        load_archived(db, unit=UNIT, year=2020)
    _one_line(caught.value, db)
    with pytest.raises(InputFileError, match="没有单位「上海市妇联」.*存档中的单位：上海市总工会"):
        load_archived(db, unit="上海市妇联", year=2020)
    assert load_archived(db, unit=f" {UNIT} ", year="2019年") == _filing(example_data, year=2019)
    assert archived_years(db, "上海市妇联") == []

    missing = tmp_path / "nowhere.db"
    with pytest.raises(InputFileError, match="不存在") as caught:
        load_archived(missing, unit=UNIT, year=2020)
    _one_line(caught.value, missing)
    with pytest.raises(InputFileError, match="不存在"):
        archived_years(missing)
    assert not missing.exists()  # reading never creates a database

    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(InputFileError, match="空的"):
        load_archived(empty, unit=UNIT, year=2020)


def test_a_missing_folder_is_refused(tmp_path, example_filing):
    db = tmp_path / "no-such-folder" / "archive.db"
    with pytest.raises(OutputFileError, match="目录不存在"):
        archive_filing(db, example_filing)
    with pytest.raises(OutputFileError, match="是一个目录"):
        archive_filing(tmp_path, example_filing)


def test_importing_the_archive_stays_light():
    code = "import sys, xlgoals.archive; print(sorted(m for m in ('pydantic', 'xlgoals.model') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
