"""Opens any input the commands accept (a workbook or a filing's JSON) as a :class:`Filing`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import InputFileError, NotTemplateError
from .fileio import WORKBOOK_SUFFIXES, read_input_bytes
from .model import JSON_FILE, Filing

# pydantic's error types, said in Chinese (its own messages are English); the model's own are Chinese.
_SHAPE_PROBLEMS = {"extra_forbidden": "不认识的字段", "model_type": "应为对象 {…}", "dict_type": "应为对象 {…}",
                   "model_attributes_type": "应为对象 {…}", "list_type": "应为列表 […]", "missing": "缺少此字段",
                   "string_type": "应为文字（加英文双引号）"}


def read_filing(path: str | Path) -> Filing:
    """A filing from a template workbook (.xlsx/.xlsm), a JSON file in the model's shape, or published text or PDF."""
    return import_source(path)[0]


def import_source(path: str | Path, *, framework: str | None = None,
                  form: str | None = None) -> tuple[Filing, list[str]]:
    """A filing and the import report's lines (empty for workbooks and JSON, which need no guessing).

    Published tables (text, PDF, web page, Word, a spreadsheet that is not our template) are read
    as the form their labels name, or ``form``; ``framework`` (an id) likewise, None detects it.
    Workbooks of the template and JSON name their own form and framework.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    result = None
    if suffix == ".txt":
        from .textimport import import_text_file

        result = import_text_file(path, framework=framework, form=form)
    elif suffix == ".pdf":
        from .pdfimport import import_pdf_file

        result = import_pdf_file(path, framework=framework, form=form)
    elif suffix in PUBLISHED_SUFFIXES:
        result = _read_published(path, framework, form)
    if result is not None:
        return result.filing, result.report.messages()
    try:
        return _read_structured(path), []
    except NotTemplateError:  # a workbook without our metadata: read once more as a published table
        try:
            result = _read_published(path, framework, form)
        except InputFileError as error:
            raise InputFileError(f"不是由绩效目标表模板填写的工作簿（缺少模板信息），也不是已发布的绩效目标表："
                                 f"{error.message}", path) from None
        return result.filing, result.report.messages()


# Published tables in containers other than text and PDF; .xlsx/.xlsm are ours unless they lack our sheets.
PUBLISHED_SUFFIXES = (".html", ".htm", ".docx", ".xls")


def _read_published(path: Path, framework: str | None, form: str | None):
    """A published table in a web page, Word document or spreadsheet, through its grid of cells."""
    from . import containers
    from .formreader import read_grid

    reader = {".html": containers.html_grid, ".htm": containers.html_grid, ".docx": containers.docx_grid}
    grid = reader.get(path.suffix.lower(), containers.sheet_grid)(path)
    return read_grid(grid, source=str(path), form=form, framework=framework)


def _read_structured(path: Path) -> Filing:
    if path.suffix.lower() == ".json":
        return read_json(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES or path.suffix.lower() == ".ods":
        from .workbook.reader import load_filing

        return load_filing(path)
    raise InputFileError("不支持的文件类型，请提供 .xlsx 工作簿、.json 文件，或已发布表格的 .pdf、.html、.docx、"
                         ".xls/.xlsx 文件或 .txt 文本。", path)


def read_json(path: Path) -> Filing:
    """A filing from its JSON file; anything of another shape is refused with its place (``projects[0].name``)."""
    data = read_input_bytes(path, kind="绩效目标表的 JSON 文件", empty="文件是空的，请重新导出后再试。")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError("无法以 UTF-8 读取该 JSON 文件，请检查文件编码。", path) from None
    try:
        data = _parse_json(text)
    except _Repeated as repeated:
        raise InputFileError(f"JSON 中“{_place(repeated.place)}”写了不止一次（后一个会悄悄覆盖前一个），"
                             "请只保留一个。", path) from None
    except (ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
        raise InputFileError("不是有效的 JSON，请检查文件内容。", path) from None
    try:
        filing = Filing.model_validate(data, context=JSON_FILE)
    except ValidationError as error:
        first = error.errors()[0]
        place = _place((*first["loc"], *([first["ctx"]["field"]] if "field" in first.get("ctx", {}) else [])))
        problem = first["msg"] if first["type"].startswith("json_") else _SHAPE_PROBLEMS.get(first["type"], "值不符合要求")
        if first["type"] == "literal_error":
            problem = "只能是 " + first["ctx"]["expected"].replace("'", "").replace(" or ", " 或 ")
        raise InputFileError(f"JSON 内容与绩效目标表的格式不符（{place or '文件'}：{problem}），"
                             "请对照 xlgoals 的 JSON 格式修改。", path) from None
    return filing.model_copy(update={"source": str(path)})


class _Repeated(Exception):
    """A JSON object naming a key twice, where json keeps the last in silence; ``place`` is its path."""

    def __init__(self, place: tuple[str | int, ...]):
        super().__init__(place)
        self.place = place


class _Twice(dict):
    """A parsed JSON object that named ``key`` more than once."""

    key: str


def _parse_json(text: str) -> Any:
    """JSON as Python values; a key named twice in one object raises :class:`_Repeated` with its place.

    Constants outside JSON (NaN, Infinity) are refused; nesting too deep raises RecursionError.
    """
    twice: list[_Twice] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(items)
        if len(data) < len(items):
            seen: set[str] = set()
            data = _Twice(data)
            data.key = next(key for key, _ in items if key in seen or seen.add(key))
            twice.append(data)
        return data

    value = json.loads(text, object_pairs_hook=pairs, parse_constant=_no_constant)
    if twice:
        raise _Repeated(_find(value, ()))
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _find(value: Any, place: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """The place of the first object (in document order) that named a key twice."""
    if isinstance(value, _Twice):
        return (*place, value.key)
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if (found := _find(item, (*place, key))) is not None:
            return found
    return None


def _place(loc: Sequence[str | int]) -> str:
    """A place in the JSON as a reader writes it: ``projects[0].indicators[2].target``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def combine(filings: Sequence[Filing], paths: Sequence[Path]) -> Filing:
    """One filing from several inputs of the same unit, year and framework."""
    first = filings[0]
    for filing, path in zip(filings[1:], paths[1:]):
        if (filing.unit, filing.year, filing.form, filing.framework) != \
                (first.unit, first.year, first.form, first.framework):
            raise InputFileError(f"与第一个文件的单位、年度、表样或指标框架不同（{filing.unit} {filing.year}），"
                                 "请分开处理。", path)
    projects = [project for filing in filings for project in filing.projects]
    return first.model_copy(update={"projects": projects})
