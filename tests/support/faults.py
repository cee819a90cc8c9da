"""Faults of the machine, reproduced: a full disk, a read-only folder, signals, races, odd output paths.

Each :class:`Case` runs a command as a user meets the fault and returns a :class:`Result` judged
against the contract: the exit code, one Chinese line naming the file, no traceback, no leftover
(private files, scratch folders), inputs unchanged, outputs all or nothing (an output that was
there before keeps its old content when the command fails). tests/test_faults.py asserts every
case; scripts/faults.py runs them all and prints the figures the README quotes.

The faults are real where the machine allows: a small tmpfs (mounted when we are root and may),
a read-only mount, a process denied the right to override file modes (setpriv), real signals. Where
it does not, the same OSError is raised at the write call (:class:`Injected`); nothing is skipped.
``XLGOALS_FAULTS=inject`` takes the fallback everywhere (to check it on a machine that can mount).
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import gc
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "shanghai-2020.json"
OLD = "上一次的内容，失败时必须原样保留\n".encode()
FILLER = "占满磁盘的文件.bin"
LONG = "a" * 245 + ".xlsx"  # 250 bytes: legal on every common file system
TOO_LONG = "a" * 251 + ".xlsx"  # 256 bytes: one more than ext4, tmpfs, NTFS and APFS take
BIG_PROJECTS = 200  # enough sheets for the writer's parallel workers, written in about a second


# --- running a command ----------------------------------------------------------------------------


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    traceback: str | None = None  # an exception that escaped, or one Python printed as ignored


def run(args: Sequence[object], *, prefix: Sequence[str] = (), timeout: float = 120) -> Ran:
    """The command in its own process, as a user runs it (this checkout first on the path)."""
    process = subprocess.run([*prefix, sys.executable, "-m", "xlgoals", *map(str, args)], capture_output=True,
                             text=True, timeout=timeout, env=_env())
    return Ran(process.returncode, process.stdout, process.stderr, _printed_traceback(process.stderr))


def invoke(args: Sequence[object], *, faults: contextlib.AbstractContextManager | None = None) -> Ran:
    """The command in this process (no interpreter start-up). An exception that escapes, and one
    printed as ignored (a ZipFile collected with a failed write), count as tracebacks."""
    from typer.testing import CliRunner

    from xlgoals.cli import app

    ignored: list[str] = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: ignored.append(
        "".join(traceback.format_exception(unraisable.exc_value)))
    try:
        with faults or contextlib.nullcontext():
            result = CliRunner().invoke(app, [str(arg) for arg in args], catch_exceptions=True)
            gc.collect()  # what a failed write left unclosed is collected now, while we listen
    finally:
        sys.unraisablehook = hook
    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    trace = "".join(traceback.format_exception(escaped)) if escaped is not None else None
    trace = trace or "".join(ignored) or _printed_traceback(result.stderr)
    return Ran(result.exit_code, result.stdout, result.stderr, trace)


def _env() -> dict[str, str]:
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _printed_traceback(text: str) -> str | None:
    return text if "Traceback" in text or "Exception ignored" in text else None


# --- judging a run --------------------------------------------------------------------------------


@dataclass
class Result:
    """What one case found wrong; empty lists and no problems when the contract holds."""

    case: str
    problems: list[str] = field(default_factory=list)
    tracebacks: int = 0
    leftovers: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # inputs changed, outputs half-published or destroyed, rows missing

    def __bool__(self) -> bool:
        return not (self.problems or self.tracebacks or self.leftovers or self.lost)


def state(path: Path) -> tuple[str, ...] | None:
    """What is at ``path``: None, ("file", sha256), ("link", target), or the kind of special file."""
    try:
        info = os.lstat(path)
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENAMETOOLONG):
            return None
        raise
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISREG(info.st_mode):
        return ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return ("special", stat.filemode(info.st_mode)[0])


class Watch:
    """The folders, inputs and outputs of a run, fingerprinted before it."""

    def __init__(self, *, folders: Sequence[Path], inputs: Sequence[Path] = (), outputs: Sequence[Path] = ()):
        self.listing = {folder: set(os.listdir(folder)) for folder in folders}
        self.inputs = {path: state(path) for path in inputs}
        self.outputs = {path: state(path) for path in outputs}

    def judge(self, case: str, ran: Ran, *, code: int, line: str | None = None,
              named: Sequence[Path] = (), published: bool | Sequence[Path]) -> Result:
        """``line``: a fragment of the one stderr line (None: success, and no error line); ``named``:
        files one of which the line must name; ``published``: the outputs that must be new (True: all),
        every other one must be as it was."""
        result = Result(case)
        if ran.traceback:
            result.tracebacks = 1
            result.problems.append(f"traceback: {ran.traceback.strip().splitlines()[-1]}")
        if ran.code != code:
            result.problems.append(f"exit code {ran.code}, expected {code}: {ran.stderr.strip()[:300]}")
        lines = ran.stderr.strip().splitlines()
        if line is not None:
            if len(lines) != 1 or line not in lines[0]:
                result.problems.append(f"expected one line with “{line}”, got: {ran.stderr.strip()[:300]}")
            elif named and not any(path.name in lines[0] for path in named):
                result.problems.append(f"the line names none of {[path.name for path in named]}: {lines[0]}")
        elif "错误" in ran.stderr:
            result.problems.append(f"unexpected error: {ran.stderr.strip()[:300]}")
        new = set(self.outputs) if published is True else set(published or ())
        for folder, before in self.listing.items():
            produced = {path.name for path in new if path.parent == folder}
            result.leftovers += [str(folder / name) for name in sorted(set(os.listdir(folder)) - before - produced)]
        result.lost += [f"input changed: {path}" for path, before in self.inputs.items() if state(path) != before]
        for path, before in self.outputs.items():
            after = state(path)
            if path in new and (after is None or after == before):
                result.lost.append(f"output not written: {path}")
            if path not in new and after != before:
                result.lost.append(f"output {'destroyed' if after is None else 'changed'} though it must not be: {path}")
        return result


# --- the machine ------------------------------------------------------------------------------------


class Injected:
    """The file system under ``folder`` failing with ``number``, in this process.

    ``on="write"``: writes fail once ``budget`` bytes have gone in (a full disk; a SQLite commit
    fails as SQLite reports it). ``on="create"``: creating, renaming or linking anything there fails
    (a read-only folder; SQLite refuses to write). Only this process (and its forks) is affected.
    """

    def __init__(self, folder: Path, number: int, *, on: str, budget: int = 0):
        self.folder, self.number, self.on, self.budget = str(folder.resolve()), number, on, budget
        self.written = 0
        self._saved: list[tuple[object, str, object]] = []

    def _inside(self, path: object) -> bool:
        try:
            text = os.fsdecode(path) if not isinstance(path, int) else ""
        except TypeError:
            return False
        if text.startswith("file:"):
            text = unquote(urlparse(text).path)
        return bool(text) and os.path.abspath(text).startswith(self.folder + os.sep)

    def _error(self, path: object = None) -> OSError:
        return OSError(self.number, os.strerror(self.number), None if path is None else os.fsdecode(path))

    def __enter__(self) -> Injected:
        real_open, real_os_open, real_connect = builtins.open, os.open, sqlite3.connect
        injected = self

        def fake_open(file, mode="r", *args, **kwargs):
            writing = any(flag in mode for flag in "wax+")
            if writing and injected._inside(file):
                if injected.on == "create":
                    raise injected._error(file)
                return _Counted(real_open(file, mode, *args, **kwargs), injected)
            return real_open(file, mode, *args, **kwargs)

        def fake_os_open(path, flags, *args, **kwargs):
            if injected.on == "create" and flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR) and injected._inside(path):
                raise injected._error(path)
            return real_os_open(path, flags, *args, **kwargs)

        def refusing(real):
            def call(*args, **kwargs):
                if injected.on == "create" and any(injected._inside(arg) for arg in args[:2]):
                    raise injected._error(args[0])
                return real(*args, **kwargs)
            return call

        def fake_connect(database, *args, **kwargs):
            connection = real_connect(database, *args, **kwargs)
            return _FailingConnection(connection, injected) if injected._inside(database) else connection

        self._patch(builtins, "open", fake_open)
        self._patch(io, "open", fake_open)
        self._patch(os, "open", fake_os_open)
        for name in ("mkdir", "replace", "rename", "link"):
            self._patch(os, name, refusing(getattr(os, name)))
        self._patch(sqlite3, "connect", fake_connect)
        return self

    def _patch(self, owner: object, name: str, value: object) -> None:
        self._saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def __exit__(self, *exc_info) -> None:
        for owner, name, value in reversed(self._saved):
            setattr(owner, name, value)
        self._saved.clear()


class _Counted:
    """A file whose writes fail once the disk's injected budget is spent."""

    def __init__(self, handle, injected: Injected):
        self._handle, self._injected = handle, injected

    def write(self, data):
        self._injected.written += len(data)
        if self._injected.written > self._injected.budget:
            raise self._injected._error()
        return self._handle.write(data)

    def __getattr__(self, name: str):
        return getattr(self._handle, name)

    def __iter__(self):
        return iter(self._handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._handle.close()


class _FailingConnection:
    """A SQLite connection whose writes fail as SQLite says on a full disk or a read-only folder."""

    def __init__(self, connection: sqlite3.Connection, injected: Injected):
        self._connection, self._injected = connection, injected

    def execute(self, sql: str, *args):
        statement = sql.strip().upper()
        if self._injected.on == "write" and statement == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        if self._injected.on == "create" and statement.startswith("BEGIN"):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return self._connection.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._connection, name)


