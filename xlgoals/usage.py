"""The command line's own words in Chinese: help pages, usage mistakes and option values.

typer writes its frame in English (``Usage:``, ``[required]``, ``No such command``) and names
parameters by their Python types (``<list[Path]>``, ``{inputs}``). The command and group classes
here draw help from what each parameter declares (its metavar, help, default), through typer's
``cls=`` hook and click's public methods; :func:`usage_message` turns a usage mistake into one
Chinese line; :func:`choice` and :func:`whole` parse option values and refuse bad ones in Chinese.

The exceptions a usage mistake raises live in typer's vendored click (``typer._click``), a
private module: the version is bounded in ``pyproject.toml`` and ``tests/test_dependencies.py``
fails when a name used here is gone.
"""

from __future__ import annotations

from difflib import get_close_matches
from enum import Enum
from typing import Any

import typer
from rich.cells import cell_len
from typer._click import exceptions as click_errors
from typer.core import TyperCommand, TyperGroup

from .errors import Terminated
from .terminal import wrap

HELP_OPTIONS = ["-h", "--help"]


class Misuse(click_errors.UsageError):
    """A usage mistake described in Chinese by this module (typer's own are in English)."""


class Invalid(typer.BadParameter):
    """A value an option refuses, described in Chinese."""


class Choice:
    """Parses one of an Enum's values; the help shows them all (``json|csv``)."""

    def __init__(self, enum: type[Enum]) -> None:
        self.enum = enum
        self.values = [member.value for member in enum]

    def __call__(self, value: Any) -> Enum:
        if isinstance(value, self.enum):
            return value
        try:
            return self.enum(value)
        except ValueError:
            raise Invalid(f"不能是“{value}”，可选：{'、'.join(self.values)}") from None


class Whole:
    """Parses a whole number within bounds."""

    def __init__(self, low: int | None, high: int | None) -> None:
        self.low, self.high = low, high

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low}–{self.high}"
        return f"至少 {self.low}" if self.low is not None else f"至多 {self.high}"

    def __call__(self, value: Any) -> int:
        if isinstance(value, int):
            return value
        try:
            number = int(str(value).strip())
        except ValueError:
            raise Invalid(f"应为整数（{self.describe()}），不能是“{value}”") from None
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            raise Invalid(f"应在 {self.describe()} 之间，不能是 {number}" if self.low is not None and self.high is not None
                          else f"应{self.describe()}，不能是 {number}")
        return number


def choice(enum: type[Enum], *decls: str, help: str) -> Any:
    """An option taking one of ``enum``'s values."""
    parser = Choice(enum)
    return typer.Option(*decls, parser=parser, metavar="|".join(parser.values), help=help)


def whole(*decls: str, metavar: str, help: str, low: int | None = None, high: int | None = None) -> Any:
    """An option taking a whole number, its bounds stated in the help."""
    parser = Whole(low, high)
    return typer.Option(*decls, parser=parser, metavar=metavar, help=f"{help}（{parser.describe()}）")


def param_name(param) -> str:
    """A parameter as the help names it: ``-o, --output 文件`` or ``文件...``."""
    label = param.metavar or "值"
    if param.param_type_name == "argument":
        return label + ("..." if param.nargs != 1 else "")
    options = ", ".join(sorted([*param.opts, *param.secondary_opts], key=lambda name: name.startswith("--")))
    return options if param.is_flag else f"{options} {label}"


def _param_help(param) -> str:
    extra = []
    default = param.default
    if param.param_type_name == "option" and not param.is_flag and not param.required and default is not None:
        extra.append(f"默认：{default.value if isinstance(default, Enum) else default}")
    if param.required:
        extra.append("必填")
    help = param.help or ""
    return f"{help}  [{'；'.join(extra)}]" if extra else help


def _definitions(formatter, title: str, rows: list[tuple[str, str]]) -> None:
    """A titled two-column list, aligned by display width (a Chinese character takes two columns)."""
    if not rows:
        return
    formatter.write_paragraph()
    formatter.write(f"{'':>{formatter.current_indent}}{title}：\n")
    indent = formatter.current_indent + 2
    first = min(max(cell_len(name) for name, _ in rows), 30)
    width = max(formatter.width - indent - first - 2, 20)
    for name, text in rows:
        lines = wrap(text, width) or [""]
        if cell_len(name) > first:  # a long name has its text on the next line
            formatter.write(f"{'':>{indent}}{name}\n")
            lead = " " * (indent + first + 2)
        else:
            lead = " " * indent + name + " " * (first - cell_len(name) + 2)
        for line in lines:
            formatter.write(f"{lead}{line}".rstrip() + "\n")
            lead = " " * (indent + first + 2)


