"""Every output is created here, so that none is left half-written or stray, whatever happens.

An output is written under a private name beside its destination and moved into place when it is
complete. Inside ``with outputs():`` the outputs of one command (files, and an archive transaction
as the last one) are published together when the block ends, or none of them: a move that fails
puts the files moved before it back, and an error or a signal before the end publishes nothing.

The private names are short and fixed (``.xlgoals-<host>-<pid>-<random>.tmp``; ``….d`` a writer's
scratch folder, ``….old`` a replaced file kept until the command's last output is in place), so any
name the file system takes for the output works. A run killed outright (SIGKILL, a power cut)
leaves them behind; the next run into that folder removes them: at once when their process is gone
(same computer, not Windows), else when untouched for :data:`STALE_AFTER`. Names of other programs are never touched.

Any OSError while writing becomes one Chinese line naming the output
(:meth:`~xlgoals.errors.OutputFileError.from_os_error`).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO, Protocol

from .errors import OutputFileError, Terminated, XlgoalsError
from .fileio import real_path, same_file

STALE_AFTER = 3600.0  # seconds: when a private file whose process cannot be seen is taken as stale
_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]
_PRIVATE = re.compile(r"\.xlgoals-([0-9a-f]{6})-(\d+)-[0-9a-f]{8}\.(?:tmp|d|old)")
# Names earlier versions used (tempfile's): a scratch folder, and a temp file beside the output.
_LEGACY_FOLDER = re.compile(r"\.xlgoals-[a-z0-9_]{8}")
_LEGACY_FILE = re.compile(r"\..+\.[a-z0-9_]{8}\.(?:xlsx|xlsm|json|csv|parquet|xlam)\.tmp")
_HELD_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _create_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_CREATE_MODE = _create_mode()


# --- checks -------------------------------------------------------------------------------------


def destination(path: str | Path) -> Path:
    """Where an output named ``path`` is written: a symbolic link is written through (the link stays)."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_output(path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """``path`` as an output that can be written and replaces none of ``inputs``; commands with
    several outputs check them all before writing the first.

    Refused: an input, a missing folder, a directory, a special file (pipe, device, socket), a
    read-only file, a name longer than the file system takes.
    """
    path = Path(path)
    if not name_fits(path.parent, path.name):  # before any look at it: the system refuses even that
        raise OutputFileError("文件名过长，超过了该磁盘允许的长度，请改用较短的文件名。", path)
    target = destination(path)
    for source in inputs:
        if same_file(target, source) or real_path(target) == real_path(source):  # resolve() raises on a loop
            raise OutputFileError("输出文件与输入文件相同，请另选输出文件名，以免覆盖原文件。", path)
    if not target.parent.is_dir():
        raise OutputFileError("输出目录不存在，请先创建目录或另选位置。", path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise _mapped(error, path) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise OutputFileError("输出路径是一个目录，请指定文件名。", path)
        if not stat.S_ISREG(info.st_mode):
            raise OutputFileError("输出路径不是普通文件（是管道、设备或套接字），不能写入；请指定普通文件名。", path)
        if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise OutputFileError("输出文件是只读的（或没有修改它的权限），请取消只读属性、检查权限或另选文件名。", path)
    if target != path and not name_fits(target.parent, target.name):
        raise OutputFileError("文件名过长，超过了该磁盘允许的长度，请改用较短的文件名。", path)
    return path


def name_fits(folder: Path, name: str) -> bool:
    """Whether the file system of ``folder`` takes a file ``name`` (Windows counts characters, others bytes)."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        limit = 255
    return (len(name) if os.name == "nt" else len(os.fsencode(name))) <= limit


def _mapped(error: BaseException, path: str | Path) -> BaseException:
    """``error`` as the one line naming ``path`` when it is a file-system failure, else itself."""
    if isinstance(error, XlgoalsError):
        return error
    return OutputFileError.from_os_error(error, path) or error


# --- private names --------------------------------------------------------------------------------