class Lab:
    """The inputs every case reads, a folder per case, and what this machine lets us do for real."""

    def __init__(self, root: Path):
        from xlgoals import Filing, write_filing

        self.root = root
        self.inputs = root / "inputs"
        self.inputs.mkdir(parents=True)
        self.json = self.inputs / "上海市总工会-2020.json"
        shutil.copyfile(EXAMPLE, self.json)
        self.example = Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
        self.workbook = write_filing(self.example, self.inputs / "工会-部门提交.xlsx")
        self._big: Path | None = None
        self._count = 0
        self.inject = os.environ.get("XLGOALS_FAULTS") == "inject"
        self.mounts = not self.inject and self._can_mount()
        self.drop_rights = self._drop_rights()

    def folder(self, name: str) -> Path:
        self._count += 1
        folder = self.root / f"{self._count:02d}-{name}"
        folder.mkdir()
        return folder

    @property
    def big(self) -> Path:
        """A submission of :data:`BIG_PROJECTS` projects: its merge writes long enough to be interrupted."""
        if self._big is None:
            from xlgoals import write_filing

            projects = [project.model_copy(update={"name": f"{project.name}（{n}）", "source": None})
                        for n in range(BIG_PROJECTS // len(self.example.projects))
                        for project in self.example.projects]
            self._big = write_filing(self.example.model_copy(update={"projects": projects}),
                                     self.inputs / "大部门-提交.xlsx")
        return self._big

    def submission(self, unit: str) -> Path:
        from xlgoals import write_filing

        return write_filing(self.example.model_copy(update={"unit": unit}), self.inputs / f"{unit}.xlsx")

    def archive(self, path: Path, unit: str = "往年单位") -> Path:
        from xlgoals.archive import archive_filing

        archive_filing(path, self.example.model_copy(update={"unit": unit}))
        return path

    # what the machine lets us do

    def _can_mount(self) -> bool:
        probe = self.root / "probe"
        probe.mkdir()
        try:
            mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                                     capture_output=True).returncode == 0
        except OSError:
            return False
        if mounted:
            subprocess.run(["umount", str(probe)], check=True)
        probe.rmdir()
        return mounted

    def _drop_rights(self) -> list[str] | None:
        """A command prefix under which a folder's mode 555 is obeyed: [] when we are not root; for root,
        setpriv without the capabilities that override file modes; None when neither works."""
        if os.geteuid() != 0:
            return []
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
        locked = self.root / "probe-555"
        locked.mkdir(mode=0o555)
        try:
            denied = subprocess.run([*prefix, "sh", "-c", f"touch '{locked}/x'"], capture_output=True).returncode != 0
        except OSError:
            denied = False
        locked.chmod(0o755)
        shutil.rmtree(locked)
        return prefix if denied else None

    @contextlib.contextmanager
    def tmpfs(self, folder: Path, kilobytes: int, *, seed: Callable[[Path], None] = lambda folder: None,
              free: int | None = None, read_only: bool = False) -> Iterator[Path]:
        """``folder`` as a tmpfs of ``kilobytes``: ``seed`` writes into it, then it is filled up to
        ``free`` bytes left (None: not filled) or made read-only."""
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k,mode=0755", "tmpfs", str(folder)],
                       check=True)
        try:
            seed(folder)
            if free is not None:
                fill_up(folder / FILLER, free)
            if read_only:
                subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
            yield folder
        finally:
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(folder)], check=True)

    @contextlib.contextmanager
    def full(self, folder: Path, *, seed: Callable[[Path], None] = lambda folder: None,
             free: int = 0) -> Iterator[contextlib.AbstractContextManager | None]:
        """A disk with ``free`` bytes left at ``folder``; yields the faults to run the command under
        (None: the disk is real, any process meets it)."""
        if self.mounts:
            with self.tmpfs(folder, 4096, seed=seed, free=free):
                yield None
        else:
            seed(folder)
            yield Injected(folder, errno.ENOSPC, on="write", budget=free)

    @contextlib.contextmanager
    def read_only_mount(self, folder: Path, *, seed: Callable[[Path], None] = lambda folder: None,
                        ) -> Iterator[contextlib.AbstractContextManager | None]:
        """``folder`` on a read-only file system (EROFS), like :meth:`full`."""
        if self.mounts:
            with self.tmpfs(folder, 4096, seed=seed, read_only=True):
                yield None
        else:
            seed(folder)
            yield Injected(folder, errno.EROFS, on="create")


