"""The ``xlgoals`` command: thin commands over the library; every message is Chinese."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from enum import Enum
from functools import wraps
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from . import __version__
from .errors import Terminated, XlgoalsError
from .usage import App, choice, run, whole

app = App(name="xlgoals", help="财政项目支出绩效目标表工具：生成模板、导入、校验、填充、合并、导出。")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _show_version(shown: bool) -> None:
    if shown:
        out.print(f"xlgoals {__version__}（Python {sys.version.split()[0]}）", markup=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_show_version,
                                          help="显示版本并退出。")] = False,
) -> None:
    """Options of ``xlgoals`` itself, before any command."""


def user_errors(command: Callable) -> Callable:
    """Turn a user mistake into one Chinese line on stderr and its exit code, never a traceback."""

    @wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except XlgoalsError as error:
            _stop(error)
        except KeyboardInterrupt as interrupt:
            raise typer.Exit(_interrupted(interrupt)) from None

    return run


def _interrupted(interrupt: KeyboardInterrupt) -> int:
    """Ctrl-C or a request to stop: one line, and the shell's exit code for the signal."""
    if isinstance(interrupt, Terminated):
        err.print("已中止（收到终止信号），未生成输出文件。")
        return 128 + interrupt.signal_number
    err.print("已取消。")
    return 130


def _stop(error: XlgoalsError) -> NoReturn:
    err.print(f"错误：{error}", markup=False, soft_wrap=True)
    raise typer.Exit(error.exit_code) from None


def _once(paths: list[Path]) -> list[Path]:
    """Each input once: a file named twice would be counted twice; the user is told."""
    from .fileio import real_path

    unique: dict[str, Path] = {}
    for path in paths:
        if str(real_path(path)) in unique:
            err.print(f"提示：{path} 给出了不止一次，只读取一次。", markup=False, soft_wrap=True)
        unique.setdefault(str(real_path(path)), path)
    return list(unique.values())


class ExportFormat(str, Enum):
    json = "json"
    csv = "csv"
    parquet = "parquet"


class ExportTable(str, Enum):
    summary = "汇总表"
    detail = "指标明细"


class ReportFormat(str, Enum):
    text = "text"
    json = "json"


class CatalogueFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ImportFormat(str, Enum):
    xlsx = "xlsx"
    json = "json"


@app.command()
@user_errors
def template(
    output: Annotated[Path, typer.Option("-o", "--output", metavar="文件", help="输出的模板文件（.xlsx）")],
    unit: Annotated[str, typer.Option("--unit", metavar="名称", help="申报单位名称")],
    year: Annotated[int, whole("--year", metavar="年度", low=2000, high=2100, help="预算年度")],
    form: Annotated[str, typer.Option("--form", metavar="表样", help="表样编号（shanghai-2020、national-2015、national-2015-yitihua）或自定义表样文件（.toml）")] = "shanghai-2020",
    framework: Annotated[str | None, typer.Option("--framework", metavar="框架", help="指标框架编号或自定义框架文件（.toml）；默认为表样指定的框架")] = None,
    projects: Annotated[int, whole("--projects", metavar="数量", low=1, high=200, help="项目表数量")] = 5,
    password: Annotated[str, typer.Option("--password", metavar="密码", help="工作表保护密码")] = "xlgoals",
) -> None:
    """生成受保护的绩效目标表模板（按所选表样）。"""
    from .frameworks import load_framework
    from .layout import load_form
    from .workbook.writer import build_template

    resolved_form = load_form(form)
    resolved = load_framework(framework if framework is not None else resolved_form.framework)
    build_template(output, unit=unit, year=year, form=resolved_form, framework=resolved, projects=projects,
                   password=password)
    out.print(f"已生成模板：{output}（{unit}，{year}年度，{projects} 张项目表，表样：{resolved_form.name}，"
              f"指标框架：{resolved.name}）")


