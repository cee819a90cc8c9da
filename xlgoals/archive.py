"""The archive: every merged filing in one embedded SQLite database, one row set per unit and year.

``xlgoals merge ... --archive archive.db`` appends the merged filing with :func:`archive_filing`;
``fill --from archive.db`` reads last year's filing back with :func:`load_archived`; analysts
query every year with plain SQL (the ``sqlite3`` shell, DB Browser for SQLite, pandas, Excel's
ODBC). Only the standard library is imported here; the model is imported when it is needed.

Archiving the same unit and year again **replaces** that year's rows in one transaction: either
the new filing is stored completely, or (on any failure) the previous rows stay as they were.

Schema (version 2; the version is recorded in ``xlgoals_schema``, and archiving into an older
archive migrates it in the same transaction; reading never changes the file)::

    xlgoals_schema(version INTEGER, applied_at TEXT)       -- one row per applied schema version

    filings(                                                -- one row per archived filing
        unit TEXT, year INTEGER,                            -- 填报单位, 预算年度: PRIMARY KEY
        framework TEXT, department TEXT, contact TEXT, phone TEXT,
        archived_at TEXT,                                   -- ISO 8601, UTC, when it was archived
        source TEXT,                                        -- the file it came from, if known
        form TEXT)                                          -- v2: 'shanghai-2020', 'national-2015', ...

    projects(                                               -- one row per project
        unit, year, position INTEGER,                       -- PRIMARY KEY; position = 序号 (1, 2, ...)
        name, category, start_date, end_date,               -- dates as ISO text: '2020-01-01'
        government_procurement,                             -- '是' / '否'
        performance_type, overview, basis, necessity, safeguards, implementation_plan, objectives,
        budget_total, budget_current_year,                  -- amounts in yuan as exact decimal TEXT:
        budget_prior_year_budget, budget_prior_year_executed,  -- '9000000', '1234.50'
        data_json TEXT,                                     -- the whole project (with its indicators)
        supervising_department, implementing_unit,          -- v2: the national 申报表's fields
        attribute, period, annual_objectives,
        budget_total_fiscal, budget_total_other,            -- v2: amounts in yuan, as above
        budget_current_year_fiscal, budget_current_year_other)
        FOREIGN KEY (unit, year) REFERENCES filings ON DELETE CASCADE

    indicators(                                             -- one row per indicator
        unit, year, position, row INTEGER,                  -- PRIMARY KEY; row = 1, 2, ... in the project
        level1, level2, level3,                             -- 一级/二级/三级指标
        target,                                             -- 指标目标值 as written: '>=90000人'
        target_kind,                                        -- 'quantitative' / 'qualitative' / 'time' / 'unparsed'
        target_op, target_value, target_unit,               -- '>=', '90000' (decimal TEXT), '人'
        horizon, weight, standard)                          -- v2: 'annual'/'period', 权重, 指标解释
        FOREIGN KEY (unit, year, position) REFERENCES projects ON DELETE CASCADE

    Indexes: filings(year), projects(name, year), projects(year), indicators(year).

A value the form could not read (an amount typed as ``九百万``, a date typed as ``年初``, a 是否政府
采购 of ``不详``) is stored as its text, exactly as the checks saw it, so ``CAST(... AS REAL)`` of
such an amount is 0. Find them with ``budget_total GLOB '*[^0-9.+-]*'``. Examples::

    -- this year's budget of every year, in yuan
    SELECT year, SUM(CAST(budget_current_year AS REAL)) FROM projects
     WHERE unit = '上海市总工会' GROUP BY year ORDER BY year;
    -- indicators with their project
    SELECT p.year, p.name, i.level3, i.target FROM indicators AS i
      JOIN projects AS p USING (unit, year, position) ORDER BY p.year, p.position, i.row;
    -- one project across the years
    SELECT year, budget_current_year FROM projects WHERE name = '...' ORDER BY year;

The columns are for reading. :func:`load_archived` rebuilds the filing from ``data_json``
(the project's JSON export, with amounts written as plain decimals), so a filing read back is
equal to the one archived; a project whose own unit or year differs from the filing's keeps it
there. Change the archive by archiving again, not by editing rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputFileError, OutputFileError, XlgoalsError
from .fileio import check_input
from .outputs import check_output, destination, name_fits, outputs, private_file
from .values import amount_text

if TYPE_CHECKING:
    from .model import Filing, Project

__all__ = ["SCHEMA_VERSION", "archive_filing", "archived_years", "load_archived"]

SCHEMA_VERSION = 2
LOCK_TIMEOUT = 10.0  # seconds to wait for another program's lock before giving up

_SQLITE_MAGIC = b"SQLite format 3\x00"
_JOURNAL = "-journal"  # the name SQLite gives its rollback journal, beside the database
_VERSION_TABLE = "xlgoals_schema"
_TABLES = ("filings", "projects", "indicators")

# _MIGRATIONS[n]: the statements that take a database from schema version n-1 to n (0 = empty).
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        f"CREATE TABLE {_VERSION_TABLE} (version INTEGER NOT NULL, applied_at TEXT NOT NULL)",
        """CREATE TABLE filings (
            unit TEXT NOT NULL,
            year INTEGER NOT NULL,
            framework TEXT NOT NULL,
            department TEXT,
            contact TEXT,
            phone TEXT,
            archived_at TEXT NOT NULL,
            source TEXT,
            PRIMARY KEY (unit, year)
        )""",
        """CREATE TABLE projects (
            unit TEXT NOT NULL,
            year INTEGER NOT NULL,
            position INTEGER NOT NULL,
            name TEXT,
            category TEXT,
            start_date TEXT,
            end_date TEXT,
            government_procurement TEXT,
            performance_type TEXT,
            overview TEXT,
            basis TEXT,
            necessity TEXT,
            safeguards TEXT,
            implementation_plan TEXT,
            objectives TEXT,
            budget_total TEXT,
            budget_current_year TEXT,
            budget_prior_year_budget TEXT,
            budget_prior_year_executed TEXT,
            data_json TEXT NOT NULL,
            PRIMARY KEY (unit, year, position),
            FOREIGN KEY (unit, year) REFERENCES filings (unit, year) ON DELETE CASCADE
        )""",
        """CREATE TABLE indicators (
            unit TEXT NOT NULL,
            year INTEGER NOT NULL,
            position INTEGER NOT NULL,
            row INTEGER NOT NULL,
            level1 TEXT,
            level2 TEXT,
            level3 TEXT,
            target TEXT,
            target_kind TEXT,
            target_op TEXT,
            target_value TEXT,
            target_unit TEXT,
            PRIMARY KEY (unit, year, position, row),
            FOREIGN KEY (unit, year, position) REFERENCES projects (unit, year, position) ON DELETE CASCADE
        )""",
        "CREATE INDEX filings_year ON filings (year)",
        "CREATE INDEX projects_name_year ON projects (name, year)",
        "CREATE INDEX projects_year ON projects (year)",
        "CREATE INDEX indicators_year ON indicators (year)",
    ),
    2: (  # the national 申报表's fields (forms as data); rows of version 1 read as Shanghai 2020
        "ALTER TABLE filings ADD COLUMN form TEXT NOT NULL DEFAULT 'shanghai-2020'",
        *(f"ALTER TABLE projects ADD COLUMN {column} TEXT" for column in (
            "supervising_department", "implementing_unit", "attribute", "period", "annual_objectives",
            "budget_total_fiscal", "budget_total_other", "budget_current_year_fiscal", "budget_current_year_other")),
        "ALTER TABLE indicators ADD COLUMN horizon TEXT NOT NULL DEFAULT 'annual'",
        "ALTER TABLE indicators ADD COLUMN weight TEXT",
        "ALTER TABLE indicators ADD COLUMN standard TEXT",
    ),
}

_PROJECT_COLUMNS = (
    "unit", "year", "position", "name", "category", "start_date", "end_date", "government_procurement",
    "performance_type", "overview", "basis", "necessity", "safeguards", "implementation_plan", "objectives",
    "budget_total", "budget_current_year", "budget_prior_year_budget", "budget_prior_year_executed", "data_json",
    "supervising_department", "implementing_unit", "attribute", "period", "annual_objectives",
    "budget_total_fiscal", "budget_total_other", "budget_current_year_fiscal", "budget_current_year_other",
)
_INSERT_PROJECT = (f"INSERT INTO projects ({', '.join(_PROJECT_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(_PROJECT_COLUMNS))})")
_INSERT_INDICATOR = ("INSERT INTO indicators (unit, year, position, row, level1, level2, level3, target, "
                     "target_kind, target_op, target_value, target_unit, horizon, weight, standard) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_FILING = ("INSERT INTO filings (unit, year, framework, department, contact, phone, archived_at, source, form) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


# --- public API -------------------------------------------------------------------------------


def archive_filing(db: str | Path, filing: Filing, *, source: str | None = None) -> int:
    """Store ``filing`` under its unit and year, replacing what was archived for them; the project count.

    The database and its tables are created when missing. Everything happens in one transaction:
    if anything fails, the archive is left as it was. ``source`` (default: ``filing.source``) records
    the file the filing came from. Inside :func:`xlgoals.outputs.outputs` the transaction is
    committed when the command's files are in place, or not at all.
    """
    path = Path(db)
    unit, year = _filing_key(filing, path)
    check_archive(path)
    with outputs() as batch:
        staged = _Archiving(path, filing, unit, year, source)
        batch.add(staged)
        staged.stage()
    return staged.count


def load_archived(db: str | Path, *, unit: str, year: int) -> Filing:
    """The filing archived for ``unit`` and ``year``, equal to the one given to :func:`archive_filing`."""
    from .model import Filing
    from .values import clean_text, to_year

    path = Path(db)
    wanted_unit = clean_text(unit)
    wanted_year = to_year(year)
    if not wanted_unit:
        raise InputFileError("没有指定要读取的单位名称。", path)
    if not isinstance(wanted_year, int):
        raise InputFileError(f"预算年度「{year}」不是有效的年份（应为如 2021 的四位数字）。", path)
    with _reading(path) as connection:
        form = "form" if (_schema_version(connection, path, InputFileError) or 0) >= 2 else "'shanghai-2020'"
        header = connection.execute(
            f"SELECT framework, department, contact, phone, {form} FROM filings WHERE unit = ? AND year = ?",
            (wanted_unit, wanted_year)).fetchone()
        if header is None:
            raise InputFileError(_absent(connection, wanted_unit, wanted_year), path)
        rows = connection.execute(
            "SELECT position, name, data_json FROM projects WHERE unit = ? AND year = ? ORDER BY position",
            (wanted_unit, wanted_year)).fetchall()
    projects = []
    for position, name, data in rows:
        try:
            projects.append(json.loads(data))
        except (TypeError, ValueError):
            raise InputFileError(f"存档中「{wanted_unit}」{wanted_year} 年度第 {position} 个项目"
                                 f"（{name or '未命名'}）的数据已损坏，请重新存档该年度。", path) from None
    framework, department, contact, phone, form = header
    try:
        filing = Filing.model_validate({
            "unit": wanted_unit, "year": wanted_year, "form": form, "framework": framework, "department": department,
            "contact": contact, "phone": phone, "projects": projects,
        })
    except ValueError as error:  # pydantic's ValidationError: the rows were edited by hand
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputFileError(f"存档中「{wanted_unit}」{wanted_year} 年度的数据无法读取（{first}），"
                             f"可能被手工改动过，请重新存档该年度。", path) from None
    filing.source = str(path)
    return filing


def archived_years(db: str | Path, unit: str | None = None) -> list[tuple[str, int, int]]:
    """(unit, year, number of projects) of every archived filing, or of one unit's; sorted."""
    path = Path(db)
    query = ("SELECT f.unit, f.year, COUNT(p.position) FROM filings AS f "
             "LEFT JOIN projects AS p ON p.unit = f.unit AND p.year = f.year")
    parameters: tuple[Any, ...] = ()
    if unit is not None:
        from .values import clean_text

        query += " WHERE f.unit = ?"
        parameters = (clean_text(unit) or "",)
    query += " GROUP BY f.unit, f.year ORDER BY f.unit, f.year"
    with _reading(path) as connection:
        return [(row[0], row[1], row[2]) for row in connection.execute(query, parameters)]