def fill_up(filler: Path, free: int) -> None:
    """Write ``filler`` until the disk is full, then give back ``free`` bytes."""
    chunk = b"\0" * (1 << 16)
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
    with contextlib.suppress(OSError):
        while True:  # the last partial chunk: byte-wise to the end
            with open(filler, "ab", buffering=0) as handle:
                handle.write(b"\0" * 512)
    if free:
        os.truncate(filler, max(0, filler.stat().st_size - free))


def seeding(*paths: Path) -> Callable[[Path], None]:
    """A seed that puts an old version at each output path, to prove a failed run keeps it."""
    def seed(folder: Path) -> None:
        for path in paths:
            path.write_bytes(OLD)
    return seed


# --- the cases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str  # Chinese, as the README's table shows it
    point: int  # of issue 16
    run: Callable[[Lab], Result]


@dataclass(frozen=True)
class Writer:
    """A command that writes, its outputs (in the order it writes them) and its inputs."""

    name: str
    args: tuple[object, ...]
    outputs: tuple[Path, ...]
    inputs: tuple[Path, ...]


def writers(book: Path, data: Path, out: Path, *, projects: int = 5) -> list[Writer]:
    """Every command that writes, reading the workbook ``book`` or the JSON ``data``, all outputs in ``out``."""
    return [
        Writer(f"template（{projects} 张项目表）", ("template", "--unit", "上海市总工会", "--year", "2021",
                                              "--projects", projects, "-o", out / "模板.xlsx"), (out / "模板.xlsx",), ()),
        Writer("import → xlsx", ("import", data, "-o", out / "导入.xlsx"), (out / "导入.xlsx",), (data,)),
        Writer("import → json", ("import", data, "--format", "json", "-o", out / "导入.json"), (out / "导入.json",),
               (data,)),
        Writer("export json", ("export", book, "-o", out / "导出.json"), (out / "导出.json",), (book,)),
        Writer("export csv", ("export", book, "--format", "csv", "-o", out / "导出.csv"), (out / "导出.csv",), (book,)),
        Writer("validate --annotate -o", ("validate", book, "--annotate", out / "已标注.xlsx", "-o", out / "校验结果.txt"),
               (out / "已标注.xlsx", out / "校验结果.txt"), (book,)),
        Writer("fill --report", ("fill", book, "-o", out / "已填充.xlsx", "--report", out / "填充报告.json"),
               (out / "已填充.xlsx", out / "填充报告.json"), (book,)),
        Writer("merge --report --archive", ("merge", book, "-o", out / "汇总.xlsx", "--report", out / "合并报告.json",
                                            "--archive", out / "历年.db"),
               (out / "汇总.xlsx", out / "合并报告.json", out / "历年.db"), (book,)),
    ]


