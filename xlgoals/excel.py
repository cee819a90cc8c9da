"""The ribbon's entry points: each button of the 绩效目标 tab runs one function here over xlwings.

Each takes the workbook Excel is showing (``xw.Book.caller()``), reads its values in bulk (one
read per sheet) into the same reader the CLI uses, runs the same rules and filler, and writes
back in few calls: fills per sheet in one call per colour, one call per note, the 校验结果 sheet
in a handful. A user mistake ends in a message box, never in a traceback.

Protection is handled through the Excel object model (``.api``, Windows COM names): a protected
sheet is unprotected with the template's password for the write and protected again with the
options it had; the workbook's structure likewise when a sheet is added or removed.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import xl_col_to_name

from . import __version__, layout
from .errors import XlgoalsError
from .fileio import check_extent
from .fill import fill_filing
from .rules import Report, validate as run_rules
from .workbook.builder import DEFAULT_PASSWORD, cells_of_indicator, sheet_title
from .workbook.marks import cell_marks, is_mark_note, sheet_reference, template_fill
from .layout import Form
from .workbook.reader import WorkbookContent, content_of, filing_from_content, table_places
from .workbook.sheets import Sheet, report_sheet
from .workbook.styles import COLOURS

if TYPE_CHECKING:
    from .merge import MergeResult

TITLE = "绩效目标"
_ADDRESS_LIMIT = 250  # Excel refuses a multi-area address longer than 255 characters
_ALLOW_FLAGS = ("AllowFormattingRows", "AllowFormattingColumns", "AllowFormattingCells", "AllowInsertingRows",
                "AllowDeletingRows", "AllowSorting", "AllowFiltering")


class RibbonError(XlgoalsError):
    """A button cannot do its job on this workbook; the message box says why."""


def validate(book: Any = None) -> Report | None:
    """校验: mark every finding on its cell, list them on 校验结果, and say how many there are.

    Everything that could refuse (reading, every sheet's and the structure's protection) is settled
    before the first change, so a refusal leaves the workbook as it was.
    """
    book = book or _caller()
    with _action(book, "校验"):
        content = read_book(book)
        filing = filing_from_content(content)
        report = run_rules(filing)
        findings = report.sorted()
        sheets = {sheet.name: sheet for sheet in book.sheets}
        by_sheet: dict[str, dict[str, Any]] = defaultdict(dict)
        for (sheet_name, ref), note in cell_marks(findings, set(sheets)).items():
            by_sheet[sheet_name][ref] = note
        previous = _our_notes(sheets)
        with ExitStack() as unlocked:
            unlocked.enter_context(_structure_unlocked(book))
            for name in dict.fromkeys([*previous, *by_sheet]):
                unlocked.enter_context(_sheet_unlocked(sheets[name]))
            _remove_marks(book, sheets, previous, content)
            for sheet_name, notes in by_sheet.items():
                sheet = sheets[sheet_name]
                for fill, refs in _group(notes, lambda note: note.fill).items():
                    _paint(sheet, refs, fill)
                for ref, note in notes.items():
                    sheet.range(ref).add_note(note.text)
            _write_report_sheet(book, sheets, findings, report.summary(), filing.resolved_form())
        _alert(book.app, f"{report.summary()}\n问题已标注在对应单元格上，并列在“{layout.REPORT_SHEET}”表中。", "校验")
        return report
    return None


def clear(book: Any = None) -> int | None:
    """清除标记: remove our notes and fills (the user's own notes stay) and the 校验结果 sheet."""
    book = book or _caller()
    with _action(book, "清除标记"):
        sheets = {sheet.name: sheet for sheet in book.sheets}
        previous = _our_notes(sheets)
        try:
            content = read_book(book) if previous else None
        except XlgoalsError:  # not (or no longer) a template: the marks still go, cells get no fill back
            content = None
        with ExitStack() as unlocked:
            if layout.REPORT_SHEET in sheets:
                unlocked.enter_context(_structure_unlocked(book))
            for name in previous:
                unlocked.enter_context(_sheet_unlocked(sheets[name]))
            cleared = _remove_marks(book, sheets, previous, content)
        _alert(book.app, f"已清除 {cleared} 处标记。", "清除标记")
        return cleared
    return None


def _our_notes(sheets: dict[str, Any]) -> dict[str, list]:
    """The notes an earlier 校验 left, per sheet (told from the user's own by their text)."""
    found = {name: [note for note in sheet.notes if is_mark_note(note.text)] for name, sheet in sheets.items()
             if name != layout.REPORT_SHEET}
    return {name: notes for name, notes in found.items() if notes}


def _remove_marks(book: Any, sheets: dict[str, Any], previous: dict[str, list],
                  content: WorkbookContent | None) -> int:
    """Delete our notes, give their cells the template's fill back and drop 校验结果 (all unlocked already)."""
    form = content.form if content is not None else layout.load_form()
    for name, notes in previous.items():
        refs = [note.location.address.replace("$", "") for note in notes]
        for note in notes:
            note.delete()
        grid = content.project_sheets.get(name) if content is not None else None
        places = table_places(grid, form) if grid is not None else None
        fills = _group({ref: ref for ref in refs}, lambda ref, name=name: template_fill(form, name, ref, places))
        for fill, group in fills.items():
            _paint(sheets[name], group, fill)
    if layout.REPORT_SHEET in sheets:
        sheets.pop(layout.REPORT_SHEET).delete()
    return sum(len(notes) for notes in previous.values())


def fill(book: Any = None) -> int | None:
    """填充指标: complete the active project sheet's indicator rows from the framework."""
    book = book or _caller()
    with _action(book, "填充指标"):
        sheet = book.sheets.active
        content = read_book(book)
        if sheet.name not in content.project_sheets:
            raise RibbonError(f"“{sheet.name}”不是项目表，请先选中要填充的项目表再点“填充指标”。")
        filing = filing_from_content(content)
        project = next((p for p in filing.projects if p.source and p.source.sheet == sheet.name), None)
        if project is None:
            raise RibbonError(f"“{sheet.name}”还没有填写任何内容，请先填写项目名称和绩效类型。")
        single = filing.model_copy(update={"projects": [project]})
        filled, report = fill_filing(single)
        form = content.form
        indicators = filled.projects[0].indicators
        places = table_places(content.project_sheets[sheet.name], form) or form.places()
        tables = [(place, [row for row in indicators if row.horizon == place.horizon]) for place in places]
        for place, rows in tables[:-1]:  # a table above another cannot grow on a protected sheet
            if len(rows) > place.rows:
                raise RibbonError(f"“{place.heading}”只有 {place.rows} 行，填充后需要 {len(rows)} 行，"
                                  "请用 xlgoals fill 填充（会按需增加行）。")
        with _sheet_unlocked(sheet):
            for place, rows in tables:
                values = [[_number(cells_of_indicator(form, row).get(column.field)) for column in
                           form.indicator_columns] for row in rows]
                for number, column in enumerate(form.indicator_columns):
                    if values:
                        sheet.range(f"{column.first}{place.first_row}").value = [[row[number]] for row in values]
        added = len(indicators) - len(project.indicators)
        _alert(book.app, f"“{project.name}”：{report.summary()}（共 {len(indicators)} 行指标，新增 {added} 行）",
               "填充指标")
        return added
    return None


def new_project_sheet(book: Any = None) -> str | None:
    """新增项目表: a blank project sheet like the others (protected, with its drop-downs), after the last."""
    book = book or _caller()
    with _action(book, "新增项目表"):
        content = read_book(book)
        projects = list(content.project_sheets)
        if not projects:
            raise RibbonError("工作簿中没有可作样板的项目表，请用 xlgoals template 生成的模板填写。")
        active = book.sheets.active
        source = book.sheets[active.name if active.name in content.project_sheets else projects[-1]]
        taken = {sheet.name.lower() for sheet in book.sheets} | {name.lower() for name in layout.RESERVED_SHEETS}
        n = len(projects) + 1
        while layout.DEFAULT_PROJECT_SHEET.format(n=n).lower() in taken:
            n += 1
        title = sheet_title(layout.DEFAULT_PROJECT_SHEET.format(n=n), taken, "项目")
        with _sheet_unlocked(source):  # a sheet under someone else's password is refused before any change
            pass
        with _structure_unlocked(book):
            new = source.copy(after=book.sheets[projects[-1]], name=title)
        form, grid = content.form, content.project_sheets[source.name]
        places = table_places(grid, form) or form.places()
        with _sheet_unlocked(new):
            for note in [note for note in new.notes if is_mark_note(note.text)]:
                note.delete()
            inputs = [spot.value_range for spot in form.input_spots]
            inputs += [f"A{place.first_row}:{form.last_column}{place.last_row}" for place in places[:-1]]
            inputs.append(f"A{places[-1].first_row}:{form.last_column}{max(len(grid), places[-1].last_row)}")
            for chunk in _chunks(inputs):
                new.range(chunk).clear_contents()
            _paint(new, inputs, COLOURS["input"])
        new.activate()
        _alert(book.app, f"已新增项目表“{title}”，请在浅黄色单元格中填写。", "新增项目表")
        return title
    return None


def merge_folder(folder: str = "", output: str = "", book: Any = None) -> MergeResult | None:
    """汇总各部门表格: the workbooks in ``folder`` merged into ``output`` by the CLI's merge, then opened.

    The VBA asks for both (Excel's folder picker and save dialog) and passes "" for a cancelled
    dialog. Files are read one after another, each counted in the status bar: reading is a few
    milliseconds per workbook, less than starting worker processes would cost on Windows.
    """
    book = book or _caller()
    app = book.app
    with _action(book, "汇总各部门表格"):
        folder, output = _from_vba(folder), _from_vba(output)
        if not folder:
            raise RibbonError("没有选择文件夹，未汇总。请再点“汇总各部门表格”，选择存放各部门表格的文件夹。")
        if not output:
            raise RibbonError("没有选择汇总文件的保存位置，未汇总。")
        target = Path(output)
        if target.suffix.lower() != ".xlsx":
            target = target.with_name(target.name + ".xlsx")
        if any(other.name.lower() == target.name.lower() for other in app.books):  # Excel opens one of a name
            raise RibbonError(f"Excel 中已打开名为“{target.name}”的工作簿，请先关闭它，或另选汇总文件名。")

        from .merge import merge as run_merge
        from .workbook.summary import write_merged

        def progress(done: int, total: int) -> None:
            app.status_bar = f"汇总各部门表格：已读取 {done}/{total} 个文件……"

        try:
            result = run_merge([folder], jobs=1, progress=progress, exclude=target)
            app.status_bar = f"汇总各部门表格：正在写入 {target.name}……"
            write_merged(result, target, inputs=tuple(submission.path for submission in result.submissions))
        finally:
            app.status_bar = False  # back to Excel
        app.books.open(str(target))
        _alert(app, _merge_message(result, target), "汇总各部门表格")
        return result
    return None


_LISTED = 15  # events a message box lists; all of them are below 汇总表 in the consolidated file


def _merge_message(result: MergeResult, target: Path) -> str:
    """What the CLI prints, in a message box: what went in, each event, what was left out, the findings."""
    merged = [s for s in result.submissions if s.status == "已合并"]
    departments = list(dict.fromkeys(result.departments))
    lines = [f"已生成汇总填报：{target}",
             f"合并了 {len(merged)} 个文件、{len(departments)} 个部门的 {len(result.filing.projects)} 个项目"
             f"（{'、'.join(departments[:_LISTED])}{' 等' if len(departments) > _LISTED else ''}）。"]
    events = _event_lines(result)
    if events:
        lines += ["", "需要注意：", *events]
    left_out = result.not_merged_line()
    return "\n".join([*lines, "", *([f"注意：{left_out}。"] if left_out else []), result.findings_line()])


def _event_lines(result: MergeResult) -> list[str]:
    lines = [f"{subject} {text}" for subject, text, _ in result.event_lines()]
    if len(lines) > _LISTED:
        lines[_LISTED:] = [f"……另有 {len(lines) - _LISTED} 项，见汇总文件“{layout.SUMMARY_SHEET}”表下方。"]
    return lines


def _from_vba(text: str) -> str:
    """A path from the VBA, which writes every character outside A-Z, a-z, 0-9 as a \\uXXXX escape
    of its UTF-16 code unit: characters beyond the BMP arrive as two surrogates, joined here."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16").strip()


def about(book: Any = None, addin_version: str = "") -> str | None:
    """关于/设置: the versions, the workbook's framework and the Python in use; what to do when the
    add-in, the installed package and the code running in Excel are not the same version."""
    book = book or _caller()
    with _action(book, "关于"):
        try:
            framework = read_book(book).framework.name
        except XlgoalsError:
            framework = "（当前工作簿不是绩效目标表模板）"
        import xlwings

        text = (f"xlgoals {__version__}（加载项 {addin_version or '版本未知'}）\n指标框架：{framework}\n"
                f"Python：{sys.executable}（{sys.version.split()[0]}）\nxlwings：{xlwings.__version__}")
        advice = version_advice(addin_version, __version__, installed_version())
        if advice:
            text += "\n\n" + advice
        _alert(book.app, text, "关于", mode="critical" if advice else None)
        return text
    return None


def installed_version() -> str | None:
    """The xlgoals version installed on disk now (after an upgrade, newer than the code Excel runs)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xlgoals")
    except PackageNotFoundError:  # run from a source folder, not installed
        return None


def version_advice(addin: str, running: str, installed: str | None) -> str | None:
    """What to do when the add-in, the code running in Excel and the installed package disagree."""
    if installed and installed != running:
        return (f"已安装 xlgoals {installed}，但 Excel 中运行的仍是 {running}：请关闭所有 Excel 窗口后重新打开"
                f"{'' if addin == installed else '；加载项也需要更新，请先在命令行运行 xlgoals addin install'}。")
    if addin != running:
        return (f"加载项是{f' {addin} 版' if addin else '更早的版本（没有版本号）'}，Python 中的 xlgoals 是 {running} 版："
                "请在命令行运行 xlgoals addin install 重新安装加载项，然后重新启动 Excel。")
    return None


def read_book(book: Any) -> WorkbookContent:
    """The open workbook's values, one bulk read per sheet, through the same reader as a file."""
    sheets = {sheet.name: sheet for sheet in book.sheets}

    def grid_of(name: str) -> list[list[Any]]:
        sheet = sheets[name]
        last = sheet.used_range.last_cell
        width = max(last.column, 8)  # the widest shipped form
        check_extent(last.row, width, book.fullname)
        return sheet.range((1, 1), (last.row, width)).options(ndim=2).value

    return content_of(book.fullname, list(sheets), grid_of)


def _write_report_sheet(book: Any, sheets: dict[str, Any], findings: list, summary: str, form: Form) -> None:
    """校验结果 (:func:`.workbook.sheets.report_sheet`) after the cover."""
    after = sheets.get(layout.COVER_SHEET) or next(iter(sheets.values()))
    with _structure_unlocked(book):
        sheet = book.sheets.add(layout.REPORT_SHEET, after=after)
    _draw_sheet(sheet, report_sheet(findings, summary, form))


def _draw_sheet(sheet: Any, declared: Sheet) -> None:
    """Draw a declared sheet through xlwings in few calls: all values in one, each column of links as
    HYPERLINK formulas in one, one fill call per colour, one width call per column."""
    cells = declared.cells
    height = max(cell.row for cell in cells)
    width = max(cell.column for cell in cells)
    grid: list[list[Any]] = [[None] * width for _ in range(height)]
    links: dict[int, dict[int, str]] = defaultdict(dict)
    fills: dict[str, list[str]] = defaultdict(list)
    for cell in cells:
        if cell.link is not None:
            links[cell.column][cell.row] = _link_formula(*cell.link, cell.value)
        else:
            grid[cell.row - 1][cell.column - 1] = _cell_text(cell.value)
        fill = cell.fill or (COLOURS["label"] if cell.role == "label" else None)
        if fill:
            fills[fill].append(cell.ref)
    sheet.range("A1").value = grid
    for column, formulas in links.items():
        first, last = min(formulas), max(formulas)
        sheet.range((first, column)).formula = [[formulas.get(row, grid[row - 1][column - 1])]
                                                 for row in range(first, last + 1)]
    for fill, refs in fills.items():
        _paint(sheet, _runs(refs), fill)
    for column, size in enumerate(declared.widths, start=1):
        sheet.range(f"{_column(column)}:{_column(column)}").column_width = size
    for cell in cells:
        if cell.to is not None and cell.to != (cell.row, cell.column):
            sheet.range((cell.row, cell.column), cell.to).merge()
    for height, rows in _group(declared.heights, lambda size: size).items():
        for address in _chunks([f"{row}:{row}" for row in rows]):
            sheet.range(address).row_height = height


def _runs(refs: list[str]) -> list[str]:
    """Cells of one column in consecutive rows as one range (B3, B4, B5 → B3:B5): fewer, shorter addresses."""
    by_column: dict[str, list[int]] = defaultdict(list)
    for ref in refs:
        row, column = layout.split_cell(ref)
        by_column[_column(column)].append(row)
    runs = []
    for letter, rows in by_column.items():
        rows.sort()
        start = previous = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == previous + 1:
                previous = row
                continue
            runs.append(f"{letter}{start}" if start == previous else f"{letter}{start}:{letter}{previous}")
            if row is not None:
                start = previous = row
    return runs


def _link_formula(sheet: str, cell: str, text: object = None) -> str:
    target = "#" + sheet_reference(sheet, cell)
    shown = str(cell if text is None else text).replace(chr(34), chr(34) * 2)
    return f'=HYPERLINK("{target.replace(chr(34), chr(34) * 2)}","{shown}")'


def _cell_text(value: Any) -> Any:
    """Text Excel must not read as a formula gets a leading apostrophe (Excel's own text mark)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _number(value: Any) -> Any:
    """A weight (Decimal) as the number Excel takes; text goes into the form's text cells as it is."""
    return float(value) if isinstance(value, Decimal) else value


def _column(n: int) -> str:
    return xl_col_to_name(n - 1)


def _group(items: dict[str, Any], key) -> dict[Any, list[str]]:
    groups: dict[Any, list[str]] = defaultdict(list)
    for ref, item in items.items():
        groups[key(item)].append(ref)
    return groups


def _chunks(refs: list[str]) -> Iterator[str]:
    """Multi-area addresses Excel accepts (at most 255 characters each)."""
    chunk: list[str] = []
    for ref in refs:
        if chunk and len(",".join([*chunk, ref])) > _ADDRESS_LIMIT:
            yield ",".join(chunk)
            chunk = []
        chunk.append(ref)
    if chunk:
        yield ",".join(chunk)


def _paint(sheet: Any, refs: list[str], fill: str | None) -> None:
    rgb = None if fill is None else tuple(int(fill[i:i + 2], 16) for i in (0, 2, 4))
    for chunk in _chunks(refs):
        sheet.range(chunk).color = rgb


@contextmanager
def _sheet_unlocked(sheet: Any, password: str = DEFAULT_PASSWORD) -> Iterator[None]:
    """Unprotect a sheet for our writes; protect it again with the options it had."""
    api = sheet.api
    if not api.ProtectContents:
        yield
        return
    allow = {flag: getattr(api.Protection, flag) for flag in _ALLOW_FLAGS}
    try:
        api.Unprotect(password)
    except Exception:  # COM reports a wrong password as a generic error
        raise RibbonError(f"工作表“{sheet.name}”设置了其他保护密码，请先在“审阅”中撤销工作表保护后再试。") from None
    try:
        yield
    finally:
        api.Protect(Password=password, **allow)


@contextmanager
def _structure_unlocked(book: Any, password: str = DEFAULT_PASSWORD) -> Iterator[None]:
    api = book.api
    if not api.ProtectStructure:
        yield
        return
    try:
        api.Unprotect(password)
    except Exception:
        raise RibbonError("工作簿结构设置了其他保护密码，请先在“审阅”中撤销工作簿保护后再试。") from None
    try:
        yield
    finally:
        api.Protect(Password=password, Structure=True)


def _alert(app: Any, prompt: str, button: str, mode: str | None = None) -> None:
    """A message box titled after the tab and the button (the self-test finds the boxes by it)."""
    app.alert(prompt, title=f"{TITLE} · {button}", mode=mode)


@contextmanager
def _action(book: Any, name: str) -> Iterator[None]:
    """Screen updates off while we work; any failure becomes a message box, never a traceback."""
    app = book.app
    updating = app.screen_updating
    app.screen_updating = False
    try:
        yield
    except XlgoalsError as error:
        app.screen_updating = updating
        _alert(app, error.message if isinstance(error, RibbonError) else str(error), name, mode="critical")
    except Exception:  # a bug of ours: say where the details are, keep Excel usable
        log = Path(tempfile.gettempdir()) / "xlgoals-error.log"
        try:
            log.write_text(traceback.format_exc(), encoding="utf-8")
            where = f"详情已记录在 {log}，请把该文件发给技术支持。"
        except OSError:  # a full disk, say: the message box still comes
            where = f"详情无法记录（{log} 写不进去，可能磁盘已满），请截图此提示发给技术支持。"
        app.screen_updating = updating
        _alert(app, f"“{name}”出现意外错误，{where}", name, mode="critical")
    finally:
        app.screen_updating = updating


def _caller() -> Any:
    import xlwings

    return xlwings.Book.caller()
