"""The ``xlgoals`` command: thin commands over the library; every message is Chinese."""

from __future__ import annotations

import sys
from enum import Enum
from functools import wraps
from pathlib import Path
from typing import Annotated, Callable

import typer
from rich.console import Console

from .errors import XlgoalsError

app = typer.Typer(
    name="xlgoals",
    help="财政项目支出绩效目标表工具：生成模板、导入、导出。",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def user_errors(command: Callable) -> Callable:
    """Turn a user mistake into one Chinese line on stderr and its exit code, never a traceback."""

    @wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except XlgoalsError as error:
            err.print(f"错误：{error}", markup=False, soft_wrap=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            err.print("已取消。")
            raise typer.Exit(130) from None

    return run


class ExportFormat(str, Enum):
    json = "json"
    csv = "csv"


class ImportFormat(str, Enum):
    xlsx = "xlsx"
    json = "json"


@app.command()
@user_errors
def template(
    output: Annotated[Path, typer.Option("-o", "--output", help="输出的模板文件（.xlsx）")],
    unit: Annotated[str, typer.Option("--unit", help="申报单位名称")],
    year: Annotated[int, typer.Option("--year", min=2000, max=2100, help="预算年度")],
    framework: Annotated[str, typer.Option("--framework", help="指标框架编号或自定义框架文件（.toml）")] = "shanghai-2020",
    projects: Annotated[int, typer.Option("--projects", min=1, max=200, help="项目表数量")] = 5,
    password: Annotated[str, typer.Option("--password", help="工作表保护密码")] = "xlgoals",
) -> None:
    """生成受保护的绩效目标表模板。"""
    from .frameworks import load_framework
    from .workbook.writer import build_template

    resolved = load_framework(framework)
    build_template(output, unit=unit, year=year, framework=framework, projects=projects, password=password)
    out.print(f"已生成模板：{output}（{unit}，{year}年度，{projects} 张项目表，指标框架：{resolved.name}）")


@app.command("import")
@user_errors
def import_(
    inputs: Annotated[list[Path], typer.Argument(help="要导入的文件（.json 或 .xlsx）")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件")],
    fmt: Annotated[ImportFormat, typer.Option("--format", help="输出格式：xlsx 工作簿或 json")] = ImportFormat.xlsx,
    password: Annotated[str, typer.Option("--password", help="工作表保护密码")] = "xlgoals",
) -> None:
    """把已有的绩效目标表数据导入为模板工作簿（或 JSON）。"""
    from .export import export_filing
    from .inputs import combine, read_filing
    from .workbook.writer import write_filing

    filing = combine([read_filing(path) for path in inputs], inputs)
    if fmt is ImportFormat.json:
        export_filing(filing, output, "json", inputs=tuple(inputs))
    else:
        write_filing(filing, output, password=password, inputs=tuple(inputs))
    out.print(f"已导入 {len(filing.projects)} 个项目（{filing.unit}，{filing.year}年度）：{output}")


@app.command()
@user_errors
def export(
    source: Annotated[Path, typer.Argument(help="绩效目标表工作簿（.xlsx）")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="json：完整数据；csv：每个指标一行")] = ExportFormat.json,
) -> None:
    """把工作簿导出为 JSON 或 CSV（CSV 带 BOM，可直接用 Excel 打开）。"""
    from .export import export_filing
    from .inputs import read_filing

    filing = read_filing(source)
    export_filing(filing, output, fmt.value, inputs=(source,))
    rows = sum(max(1, len(project.indicators)) for project in filing.projects)
    detail = f"{rows} 行" if fmt is ExportFormat.csv else f"{len(filing.projects)} 个项目"
    out.print(f"已导出 {detail}：{output}")


def main() -> None:
    """Entry point of the ``xlgoals`` script: usage mistakes are reported in Chinese too."""
    import click

    try:
        code = app(standalone_mode=False)
    except click.exceptions.NoSuchOption as error:
        code = _usage(f"没有选项 {error.option_name}")
    except click.exceptions.MissingParameter as error:
        names = "、".join(error.param.opts) if error.param is not None and error.param.opts else "必填参数"
        code = _usage(f"缺少 {names}")
    except click.exceptions.BadParameter as error:
        name = "、".join(error.param.opts) if error.param is not None and error.param.opts else "参数"
        code = _usage(f"{name} 的值无效（{error.message}）")
    except click.exceptions.UsageError as error:
        code = _usage(f"命令用法有误（{error.message}）")
    except click.exceptions.Abort:
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


def _usage(message: str) -> int:
    err.print(f"错误：{message}。用 xlgoals --help 查看用法。", markup=False, soft_wrap=True)
    return 2