WRITERS = [writer.name for writer in writers(Path("book.xlsx"), Path("data.json"), Path("out"))]


def _old_outputs(lab: Lab, writer: Writer) -> Callable[[Path], None]:
    """Old versions of a writer's outputs (an archive holding another unit's year) in place."""
    def seed(folder: Path) -> None:
        for path in writer.outputs:
            if path.suffix == ".db":
                lab.archive(path)
            else:
                path.write_bytes(OLD)
    return seed


def _disk_full(pick: int, *, projects: int = 5, free: int = 0) -> Callable[[Lab], Result]:
    def case(lab: Lab) -> Result:
        out = lab.folder("full")
        writer = writers(lab.workbook, lab.json, out, projects=projects)[pick]
        with lab.full(out, seed=_old_outputs(lab, writer), free=free) as faults:
            watch = Watch(folders=[out, lab.inputs], inputs=writer.inputs, outputs=writer.outputs)
            ran = invoke(writer.args, faults=faults)
            return watch.judge("", ran, code=2, line="磁盘空间不足", named=writer.outputs, published=False)
    return case


def _archive_on_full_disk(existing: bool) -> Callable[[Lab], Result]:
    """merge -o into a folder with room, --archive onto a full disk: the commit fails last, so the
    workbook and report already in place are put back."""
    def case(lab: Lab) -> Result:
        out, disk = lab.folder("archive-out"), lab.folder("archive-full")
        output, report, archive = out / "汇总.xlsx", out / "合并报告.json", disk / "历年.db"
        seeding(output, report)(out)
        with lab.full(disk, seed=lambda folder: existing and lab.archive(archive)) as faults:
            watch = Watch(folders=[out, disk, lab.inputs], inputs=[lab.workbook], outputs=[output, report, archive])
            ran = invoke(["merge", lab.workbook, "-o", output, "--report", report, "--archive", archive], faults=faults)
            return watch.judge("", ran, code=2, line="磁盘空间不足", named=[archive], published=False)
    return case


def _read_only_mount(pick: int) -> Callable[[Lab], Result]:
    def case(lab: Lab) -> Result:
        out = lab.folder("read-only")
        writer = writers(lab.workbook, lab.json, out)[pick]
        with lab.read_only_mount(out, seed=_old_outputs(lab, writer)) as faults:
            watch = Watch(folders=[out, lab.inputs], inputs=writer.inputs, outputs=writer.outputs)
            ran = invoke(writer.args, faults=faults)
            return watch.judge("", ran, code=2, line="只读", named=writer.outputs, published=False)
    return case


