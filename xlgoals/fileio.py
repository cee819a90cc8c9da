"""Safe input handling: recognise what an input really is before any parser sees it.

Every entry point opens inputs through :func:`check_workbook`, so a wrong file gets one clear
message and never reaches a parser; outputs are written through :mod:`xlgoals.outputs`.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
import zipfile
from pathlib import Path

from .errors import InputFileError

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Limits checked before any parser runs: a real form workbook is far below all of them.
MAX_INFLATED_BYTES = 256 * 1024 * 1024  # all parts together, uncompressed
MAX_RATIO = 200  # uncompressed : compressed, for any part larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_SHEET_ROWS = 100_000
MAX_SHEET_CELLS = 2_000_000  # rows × columns of the grid a sheet unfolds into
_HEAD_BYTES = 4096  # where an XML part's root element starts, normally
_PROLOG_BYTES = 64 * 1024  # and at the latest
_CHUNK = 4 * 1024 * 1024
_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"')
_PROLOG_ITEM_RE = re.compile(rb'\s+|<\?.*?\?>|<!--.*?-->', re.DOTALL)
_ROOT_RE = re.compile(rb'<(?:[\w.-]+:)?([\w.-]+)')
_SHEET_ROOTS = (b"worksheet", b"dialogsheet", b"macrosheet")
# Cells that may hold a value (not self-closing, not empty) as every program writes them: reference
# first, no namespace prefix. Only valued cells span the grid; a sheet with any other row or cell
# tag is read tag by tag (_TAG_RE: the element and its attributes).
_VALUE_REF_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*(?<!/)>(?!</c>)')
_ODD_TAG_RE = re.compile(rb'<(?:row|c)(?:[>/]|\s(?!r="))|<\w+:(?:row|c)[\s/>]')
_TAG_RE = re.compile(rb'<(?:\w+:)?(row|c)(?=[\s/>])([^>]*)>')
_ATTRIBUTE_REF_RE = re.compile(rb'\br="([A-Z]*)(\d+)"')


def check_input(path: str | Path, kind: str, *, missing: str = "文件不存在，请检查路径。") -> Path:
    """``path`` as an input that is a regular file (through any symlinks), or the Chinese reason it is not.

    A FIFO or a device is never opened: reading one blocks, or never ends. ``kind`` says what to
    give instead (such as ".xlsx 工作簿"); ``missing`` is the message for a path that does not exist.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            if os.path.lexists(path):
                raise InputFileError("这是一个指向不存在的文件的快捷方式（符号链接），请指定实际的文件。", path) from None
            raise InputFileError(missing, path) from None
        raise InputFileError(cannot_read(error), path) from None
    if stat.S_ISDIR(mode):
        raise InputFileError(f"这不是一个文件，而是文件夹，请指定{kind}。", path)
    if not stat.S_ISREG(mode):
        raise InputFileError(f"这不是普通文件（而是设备、管道或套接字），无法读取，请指定{kind}。", path)
    return path


def cannot_read(error: OSError) -> str:
    """Why an input could not be opened or read, in Chinese, from the system's error."""
    if error.errno == errno.ELOOP:
        return "符号链接（快捷方式）循环指向自己，无法打开，请指定实际的文件。"
    if error.errno == errno.ENAMETOOLONG:
        return "文件名或路径过长，无法打开，请把文件移到路径较短的文件夹或改用较短的文件名后再试。"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "无法读取文件：没有读取权限，或文件正被其他程序占用；请确认有读取权限并关闭占用它的程序后再试。"
    if error.errno == errno.EIO:
        return "读取文件时磁盘或网络出错，请把文件复制到本机后再试。"
    return "无法读取文件，请确认文件未被占用且有读取权限。"


def real_path(path: str | Path) -> Path:
    """The absolute path with its symlinks followed as far as they go.

    ``Path.resolve`` raises RuntimeError on a symlink loop (Python 3.11 and 3.12); the loop must
    reach the user as the reader's message, not as a traceback.
    """
    return Path(os.path.realpath(path))


def check_workbook(path: str | Path) -> Path:
    """The path of a readable .xlsx/.xlsm package, or an :class:`InputFileError` saying what it is."""
    path = check_input(path, "绩效目标表工作簿（.xlsx）")
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            rest = handle.read(1 << 20) if head == _OLE_MAGIC else b""
    except OSError as error:
        raise InputFileError(cannot_read(error), path) from None
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
            head = part.read(_HEAD_BYTES)
            if len(head) < member.file_size and _ROOT_RE.match(_prolog(head)[1]) is None:
                head += part.read(_PROLOG_BYTES - len(head))  # a long prolog: look further, within limits
            root = _check_prolog(head, len(head) == member.file_size, path)
            dimension = _DIMENSION_RE.search(head)
            if dimension and int(dimension.group(1)) > MAX_SHEET_ROWS:
                raise InputFileError(f"工作表声明了超过 {MAX_SHEET_ROWS:,} 行，不是正常的绩效目标表，已拒绝读取。", path)
            if root in _SHEET_ROOTS:  # found by its root, wherever workbook.xml.rels puts it
                _check_grid(head, part, path)


