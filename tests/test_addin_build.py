"""The Excel add-in as a file: what Excel would find in ``xlgoals.xlam``, checked by independent readers.

oletools (olefile + olevba, strict) reads the VBA project back, python-calamine and LibreOffice
open the package, and the MS-OVBA specification's own examples check the encryption. No Excel here:
whether Excel runs the buttons is not verified by these tests.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import io
import os
import random
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path, PureWindowsPath

import olefile
import pytest
import python_calamine
from defusedxml import ElementTree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, VBA_Project, decompress_stream

from tests.support import libreoffice
from tests.support.cli import digest, invoke
from tests.support.ribbon import py_text
from xlgoals import excel
from xlgoals.addin import install
from xlgoals.addin.compression import compress
from xlgoals.addin.package import (
    ADDIN_CONTENT_TYPE,
    RIBBON_NAMESPACE,
    RIBBON_RELATIONSHIP,
    SETTINGS,
    VERSION_KEY,
    build_addin,
    settings_sheet,
)
from xlgoals.addin.sources import CONFIG_SHEET, MACROS, xlwings_dir, xlwings_version
from xlgoals.addin.vbaproject import encrypt
from xlgoals import __version__
from xlgoals.errors import XlgoalsError

ROOT = Path(__file__).resolve().parents[1]
CUSTOM_UI = f"{{{RIBBON_NAMESPACE}}}"
BUTTONS = {"校验", "填充指标", "新增项目表", "清除标记", "汇总各部门表格", "关于/设置"}
ENTRY_POINTS = {"validate", "fill", "new_project_sheet", "clear", "merge_folder", "about"}
RUN_PYTHON = re.compile(r'RunPython "import xlgoals\.excel; xlgoals\.excel\.(\w+)\(')
# A ribbon callback; Optional, so the self-test can run it with Application.Run
CALLBACK = r"Sub\s+{name}\s*\(\s*Optional\s+control\s+As\s+IRibbonControl\s*\)"


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("addin") / "xlgoals.xlam"
    build_addin(path)
    return path


@pytest.fixture(scope="module")
def modules(addin) -> dict[str, str]:
    """Module name -> source, as olevba extracts them."""
    parser = VBA_Parser(str(addin))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").rstrip("\n").split("\n")


def vba_bin(addin: Path) -> bytes:
    with zipfile.ZipFile(addin) as package:
        return package.read("xl/vbaProject.bin")


# --------------------------------------------------------------------------- the VBA project


def test_our_modules_read_back_as_the_files_in_macros(modules):
    ours = sorted(MACROS.glob("*.bas")) + sorted(MACROS.glob("*.cls"))
    assert ours, "macros/ holds the ribbon callbacks"
    for path in ours:
        assert lines(modules[path.stem]) == lines(path.read_text("utf-8")), path.name


def test_xlwings_module_is_the_installed_one_with_our_project_name(modules):
    shipped = lines((xlwings_dir() / "xlwings_custom_addin.bas").read_text("utf-8"))
    built = lines(modules["xlwings"])
    assert len(built) == len(shipped)
    changed = [(old, new) for old, new in zip(shipped, built) if old != new]
    assert changed == [('Public Const PROJECT_NAME As String = "myaddin"',
                        'Public Const PROJECT_NAME As String = "xlgoals"')]


def test_dictionary_class_keeps_its_code_and_gets_the_class_base(modules):
    exported = lines((xlwings_dir() / "addin" / "Dictionary.cls").read_text("utf-8"))
    exported = exported[exported.index("END") + 1:]  # the editor's export header
    built = lines(modules["Dictionary"])
    assert [x for x in built if not x.startswith("Attribute ")] == [x for x in exported if not x.startswith("Attribute ")]
    assert 'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"' in built


def test_project_streams_follow_ms_ovba(addin):
    ole = olefile.OleFileIO(io.BytesIO(vba_bin(addin)), raise_defects=olefile.DEFECT_INCORRECT)
    # Version 0xFFFF and no performance cache: Excel compiles the project from source.
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")
    project = VBA_Project(ole, "", "PROJECT", "VBA/dir", relaxed=False)  # strict: raises on any odd record
    project.parse_project_stream()
    list(project.parse_modules())
    assert (project.projectname, project.codepage, project.syskind) == ("xlgoals", 1252, 1)
    kinds = {module.name: module.type for module in project.modules}
    assert kinds == {"ThisWorkbook": 0x22, "Sheet1": 0x22, "xlwings": 0x21, "Dictionary": 0x22, "RibbonXlgoals": 0x21}
    assert {module.textoffset for module in project.modules} == {0}  # no p-code before the source
    assert project.module_ext == {"thisworkbook": "cls", "sheet1": "cls", "xlwings": "bas",
                                  "dictionary": "cls", "ribbonxlgoals": "bas"}
    names = ole.openstream("PROJECTwm").read()
    assert names.endswith(b"RibbonXlgoals\x00" + "RibbonXlgoals".encode("utf-16-le") + b"\x00\x00\x00\x00")
    # IRibbonControl comes from the Office type library: the project must reference it.
    directory = bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    assert b"{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#" in directory


def test_compound_file_siblings_form_red_black_trees(addin):
    """MS-CFB 2.6.4: each storage's children are a red-black tree ordered by name length, then upper case."""
    ole = olefile.OleFileIO(io.BytesIO(vba_bin(addin)))
    entries = {entry.sid: entry for entry in ole.direntries if entry is not None}
    red, black, none = 0, 1, olefile.NOSTREAM

    def walk(sid: int, parent_red: bool) -> tuple[list[str], int]:
        """In-order names below ``sid`` and the black height of its subtree."""
        if sid == none:
            return [], 1
        entry = entries[sid]
        assert entry.color in (red, black)
        assert not (parent_red and entry.color == red), f"red {entry.name} under a red parent"
        left, left_height = walk(entry.sid_left, entry.color == red)
        right, right_height = walk(entry.sid_right, entry.color == red)
        assert left_height == right_height, f"unequal black heights below {entry.name}"
        return left + [entry.name] + right, left_height + (entry.color == black)

    storages = [entry for entry in entries.values() if entry.entry_type in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE)]
    assert {entry.name for entry in storages} == {"Root Entry", "VBA"}
    for storage in storages:
        names, _ = walk(storage.sid_child, parent_red=False)
        assert names == sorted(names, key=lambda name: (len(name), name.upper())), storage.name
        assert len(names) == len(storage.kids)


