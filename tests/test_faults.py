"""Faults of the machine lose nothing (issue 16): every case of tests/support/faults.py, and the parts.

Each case runs a command under a fault (a full or read-only disk, a signal, a race, an odd output
path) and must hold the contract: exit code, one Chinese line naming the file, no traceback, no
leftover, inputs unchanged, outputs all or nothing. The faults are real where this machine allows
(tmpfs mounts and setpriv as root) and injected at the write call where it does not; never skipped.
``python scripts/faults.py`` runs the same cases and prints the README's figures.
"""

from __future__ import annotations

import contextvars
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from xlsxwriter.exceptions import FileCreateError

from tests.support.faults import CASES, OLD, Lab, describe, run_case
from xlgoals import outputs as outputs_module
from xlgoals.archive import archive_filing, archived_years
from xlgoals.errors import OutputFileError, Terminated
from xlgoals.outputs import atomic_output, outputs, private_file, remove_stale, stop_on_termination


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Lab:
    return Lab(tmp_path_factory.mktemp("faults"))


@pytest.mark.parametrize("case", CASES, ids=[f"{case.point}-{case.name}" for case in CASES])
def test_fault(case, lab):
    result = run_case(case, lab)
    assert result, describe(result)


def test_every_point_of_the_issue_has_cases():
    assert {case.point for case in CASES} == {1, 2, 3, 4, 5, 7, 10}


# --- the parts ------------------------------------------------------------------------------------


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_our_own_stale_names_are_removed(tmp_path):
    host, dead, hour = outputs_module._HOST, _dead_pid(), 3600
    old = time.time() - 2 * hour
    removed = {f".xlgoals-{host}-{dead}-0123abcd.tmp", f".xlgoals-{host}-{dead}-0123abcd.d",
               f".xlgoals-{host}-{dead}-4567abcd.old", ".xlgoals-ffffff-1-89abcdef.tmp",
               ".xlgoals-abcd_123", ".汇总.a1b2c3d4.xlsx.tmp"}
    kept = {f".xlgoals-{host}-{os.getpid()}-0123abcd.tmp", f".xlgoals-{host}-{os.getppid()}-0123abcd.d",
            ".xlgoals-eeeeee-1-89abcdef.tmp", ".xlgoals-young123", ".report.json.tmp", ".xlgoals-notes.txt",
            "汇总.xlsx", ".汇总.xlsx~", ".汇总.a1b2c3d4.txt.tmp"}
    for name in removed | kept:
        path = tmp_path / name
        if name.endswith(".d") or name.startswith(".xlgoals-abcd") or name == ".xlgoals-young123":
            path.mkdir()
            (path / "sheet1.xml").write_text("x")
        else:
            path.write_text("x")
    for name in (".xlgoals-ffffff-1-89abcdef.tmp", ".xlgoals-abcd_123", ".汇总.a1b2c3d4.xlsx.tmp",
                 ".report.json.tmp", ".xlgoals-notes.txt", ".汇总.a1b2c3d4.txt.tmp"):
        os.utime(tmp_path / name, (old, old))
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    (tmp_path / f".xlgoals-{host}-{dead}-89abcdef.d").symlink_to(outside)  # a link is removed, never followed
    assert remove_stale(tmp_path) == len(removed) + 1
    assert sorted(os.listdir(tmp_path)) == sorted(kept)
    assert (outside / "keep.txt").read_text() == "x"


def test_private_names_are_short_and_recognised(tmp_path):
    name = private_file(tmp_path, tmp_path / ("a" * 250)).name
    assert len(name.encode()) <= 40 and outputs_module._PRIVATE.fullmatch(name)
    assert remove_stale(tmp_path) == 0  # ours, and we are running