# --- writing ----------------------------------------------------------------------------------


def _filing_key(filing: Filing, path: Path) -> tuple[str, int]:
    unit, year = filing.unit, filing.year
    if not isinstance(unit, str) or not unit.strip():
        raise OutputFileError("申报数据没有填报单位名称，无法存档：请先在封面填写单位名称。", path)
    if not isinstance(year, int) or isinstance(year, bool):
        shown = "（空）" if year is None else f"「{year}」"
        raise OutputFileError(f"申报数据的预算年度{shown}不是有效年份，无法存档：请先填写如 2021 的年份。", path)
    return unit, year


def check_archive(path: str | Path) -> Path:
    """``path`` as an archive to write: refuses a directory, a missing folder, what no output may be
    (:func:`xlgoals.outputs.check_output`), a name too long for its journal and a file that is no
    SQLite database."""
    path = Path(path)
    if path.is_dir():
        raise OutputFileError("存档路径是一个目录，请指定数据库文件名（如 archive.db）。", path)
    if not path.parent.is_dir():
        raise OutputFileError("存档所在的目录不存在，请先创建目录或另选位置。", path)
    check_output(path)
    target = destination(path)
    if not name_fits(target.parent, target.name + _JOURNAL):
        raise OutputFileError(f"存档文件名过长：数据库要在旁边建立名为“…{_JOURNAL}”的临时文件，"
                              "请改用较短的文件名。", path)
    if target.exists():
        _check_header(target, OutputFileError,
                      "不是 SQLite 数据库，不能用作存档；请另选存档文件名（如 archive.db），以免覆盖该文件。",
                      being_created=True)
    return path