def _check_prolog(head: bytes, complete: bool, path: Path) -> bytes:
    """The local name of an XML part's root element, after checking that no DTD (so no entity) comes first."""
    text, rest = _prolog(head)
    if rest.startswith(b"<!DOCTYPE") or b"<!ENTITY" in text:
        raise InputFileError("文件中含有 XML 实体声明，可能是恶意构造的文件，已拒绝读取。", path)
    root = _ROOT_RE.match(rest)
    if root is None and (not complete or rest.startswith(b"<!")):
        raise InputFileError("文件中的 XML 结构异常，可能是恶意构造的文件，已拒绝读取。", path)
    return root.group(1) if root else b""


def _prolog(head: bytes) -> tuple[bytes, bytes]:
    """The start of an XML part as UTF-8, and what follows its declaration, comments and processing instructions."""
    text = _as_utf8(head)
    position = 0
    while (item := _PROLOG_ITEM_RE.match(text, position)) is not None:
        position = item.end()
    return text, text[position:]


def _as_utf8(head: bytes) -> bytes:
    """The start of an XML part as UTF-8, whichever Unicode encoding it declares by its first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return head[len(codecs.BOM_UTF8):]
    for marks, encoding in (((codecs.BOM_UTF16_LE, b"<\0"), "utf-16-le"), ((codecs.BOM_UTF16_BE, b"\0<"), "utf-16-be")):
        if head.startswith(marks):
            return head.decode(encoding, errors="ignore").lstrip("\ufeff").encode("utf-8")
    return head


def _check_grid(head: bytes, part, path: Path) -> None:
    """Bound the grid a sheet unfolds into: a few sparse cells far apart become rows × columns values.

    Rows and cells without a reference follow the previous one, so they count on top of the
    largest reference.
    """
    rows = columns = loose_rows = loose_cells = 0
    carry, chunk = b"", head + part.read(_CHUNK)
    while True:
        data = carry + chunk
        cut = data.rfind(b">") + 1 if chunk else len(data)
        data, carry = data[:cut], data[cut:]
        numbers, letters, loose = _references(data)
        rows = max(rows, *map(int, numbers), 0)
        columns = max(columns, *map(_column_number, letters), 0)
        loose_rows, loose_cells = loose_rows + loose[0], loose_cells + loose[1]
        check_extent(rows + loose_rows, columns + loose_cells, path)
        if not chunk or not carry and len(chunk) < _CHUNK:
            return
        chunk = part.read(_CHUNK)


def check_extent(height: int, width: int, path: str | Path) -> None:
    """Refuse a sheet whose used area is far beyond any form's, before its values are read."""
    if height > MAX_SHEET_ROWS or height * width > MAX_SHEET_CELLS:
        raise InputFileError(f"工作表的数据区域超过 {MAX_SHEET_ROWS:,} 行或 {MAX_SHEET_CELLS:,} 个单元格，"
                             "不是正常的绩效目标表，已拒绝读取。", path)


def _references(data: bytes) -> tuple[set[bytes], set[bytes], tuple[int, int]]:
    """The row numbers and column letters of the cells in a piece of sheet XML that may hold a value,
    and the rows and such cells that have no reference (each follows the one before)."""
    if _ODD_TAG_RE.search(data) is None:
        letters, numbers = zip(*references) if (references := _VALUE_REF_RE.findall(data)) else ((), ())
        return set(numbers), set(letters), (0, 0)
    numbers, letters, row_numbers, loose = set(), set(), set(), [0, 0]
    for kind, attributes in _TAG_RE.findall(data):
        reference = _ATTRIBUTE_REF_RE.search(attributes)
        if kind == b"row":
            if reference:
                row_numbers.add(reference.group(2))
            else:
                loose[0] += 1
        elif not attributes.endswith(b"/"):
            if reference:
                letters.add(reference.group(1))
                numbers.add(reference.group(2))
            else:
                loose[1] += 1
    return numbers | (row_numbers if loose[1] else set()), letters - {b""}, (loose[0], loose[1])


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def read_input_bytes(path: str | Path, *, kind: str, empty: str | None, missing: str = "文件不存在，请检查路径。") -> bytes:
    """The bytes of an input file (a ``kind`` such as "PDF 文件"), or the Chinese reason there are none;
    ``empty`` is the message for a blank file (None: blank is fine)."""
    path = check_input(path, kind, missing=missing)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(cannot_read(error), path) from None
    if empty is not None and not data.strip():
        raise InputFileError(empty, path)
    return data


def same_file(a: str | Path, b: str | Path) -> bool:
    a, b = Path(a), Path(b)
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return real_path(a) == real_path(b)
