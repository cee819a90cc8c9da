"""Safe file handling: recognise what an input really is, and write outputs atomically.

Every entry point opens inputs through :func:`check_workbook` and writes through
:func:`atomic_output`, so a wrong file gets one clear message and a failed run leaves no
half-written output and never touches an input.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputFileError, OutputFileError

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Limits checked before any parser runs: a real form workbook is far below all of them.
MAX_INFLATED_BYTES = 256 * 1024 * 1024  # all parts together, uncompressed
MAX_RATIO = 200  # uncompressed : compressed, for any part larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_SHEET_ROWS = 100_000
_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"')


def check_workbook(path: str | Path) -> Path:
    """The path of a readable .xlsx/.xlsm package, or an :class:`InputFileError` saying what it is."""
    path = Path(path)
    if not path.exists():
        raise InputFileError("文件不存在，请检查路径。", path)
    if not path.is_file():
        raise InputFileError("这不是一个文件，请指定 .xlsx 工作簿。", path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            rest = handle.read(1 << 20) if head == _OLE_MAGIC else b""
    except OSError:
        raise InputFileError("无法读取文件，请确认文件未被占用且有读取权限。", path) from None
    if not head:
        raise InputFileError("文件是空的，请重新导出或重新保存后再试。", path)
    if head == _OLE_MAGIC:
        if _ENCRYPTION_MARK in rest:
            raise InputFileError("工作簿设置了打开密码（已加密），请在 Excel 中取消密码后另存为 .xlsx 再试。", path)
        raise InputFileError("这是旧版 .xls 格式，请在 Excel 中另存为 .xlsx 后再试。", path)
    if head[:4] != _ZIP_MAGIC:
        raise InputFileError("不是 Excel 工作簿（.xlsx），请选择由绩效目标表模板填写的 .xlsx 文件。", path)
    if not zipfile.is_zipfile(path):
        raise InputFileError("文件已损坏（可能没有传输完整），请让填报人重新发送或重新保存后再试。", path)
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            _check_package(package, path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InputFileError("文件已损坏，无法打开，请重新保存或重新发送后再试。", path) from None
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise InputFileError("这是 OpenDocument（.ods）表格，请另存为 .xlsx 后再试。", path)
        raise InputFileError("不是 Excel 工作簿（.xlsx），请选择由绩效目标表模板填写的 .xlsx 文件。", path)
    return path


def _check_package(package: zipfile.ZipFile, path: Path) -> None:
    """Refuse, before parsing, what only a damaged or hostile file contains."""
    members = package.infolist()
    if sum(member.file_size for member in members) > MAX_INFLATED_BYTES:
        raise InputFileError("文件解压后过大（超过 256 MB），不是正常的绩效目标表，可能已损坏或被篡改。", path)
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise InputFileError("文件内容的压缩比异常，可能是恶意构造的文件，已拒绝读取。", path)
        if not member.filename.endswith((".xml", ".rels", ".vml")):
            continue
        with package.open(member) as part:
            head = part.read(4096)
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise InputFileError("文件中含有 XML 实体声明，可能是恶意构造的文件，已拒绝读取。", path)
        if member.filename.startswith("xl/worksheets/"):
            dimension = _DIMENSION_RE.search(head)
            if dimension and int(dimension.group(1)) > MAX_SHEET_ROWS:
                raise InputFileError(f"工作表声明了超过 {MAX_SHEET_ROWS:,} 行，不是正常的绩效目标表，已拒绝读取。", path)


def read_input_bytes(path: str | Path, *, kind: str, empty: str) -> bytes:
    """The bytes of an input file (a ``kind`` such as "PDF 文件"), or the Chinese reason there are none."""
    path = Path(path)
    if not path.is_file():
        message = f"这不是一个文件，请指定{kind}。" if path.exists() else "文件不存在，请检查路径。"
        raise InputFileError(message, path)
    try:
        data = path.read_bytes()
    except OSError:
        raise InputFileError("无法读取文件，请确认文件未被占用且有读取权限。", path) from None
    if not data.strip():
        raise InputFileError(empty, path)
    return data


def same_file(a: str | Path, b: str | Path) -> bool:
    a, b = Path(a), Path(b)
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


@contextmanager
def atomic_output(path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    path = Path(path)
    for source in inputs:
        if same_file(path, source) or Path(path).resolve() == Path(source).resolve():
            raise OutputFileError("输出文件与输入文件相同，请另选输出文件名，以免覆盖原文件。", path)
    if not path.parent.is_dir():
        raise OutputFileError("输出目录不存在，请先创建目录或另选位置。", path)
    if path.is_dir():
        raise OutputFileError("输出路径是一个目录，请指定文件名。", path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".tmp", dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        os.replace(temp, path)
    except PermissionError:
        raise OutputFileError("无法写入输出文件，它可能正在 Excel 中打开，请关闭后再试。", path) from None
    finally:
        temp.unlink(missing_ok=True)
