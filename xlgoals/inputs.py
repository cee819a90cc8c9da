"""Opens any input the commands accept (a workbook or a filing's JSON) as a :class:`Filing`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from .errors import InputFileError
from .fileio import WORKBOOK_SUFFIXES
from .model import Filing

# pydantic's error types, said in Chinese (its own messages are English).
_SHAPE_PROBLEMS = {"extra_forbidden": "不认识的字段", "model_type": "应为对象 {…}", "dict_type": "应为对象 {…}",
                   "model_attributes_type": "应为对象 {…}", "list_type": "应为列表 […]", "missing": "缺少此字段"}


def read_filing(path: str | Path) -> Filing:
    """A filing from a template workbook (.xlsx/.xlsm), a JSON file in the model's shape, or published text or PDF."""
    return import_source(path)[0]


def import_source(path: str | Path, *, framework: str | None = None) -> tuple[Filing, list[str]]:
    """A filing and the import report's lines (empty for workbooks and JSON, which need no guessing).

    ``framework`` (an id) is how published text or PDF is read; None detects it from the text.
    Workbooks and JSON name their own framework.
    """
    path = Path(path)
    if path.suffix.lower() == ".txt":
        from .textimport import import_text_file

        result = import_text_file(path, framework=framework)
        return result.filing, result.report.messages()
    if path.suffix.lower() == ".pdf":
        from .pdfimport import import_pdf_file

        result = import_pdf_file(path, framework=framework)
        return result.filing, result.report.messages()
    return _read_structured(path), []


def _read_structured(path: Path) -> Filing:
    if path.suffix.lower() == ".json":
        return read_json(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES or path.suffix.lower() in (".xls", ".ods"):
        from .workbook.reader import load_filing

        return load_filing(path)
    raise InputFileError("不支持的文件类型，请提供 .xlsx 工作簿、.json 文件，或已发布表格的 .pdf 文件或 .txt 文本。", path)


def read_json(path: Path) -> Filing:
    if not path.is_file():
        raise InputFileError("文件不存在，请检查路径。", path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise InputFileError("无法以 UTF-8 读取该 JSON 文件，请检查文件编码。", path) from None
    try:
        filing = Filing.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "文件"
        if first["type"] == "json_invalid":
            raise InputFileError("不是有效的 JSON，请检查文件内容。", path) from None
        problem = _SHAPE_PROBLEMS.get(first["type"], "值不符合要求")
        raise InputFileError(f"JSON 内容与绩效目标表的格式不符（{where}：{problem}），"
                             "请对照 xlgoals 的 JSON 格式修改。", path) from None
    return filing.model_copy(update={"source": str(path)})


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