class _Archiving:
    """One archiving, staged: into an existing archive, an open write transaction (its lock held);
    for a new archive, a complete database under a private name that appears under ``path`` at
    once, complete, when published (two first archivings at the same moment: the second goes into
    the first's database)."""

    final = True  # a committed transaction cannot be put back: published after the files

    def __init__(self, path: Path, filing: Filing, unit: str, year: int, source: str | None):
        self.path, self.target = path, destination(path)
        self.filing, self.unit, self.year, self.source = filing, unit, year, source
        self.connection: sqlite3.Connection | None = None
        self.temp: Path | None = None
        self.count = 0

    def stage(self) -> None:
        if self.target.exists():
            self._open(self.target)
            return
        self.temp = private_file(self.target.parent, self.path)
        connection = self._open(self.temp, new=True)
        self._end(connection, "COMMIT")
        self.connection = None

    def publish(self, keep: bool) -> None:
        if self.temp is not None and not self._appear():
            self._open(self.target)  # another archiving created it meanwhile: go into that one
        if self.connection is not None:
            self._end(self.connection, "COMMIT")

    def restore(self) -> None:
        """Nothing to put back: published last, after every file is in place."""

    def discard(self) -> None:
        if self.connection is not None:
            try:
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # closing without commit rolls back as well
            self.connection.close()
            self.connection = None
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)

    def _open(self, database: Path, *, new: bool = False) -> sqlite3.Connection:
        """A connection to ``database`` in a write transaction with the filing stored (not committed)."""
        self.connection = connection = _connect(database, OutputFileError, create=new, path=self.path)
        try:
            if new:
                connection.execute("PRAGMA journal_mode = OFF")  # a private file: nothing to roll back into
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("BEGIN IMMEDIATE")  # take the write lock now: no half-read state
            _prepare_schema(connection, self.path)
            self.count = _replace(connection, self.path, self.filing, self.unit, self.year, self.source)
        except BaseException as error:
            raise self._refusal(error) from None
        return connection

    def _end(self, connection: sqlite3.Connection, statement: str) -> None:
        try:
            connection.execute(statement)
        except sqlite3.Error as error:
            raise self._refusal(error) from None
        connection.close()
        self.connection = None

    def _appear(self) -> bool:
        """Put the new database under its name unless one is there already; whether it went in."""
        try:
            os.link(self.temp, self.target)  # fails if the name exists: never replaces another's archive
        except FileExistsError:
            return False
        except OSError as error:  # no hard links here (FAT, some network drives)
            if os.path.lexists(self.target):
                return False
            try:
                os.rename(self.temp, self.target)
            except OSError:
                raise OutputFileError.from_os_error(error, self.path) or error from None
        self.temp.unlink(missing_ok=True)
        self.temp = None
        return True

    def _refusal(self, error: BaseException) -> BaseException:
        if isinstance(error, sqlite3.Error):
            return OutputFileError(_problem(error), self.path)
        if isinstance(error, UnicodeEncodeError):
            return OutputFileError("申报数据中含有无法存储的字符（不完整的 Unicode 字符），请检查后再存档；"
                                   "存档未作改动。", self.path)
        return error


