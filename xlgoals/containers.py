"""Published tables in a web page, a Word document or a spreadsheet, read into a :class:`Grid`.

Each reader takes the container's own structure, not its text: an HTML table's cells with their
``colspan``/``rowspan`` (lxml's HTML parser, which mends the broken markup real pages have), a
Word table's cells with their grid spans and vertical merges (the document's XML through
python-docx), a sheet's cells with its merged ranges (python-calamine, which reads .xls and
.xlsx alike). A spanned cell is one cell covering several columns; the rows it spans below its
first hold nothing in its columns, as the page shows it. Text outside the tables (titles, the
year, notes, signatures) becomes rows of one cell, in document order.

Garbage in (an empty or damaged file, a file of another kind) is one Chinese line naming the
file (:class:`InputFileError`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from .errors import InputFileError
from .fileio import check_workbook, read_input_bytes
from .grid import Grid, Row
from .layout import column_name
from .values import format_number

__all__ = ["docx_grid", "html_grid", "sheet_grid"]

_MAX_SPAN = 1000  # a colspan/rowspan beyond this is a broken page, not a table


# ---------------------------------------------------------------------------------------------
# HTML

_SKIPPED = frozenset({"script", "style", "head", "title", "noscript", "template", "iframe", "object", "select"})
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
                     "header", "footer", "center", "blockquote", "pre", "dl", "dt", "dd", "form", "main", "nav",
                     "aside", "figure", "figcaption", "caption", "address", "hr", "tr", "table"})
_WHITESPACE = re.compile(r"[ \t\r\n\f]+")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _decode_html(data: bytes) -> str | None:
    """The page's text: its BOM, its declared charset, else UTF-8, else GB18030 (Chinese sites)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    encodings = ["utf-8", "gb18030"]
    if match := _CHARSET.search(data[:4096]):
        declared = match.group(1).decode("ascii").lower()
        encodings.insert(0, "gb18030" if declared in ("gb2312", "gbk", "gb18030", "x-gbk") else declared)
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _rendered(element) -> str:
    """An element's text as a browser shows it: runs of white space collapsed, ``<br>`` and
    block elements as line breaks, each line stripped."""
    parts: list[str] = []

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _SKIPPED:
            parts.append(_WHITESPACE.sub(" ", node.tail or ""))
            return
        if tag == "br":
            parts.append("\n")
        elif tag in _BLOCKS:
            parts.append("\n")
        if tag and node.text:
            parts.append(_WHITESPACE.sub(" ", node.text))
        for child in node:
            walk(child)
        if tag in _BLOCKS:
            parts.append("\n")
        elif tag in ("td", "th"):
            parts.append(" ")
        if node is not element and node.tail:
            parts.append(_WHITESPACE.sub(" ", node.tail))

    walk(element)
    lines = (line.strip(" ").replace("\xa0", " ").strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _span(value: str | None) -> int:
    try:
        return min(max(int(str(value).strip() or 1), 1), _MAX_SPAN)
    except ValueError:
        return 1


def _html_table(table, number: int) -> list[Row]:
    """A table's rows with each cell at its column, spans as the page declares them."""
    taken: set[tuple[int, int]] = set()  # (row, column) covered by a cell that started above or left
    rows: list[Row] = []
    own_rows = [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]
    for r, tr in enumerate(own_rows):
        cells = []
        column = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, column) in taken:
                column += 1
            colspan, rowspan = _span(td.get("colspan")), _span(td.get("rowspan"))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, column + dc))
            cells.append((_rendered(td), column, column + colspan, f"表格{number}第{r + 1}行第{column + 1}列"))
            column += colspan
        rows.append(cells)
    return rows


def html_grid(path: str | Path) -> Grid:
    """The tables of a saved web page (cells and spans as the page has them) and the text around them."""
    import lxml.etree
    import lxml.html

    path = Path(path)
    data = read_input_bytes(path, kind="网页文件", empty="文件是空的，请重新保存该网页。")
    text = _decode_html(data)
    if text is None or "\x00" in text:
        raise InputFileError("不是网页文件（无法按 UTF-8 或 GB18030 解码），请在浏览器中另存为“网页，仅 HTML”后再试。", path)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        document = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        raise InputFileError("网页内容为空或无法解析，请在浏览器中另存为“网页，仅 HTML”后再试。", path) from None
    rows: list[Any] = []
    tables = 0
    paragraph = 0

    def outside(lines: str) -> None:
        nonlocal paragraph
        for line in lines.split("\n"):
            if line.strip():
                paragraph += 1
                rows.append(Row.loose(line.strip(), f"表格外第{paragraph}行"))

    def walk(node) -> None:
        nonlocal tables
        if not isinstance(node.tag, str) or node.tag in _SKIPPED:
            return
        if node.tag == "table":
            tables += 1
            rows.extend(_html_table(node, tables))
            return
        if not any(True for _ in node.iter("table")):
            outside(_rendered(node))
            return
        if node.text and node.text.strip():
            outside(_WHITESPACE.sub(" ", node.text))
        for child in node:
            walk(child)
            if child.tail and child.tail.strip():
                outside(_WHITESPACE.sub(" ", child.tail))

    body = document.find("body")
    walk(body if body is not None else document)
    return Grid.of(rows)