@app.command("import")
@user_errors
def import_(
    inputs: Annotated[list[Path], typer.Argument(metavar="文件", help="要导入的文件：已发布的表格（.pdf、网页 .html/.htm、Word .docx、Excel .xls/.xlsx、文本 .txt），或本工具的 .json、.xlsx", readable=False)],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="文件", help="输出文件")],
    framework: Annotated[str | None, typer.Option("--framework", metavar="框架", help="已发布表格使用的指标框架（默认：自动识别）")] = None,
    form: Annotated[str | None, typer.Option("--form", metavar="表样", help="已发布表格的表样编号或自定义表样文件（默认：按栏目名称自动识别）")] = None,
    fmt: Annotated[ImportFormat, choice(ImportFormat, "--format", help="输出格式：xlsx 工作簿或 json")] = ImportFormat.xlsx,
    password: Annotated[str, typer.Option("--password", metavar="密码", help="工作表保护密码")] = "xlgoals",
) -> None:
    """把已发布的绩效目标表（PDF、网页、Word、Excel 或其文本）或已有数据（.json、.xlsx）导入为模板工作簿（或 JSON）。"""
    from .export import export_filing
    from .inputs import combine, import_source
    from .workbook.writer import write_filing

    inputs = _once(inputs)
    imported = [import_source(path, framework=framework, form=form) for path in inputs]
    filing = combine([found for found, _ in imported], inputs)
    if fmt is ImportFormat.json:
        export_filing(filing, output, "json", inputs=tuple(inputs))
    else:
        write_filing(filing, output, password=password, inputs=tuple(inputs))
    out.print(f"已导入 {len(filing.projects)} 个项目（{filing.unit}，{filing.year}年度）：{output}")
    for path, (_, notes) in zip(inputs, imported):
        if notes:
            out.print(f"导入报告（{path}）：以下 {len(notes)} 处请核对原表：", markup=False)
            for note in notes:
                out.print(f"  {note}", markup=False)


@app.command()
@user_errors
def export(
    source: Annotated[Path, typer.Argument(metavar="文件", help="绩效目标表工作簿（.xlsx），或合并后的汇总填报", readable=False)],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="文件", help="输出文件")],
    fmt: Annotated[ExportFormat, choice(ExportFormat, "--format", help="json：完整数据；csv：表格；parquet：供数据分析")] = ExportFormat.json,
    table: Annotated[ExportTable | None, choice(ExportTable, "--table", help="导出汇总表或指标明细（csv、parquet）；不指定时 csv 为每个指标一行的完整表")] = None,
) -> None:
    """把工作簿导出为 JSON、CSV（带 BOM，可直接用 Excel 打开）或 Parquet。"""
    from .export import export_filing, export_table
    from .inputs import read_filing

    filing = read_filing(source)
    if fmt is ExportFormat.parquet and table is None:
        table = ExportTable.detail
    if table is not None and fmt is not ExportFormat.json:
        from .workbook.reader import read_departments

        departments = read_departments(source, filing) if source.suffix.lower() in (".xlsx", ".xlsm") \
            else [filing.department] * len(filing.projects)
        export_table(filing, departments, table.value, output, fmt.value, inputs=(source,))
        count = len(filing.projects) if table is ExportTable.summary else sum(len(p.indicators) for p in filing.projects)
        out.print(f"已导出{table.value} {count} 行：{output}")
        return
    export_filing(filing, output, fmt.value, inputs=(source,))
    rows = sum(max(1, len(project.indicators)) for project in filing.projects)
    detail = f"{rows} 行" if fmt is ExportFormat.csv else f"{len(filing.projects)} 个项目"
    out.print(f"已导出 {detail}：{output}")