def _prepare_schema(connection: sqlite3.Connection, path: Path) -> None:
    """Create or migrate the tables (inside the caller's transaction), or refuse a foreign database."""
    version = _schema_version(connection, path, OutputFileError)
    if version is None:
        version = 0
    for step in range(version + 1, SCHEMA_VERSION + 1):
        for statement in _MIGRATIONS[step]:
            connection.execute(statement)
        connection.execute(f"INSERT INTO {_VERSION_TABLE} (version, applied_at) VALUES (?, ?)", (step, _now()))


def _replace(connection: sqlite3.Connection, path: Path, filing: Filing, unit: str, year: int,
             source: str | None) -> int:
    key = (unit, year)
    for table in ("indicators", "projects", "filings"):  # explicit, whatever the foreign_keys setting
        connection.execute(f"DELETE FROM {table} WHERE unit = ? AND year = ?", key)
    source = source if source is not None else filing.source
    connection.execute(_INSERT_FILING, (unit, year, filing.framework, filing.department, filing.contact,
                                        filing.phone, _now(), None if source is None else str(source), filing.form))
    stored = []
    for position, project in enumerate(filing.projects, start=1):
        data = _project_json(project)
        stored.append(data)
        columns = _project_columns(project)
        connection.execute(_INSERT_PROJECT, (*key, position, *columns[:16], data, *columns[16:]))
        connection.executemany(_INSERT_INDICATOR, (
            (*key, position, row, *_indicator_columns(indicator))
            for row, indicator in enumerate(project.indicators, start=1)))
    _check_lossless(path, filing, unit, year, stored)
    return len(stored)