# ---------------------------------------------------------------------------------------------
# Word


def docx_grid(path: str | Path) -> Grid:
    """The tables of a Word document (grid spans and vertical merges as Word keeps them) and its paragraphs."""
    import zipfile

    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    path = Path(path)
    data = read_input_bytes(path, kind="Word 文件", empty="文件是空的，请重新保存该 Word 文档。")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFileError("这是旧版 Word（.doc）文件，请在 Word 中另存为 .docx 后再试。", path)
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        detail = "不是 Word 文档（.docx）" if not data.startswith(b"PK") else "Word 文档已损坏，无法打开"
        raise InputFileError(f"{detail}，请在 Word 中重新保存为 .docx 后再试。", path) from error
    except Exception:  # noqa: BLE001 - python-docx and lxml raise many kinds on a damaged package
        raise InputFileError("Word 文档已损坏，无法打开，请在 Word 中重新保存为 .docx 后再试。", path) from None

    def text_of(element) -> str:
        paragraphs = [Paragraph(p, document).text.strip() for p in element.iter(qn("w:p"))]
        return "\n".join(p for p in paragraphs if p)

    def prop(tc, name: str):
        properties = tc.find(qn("w:tcPr"))
        return None if properties is None else properties.find(qn(name))

    rows: list[Any] = []
    tables = paragraph = 0
    for block in document.element.body:
        if block.tag == qn("w:p"):
            text = Paragraph(block, document).text
            for line in text.split("\n"):
                if line.strip():
                    paragraph += 1
                    rows.append(Row.loose(line.strip(), f"正文第{paragraph}段"))
        elif block.tag == qn("w:tbl"):
            tables += 1
            for r, tr in enumerate(block.findall(qn("w:tr"))):
                before = tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}")
                column = _span(before.get(qn("w:val"))) if before is not None else 0
                cells = []
                for tc in tr.findall(qn("w:tc")):
                    grid_span, merge = prop(tc, "w:gridSpan"), prop(tc, "w:vMerge")
                    width = 1 if grid_span is None else _span(grid_span.get(qn("w:val")))
                    if merge is None or merge.get(qn("w:val"), "continue") != "continue":  # else: the cell above goes on
                        cells.append((text_of(tc), column, column + width, f"表格{tables}第{r + 1}行第{column + 1}列"))
                    column += width
                rows.append(cells)
    return Grid.of(rows)


# ---------------------------------------------------------------------------------------------
# spreadsheets


def _cell_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def sheet_grid(path: str | Path) -> Grid:
    """The cells of every sheet of a published .xls/.xlsx table, merged ranges as one cell."""
    import python_calamine

    path = Path(path)
    if path.suffix.lower() == ".xls":
        data = read_input_bytes(path, kind="Excel 文件", empty="文件是空的，请重新保存该表格。")
        if not data.startswith(b"\xd0\xcf\x11\xe0"):
            raise InputFileError("不是 Excel 97-2003 工作簿（.xls），请确认文件类型。", path)
    else:
        check_workbook(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - calamine raises assorted errors for a damaged file
        raise InputFileError("文件已损坏或不是有效的 Excel 工作簿，请在 Excel 中打开并重新保存后再试。", path) from None
    rows: list[Any] = []
    try:
        for name in book.sheet_names:
            try:
                sheet = book.get_sheet_by_name(name)
                values = sheet.to_python(skip_empty_area=False)
                merged = sheet.merged_cell_ranges or []
            except Exception:  # noqa: BLE001
                raise InputFileError(f"工作表“{name}”无法读取，文件可能已损坏，请在 Excel 中重新保存后再试。", path) from None
            ends = {(top, left): right for (top, left), (_, right) in merged}
            for r, line in enumerate(values):
                cells = []
                for c, value in enumerate(line):
                    text = _cell_text(value)
                    if text.strip():
                        cells.append((text, c, ends.get((r, c), c) + 1, f"工作表“{name}”{column_name(c + 1)}{r + 1}"))
                rows.append(cells)
    finally:
        book.close()
    return Grid.of(rows)