class _Chinese:
    """What the command and the group share: usage line, description, help option, sections."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="用法：")

    def format_help_text(self, ctx, formatter) -> None:
        if self.help:
            formatter.write_paragraph()
            for line in wrap(self.help, max(formatter.width - 2, 20)):
                formatter.write(f"  {line}\n")

    def format_parameters(self, ctx, formatter) -> None:
        params = [param for param in self.get_params(ctx) if not param.hidden]
        _definitions(formatter, "参数", [(param_name(param), _param_help(param)) for param in params
                                        if param.param_type_name == "argument"])
        _definitions(formatter, "选项", [(param_name(param), _param_help(param)) for param in params
                                        if param.param_type_name == "option"])


class Command(_Chinese, TyperCommand):
    """A command whose help, usage line and extra-argument mistake are Chinese."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = ["[选项]"]
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(param_name(param) if param.required else f"[{param_name(param)}]")
        return pieces

    def format_options(self, ctx, formatter) -> None:
        self.format_parameters(ctx, formatter)

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True  # extra arguments are reported below, in Chinese
        try:
            rest = super().parse_args(ctx, args)
        except click_errors.BadOptionUsage as error:
            error.ctx = error.ctx or ctx  # the parser leaves it out; the message names the command
            raise
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise Misuse(f"多余的参数：{' '.join(rest)}", ctx)
        return rest


class Group(_Chinese, TyperGroup):
    """A group of commands: Chinese help, and an unknown command named with the closest one."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        return ["[选项]", "命令 [参数]..."]

    def format_options(self, ctx, formatter) -> None:
        self.format_parameters(ctx, formatter)
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                summary = command.short_help or (command.help or "").split("。")[0]
                rows.append((name, summary.rstrip("。") + "。" if summary else ""))
        _definitions(formatter, "命令", rows)

    def resolve_command(self, ctx, args: list[str]):
        name = args[0]
        if not name.startswith("-") and self.get_command(ctx, name) is None:
            close = get_close_matches(name, self.list_commands(ctx), n=1)
            hint = f"，是不是要用 {close[0]}？" if close else f"，可用的命令：{'、'.join(self.list_commands(ctx))}"
            raise Misuse(f"没有“{name}”这个命令{hint}", ctx)
        return super().resolve_command(ctx, args)


class App(typer.Typer):
    """A typer app with the Chinese command classes, ``-h`` and no English decorations."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(cls=Group, context_settings={"help_option_names": HELP_OPTIONS}, add_completion=False,
                         no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None, **settings)

    def command(self, name: str | None = None, *, cls: type[TyperCommand] = Command, **settings: Any):
        return super().command(name, cls=cls, **settings)


def run(app: typer.Typer, console) -> int:
    """Run ``app`` as the ``xlgoals`` script; a usage mistake is one Chinese line on ``console``. The exit code."""
    try:
        code = app(prog_name="xlgoals", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as error:  # a group given no command: its help, as click does
        console.print(error.ctx.get_help(), markup=False, highlight=False)
        return 2
    except click_errors.UsageError as error:
        console.print(usage_message(error), markup=False, soft_wrap=True)
        return 2
    except Terminated as stopped:  # SIGTERM, SIGHUP: unwound like Ctrl-C, the shell's code for the signal
        return 128 + stopped.signal_number
    except (KeyboardInterrupt, typer.Abort):
        return 130
    return code if isinstance(code, int) else 0


def usage_message(error: click_errors.UsageError) -> str:
    """One Chinese line for a usage mistake, with where to read the usage."""
    ctx = error.ctx
    where = f"用 {ctx.command_path} --help 查看用法。" if ctx is not None else "用 xlgoals --help 查看用法。"
    if isinstance(error, Misuse):
        what = error.message
    elif isinstance(error, click_errors.NoSuchOption):
        close = get_close_matches(error.option_name, error.possibilities or _options(ctx), n=1)
        what = f"没有 {error.option_name} 这个选项" + (f"，是不是要用 {close[0]}？" if close else "")
    elif isinstance(error, click_errors.BadOptionUsage):
        flag = _option(ctx, error.option_name)
        what = f"{error.option_name} 是开关，后面不能跟值" if flag is not None and flag.is_flag \
            else f"{error.option_name} 后面缺少值"
    elif isinstance(error, click_errors.MissingParameter) and error.param is not None:
        what = f"缺少 {param_name(error.param)}" + (f"：{error.param.help}" if error.param.help else "")
    elif isinstance(error, click_errors.BadParameter) and error.param is not None:
        name = "、".join(error.param.opts) or param_name(error.param)
        what = f"{name} 的值无效：{error.message}" if isinstance(error, Invalid) else f"{name} 的值无效，请检查输入"
    else:
        what = f"命令用法有误（{error.message}）"
    return f"错误：{what if what.endswith(('。', '？')) else what + '。'}{where}"


def _options(ctx) -> list[str]:
    if ctx is None:
        return []
    return [name for param in ctx.command.get_params(ctx) for name in (*param.opts, *param.secondary_opts)
            if name.startswith("--")]


def _option(ctx, name: str):
    if ctx is None:
        return None
    return next((param for param in ctx.command.get_params(ctx) if name in param.opts), None)
