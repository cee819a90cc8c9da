"""User-facing errors: one Chinese line naming the file, and an exit code.

A user mistake (wrong file, bad path) or bad luck (a full disk, a read-only folder) must never
surface as a traceback; the CLI and the ribbon catch :class:`XlgoalsError` and show ``str(error)``.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path


class XlgoalsError(Exception):
    """An input or environment problem the user can fix; ``exit_code`` follows the CLI contract."""

    exit_code = 2

    def __init__(self, message: str, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self.message = message
        super().__init__(f"{self.path}：{message}" if self.path is not None else message)


class InputFileError(XlgoalsError):
    """An input file cannot be read as what it claims to be (exit code 2)."""


class NotTemplateError(InputFileError):
    """A workbook that is not one of our templates (no metadata sheet): maybe a published table."""


class OutputFileError(XlgoalsError):
    """An output cannot be written where asked (exit code 2)."""

    @classmethod
    def from_os_error(cls, error: BaseException, path: str | Path) -> OutputFileError | None:
        """The one line for a failed write of ``path``, or None when ``error`` is no file-system failure.

        Libraries wrap the OSError (XlsxWriter's FileCreateError holds it as its argument) or keep
        only its text (pyarrow): the cause is looked for there and in ``raise ... from``.
        """
        number = _errno_of(error)
        if number is None:
            return None
        message = _WRITE_PROBLEMS.get(number) or (
            f"无法写入（系统错误 {errno.errorcode.get(number, number)}），请检查磁盘和文件夹权限，或另选位置后再试。")
        return cls(message, path)


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM, SIGHUP): unwound like Ctrl-C, so every cleanup runs."""

    def __init__(self, signal_number: int):
        super().__init__(signal_number)
        self.signal_number = signal_number


_FULL = "磁盘空间不足，无法写入；请清理磁盘或另选位置后再试。"
_DENIED = "没有写入权限，或文件正被其他程序（如 Excel）打开；请关闭该文件、检查文件夹的权限，或另选位置后再试。"
_WRITE_PROBLEMS = {
    errno.ENOSPC: _FULL,
    errno.EDQUOT: "磁盘配额已用完，无法写入；请清理文件或另选位置后再试。",
    errno.EFBIG: "文件超过了该磁盘允许的大小，请另选位置后再试。",
    errno.EROFS: "所在的磁盘或文件夹是只读的，无法写入；请另选位置后再试。",
    errno.EACCES: _DENIED,
    errno.EPERM: _DENIED,
    errno.ENAMETOOLONG: "文件名或路径过长，请改用较短的文件名或较浅的文件夹后再试。",
    errno.ENOENT: "输出目录不存在或在写入时被移走，请检查路径后再试。",
    errno.ENOTDIR: "输出路径中有一段不是文件夹，请检查路径后再试。",
    errno.EISDIR: "输出路径是一个目录，请指定文件名。",
    errno.EIO: "读写磁盘时出错，请检查磁盘或网络驱动器后再试。",
}
_ERRNO_TEXT = re.compile(r"\[errno (\d+)\]", re.IGNORECASE)


def _errno_of(error: BaseException | None) -> int | None:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError):
            if isinstance(error.errno, int):
                return error.errno
            found = _ERRNO_TEXT.search(str(error))
            if found:
                return int(found.group(1))
        inner = next((arg for arg in getattr(error, "args", ()) if isinstance(arg, BaseException)), None)
        error = inner or error.__cause__
    return None