@pytest.mark.parametrize("existed", [True, False])
def test_a_failing_move_puts_back_the_outputs_moved_before_it(tmp_path, monkeypatch, existed):
    first, second = tmp_path / "汇总.xlsx", tmp_path / "报告.json"
    if existed:
        first.write_bytes(OLD)
    second.write_bytes(OLD)
    replace = os.replace

    def failing(source, target):
        if Path(target) == second:
            raise PermissionError(errno.EACCES, "denied", str(target))
        return replace(source, target)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OutputFileError, match="没有写入权限") as raised:
        with outputs():
            with atomic_output(first) as temp:
                temp.write_text("new")
            with atomic_output(second) as temp:
                temp.write_text("new")
    assert raised.value.path == second
    assert (first.read_bytes() == OLD) if existed else not first.exists()
    assert second.read_bytes() == OLD
    assert sorted(os.listdir(tmp_path)) == sorted(["报告.json", *(["汇总.xlsx"] if existed else [])])


def test_outputs_are_published_only_when_the_block_ends(tmp_path):
    path = tmp_path / "a.json"
    with outputs():
        with atomic_output(path) as temp:
            temp.write_text("new")
        assert not path.exists()
    assert path.read_text() == "new"
    assert os.listdir(tmp_path) == ["a.json"]


@pytest.mark.parametrize(("number", "fragment"), [
    (errno.ENOSPC, "磁盘空间不足"), (errno.EDQUOT, "磁盘配额"), (errno.EROFS, "只读"),
    (errno.EACCES, "没有写入权限"), (errno.EPERM, "没有写入权限"), (errno.ENAMETOOLONG, "文件名或路径过长"),
    (errno.EIO, "读写磁盘时出错"), (errno.EMLINK, "EMLINK"),
])
def test_one_chinese_line_for_each_failure_of_the_file_system(number, fragment):
    path = Path("输出.xlsx")
    direct = OutputFileError.from_os_error(OSError(number, os.strerror(number)), path)
    wrapped = OutputFileError.from_os_error(FileCreateError(OSError(number, os.strerror(number))), path)
    text_only = OutputFileError.from_os_error(OSError(f"Error writing bytes. Detail: [errno {number}] x"), path)
    for error in (direct, wrapped, text_only):
        assert fragment in str(error) and str(error).startswith("输出.xlsx：") and "\n" not in str(error)


def test_what_is_no_failure_of_the_file_system_is_not_mapped():
    assert OutputFileError.from_os_error(ValueError("no"), "x") is None
    assert OutputFileError.from_os_error(KeyboardInterrupt(), "x") is None


def test_two_first_archivings_of_one_new_database_both_land(tmp_path, example_filing):
    """The first stages a new database and publishes it after a second has already created the file:
    it goes into that one instead of replacing it."""
    db = tmp_path / "历年.db"
    with outputs():
        archive_filing(db, example_filing.model_copy(update={"unit": "甲"}))
        contextvars.Context().run(archive_filing, db, example_filing.model_copy(update={"unit": "乙"}))
        assert [unit for unit, _, _ in archived_years(db)] == ["乙"]
    assert [unit for unit, _, _ in archived_years(db)] == ["乙", "甲"]
    assert os.listdir(tmp_path) == ["历年.db"]


def test_termination_unwinds_only_where_it_would_end_the_process():
    saved = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # e.g. started by nohup: left alone
        stop_on_termination()
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        stop_on_termination()
        with pytest.raises(Terminated) as raised:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        assert raised.value.signal_number == signal.SIGTERM and isinstance(raised.value, KeyboardInterrupt)
    finally:
        signal.signal(signal.SIGTERM, saved)


@pytest.mark.parametrize("writable", [True, False])
def test_the_ribbon_says_where_the_details_are_or_that_they_could_not_be_kept(tmp_path, monkeypatch, example_filing,
                                                                              writable):
    """A bug behind a button ends in a message box, also when the error log cannot be written (a full disk)."""
    import tempfile

    from tests.support.xlwings_standin import Book
    from xlgoals import excel, write_filing

    book = Book.from_file(write_filing(example_filing, tmp_path / "填报.xlsx"))
    logs = tmp_path / "logs"
    logs.mkdir()
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(logs if writable else tmp_path / "missing"))
    monkeypatch.setattr(excel, "read_book", lambda book: 1 / 0)
    assert excel.validate(book) is None
    message = book.app.alerts[-1][0]
    if writable:
        assert "详情已记录在" in message and "ZeroDivisionError" in (logs / "xlgoals-error.log").read_text("utf-8")
    else:
        assert "详情无法记录" in message and not (tmp_path / "missing").exists()