def _project_json(project: Project) -> str:
    """The project's JSON export, with amounts as plain decimals ('0.0000001', never '1E-7')."""
    return json.dumps(project.model_dump(), default=_json_value, ensure_ascii=False, separators=(",", ":"))


def _json_value(value: object) -> str:
    if isinstance(value, Decimal):
        return amount_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be archived")


def _column(value: object) -> object:
    """A model value as the SQL column shows it: decimals and dates as text, booleans as 是/否."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return amount_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _project_columns(project: Project) -> tuple[object, ...]:
    budget = project.budget
    values = (
        project.name, project.category, project.start_date, project.end_date, project.government_procurement,
        project.performance_type, project.overview, project.basis, project.necessity, project.safeguards,
        project.implementation_plan, project.objectives,
        budget.total, budget.current_year, budget.prior_year_budget, budget.prior_year_executed,
        project.supervising_department, project.implementing_unit, project.attribute, project.period,
        project.annual_objectives, budget.total_fiscal, budget.total_other, budget.current_year_fiscal,
        budget.current_year_other,
    )
    return tuple(_column(value) for value in values)


def _indicator_columns(indicator: Any) -> tuple[object, ...]:
    target = indicator.target
    extra = (indicator.horizon, _column(indicator.weight), indicator.standard)
    if target is None:
        return (indicator.level1, indicator.level2, indicator.level3, None, None, None, None, None, *extra)
    return (indicator.level1, indicator.level2, indicator.level3, target.raw, target.kind, target.op,
            _column(target.value), target.unit, *extra)


def _check_lossless(path: Path, filing: Filing, unit: str, year: int, stored: list[str]) -> None:
    """Refuse (and so roll back) unless what load_archived will rebuild equals the filing given."""
    from .model import Filing

    rebuilt = Filing.model_validate({
        "unit": unit, "year": year, "form": filing.form, "framework": filing.framework, "department": filing.department,
        "contact": filing.contact, "phone": filing.phone, "projects": [json.loads(data) for data in stored],
    })
    if rebuilt == filing:
        return
    for position, (given, again) in enumerate(zip(filing.projects, rebuilt.projects), start=1):
        if given != again:
            field = next((name for name in type(given).model_fields
                          if getattr(given, name) != getattr(again, name)), "?")
            raise OutputFileError(f"第 {position} 个项目（{given.name or '未命名'}）的 {field} 取值"
                                  f"无法原样存档，存档未作改动。", path)
    field = next((name for name in ("unit", "year", "form", "framework", "department", "contact", "phone")
                  if getattr(filing, name) != getattr(rebuilt, name)), "?")
    raise OutputFileError(f"申报数据的 {field} 取值无法原样存档，存档未作改动。", path)


# --- reading ----------------------------------------------------------------------------------


class _reading:
    """A read-only connection holding one snapshot; sqlite errors become InputFileError."""

    def __init__(self, path: Path):
        self.path = path
        self.connection: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        path = self.path
        check_input(path, "存档数据库文件（如 archive.db）", missing="存档数据库不存在，请检查路径。")
        _check_header(path, InputFileError, "不是 SQLite 数据库，无法作为存档读取，请选择由 xlgoals 生成的存档文件。")
        try:
            self.connection = _connect(path, InputFileError, read_only=True)
            self.connection.execute("BEGIN")
            if _schema_version(self.connection, path, InputFileError) is None:
                raise InputFileError("存档数据库是空的，还没有存档任何申报数据。", path)
        except BaseException as error:
            self._close()
            if isinstance(error, sqlite3.Error):
                raise InputFileError(_problem(error), path) from None
            raise
        return self.connection

    def __exit__(self, kind, error, trace) -> None:
        self._close()
        if isinstance(error, sqlite3.Error):
            raise InputFileError(_problem(error), self.path) from None

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _absent(connection: sqlite3.Connection, unit: str, year: int) -> str:
    years = [row[0] for row in connection.execute(
        "SELECT year FROM filings WHERE unit = ? ORDER BY year", (unit,))]
    if years:
        return (f"存档中没有「{unit}」{year} 年度的申报数据；该单位已存档的年度："
                f"{'、'.join(str(each) for each in years)}。")
    units = [row[0] for row in connection.execute("SELECT DISTINCT unit FROM filings ORDER BY unit LIMIT 11")]
    if not units:
        return f"存档中没有「{unit}」{year} 年度的申报数据；存档中还没有任何单位的数据。"
    shown = "、".join(units[:10]) + ("等" if len(units) > 10 else "")
    return f"存档中没有单位「{unit}」的任何申报数据（请核对单位名称）；存档中的单位：{shown}。"


# --- shared -----------------------------------------------------------------------------------


def _connect(database: Path, error: type[XlgoalsError], *, read_only: bool = False, create: bool = False,
             path: Path | None = None) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun and ended explicitly); only ``create``
    makes a missing file. ``path`` is the name errors give (default ``database``)."""
    mode = "ro" if read_only else "rwc" if create else "rw"
    try:
        return sqlite3.connect(f"{database.resolve().as_uri()}?mode={mode}", uri=True, timeout=LOCK_TIMEOUT,
                               isolation_level=None)
    except sqlite3.Error as problem:
        raise error(_problem(problem), path or database) from None


