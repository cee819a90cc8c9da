"""The private names we use of XlsxWriter and typer still exist, as we use them.

``workbook/xlsx.py`` extends XlsxWriter through private methods (worksheet XML assembled in forked
processes, structure protection, a set for sheet names) and ``usage.py`` catches the usage errors
of typer's vendored click (``typer._click``). ``pyproject.toml`` bounds both to the tested
versions; these tests fail when an upgrade drops or changes a name we use, and when our code
starts using a private name not declared here.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
from importlib import import_module
from pathlib import Path

import pytest

from tests.conftest import ROOT

# XlsxWriter: (module, class, name) → the parameters of a method we override or call; None for an attribute.
XLSXWRITER = {
    ("packager", "Packager", "_write_worksheet_files"): ["self"],
    ("packager", "Packager", "_filename"): ["self", "xml_filename"],
    ("workbook", "Workbook", "_get_packager"): ["self"],
    ("workbook", "Workbook", "_check_sheetname"): ["self", "sheetname", "is_chartsheet"],
    ("workbook", "Workbook", "_write_workbook_pr"): ["self"],
    ("workbook", "Workbook", "_xml_empty_tag"): ["self", "tag", "attributes"],
    ("worksheet", "Worksheet", "_opt_reopen"): ["self"],
    ("worksheet", "Worksheet", "_opt_close"): ["self"],
    ("worksheet", "Worksheet", "_write_single_row"): ["self", "current_row_num"],
    ("worksheet", "Worksheet", "_set_xml_writer"): ["self", "filename"],
    ("worksheet", "Worksheet", "_assemble_xml_file"): ["self"],
    ("format", "Format", "_get_xf_index"): ["self"],
    ("url", "Url", "_link_type"): None,
}
# The overrides take effect only while XlsxWriter still calls them from here.
XLSXWRITER_CALLERS = {
    "_write_worksheet_files": ("packager", "Packager", "_create_package"),
    "_get_packager": ("workbook", "Workbook", "_store_workbook"),
    "_check_sheetname": ("workbook", "Workbook", "_add_sheet"),
    "_write_workbook_pr": ("workbook", "Workbook", "_assemble_xml_file"),
}
# Undocumented attributes without an underscore that xlsx.py reads or sets, by the object that has them.
XLSXWRITER_ATTRIBUTES = {
    "packager": ("workbook", "in_memory"),
    "workbook": ("worksheets_objs", "constant_memory"),
    "worksheet": ("constant_memory", "row_data_fh_closed", "merged_cells", "table_cells", "hlink_count",
                  "hyperlinks", "is_chartsheet"),
}
XLSX_OWN = {"_taken", "_formats", "_notes"}  # xlsx.py's own attributes
STDLIB = {"_exit"}  # os._exit, documented

# typer: the private module usage.py imports, and what it uses of it (class → attributes read).
TYPER_PRIVATE_MODULE = "typer._click.exceptions"
TYPER = {
    "UsageError": ("message", "ctx"),
    "NoSuchOption": ("option_name", "possibilities"),
    "BadOptionUsage": ("option_name",),
    "BadParameter": ("param",),
    "MissingParameter": ("param",),
    "NoArgsIsHelpError": ("ctx",),
}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_uses(path: Path) -> tuple[set[str], set[str]]:
    """(private attributes used, and private methods defined in classes; private modules imported) of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and _private(node.attr)}
    names |= {item.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for item in node.body
              if isinstance(item, ast.FunctionDef) and _private(item.name)}
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules |= {f"{node.module}.{alias.name}" for alias in node.names
                        if any(map(_private, f"{node.module}.{alias.name}".split(".")))}
        elif isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names if any(map(_private, alias.name.split(".")))}
    return names, modules


def _member(module: str, cls: str, name: str):
    return getattr(getattr(import_module(f"xlsxwriter.{module}"), cls), name)


@pytest.mark.parametrize("key", list(XLSXWRITER), ids=lambda key: f"{key[1]}.{key[2]}")
def test_xlsxwriter_private_names_exist(key):
    module, cls, name = key
    if XLSXWRITER[key] is None:
        from xlsxwriter.url import Url

        assert hasattr(Url("https://example.com"), name)
        return
    assert list(inspect.signature(_member(module, cls, name)).parameters) == XLSXWRITER[key]


@pytest.mark.parametrize("name", list(XLSXWRITER_CALLERS))
def test_xlsxwriter_still_calls_what_we_override(name):
    caller = _member(*XLSXWRITER_CALLERS[name])
    assert name in caller.__code__.co_names, f"XlsxWriter no longer calls {name} from {caller.__qualname__}"


def test_xlsxwriter_undocumented_attributes_exist():
    import xlsxwriter
    from xlsxwriter.packager import Packager
    from xlsxwriter.url import UrlTypes

    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    sheet = book.add_worksheet()
    for owner, found in (("packager", Packager()), ("workbook", book), ("worksheet", sheet)):
        for name in XLSXWRITER_ATTRIBUTES[owner]:
            assert hasattr(found, name), f"{owner}.{name}"
    assert {UrlTypes.URL, UrlTypes.EXTERNAL} <= set(UrlTypes)
    book.close()


def test_xlsx_uses_no_undeclared_private_name():
    used, modules = _private_uses(ROOT / "xlgoals" / "workbook" / "xlsx.py")
    assert used == {key[2] for key in XLSXWRITER} | XLSX_OWN | STDLIB
    assert modules == set()


def test_typer_private_names_exist():
    """Each usage error usage.py catches, built as typer builds it, has the attributes usage.py reads."""
    import typer
    from typer.main import get_command

    from xlgoals.cli import app

    errors = import_module(TYPER_PRIVATE_MODULE)
    command = get_command(app)
    ctx = command.context_class(command, info_name="xlgoals")
    built = {"UsageError": errors.UsageError("用法", ctx),
             "NoSuchOption": errors.NoSuchOption("--x", possibilities=["--y"], ctx=ctx),
             "BadOptionUsage": errors.BadOptionUsage("--x", "用法", ctx=ctx),
             "BadParameter": errors.BadParameter("值", ctx=ctx, param=None),
             "MissingParameter": errors.MissingParameter(ctx=ctx, param=None),
             "NoArgsIsHelpError": errors.NoArgsIsHelpError(ctx)}
    assert set(built) == set(TYPER)
    for name, error in built.items():
        assert isinstance(error, errors.UsageError)
        for attribute in TYPER[name]:
            assert hasattr(error, attribute), (name, attribute)
    assert issubclass(typer.BadParameter, errors.BadParameter) and built["NoArgsIsHelpError"].ctx is ctx


def test_the_command_line_uses_no_undeclared_private_name():
    for path in (ROOT / "xlgoals" / "usage.py", ROOT / "xlgoals" / "cli.py"):
        used, modules = _private_uses(path)
        assert modules <= {TYPER_PRIVATE_MODULE}, (path.name, modules)
        assert used == set(), (path.name, used)
        assert set(re.findall(r"click_errors\.(\w+)", path.read_text(encoding="utf-8"))) <= set(TYPER), path.name


def test_the_tested_versions_are_the_bounds():
    """pyproject.toml allows only the versions these names were checked against."""
    import tomllib
    from importlib.metadata import version

    from packaging.specifiers import SpecifierSet

    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    for package in ("XlsxWriter", "typer"):
        [spec] = [r[len(package):] for r in requirements if re.match(rf"{package}\b", r)]
        bounds = SpecifierSet(spec)
        assert version(package) in bounds and any(s.operator == "<" for s in bounds), (package, spec)