def test_vba_text_stays_in_the_project_code_page(tmp_path):
    (tmp_path / "customUI14.xml").write_bytes((MACROS / "customUI14.xml").read_bytes())
    (tmp_path / "Bad.bas").write_text('Attribute VB_Name = "Bad"\r\nSub X()\r\n    MsgBox "校验"\r\nEnd Sub\r\n', "utf-8")
    with pytest.raises(XlgoalsError, match="ASCII"):
        build_addin(tmp_path / "bad.xlam", macros=tmp_path)
    assert not (tmp_path / "bad.xlam").exists()
    for path in MACROS.glob("*.bas"):
        assert path.read_bytes().isascii(), path.name


def test_project_properties_encryption_matches_the_specification_example():
    """MS-OVBA 3.1.6: the example PROJECT stream's CMG, DPB and GC for its project ID."""
    key = sum(b"{917DED54-440B-4FD1-A5C1-74ACF261E600}") & 0xFF
    assert encrypt(bytes(4), key, seed=0x07) == "0705D8E3D8EDDBF1DBF1DBF1DBF1"
    assert encrypt(b"\x00", key, seed=0x0E) == "0E0CD1ECDFF4E7F5E7F5E7"
    assert encrypt(b"\xff", key, seed=0x15) == "1517CAF1D6F9D7F9D706"


# --------------------------------------------------------------------------- compression


def decompressed(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(compress(data))))


@pytest.mark.parametrize("path", sorted(xlwings_dir().glob("**/*.bas")) + sorted(xlwings_dir().glob("**/*.cls")),
                         ids=lambda path: path.name)
def test_compression_round_trips_xlwings_modules(path):
    data = path.read_bytes()
    assert decompressed(data) == data