@app.command()
def validate(
    inputs: Annotated[list[Path], typer.Argument(metavar="文件", help="要校验的工作簿（.xlsx）或 JSON，或存放工作簿的文件夹", readable=False)],
    rules: Annotated[Path | None, typer.Option("--rules", metavar="文件", help="规则设置文件（.toml）", readable=False)] = None,
    fmt: Annotated[ReportFormat, choice(ReportFormat, "--format", help="text：表格；json：结构化结果")] = ReportFormat.text,
    annotate: Annotated[Path | None, typer.Option("--annotate", metavar="文件", help="另存一份标注了问题单元格的工作簿")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", metavar="文件", help="把结果写入文件（默认输出到屏幕）")] = None,
) -> None:
    """校验绩效目标表：列出每个问题及其单元格。退出码：0 无错误，1 有强制性错误，2 文件无法读取。"""
    from .errors import InputFileError
    from .merge import collect_inputs
    from .outputs import atomic_output, outputs
    from .rules import Report, load_settings, validate as run_validate

    report, unreadable, files = Report(), 0, []
    for path in inputs:  # a folder: every workbook in it, as merge reads it
        try:
            found = collect_inputs([path]) if path.is_dir() else [path]
        except XlgoalsError as error:  # a folder that cannot be listed
            err.print(f"错误：{error}", markup=False, soft_wrap=True)
            unreadable += 1
            continue
        if not found:
            err.print(f"错误：{path}：文件夹中没有工作簿（.xlsx、.xlsm）。", markup=False, soft_wrap=True)
            unreadable += 1
        files += found
    try:
        settings = load_settings(rules) if rules else None
        if annotate is not None and len(files) > 1:
            raise InputFileError("--annotate 一次只能用于一个文件，请逐个校验。", annotate)
    except XlgoalsError as error:
        _stop(error)
    try:
        with outputs():  # the annotated copy and the report file: both, or neither
            for path in _once(files):
                try:
                    single = run_validate(path, settings)
                except XlgoalsError as error:
                    err.print(f"错误：{error}", markup=False, soft_wrap=True)
                    unreadable += 1
                    continue
                report.findings += single.findings
                report.files += single.files
                if annotate is not None:
                    from .workbook.annotate import annotate_workbook

                    annotate_workbook(path, single, annotate)
            if output is not None:
                if fmt is ReportFormat.json:
                    text = report.to_json()
                else:
                    buffer = Console(file=io.StringIO(), width=160, color_system=None, soft_wrap=True)
                    report.render(buffer)
                    text = buffer.file.getvalue()
                with atomic_output(output, inputs=(*inputs, *files)) as temp:
                    temp.write_text(text, encoding="utf-8")
    except XlgoalsError as error:
        _stop(error)
    except KeyboardInterrupt as interrupt:
        raise typer.Exit(_interrupted(interrupt)) from None
    if output is not None:
        if fmt is ReportFormat.text:
            out.print(f"{report.summary()} 结果已写入：{output}")
    elif fmt is ReportFormat.json:
        sys.stdout.write(report.to_json())
    elif report.files:
        report.render(out)
    if annotate is not None and report.files:
        notice = err if fmt is ReportFormat.json else out  # keep stdout pure JSON
        notice.print(f"已另存标注后的工作簿：{annotate}")
    raise typer.Exit(2 if unreadable else 0 if report.valid else 1)


class SignStyleOption(str, Enum):
    ascii = "ascii"
    symbol = "symbol"


@app.command()
@user_errors
def fill(
    source: Annotated[Path, typer.Argument(metavar="文件", help="要填充的绩效目标表工作簿（.xlsx）", readable=False)],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="文件", help="输出的工作簿（不会覆盖原文件）")],
    last_year: Annotated[Path | None, typer.Option("--from", metavar="文件", help="上年的绩效目标表（.xlsx、.json，或历年数据库 .db）", readable=False)] = None,
    executed: Annotated[Path | None, typer.Option("--executed", metavar="文件", help="上年执行数（CSV 或 xlsx：项目名称、执行数）", readable=False)] = None,
    normalise: Annotated[bool, typer.Option("--normalise", help="统一指标目标值的写法")] = False,
    sign_style: Annotated[SignStyleOption, choice(SignStyleOption, "--sign-style", help="统一写法时的比较符号：ascii 为 >=，symbol 为 ≥")] = SignStyleOption.ascii,
    report_path: Annotated[Path | None, typer.Option("--report", metavar="文件", help="把填充报告另存为 JSON")] = None,
    password: Annotated[str, typer.Option("--password", metavar="密码", help="工作表保护密码")] = "xlgoals",
) -> None:
    """补充标准指标和一级/二级目标，沿用上年数据；列出每处改动和未能填充的地方。"""
    from .fill import fill_workbook
    from .outputs import atomic_output, check_output, outputs

    inputs = tuple(path for path in (source, last_year, executed) if path is not None)
    check_output(output, inputs=inputs)
    if report_path is not None:
        check_output(report_path, inputs=(*inputs, output))
    with outputs():  # the workbook and its report: both, or neither
        report, cells = fill_workbook(source, output, last_year=last_year, executed=executed, normalise=normalise,
                                      sign_style=sign_style.value, password=password)
        if report_path is not None:
            with atomic_output(report_path, inputs=(*inputs, output)) as temp:
                temp.write_text(report.to_json(cells), encoding="utf-8")
    _render_fill_report(report, cells)
    out.print(f"{report.summary()}已写入：{output}")