def private_file(folder: str | Path, path: str | Path) -> Path:
    """A new empty private file in ``folder`` for writing the output ``path`` (named in errors);
    what killed runs left in ``folder`` is removed first."""
    folder = Path(folder)
    remove_stale(folder)
    name = folder / f".xlgoals-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600))
    except OSError as error:
        raise _mapped(error, path) from None
    return name


def remove_stale(folder: str | Path) -> int:
    """Remove the private files and folders that killed runs left in ``folder``; how many were removed."""
    now = time.time()
    try:
        entries = [entry for entry in os.scandir(folder) if entry.name.startswith(".")]
    except OSError:
        return 0
    removed = 0
    for entry in entries:
        try:
            if _stale(entry, now):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                removed += 1
        except OSError:
            continue  # gone already, or still in use: the next run tries again
    return removed


def _stale(entry: os.DirEntry, now: float) -> bool:
    own = _PRIVATE.fullmatch(entry.name)
    if own is not None and own.group(1) == _HOST and os.name != "nt":
        return not _running(int(own.group(2)))  # a reused pid only delays the removal
    legacy = (_LEGACY_FOLDER.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)
              or _LEGACY_FILE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False))
    if own is None and not legacy:
        return False
    return now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER


def _running(pid: int) -> bool:
    """Whether a process ``pid`` exists on this computer (not asked on Windows, where os.kill(pid, 0)
    would send it Ctrl-C: there, and for another computer's names, their age decides)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


@contextmanager
def scratch_folder(temp: str | Path) -> Iterator[Path]:
    """A private folder beside the output being written to ``temp``, for a writer's part files;
    removed when the block ends, however it ends. Whatever writes into it must have stopped by then."""
    folder = Path(temp).with_suffix(".d")
    os.mkdir(folder, 0o700)
    try:
        yield folder
    finally:
        with signals_held():
            shutil.rmtree(folder, ignore_errors=True)  # what cannot go now goes on the next run


@contextmanager
def output_file(temp: str | Path) -> Iterator[BinaryIO]:
    """``temp`` opened for a library that writes a zip into it (XlsxWriter, openpyxl).

    On a failure they leave their ZipFile unclosed, and when it is garbage-collected it writes its
    directory again (a second "No space left on device", printed as an ignored exception): once the
    block has failed, this file takes such late writes and drops them.
    """
    handle = open(temp, "wb")
    guarded = _Guarded(handle)
    try:
        yield guarded
    except BaseException:
        guarded.abandon()
        try:
            handle.close()
        except OSError:
            pass
        raise
    handle.close()


class _Guarded:
    """A binary file that, once abandoned, only counts what is written (zipfile computes offsets)."""

    def __init__(self, handle: BinaryIO):
        self._handle = handle
        self._abandoned_at: int | None = None

    def abandon(self) -> None:
        try:
            self._abandoned_at = self._handle.tell()
        except (OSError, ValueError):
            self._abandoned_at = 0

    def write(self, data) -> int:
        if self._abandoned_at is None:
            return self._handle.write(data)
        self._abandoned_at += len(data)
        return len(data)

    def tell(self) -> int:
        return self._handle.tell() if self._abandoned_at is None else self._abandoned_at

    def seek(self, offset: int, whence: int = 0) -> int:
        if self._abandoned_at is None:
            return self._handle.seek(offset, whence)
        self._abandoned_at = offset if whence == 0 else self._abandoned_at + offset
        return self._abandoned_at

    def flush(self) -> None:
        if self._abandoned_at is None:
            self._handle.flush()

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True


# --- publishing -----------------------------------------------------------------------------------


class Staged(Protocol):
    """One output of a command, complete but not yet visible; ``final`` ones cannot be put back,
    so they are published after all the others."""

    final: bool

    def publish(self, keep: bool) -> None: ...

    def restore(self) -> None: ...

    def discard(self) -> None: ...


class _File:
    """A file output: written to a private file beside its destination, then moved over it."""

    final = False

    def __init__(self, path: Path):
        self.path = path
        self.target = destination(path)
        self.temp = private_file(self.target.parent, path)
        self.backup: Path | None = None
        self.existed = False

    def publish(self, keep: bool) -> None:
        """Move into place; with ``keep``, the file replaced stays aside until :meth:`discard`."""
        try:
            try:
                mode = stat.S_IMODE(os.stat(self.target).st_mode)
                self.existed = True
            except FileNotFoundError:
                mode = _CREATE_MODE
            os.chmod(self.temp, mode)
            if keep and self.existed:
                self.backup = self.temp.with_suffix(".old")
                try:
                    os.link(self.target, self.backup)
                except OSError:  # no hard links on this file system
                    shutil.copy2(self.target, self.backup)
            os.replace(self.temp, self.target)
        except OSError as error:
            raise _mapped(error, self.path) from None

    def restore(self) -> None:
        if self.backup is not None:
            os.replace(self.backup, self.target)
            self.backup = None
        elif not self.existed:
            os.unlink(self.target)

    def discard(self) -> None:
        for leftover in (self.temp, self.backup):
            if leftover is not None:
                try:
                    os.unlink(leftover)
                except OSError:
                    pass


class Outputs:
    """The outputs of one command, published together by :func:`outputs`."""

    def __init__(self) -> None:
        self._staged: list[Staged] = []

    def add(self, staged: Staged) -> None:
        self._staged.append(staged)

    def drop(self, staged: Staged) -> None:
        self._staged.remove(staged)
        with signals_held():
            staged.discard()

    def publish(self) -> None:
        files = [staged for staged in self._staged if not staged.final]
        keep = len(self._staged) > 1
        done: list[Staged] = []
        try:
            with signals_held():  # the moves are quick: a signal waits until they are done or undone
                for staged in files:
                    staged.publish(keep)
                    done.append(staged)
            for staged in self._staged:
                if staged.final:  # may wait for a lock: a signal still interrupts it
                    staged.publish(keep)
        except BaseException:
            with signals_held():
                for staged in reversed(done):
                    try:
                        staged.restore()
                    except OSError:
                        pass
            raise

    def discard(self) -> None:
        with signals_held():
            for staged in self._staged:
                staged.discard()
            self._staged.clear()


_current: ContextVar[Outputs | None] = ContextVar("xlgoals_outputs", default=None)


@contextmanager
def outputs() -> Iterator[Outputs]:
    """Every output written in the block is published when it ends without error, or none is.

    Nested, the inner block joins the outer one. Library calls need nothing: :func:`atomic_output`
    and the archive stage into the block they run in, or publish at once outside any.
    """
    current = _current.get()
    if current is not None:
        yield current
        return
    batch = Outputs()
    token = _current.set(batch)
    try:
        yield batch
        batch.publish()
    finally:
        _current.reset(token)
        batch.discard()


@contextmanager
def atomic_output(path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yield a private path to write ``path`` to; it is published if the block (and the enclosing
    :func:`outputs`, if any) succeeds. ``inputs`` are files it must not replace."""
    with outputs() as batch:
        path = check_output(path, inputs=inputs)
        staged = _File(path)
        batch.add(staged)
        try:
            yield staged.temp
        except BaseException as error:
            batch.drop(staged)
            mapped = _mapped(error, path)
            if mapped is error:
                raise
            raise mapped from None


# --- signals --------------------------------------------------------------------------------------


@contextmanager
def signals_held() -> Iterator[set[int]]:
    """Hold SIGINT, SIGTERM and SIGHUP: they are delivered when the block ends. Yields the mask before."""
    if not hasattr(signal, "pthread_sigmask"):
        yield set()
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield previous
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def stop_on_termination() -> None:
    """In a command's own process: SIGTERM and SIGHUP unwind like Ctrl-C (:class:`Terminated`), so
    every cleanup runs; by default they end the process on the spot and leave its private files."""
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) == signal.SIG_DFL:
            signal.signal(number, _terminate)


def _terminate(number: int, frame: object) -> None:
    raise Terminated(number)