def _mode_555(pick: int) -> Callable[[Lab], Result]:
    """Mode 555 obeyed: a process without the rights that override it (or the error, injected)."""
    def case(lab: Lab) -> Result:
        out = lab.folder("mode-555")
        writer = writers(lab.workbook, lab.json, out)[pick]
        _old_outputs(lab, writer)(out)
        out.chmod(0o555)
        try:
            watch = Watch(folders=[out, lab.inputs], inputs=writer.inputs, outputs=writer.outputs)
            if lab.drop_rights is not None and not lab.inject:
                ran = run(writer.args, prefix=lab.drop_rights)
            else:
                ran = invoke(writer.args, faults=Injected(out, errno.EACCES, on="create"))
            return watch.judge("", ran, code=2, line="没有写入权限", named=writer.outputs, published=False)
        finally:
            out.chmod(0o755)
    return case


# point 3: signals

def _interrupted(sig: signal.Signals, *, group: bool = False) -> Callable[[Lab], Result]:
    """A merge interrupted while its workers assemble the sheets (only the parent signalled, unless ``group``)."""
    def case(lab: Lab) -> Result:
        out = lab.folder("signal")
        output = out / "汇总.xlsx"
        output.write_bytes(OLD)
        watch = Watch(folders=[out, lab.inputs], inputs=[lab.big], outputs=[output])
        ran, workers = interrupt(["merge", lab.big, "-o", output], out, sig, group=group)
        expected = {signal.SIGINT: ("已取消", 130), signal.SIGTERM: ("已中止", 143), signal.SIGHUP: ("已中止", 129)}
        line, code = expected[sig]
        result = watch.judge("", ran, code=code, line=line, published=False)
        alive = [pid for pid in workers if _alive(pid)]
        if alive:
            result.leftovers.append(f"workers still running: {alive}")
        return result
    return case