def _check_header(path: Path, error: type[XlgoalsError], message: str, *, being_created: bool = False) -> None:
    """Refuse a file that is no SQLite database; an empty one is a new database. ``being_created``:
    also pass the start of a header (zeros, or the magic cut short) another program may be writing
    this moment, which SQLite itself checks under its lock."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except OSError:
        raise error("无法读取存档数据库，请确认文件未被占用且有读写权限。", path) from None
    if not head or head == _SQLITE_MAGIC or being_created and _SQLITE_MAGIC.startswith(head.rstrip(b"\0")):
        return
    raise error(message, path)


def _schema_version(connection: sqlite3.Connection, path: Path, error: type[XlgoalsError]) -> int | None:
    """The archive's schema version, None for an empty database; refuses foreign and newer databases."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if _VERSION_TABLE not in tables:
        if tables - {"sqlite_sequence", "sqlite_stat1"}:
            raise error("这是其他程序的 SQLite 数据库（不是 xlgoals 存档），请另选存档文件，以免改动其中的数据。",
                        path)
        return None
    version = connection.execute(f"SELECT MAX(version) FROM {_VERSION_TABLE}").fetchone()[0]
    if not isinstance(version, int):
        raise error("存档数据库的版本记录已损坏，请从备份恢复或另选存档文件。", path)
    if version > SCHEMA_VERSION:
        raise error(f"存档由较新版本的 xlgoals 创建（结构版本 {version}），请升级 xlgoals 后再使用。", path)
    missing = [table for table in _TABLES if table not in tables]
    if missing:
        raise error(f"存档数据库缺少表 {'、'.join(missing)}，可能被改动或已损坏，请从备份恢复或另选存档文件。", path)
    return version


def _problem(error: sqlite3.Error) -> str:
    """One Chinese line for a SQLite failure."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return "存档数据库正被其他程序占用（已锁定），请关闭正在使用它的程序后再试；存档未作改动。"
    if "readonly" in text or "read-only" in text:
        return "存档数据库不可写（只读文件或没有写入权限），请检查文件权限或另选位置。"
    if "full" in text:
        return "磁盘空间不足，无法写入存档数据库；存档未作改动。"
    if any(word in text for word in ("malformed", "not a database", "encrypted", "corrupt")):
        return "存档数据库已损坏，无法使用，请从备份恢复或另选存档文件。"
    if "unable to open" in text:
        return "无法打开存档数据库，请检查路径和读写权限。"
    if any(word in text for word in ("no such table", "no such column", "has no column")):
        return "存档数据库的表结构与 xlgoals 不符（可能被手工改动过），请另选存档文件。"
    if "disk i/o" in text:
        return "读写存档数据库时发生磁盘错误，请检查磁盘后再试。"
    detail = " ".join(str(error).split())
    return f"存档数据库操作失败（{detail}），请检查该文件。"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