@pytest.mark.parametrize("data", [
    b"a" * 10_000,  # the longest matches the format allows, back to back
    b'    RunPython "import xlgoals.excel; xlgoals.excel.validate()"\r\n' * 400,
    b"abcdefgh" * 4096,
    bytes(range(256)) * 64,
    b"",
    b"x",
], ids=["one-byte-run", "repeated-line", "short-period", "byte-cycle", "empty", "one-byte"])
def test_compression_round_trips_long_and_repetitive_text(data):
    assert decompressed(data) == data


_VBA_WORDS = st.sampled_from(["Sub ", "End Sub\r\n", "Dim ", " As String", "    ", "\r\n", 'RunPython "', "If ",
                              " Then\r\n", "End If\r\n", "GetConfig(", '")', "xlwings", "' comment "])
_VBA_LIKE = st.lists(st.one_of(_VBA_WORDS, st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)),
                     max_size=2500).map(lambda parts: "".join(parts).encode("ascii"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.one_of(_VBA_LIKE, st.binary(max_size=9000), _VBA_LIKE.map(lambda text: text * 7)))
def test_compression_round_trip_property(data):
    try:
        packed = compress(data)
    except ValueError:
        # Only a short last chunk that does not compress is refused (see the tests below).
        assert MIN_UNSTORABLE <= len(last_chunk(data)) < 4096
        return
    assert bytes(decompress_stream(bytearray(packed))) == data


# A last chunk of n < 4096 bytes must be stored compressed (a raw chunk always holds 4096 bytes);
# with no repeated three bytes, its n literals and ceil(n / 8) flag bytes fit the 4096 allowed up to:
MIN_UNSTORABLE = 3641


def last_chunk(data: bytes) -> bytes:
    return data[(len(data) - 1) // 4096 * 4096:] if data else b""


def repeats_three_bytes(block: bytes) -> bool:
    """Whether any copy token is possible at all: some three bytes occur twice (overlap allowed)."""
    seen = set()
    for index in range(len(block) - 2):
        if block[index:index + 3] in seen:
            return True
        seen.add(block[index:index + 3])
    return False


def chunk_headers(packed: bytes) -> list[tuple[int, int]]:
    """(CompressedChunkFlag, CompressedChunkSize) of each chunk, walking the container by its sizes."""
    headers, position = [], 1
    while position < len(packed):
        header = int.from_bytes(packed[position:position + 2], "little")
        assert header >> 12 & 0b111 == 0b011  # CompressedChunkSignature
        headers.append((header >> 15, header & 0x0FFF))
        position += (header & 0x0FFF) + 3
    assert position == len(packed)
    return headers


def test_unstorable_bound_is_where_literals_stop_fitting():
    fits = [n for n in range(1, 4096) if n + -(-n // 8) <= 4096]
    assert max(fits) + 1 == MIN_UNSTORABLE


@pytest.mark.parametrize("lengths", [range(3500, 4201), range(8192 + 3600, 8192 + 4101)],
                         ids=["one-chunk", "three-chunks"])
def test_compression_of_random_data_near_the_chunk_size(lengths):
    """Every length: exact round trip through olevba, or a refusal of a short last chunk too big for literals."""
    refused = []
    for length in lengths:
        data = random.Random(length).randbytes(length)
        tail = last_chunk(data)
        try:
            packed = compress(data)
        except ValueError:
            refused.append(length)
            # Refused only when the last chunk is short and too large for literals, and then always
            # when it has nothing to copy (otherwise a copy or two could, rarely, save a byte).
            assert MIN_UNSTORABLE <= len(tail) < 4096, length
            continue
        assert not (MIN_UNSTORABLE <= len(tail) < 4096 and not repeats_three_bytes(tail)), length
        assert bytes(decompress_stream(bytearray(packed))) == data, length  # no trailing NULs
        headers = chunk_headers(packed)
        assert len(headers) == -(-length // 4096)
        assert all(size == 4095 for flag, size in headers if flag == 0)  # raw: always 4096 bytes
        assert headers[-1][0] == 1 or len(tail) == 4096  # a short last chunk is never raw
    assert refused and set(refused) <= {n for n in lengths if MIN_UNSTORABLE <= n % 4096}


@pytest.mark.parametrize("data", [
    random.Random(1).randbytes(4096),
    random.Random(2).randbytes(3 * 4096),
    random.Random(3).randbytes(4096) + b"Attribute VB_Name = \"Module1\"\r\n" * 200,
    b"Attribute VB_Name = \"Module1\"\r\n" * 200 + random.Random(4).randbytes(2 * 4096 - 6000),
    random.Random(5).randbytes(MIN_UNSTORABLE - 1),
], ids=["one-full-chunk", "three-full-chunks", "full-chunk-then-text", "text-then-full-chunk", "largest-short"])
def test_compression_stores_full_random_chunks_raw(data):
    packed = compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == data
    for index, (flag, size) in enumerate(chunk_headers(packed)):
        chunk = data[index * 4096:(index + 1) * 4096]
        if flag == 0:
            assert (len(chunk), size) == (4096, 4095)
        if len(chunk) == 4096 and not repeats_three_bytes(chunk):
            assert flag == 0  # nothing to copy: 4,608 bytes of tokens, so stored raw


def test_compression_refuses_rather_than_pads():
    data = random.Random(3700).randbytes(3700)  # the example: it came back as 4,096 bytes
    assert not repeats_three_bytes(data)
    with pytest.raises(ValueError, match="3700 bytes .*without padding"):
        compress(data)


# --------------------------------------------------------------------------- ribbon and callbacks


def ribbon(addin: Path):
    with zipfile.ZipFile(addin) as package:
        return ElementTree.fromstring(package.read("customUI/customUI14.xml"))


def test_ribbon_tab_and_buttons(addin):
    root = ribbon(addin)
    tabs = root.findall(f".//{CUSTOM_UI}tab")
    assert [tab.get("label") for tab in tabs] == ["绩效目标"]
    buttons = root.findall(f".//{CUSTOM_UI}button")
    assert {button.get("label") for button in buttons} == BUTTONS
    for button in buttons:
        assert button.get("imageMso"), button.get("label")
        for tip in ("screentip", "supertip"):
            assert re.search(r"[\u4e00-\u9fff]", button.get(tip) or ""), (button.get("label"), tip)


def test_every_onaction_names_a_ribbon_callback(addin, modules):
    actions = [button.get("onAction") for button in ribbon(addin).findall(f".//{CUSTOM_UI}button")]
    assert len(actions) == len(BUTTONS)
    for action in actions:
        module, sub = action.split(".")
        signature = re.compile(rf"^\s*(Public\s+)?{CALLBACK.format(name=sub)}\s*$", re.IGNORECASE | re.MULTILINE)
        assert signature.search(modules[module]), action


def test_every_runpython_command_names_a_function_of_xlgoals_excel(modules):
    called = [name for code in modules.values() for name in RUN_PYTHON.findall(code)]
    assert sorted(called) == sorted(ENTRY_POINTS)
    excel = importlib.import_module("xlgoals.excel")
    for name in called:
        function = getattr(excel, name)
        required = [p for p in inspect.signature(function).parameters.values()
                    if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        assert callable(function) and not required, name


def test_every_sub_of_the_ribbon_module_is_wired_to_a_button(addin, modules):
    """Every callback has a button; any other Sub is one a callback calls (MergeFolder, after OnMerge's dialogs)."""
    code = modules["RibbonXlgoals"]
    callbacks = set(re.findall("^" + CALLBACK.format(name=r"(\w+)"), code, re.MULTILINE))
    actions = {button.get("onAction").split(".")[1] for button in ribbon(addin).findall(f".//{CUSTOM_UI}button")}
    assert callbacks == actions
    helpers = set(re.findall(r"^Sub (\w+)\(", code, re.MULTILINE)) - callbacks
    assert helpers == {"MergeFolder"}
    assert re.search(r"^    MergeFolder folder, CStr\(target\)\r?$", code, re.MULTILINE)


# --------------------------------------------------------------------------- the package


def content_type(types, part: str) -> str | None:
    """A part's content type by the packaging rules: its Override, else the Default for its extension."""
    for item in types:
        if item.tag.endswith("Override") and item.get("PartName") == part:
            return item.get("ContentType")
    extension = part.rsplit(".", 1)[-1]
    return next((item.get("ContentType") for item in types
                 if item.tag.endswith("Default") and item.get("Extension") == extension), None)


def test_package_content_types_and_relationships(addin):
    with zipfile.ZipFile(addin) as package:
        names = set(package.namelist())
        types = ElementTree.fromstring(package.read("[Content_Types].xml"))
        root_rels = {rel.get("Type"): rel.get("Target") for rel in ElementTree.fromstring(package.read("_rels/.rels"))}
        book_rels = {rel.get("Type"): rel.get("Target")
                     for rel in ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))}
        workbook = package.read("xl/workbook.xml").decode()
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
    assert content_type(types, "/xl/workbook.xml") == ADDIN_CONTENT_TYPE
    assert content_type(types, "/xl/vbaProject.bin") == "application/vnd.ms-office.vbaProject"
    assert content_type(types, "/customUI/customUI14.xml") == "application/xml"
    assert root_rels[RIBBON_RELATIONSHIP] == "customUI/customUI14.xml" and "customUI/customUI14.xml" in names
    assert book_rels["http://schemas.microsoft.com/office/2006/relationships/vbaProject"] == "vbaProject.bin"
    assert 'codeName="ThisWorkbook"' in workbook and f'name="{CONFIG_SHEET}"' in workbook
    assert 'codeName="Sheet1"' in sheet  # ties the sheet to its document module


def test_settings_sheet_has_the_keys_xlwings_reads(addin):
    book = python_calamine.CalamineWorkbook.from_path(str(addin))
    assert book.sheet_names == ["xlgoals.conf"]
    rows = book.get_sheet_by_name("xlgoals.conf").to_python()
    assert {key: value for key, value in rows} == settings_sheet() == {**SETTINGS, VERSION_KEY: __version__}
    xlwings_vba = (xlwings_dir() / "xlwings_custom_addin.bas").read_text("utf-8")
    for key in SETTINGS:  # keys the installed xlwings' VBA actually asks for
        assert f'GetConfig("{key}"' in xlwings_vba, key
    assert 'PROJECT_NAME & ".conf"' in xlwings_vba  # the sheet name xlwings looks for
    # ours is read by the About button through xlwings' reader of that sheet (keys upper-cased)
    assert VERSION_KEY == VERSION_KEY.upper() and "Function GetConfigFromSheet(wb As Workbook)" in xlwings_vba
    assert f'GetConfigFromSheet(ThisWorkbook).Item("{VERSION_KEY}")' in (MACROS / "RibbonXlgoals.bas").read_text("utf-8")


def test_vba_names_the_installed_xlwings_version():
    """The VBA calls xlwings' versioned DLL and AppleScript: its version must be the Python package's."""
    xlwings = importlib.import_module("xlwings")
    assert xlwings_version() == xlwings.__version__
    assert (xlwings_dir() / f"xlwings-{xlwings_version()}.applescript").is_file()


def test_build_is_deterministic(addin, tmp_path):
    # Let the clock move past zip's 2-second resolution, so any timestamp in the package would differ.
    time.sleep(max(0.0, 2.1 - (time.time() - addin.stat().st_mtime)))
    again = tmp_path / "again.xlam"
    build_addin(again)
    assert again.read_bytes() == addin.read_bytes()


def test_libreoffice_opens_the_addin_and_imports_its_vba(addin):
    libreoffice.require()
    seen = libreoffice.inspect(addin)
    [sheet] = seen["sheets"]
    assert sheet["name"] == CONFIG_SHEET
    assert [sheet["cells"][f"A{row}"]["string"] for row in range(1, len(settings_sheet()) + 1)] == list(settings_sheet())
    basic = seen["basic"]["xlgoals"]
    assert set(basic) == {"ThisWorkbook", "Sheet1", "xlwings", "Dictionary", "RibbonXlgoals"}
    for name in ENTRY_POINTS:
        assert f"xlgoals.excel.{name}(" in basic["RibbonXlgoals"]
    assert 'PROJECT_NAME As String = "xlgoals"' in basic["xlwings"]


def test_vba_escapes_paths_and_decodes_titles_in_a_basic_interpreter():
    """PyText and Zh as written in RibbonXlgoals.bas, run by LibreOffice Basic in VBA support mode:
    every path reaches Python whole (cmd.exe's special characters and quotes escaped, a character
    beyond the BMP as two UTF-16 code units) and the dialogs' titles come out as the Chinese meant.
    The stand-in tests press the buttons with the Python mirror of PyText, held to this here."""
    libreoffice.require()
    source = (MACROS / "RibbonXlgoals.bas").read_text("utf-8")
    paths = [r"D:\各部门 & 100%\财务^科!", "部门𠀀 'x\"y", "abcXYZ019", "", "\\\\服务器\\共享\\汇总 (2).xlsx"]
    titles = re.findall(r'Zh\("([^"]*)"\)', source)
    assert titles
    results = libreoffice.basic(MACROS / "RibbonXlgoals.bas", [("PyText", [path]) for path in paths]
                                + [("Zh", [title]) for title in titles])
    for path, literal in zip(paths, results):
        assert literal == py_text(path) and literal.isascii()
        assert excel._from_vba(ast.literal_eval(literal)) == path.strip()
    for title, text in zip(titles, results[len(paths):]):
        assert text == title.encode("ascii").decode("unicode_escape") and re.search(r"[\u4e00-\u9fff]", text)


# --------------------------------------------------------------------------- commands


def xlgoals(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlgoals", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=cwd, check=False)


def tree(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_build_command_writes_the_addin(addin, tmp_path):
    result = xlgoals("addin", "build", "-o", str(tmp_path / "cli.xlam"))
    assert result.returncode == 0, result.stderr
    assert "已生成加载项" in result.stdout
    assert digest(tmp_path / "cli.xlam") == digest(addin)


def test_build_with_excel_needs_windows(tmp_path):
    result = xlgoals("addin", "build", "--with-excel", "-o", str(tmp_path / "x.xlam"))
    assert result.returncode == 2
    assert "Windows" in result.stderr and "Traceback" not in result.stderr
    assert tree(tmp_path) == []


@pytest.mark.parametrize("platform", ["windows", "macos"])
def test_install_dry_run_prints_every_target_and_changes_nothing(platform, tmp_path):
    home, appdata, profile = tmp_path / "home", tmp_path / "appdata", tmp_path / "profile"
    for folder in (home, appdata, profile):
        folder.mkdir()
    env = {"HOME": str(home), "APPDATA": str(appdata), "USERPROFILE": str(profile)}
    result = xlgoals("addin", "install", "--dry-run", "--platform", platform, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    if platform == "windows":
        targets = [PureWindowsPath(str(appdata), "Microsoft", "Excel", "XLSTART", "xlgoals.xlam"),
                   PureWindowsPath(str(profile), ".xlgoals", "xlgoals.conf")]
        key = "INTERPRETER_WIN"
    else:
        targets = [home / "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel/xlgoals.xlam",
                   home / "Library/Application Scripts/com.microsoft.Excel",
                   home / "Library/Containers/com.microsoft.Excel/Data/xlgoals.conf"]
        key = "INTERPRETER_MAC"
    for target in targets:
        assert str(target) in result.stdout, target
    assert f"{key} = {sys.executable}" in result.stdout
    assert tree(tmp_path) == ["appdata", "home", "profile"]


def test_install_without_excel_says_so_and_changes_nothing(tmp_path):
    if install.current_platform() is not None:
        pytest.skip("this machine could run Excel")
    result = xlgoals("addin", "install", env={"HOME": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 2
    assert "需要装有 Excel" in result.stderr and "Traceback" not in result.stderr
    result = xlgoals("addin", "install", "--platform", "windows", env={"HOME": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 2 and "需要装有 Excel" in result.stderr
    assert tree(tmp_path) == []


def test_macos_install_steps_put_every_file_in_place(addin, tmp_path):
    """The macOS steps are plain file operations, so they run here against a scratch home folder."""
    config = tmp_path / "Library/Containers/com.microsoft.Excel/Data/xlgoals.conf"
    config.parent.mkdir(parents=True)
    config.write_text('"INTERPRETER_MAC","/old/python"\n"PYTHONPATH","/keep/me"\n', "utf-8")
    for step in install.plan("macos", python="/opt/py/bin/python3", env={}, home=tmp_path):
        step.run()
    startup = tmp_path / "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
    assert digest(startup / "xlgoals.xlam") == digest(addin)
    script = f"xlwings-{importlib.import_module('xlwings').__version__}.applescript"  # what xlwings itself installs
    copied = tmp_path / "Library/Application Scripts/com.microsoft.Excel" / script
    assert copied.read_bytes() == (xlwings_dir() / script).read_bytes()
    assert config.read_text("utf-8") == '"PYTHONPATH","/keep/me"\n"INTERPRETER_MAC","/opt/py/bin/python3"\n'


def test_windows_interpreter_setting_is_ansi_with_crlf(tmp_path):
    """VBA reads the config file in the ANSI code page; a Chinese user name must survive (cp936 here)."""
    path = tmp_path / "xlgoals.conf"
    path.write_bytes('"CONDA ENV","base"\r\n"interpreter_win","C:\\old\\python.exe"\r\n'.encode("cp936"))
    install.write_settings(path, {"INTERPRETER_WIN": r"C:\Users\张三\.venv\Scripts\python.exe"}, encoding="cp936",
                           newline="\r\n")
    assert path.read_bytes() == '"CONDA ENV","base"\r\n"INTERPRETER_WIN","C:\\Users\\张三\\.venv\\Scripts\\python.exe"\r\n'.encode("cp936")
    with pytest.raises(XlgoalsError, match="英文字符"):
        install.write_settings(path, {"INTERPRETER_WIN": r"C:\Users\张三\python.exe"}, encoding="cp1252", newline="\r\n")


WINDOWS_ENV = {"APPDATA": r"C:\Users\张三\AppData\Roaming", "USERPROFILE": r"C:\Users\张三"}


def test_install_asks_excel_for_its_startup_folder():
    """Excel's Application.StartupPath when Excel answers (and an older copy in the usual folder goes);
    the usual %APPDATA% folder, with the reason, when it does not."""
    redirected = r"\\fileserver\profiles\张三\Excel\XLSTART"
    usual = r"C:\Users\张三\AppData\Roaming\Microsoft\Excel\XLSTART"
    steps = [step.description for step in install.plan("windows", python=sys.executable, env=WINDOWS_ENV,
                                                        startup=install.Startup(redirected))]
    assert steps[0].startswith("生成加载项") and steps[0].endswith(f"Excel 报告的启动文件夹（Application.StartupPath）：{redirected}\\xlgoals.xlam")
    assert steps[1] == f"删除以前装在默认启动文件夹的加载项（如有），免得 Excel 载入两份：{usual}\\xlgoals.xlam"
    assert len(steps) == 3
    steps = [step.description for step in install.plan("windows", python=sys.executable, env=WINDOWS_ENV,
                                                        startup=install.Startup(None, "无法连接 Excel（没有注册 Excel.Application）"))]
    assert steps[0].endswith("默认的 Excel 启动文件夹（无法连接 Excel（没有注册 Excel.Application）；能连接 Excel 时改用 Excel "
                             f"报告的启动文件夹）：{usual}\\xlgoals.xlam")
    assert len(steps) == 2 and "删除" not in steps[1]
    steps = [step.description for step in install.plan("windows", python=sys.executable, env=WINDOWS_ENV,
                                                        startup=install.Startup(usual))]
    assert len(steps) == 2  # Excel reports the usual folder: nothing to remove
    assert install.excel_startup("windows" if install.current_platform() != "windows" else "macos").path is None


def test_removing_the_old_copy_refuses_while_excel_holds_it(tmp_path, monkeypatch):
    old = tmp_path / "xlgoals.xlam"
    old.write_bytes(b"old")
    install._remove(old)
    install._remove(old)  # already gone: nothing to do
    assert not old.exists()

    def held(self, missing_ok=False):
        raise PermissionError(13, "in use")

    monkeypatch.setattr(type(old), "unlink", held)
    with pytest.raises(XlgoalsError, match="请关闭 Excel 后重新运行 xlgoals addin install"):
        install._remove(old)


def conda_install(root: Path, *envs: str) -> Path:
    """A conda installation's layout as the install looks at it: conda-meta, condabin, envs/<name>/conda-meta."""
    (root / "conda-meta").mkdir(parents=True)
    (root / "condabin").mkdir()
    for name in envs:
        (root / "envs" / name / "conda-meta").mkdir(parents=True)
    return root


@pytest.mark.parametrize(("python", "extra_env", "values"), [
    ("miniconda3/python.exe", {}, {"CONDA PATH": "miniconda3", "CONDA ENV": "base"}),
    ("miniconda3/envs/财务/python.exe", {}, {"CONDA PATH": "miniconda3", "CONDA ENV": "财务"}),
    ("miniconda3/envs/财务/bin/python", {}, {"CONDA PATH": "miniconda3", "CONDA ENV": "财务"}),  # POSIX layout
    ("projects/env/python.exe", {"CONDA_EXE": "miniconda3/Scripts/conda.exe"},  # conda create -p
     {"CONDA PATH": "miniconda3", "CONDA ENV": "projects/env"}),
    ("projects/env/python.exe", {}, {"INTERPRETER_WIN": "projects/env/python.exe"}),  # installation not found
    ("venv/Scripts/python.exe", {"CONDA_EXE": "miniconda3/Scripts/conda.exe"}, {"INTERPRETER_WIN": "venv/Scripts/python.exe"}),
], ids=["base", "named-env", "named-env-posix", "prefix-env", "prefix-env-without-conda-exe", "venv"])
def test_conda_settings_for_a_python_in_a_conda_environment(python, extra_env, values, tmp_path):
    conda_install(tmp_path / "miniconda3", "财务")
    (tmp_path / "projects/env/conda-meta").mkdir(parents=True)
    (tmp_path / "venv/Scripts").mkdir(parents=True)
    (tmp_path / "venv/pyvenv.cfg").write_text("home = x\n")
    env = {**WINDOWS_ENV, **{key: str(tmp_path / value) for key, value in extra_env.items()}}
    settings = install.python_settings("windows", str(tmp_path / python), env, tmp_path)
    expected = {key: value if value == "base" or value == "财务" else str(tmp_path / value) for key, value in values.items()}
    assert settings.values == expected
    conda = "CONDA PATH" in expected
    assert settings.stale == (("INTERPRETER_WIN", "INTERPRETER") if conda else ("CONDA PATH", "CONDA ENV"))
    described = install.plan("windows", python=str(tmp_path / python), env=env)[-1].description
    assert described == f"{settings.description}：C:\\Users\\张三\\.xlgoals\\xlgoals.conf"
    if conda:
        assert described.startswith(f"写入 conda 设置 CONDA PATH = {expected['CONDA PATH']}、CONDA ENV = {expected['CONDA ENV']}")
    elif python.startswith("projects"):
        assert "找不到带 condabin 的 conda 安装" in described
    # written, the settings replace the other kind, and the file then holds them
    config = tmp_path / "xlgoals.conf"
    config.write_bytes('"INTERPRETER_WIN","C:\\old.exe"\r\n"CONDA ENV","old"\r\n"PYTHONPATH","C:\\keep"\r\n'.encode("cp936"))
    written = dataclasses.replace(settings, config=config, encoding="cp936")
    assert not written.holds()
    written.write()
    assert written.holds()
    assert install.read_settings(config, "cp936") == {"PYTHONPATH": "C:\\keep", **{key.upper(): v for key, v in expected.items()}}


def test_install_dry_run_shows_the_conda_settings(tmp_path, monkeypatch):
    """The command itself, for a Python in a conda environment (a fake one: the command only looks at folders)."""
    root = conda_install(tmp_path / "Miniconda3", "绩效")
    monkeypatch.setattr(sys, "executable", str(root / "envs" / "绩效" / "python.exe"))
    for key, value in {"APPDATA": str(tmp_path / "appdata"), "USERPROFILE": str(tmp_path / "profile")}.items():
        monkeypatch.setenv(key, value)
    result = invoke("addin", "install", "--dry-run", "--platform", "windows")
    assert result.returncode == 0, result.stderr
    assert f"写入 conda 设置 CONDA PATH = {root}、CONDA ENV = 绩效" in result.stdout
    assert "默认的 Excel 启动文件夹" in result.stdout and "INTERPRETER_WIN" not in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Miniconda3"]


def test_built_addin_is_ignored_by_git():
    result = subprocess.run(["git", "check-ignore", "-q", "xlgoals.xlam"], cwd=ROOT, check=False)
    assert result.returncode == 0