def _render_fill_report(report, cells) -> None:
    from .terminal import add_row, table

    if report.changes:
        drawn = table("已填充", ("工作表", "单元格", "原值", "新值", "说明"), whole=("单元格",))
        for change in report.changes:
            sheet, cell = cells.get((change.project, change.field), (change.project, change.field))
            add_row(drawn, sheet or "", cell or change.field, "" if change.before is None else str(change.before),
                    str(change.after), change.reason + ("（请核对）" if change.review else ""))
        out.print(drawn)
    if report.skipped:
        drawn = table("未填充（需要人工判断）", ("项目", "字段", "原因"))
        for skipped in report.skipped:
            add_row(drawn, skipped.project or "", skipped.field, skipped.reason)
        out.print(drawn)


@app.command()
@user_errors
def merge(
    inputs: Annotated[list[Path], typer.Argument(metavar="文件", help="各部门提交的工作簿，或存放它们的文件夹", readable=False)],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="文件", help="汇总后的填报工作簿（.xlsx）")],
    report_path: Annotated[Path | None, typer.Option("--report", metavar="文件", help="把合并报告另存为 JSON")] = None,
    jobs: Annotated[int | None, whole("--jobs", metavar="进程数", low=1, help="并行读取的进程数，默认为 CPU 核数")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="有任何强制性错误（含未合并的文件）时不生成汇总文件，退出码 1")] = False,
    unit: Annotated[str | None, typer.Option("--unit", metavar="名称", help="填报单位（默认：多数文件的单位）")] = None,
    year: Annotated[int | None, whole("--year", metavar="年度", low=2000, high=2100, help="预算年度，默认为多数文件的年度")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", metavar="文件", help="规则设置文件（.toml）", readable=False)] = None,
    password: Annotated[str, typer.Option("--password", metavar="密码", help="工作表保护密码")] = "xlgoals",
    archive: Annotated[Path | None, typer.Option("--archive", metavar="文件", help="同时存入历年数据库（SQLite），供下年填充和查询")] = None,
) -> None:
    """把各部门的绩效目标表合并为本单位的汇总填报，列出每个冲突及其处理方式。退出码：0 全部合并，1 有文件未合并（其他单位或年度、没有填写项目），2 有文件无法读取。"""
    from .archive import archive_filing, check_archive
    from .fileio import real_path
    from .merge import collect_inputs, merge as run_merge
    from .outputs import atomic_output, check_output, outputs
    from .rules import load_settings
    from .workbook.summary import write_merged
    from .workbook.writer import check_workbook_name

    check_workbook_name(output)
    settings = load_settings(rules) if rules else None
    sources = [path for path in collect_inputs(inputs) if real_path(path) != real_path(output)]
    written = [check_output(output)]  # replacing an input is refused by run_merge, which knows earlier filings
    for extra in (report_path, archive):
        if extra is not None:
            written.append(check_output(extra, inputs=(*sources, *written)))
    if archive is not None:
        check_archive(archive)  # before the long part: a file that is no archive is refused now
    with _progress("读取并校验") as advance:
        result = run_merge(inputs, unit=unit, year=year, rules=settings, jobs=jobs, progress=advance,
                           exclude=output)
    refused = strict and result.errors
    with outputs():  # the workbook, its report and the archive: all of them, or none
        if report_path is not None:
            with atomic_output(report_path, inputs=tuple(sources)) as temp:
                temp.write_text(result.to_json(), encoding="utf-8")
        if not refused:
            write_merged(result, output, password=password, inputs=tuple(sources))
            if archive is not None:
                stored = archive_filing(archive, result.filing, source=str(output))
    _render_merge(result)
    if refused:
        err.print(f"错误：有 {result.errors} 个强制性问题，按 --strict 未生成汇总文件。", markup=False)
        raise typer.Exit(1)
    out.print(f"已生成汇总填报：{output}（{len(result.filing.projects)} 个项目）")
    if archive is not None:
        out.print(f"已存入历年数据库：{archive}（{result.filing.unit} {result.filing.year}年度，{stored} 个项目）")
    left_out = result.not_merged()
    if left_out:  # the merged filing lacks these inputs: said last, and the exit code says it too
        err.print(f"注意：{result.not_merged_line()}；原因见上面的“输入文件”表。", markup=False, soft_wrap=True)
        raise typer.Exit(2 if "unreadable" in left_out else 1)


def _progress(label: str):
    """A progress bar on a terminal; silent when output is redirected."""
    from contextlib import contextmanager

    from rich.progress import Progress

    @contextmanager
    def bar():
        if not err.is_terminal:
            yield None
            return
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task(label, total=None)
            yield lambda done, total: progress.update(task, completed=done, total=total)

    return bar()