def interrupt(args: Sequence[object], out: Path, sig: signal.Signals, *, group: bool = False,
              timeout: float = 60) -> tuple[Ran, list[int]]:
    """Run the command and send ``sig`` once its workers are writing part files into its scratch
    folder in ``out``; what it did, and the workers it had."""
    process = subprocess.Popen([sys.executable, "-m", "xlgoals", *map(str, args)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=_env(), start_new_session=True)
    workers: list[int] = []
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            workers = _children(process.pid)
            scratch = [path for path in out.glob(".xlgoals-*.d") if path.is_dir()]
            if workers and scratch and _count(scratch[0]) > 0:
                os.killpg(process.pid, sig) if group else os.kill(process.pid, sig)
                break
            time.sleep(0.002)
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if not workers:
        stderr += "\n(no signal sent: the workers were never seen)"
    for pid in workers:  # give a killed worker's last moment
        for _ in range(100):
            if not _alive(pid):
                break
            time.sleep(0.01)
    return Ran(process.returncode, stdout, stderr, _printed_traceback(stderr)), workers


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _count(folder: Path) -> int:
    try:
        return len(os.listdir(folder))
    except OSError:
        return 0


def killed_then_next_run(lab: Lab) -> Result:
    """SIGKILL (nothing can clean up) leaves private files; the next run into the folder removes them,
    and nothing that is not xlgoals' own, or may still be in use."""
    out = lab.folder("sigkill")
    output, exported = out / "汇总.xlsx", out / "导出.json"
    output.write_bytes(OLD)
    others = {".汇总.xlsx~": b"an editor's backup", ".report.json.tmp": b"another program's temp",
              ".xlgoals-notes.txt": b"a user's file", ".xlgoals-000000-1-0123abcd.tmp": b"another computer's, in use"}
    for name, data in others.items():
        (out / name).write_bytes(data)
    young, old = out / ".xlgoals-abcd1234", out / ".xlgoals-efgh5678"  # an earlier version's scratch folders
    for folder in (young, old):
        folder.mkdir()
        (folder / "sheet1.xml").write_bytes(b"<worksheet/>")
    os.utime(old, (time.time() - 2 * 3600,) * 2)
    watch = Watch(folders=[out, lab.inputs], inputs=[lab.big, lab.workbook], outputs=[output, exported])
    killed, workers = interrupt(["merge", lab.big, "-o", output], out, signal.SIGKILL)
    result = Result("")
    if killed.code != -signal.SIGKILL or not set(os.listdir(out)) - watch.listing[out]:
        result.problems.append(f"the kill left nothing to clean (exit {killed.code}): {sorted(os.listdir(out))}")
    ran = run(["export", lab.workbook, "-o", exported])
    result = _merge(result, watch.judge("", ran, code=0, published=[exported]))
    for name, data in others.items():
        if (out / name).read_bytes() != data:
            result.lost.append(f"removed what is not ours: {name}")
    if not young.is_dir():
        result.lost.append(f"removed a young folder of an earlier version: {young.name}")
    if old.exists():
        result.leftovers.append(str(old))
    result.leftovers += [f"worker still running: {pid}" for pid in workers if _alive(pid)]
    return result


def _merge(first: Result, second: Result) -> Result:
    return Result(first.case, first.problems + second.problems, first.tracebacks + second.tracebacks,
                  first.leftovers + second.leftovers, first.lost + second.lost)


# point 4: a command's second output fails

def report_into_read_only(lab: Lab) -> Result:
    """fill -o into a writable folder, --report into a read-only one: neither is written."""
    out, locked = lab.folder("fill-out"), lab.folder("fill-report")
    output, report = out / "已填充.xlsx", locked / "填充报告.json"
    output.write_bytes(OLD)
    with lab.read_only_mount(locked, seed=seeding(report)) as faults:
        watch = Watch(folders=[out, locked, lab.inputs], inputs=[lab.workbook], outputs=[output, report])
        ran = invoke(["fill", lab.workbook, "-o", output, "--report", report], faults=faults)
        return watch.judge("", ran, code=2, line="只读", named=[report], published=False)


def _archive_refused(kind: str) -> Callable[[Lab], Result]:
    """merge -o … --archive onto a file that is no database, a read-only archive, a locked one, or one a
    reader holds when the command commits (the files already in place are put back)."""
    def case(lab: Lab) -> Result:
        out = lab.folder(f"archive-{kind}")
        output, report = out / "汇总.xlsx", out / "合并报告.json"
        output.write_bytes(OLD)
        report.write_bytes(OLD)
        archive = out / ("预算.xlsx" if kind == "foreign" else "历年.db")
        if kind == "foreign":
            archive.write_bytes(b"PK\x03\x04 a workbook, not a database")
        else:
            lab.archive(archive)
        if kind == "read-only":
            archive.chmod(0o444)
        watch = Watch(folders=[out, lab.inputs], inputs=[lab.workbook], outputs=[output, report, archive])
        args = ["merge", lab.workbook, "-o", output, "--report", report, "--archive", archive]
        fragment = {"foreign": "不是 SQLite 数据库", "read-only": "只读", "locked": "占用", "reader": "占用"}[kind]
        with _holding(archive, kind):
            ran = invoke(args)
        return watch.judge("", ran, code=2, line=fragment, named=[archive], published=False)
    return case


@contextlib.contextmanager
def _holding(archive: Path, kind: str) -> Iterator[None]:
    """Another program holding the archive: its write lock ("locked"), or a read in progress ("reader"),
    which lets the command stage its rows but not commit them. Locks are waited for briefly."""
    if kind not in ("locked", "reader"):
        yield
        return
    from xlgoals import archive as module

    holder = sqlite3.connect(archive, isolation_level=None)
    saved, module.LOCK_TIMEOUT = module.LOCK_TIMEOUT, 0.2
    try:
        if kind == "locked":
            holder.execute("BEGIN EXCLUSIVE")
        else:
            holder.execute("BEGIN")
            holder.execute("SELECT COUNT(*) FROM filings").fetchone()
        yield
    finally:
        module.LOCK_TIMEOUT = saved
        holder.execute("ROLLBACK")
        holder.close()


# point 5: archives created at the same moment

def archives_at_once(lab: Lab, count: int = 3) -> Result:
    """``count`` merges --archive into one new database, started together: every unit's year lands."""
    from xlgoals.archive import archived_years

    out = lab.folder("archive-race")
    archive = out / "历年.db"
    units = [f"第{n}单位" for n in range(1, count + 1)]
    sources = [lab.submission(unit) for unit in units]
    outputs = [out / f"汇总-{unit}.xlsx" for unit in units]
    watch = Watch(folders=[out, lab.inputs], inputs=sources, outputs=[*outputs, archive])
    processes = [subprocess.Popen([sys.executable, "-m", "xlgoals", "merge", str(source), "-o", str(output),
                                   "--archive", str(archive)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=_env())
                 for source, output in zip(sources, outputs)]
    results = [process.communicate(timeout=120) for process in processes]
    result = Result("")
    for process, (stdout, stderr) in zip(processes, results):
        ran = Ran(process.returncode, stdout, stderr, _printed_traceback(stderr))
        if ran.traceback:
            result.tracebacks += 1
        if ran.code != 0:
            result.problems.append(f"exit {ran.code}: {stderr.strip()[:300]}")
    judged = watch.judge("", Ran(0, "", "", None), code=0, published=True)
    result.leftovers += judged.leftovers
    result.lost += judged.lost
    stored = {(unit, year) for unit, year, _ in archived_years(archive)} if archive.exists() else set()
    result.lost += [f"missing from the archive: {unit}" for unit in units if (unit, lab.example.year) not in stored]
    return result


def opened_while_being_written(lab: Lab) -> Result:
    """merge --archive opens the database while another archiving holds it with its header not yet
    written (zeros): it waits for that one's lock and then adds its own year, told nothing wrong."""
    from xlgoals.archive import archived_years

    out = lab.folder("archive-busy")
    archive = lab.archive(out / "历年.db", unit="第一单位")
    source, output = lab.submission("第二单位"), out / "汇总.xlsx"
    content = archive.read_bytes()
    watch = Watch(folders=[out, lab.inputs], inputs=[source], outputs=[output])
    # One descriptor for the test's own writes: closing any descriptor of a file drops the process's
    # POSIX locks on it, SQLite's included.
    handle = os.open(archive, os.O_RDWR)
    holder = sqlite3.connect(archive, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    os.pwrite(handle, bytes(len(content)), 0)  # the other archiving, mid-write
    process = subprocess.Popen([sys.executable, "-m", "xlgoals", "merge", str(source), "-o", str(output),
                                "--archive", str(archive)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=_env())
    try:
        _wait_until_waiting(process, archive)
    finally:
        os.pwrite(handle, content, 0)  # the other archiving done: its database complete, its lock released
        holder.execute("ROLLBACK")
        holder.close()
        os.close(handle)
    stdout, stderr = process.communicate(timeout=120)
    result = watch.judge("", Ran(process.returncode, stdout, stderr, _printed_traceback(stderr)), code=0,
                         published=True)
    stored = {unit for unit, _, _ in archived_years(archive)}
    result.lost += [f"missing from the archive: {unit}" for unit in ("第一单位", "第二单位") if unit not in stored]
    return result


def _wait_until_waiting(process: subprocess.Popen, database: Path, timeout: float = 60) -> None:
    """Until ``process`` has held ``database`` open for a while (waiting for its lock), or has ended."""
    since = None
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if _has_open(process.pid, database):
            since = since or time.monotonic()
            if time.monotonic() - since > 0.3:
                return
        else:
            since = None
        time.sleep(0.005)


def _has_open(pid: int, path: Path) -> bool:
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for descriptor in descriptors:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/{descriptor}") == str(path):
                return True
    return False


def full_while_zipping(lab: Lab) -> Result:
    """The disk fills while the workbook's zip is being finished (its last kilobytes, injected at the
    exact byte): the zip library's own late writes must not surface as an ignored exception."""
    out = lab.folder("zip-end")
    output = out / "模板.xlsx"
    args = ["template", "--unit", "上海市总工会", "--year", "2021", "--projects", 60, "-o", output]
    measure = Injected(out, errno.ENOSPC, on="write", budget=1 << 40)
    invoke(args, faults=measure)
    needed = measure.written
    output.unlink()
    output.write_bytes(OLD)
    watch = Watch(folders=[out, lab.inputs], outputs=[output])
    ran = invoke(args, faults=Injected(out, errno.ENOSPC, on="write", budget=needed - 2000))
    return watch.judge("", ran, code=2, line="磁盘空间不足", named=[output], published=False)


# point 7: long names

def _long_name(kind: str) -> Callable[[Lab], Result]:
    def case(lab: Lab) -> Result:
        out = lab.folder("long-name")
        name = TOO_LONG if kind == "too long" else LONG
        if kind == "archive":
            output, archive = out / "汇总.xlsx", out / (LONG[:-5] + ".db")
            watch = Watch(folders=[out, lab.inputs], inputs=[lab.workbook], outputs=[output, archive])
            ran = invoke(["merge", lab.workbook, "-o", output, "--archive", archive])
            return watch.judge("", ran, code=2, line="存档文件名过长", named=[archive], published=False)
        outputs = [out / name, out / (name[:-5] + ".json")]
        watch = Watch(folders=[out, lab.inputs], inputs=[lab.workbook], outputs=outputs)
        ran = invoke(["merge", lab.workbook, "-o", outputs[0], "--report", outputs[1]])
        if kind == "too long":
            return watch.judge("", ran, code=2, line="文件名过长", named=outputs, published=False)
        return watch.judge("", ran, code=0, published=True)
    return case


def _long_name_each(pick: int) -> Callable[[Lab], Result]:
    """Every writer with 250-byte output names."""
    def case(lab: Lab) -> Result:
        out = lab.folder("long-each")
        writer = writers(lab.workbook, lab.json, out)[pick]
        renamed = {path: out / (LONG[:-5] + path.suffix) if path.suffix != ".db" else out / (LONG[:-13] + ".db")
                   for path in writer.outputs}
        args = [renamed.get(arg, arg) if isinstance(arg, Path) else arg for arg in writer.args]
        outputs = list(renamed.values())
        watch = Watch(folders=[out, lab.inputs], inputs=writer.inputs, outputs=outputs)
        ran = invoke(args)
        code = 1 if writer.args[0] == "validate" else 0  # the example has findings: validate exits 1
        return watch.judge("", ran, code=code, published=True)
    return case


# point 10: outputs that are not plain files

def _not_plain(kind: str) -> Callable[[Lab], Result]:
    """export -o onto a pipe, a device, a read-only file, a symbolic link (written through: the link
    stays, the file it names is new) or a link to the input (refused)."""
    def case(lab: Lab) -> Result:
        out = lab.folder(f"not-plain-{kind}")
        output, target = out / "导出.json", out / "真正的文件.json"
        if kind == "fifo":
            os.mkfifo(output)
        elif kind == "device":  # a private device node (never the machine's own /dev/null), else a socket
            try:
                os.mknod(output, stat.S_IFCHR | 0o666, os.makedev(1, 3))
            except PermissionError:
                with socket.socket(socket.AF_UNIX) as listener:
                    listener.bind(str(output))
        elif kind == "read-only":
            output.write_bytes(OLD)
            output.chmod(0o444)
        elif kind == "symlink":
            target.write_bytes(OLD)
            output.symlink_to(target.name)
        elif kind == "dangling":
            output.symlink_to(target.name)
        elif kind == "link-to-input":
            output.symlink_to(lab.workbook)
        watch = Watch(folders=[out, lab.inputs], inputs=[lab.workbook], outputs=[output, target])
        ran = invoke(["export", lab.workbook, "-o", output])
        if kind in ("symlink", "dangling"):
            return watch.judge("", ran, code=0, published=[target])
        fragment = {"fifo": "不是普通文件", "device": "不是普通文件", "read-only": "只读",
                    "link-to-input": "与输入文件相同"}[kind]
        return watch.judge("", ran, code=2, line=fragment, named=[output], published=False)
    return case


def _cases() -> list[Case]:
    cases = [Case(f"磁盘已满：{name}", 1, _disk_full(pick)) for pick, name in enumerate(WRITERS)]
    cases += [
        Case("磁盘已满：template（200 张项目表）", 1, _disk_full(0, projects=200)),
        Case("磁盘只剩 1 MB：template（200 张项目表，写到一半）", 1, _disk_full(0, projects=200, free=1 << 20)),
        Case("磁盘已满：merge --archive 写入已有存档（提交时失败）", 1, _archive_on_full_disk(existing=True)),
        Case("磁盘已满：merge --archive 新建存档", 1, _archive_on_full_disk(existing=False)),
        Case("磁盘在写压缩包的最后几 KB 时写满（注入）", 1, full_while_zipping),
    ]
    cases += [Case(f"只读磁盘：{name}", 2, _read_only_mount(pick)) for pick, name in enumerate(WRITERS)]
    cases += [Case(f"只读文件夹（555，非特权进程）：{WRITERS[pick]}", 2, _mode_555(pick)) for pick in (0, 4, 6, 7)]
    cases += [
        Case("合并写入时只对合并进程发 SIGINT", 3, _interrupted(signal.SIGINT)),
        Case("合并写入时只对合并进程发 SIGTERM", 3, _interrupted(signal.SIGTERM)),
        Case("合并写入时对整个进程组发 SIGINT（Ctrl-C）", 3, _interrupted(signal.SIGINT, group=True)),
        Case("合并写入时 SIGKILL，下一次运行清理残留", 3, killed_then_next_run),
        Case("fill --report 写入只读文件夹", 4, report_into_read_only),
        Case("merge --archive 指向不是数据库的文件", 4, _archive_refused("foreign")),
        Case("merge --archive 指向只读的存档", 4, _archive_refused("read-only")),
        Case("merge --archive 指向被锁定的存档", 4, _archive_refused("locked")),
        Case("merge --archive 提交时存档正被读取（已就位的文件退回）", 4, _archive_refused("reader")),
        Case("三个 merge --archive 同时创建同一个新存档", 5, archives_at_once),
        Case("merge --archive 打开存档时另一进程正在写它（文件头还是空的）", 5, opened_while_being_written),
        Case("250 字节的文件名：merge -o、--report", 7, _long_name("long")),
        Case("256 字节的文件名", 7, _long_name("too long")),
        Case("250 字节的存档文件名（数据库日志文件名会超长）", 7, _long_name("archive")),
    ]
    cases += [Case(f"250 字节的文件名：{name}", 7, _long_name_each(pick)) for pick, name in enumerate(WRITERS)]
    cases += [
        Case("输出路径是管道（FIFO）", 10, _not_plain("fifo")),
        Case("输出路径是设备文件（如 /dev/null）", 10, _not_plain("device")),
        Case("输出文件是只读的", 10, _not_plain("read-only")),
        Case("输出路径是符号链接", 10, _not_plain("symlink")),
        Case("输出路径是指向不存在文件的符号链接", 10, _not_plain("dangling")),
        Case("输出路径是指向输入文件的符号链接", 10, _not_plain("link-to-input")),
    ]
    return cases


CASES = _cases()


def run_case(case: Case, lab: Lab) -> Result:
    """A case's result under its own name; an exception of the harness itself is a problem, not a crash."""
    try:
        result = case.run(lab)
    except Exception:  # the harness failed: report it with the case
        result = Result(case.name, problems=[f"harness: {traceback.format_exc().strip().splitlines()[-1]}"])
    result.case = case.name
    return result


def describe(result: Result) -> str:
    return json.dumps({"problems": result.problems, "leftovers": result.leftovers, "lost": result.lost},
                      ensure_ascii=False, indent=1)
