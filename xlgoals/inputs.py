"""Opens any input the commands accept (a workbook or a filing's JSON) as a :class:`Filing`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from . import layout
from .errors import InputFileError
from .fileio import WORKBOOK_SUFFIXES, check_workbook
from .model import Filing

# pydantic's error types, said in Chinese (its own messages are English).
_SHAPE_PROBLEMS = {"extra_forbidden": "不认识的字段", "model_type": "应为对象 {…}", "dict_type": "应为对象 {…}",
                   "model_attributes_type": "应为对象 {…}", "list_type": "应为列表 […]", "missing": "缺少此字段"}


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
    elif suffix in PUBLISHED_SUFFIXES or (suffix in WORKBOOK_SUFFIXES and not _is_template(path)):
        from . import containers
        from .formreader import read_grid

        reader = {".html": containers.html_grid, ".htm": containers.html_grid, ".docx": containers.docx_grid}
        grid = reader.get(suffix, containers.sheet_grid)(path)
        try:
            result = read_grid(grid, source=str(path), form=form, framework=framework)
        except InputFileError as error:
            if suffix in WORKBOOK_SUFFIXES:  # neither a published table nor our template
                raise InputFileError(f"不是由绩效目标表模板填写的工作簿（缺少模板信息），也不是已发布的绩效目标表："
                                     f"{error.message}", path) from None
            raise
    if result is not None:
        return result.filing, result.report.messages()
    return _read_structured(path), []


# Published tables in containers other than text and PDF; .xlsx/.xlsm are ours unless they lack our sheets.
PUBLISHED_SUFFIXES = (".html", ".htm", ".docx", ".xls")


def _is_template(path: Path) -> bool:
    """Whether a workbook is one of ours (its cover or metadata sheet): read by the template reader."""
    import python_calamine

    check_workbook(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - the template reader says what is wrong with it
        return True
    try:
        return bool({layout.META_SHEET, layout.COVER_SHEET} & set(book.sheet_names))
    finally:
        book.close()


def _read_structured(path: Path) -> Filing:
    if path.suffix.lower() == ".json":
        return read_json(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES or path.suffix.lower() == ".ods":
        from .workbook.reader import load_filing

        return load_filing(path)
    raise InputFileError("不支持的文件类型，请提供 .xlsx 工作簿、.json 文件，或已发布表格的 .pdf、.html、.docx、"
                         ".xls/.xlsx 文件或 .txt 文本。", path)


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