def _render_merge(result) -> None:
    from .terminal import add_row, table

    drawn = table("输入文件", ("文件", "部门", "项目数", "状态"), whole=("项目数",))
    for submission in result.submissions:
        status = submission.status + (f"：{submission.error}" if submission.error else "")
        add_row(drawn, Path(submission.path).name, submission.department, str(submission.projects), status)
    out.print(drawn)
    from rich.text import Text

    for subject, text, severity in result.event_lines():
        out.print(Text.assemble((subject, "red" if severity == "error" else "yellow"), " ", text))
    out.print(result.findings_line(), markup=False)


@app.command("rules")
@user_errors
def rules_(
    fmt: Annotated[CatalogueFormat, choice(CatalogueFormat, "--format", help="text、json 或 markdown")] = CatalogueFormat.text,
) -> None:
    """列出全部校验规则：代码、名称、级别和含义。"""
    from .rules.catalogue_doc import catalogue_json, catalogue_markdown, render_catalogue

    if fmt is CatalogueFormat.json:
        sys.stdout.write(catalogue_json())
    elif fmt is CatalogueFormat.markdown:
        sys.stdout.write(catalogue_markdown())
    else:
        render_catalogue(out)


addin_app = App(name="addin", help="Excel 加载项：生成 xlgoals.xlam，安装后 Excel 中出现“绩效目标”选项卡。")
app.add_typer(addin_app)


class AddinPlatform(str, Enum):
    windows = "windows"
    macos = "macos"


@addin_app.command("build")
@user_errors
def addin_build(
    output: Annotated[Path, typer.Option("-o", "--output", metavar="文件", help="输出的加载项文件（.xlam）")] = Path("xlgoals.xlam"),
    with_excel: Annotated[bool, typer.Option("--with-excel", help="在装有 Excel 的 Windows 上由 Excel 本身生成（通过 COM 导入 VBA 模块）")] = False,
) -> None:
    """生成 Excel 加载项 xlgoals.xlam：“绩效目标”功能区选项卡和调用 xlgoals 的 VBA。"""
    if with_excel:
        from .addin.excel_build import build_with_excel as build
    else:
        from .addin.package import build_addin as build

    built = build(output)
    out.print(f"已生成加载项：{built.path}（{len(built.modules)} 个 VBA 模块，使用 xlwings {built.xlwings}）")


@addin_app.command("install")
@user_errors
def addin_install(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只列出安装步骤，不做任何改动")] = False,
    platform: Annotated[AddinPlatform | None, choice(AddinPlatform, "--platform", help="目标系统（默认：本机）；不是本机时只能与 --dry-run 一起使用")] = None,
) -> None:
    """把加载项装到 Excel 启动时自动打开的文件夹，并设置用当前的 Python 运行。"""
    from .addin.install import excel_startup, plan, target_platform

    target = target_platform(platform.value if platform else None, dry_run=dry_run)
    steps = plan(target, python=sys.executable, startup=excel_startup(target))
    if dry_run:
        out.print(f"演示（--dry-run）：在 {target} 上安装加载项会执行以下步骤，现在不做任何改动。", markup=False)
    for number, step in enumerate(steps, start=1):
        out.print(f"{number}. {step.description}", markup=False)
        if not dry_run:
            step.run()
    if not dry_run:
        out.print("安装完成。请重新启动 Excel，功能区会出现“绩效目标”选项卡。升级 xlgoals 或 xlwings 后请重新运行 xlgoals addin install。")


@addin_app.command("selftest")
@user_errors
def addin_selftest(
    output: Annotated[Path, typer.Option("-o", "--output", metavar="文件", help="自检报告（文本文件）")] = Path("xlgoals-自检报告.txt"),
) -> None:
    """在装有 Excel 的 Windows 上检查加载项：生成、载入、逐个运行按钮并与命令行的结果比较，写出一份报告。"""
    from .addin.selftest import run_selftest

    outcomes = run_selftest(output, lambda line: out.print(line, markup=False))
    failed = sum(outcome.passed is False for outcome in outcomes)
    out.print(f"自检完成，{failed} 项失败。报告已写入：{output}，请把它发给 xlgoals 的开发者。", markup=False)
    raise typer.Exit(1 if failed else 0)


def main() -> None:
    """Entry point of the ``xlgoals`` script: usage mistakes are reported in Chinese too."""
    from .outputs import stop_on_termination

    stop_on_termination()
    sys.exit(run(app, err))
