"""The corpus of broken and hostile inputs: one function per case, each writing its file from a good one.

A :class:`Case` is a file a department might send (or an attacker might craft) and what every
reader must do with it: refuse it with a one-line message containing ``refusal``, or read it
(``refusal`` None). The files are made at test time from :class:`Base` (the example filing
written by :func:`xlgoals.write_filing`, and a blank template); nothing here is committed.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

from xlgoals import Filing, build_template, layout, write_filing

FIRST_PROJECT = "灵活就业群体工会会员专项工作经费"  # the first project of examples/shanghai-2020.json
BILLION_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{n} "' + f"&lol{n - 1 or ''};" * 10 + '">' for n in range(1, 10)) + "]>")
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
FORMULA_TEXTS = {"B4": "=1+1", "E4": "+86 21 5555 0000", "C24": "-5%", "C25": "@SUM(A1:A9)",
                 "A8": '=HYPERLINK("http://evil.example/","点此")', "F26": "=cmd|' /C calc'!A0"}
LONG_TEXT = ("长文本" * 10923)[:32767]  # Excel's most characters in a cell
NON_BMP_NAME = "𠀀𪚥项目𡈽"
EVIL_URL = "http://evil.example/steal"


@dataclass(frozen=True)
class Base:
    """The good files every case starts from."""

    good: Path  # examples/shanghai-2020.json through write_filing: five filled project sheets
    template: Path  # build_template: the blank master template
    example: Filing


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path, Base], Path]
    refusal: str | None = None  # part of the message every reader gives; None: the file reads
    libreoffice: bool = False  # made by converting with LibreOffice
    same_year: bool = True  # merges with a good submission of the unit's year (else it is left out, and said)
    filled: bool = True  # has a filled project (else a merge leaves it out, and says so)
    suffix: str = ".xlsx"

    @property
    def workbook(self) -> bool:
        """A workbook goes to every command; a filing's JSON to those that take JSON (not merge, annotate)."""
        return self.suffix != ".json"

    def build(self, folder: Path, base: Base) -> Path:
        return self.make(folder / f"{self.name}{self.suffix}", base)


# --------------------------------------------------------------------------- package surgery


def repack(source: Path, target: Path, change: Callable[[str, bytes], bytes | None] | None = None,
           extra: Mapping[str, bytes] | None = None) -> Path:
    """Copy a package part by part; ``change(name, data)`` may rewrite a part (None drops it)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            data = change(item.filename, data) if change else data
            if data is not None:
                copy.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            copy.writestr(name, data)
    return target


def sheet_part(source: Path, title: str) -> str:
    """The part name of the sheet called ``title``, through workbook.xml and its relationships."""
    with zipfile.ZipFile(source) as package:
        workbook = package.read("xl/workbook.xml").decode("utf-8")
        rels = package.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    rid = re.search(rf'<sheet [^>]*name="{re.escape(escape(title))}"[^>]*r:id="(\w+)"', workbook).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"|'
                       rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    target = target.group(1) or target.group(2)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def edit_sheet(source: Path, target: Path, title: str, edit: Callable[[bytes], bytes], **extra) -> Path:
    part = sheet_part(source, title)
    return repack(source, target, lambda name, data: edit(data) if name == part else data, **extra)


def set_cells(xml: bytes, cells: Mapping[str, str]) -> bytes:
    """Sheet XML with the ``<c>`` element of each ref replaced; values are the element's tail after ``r``
    and the style: ``' t="b"><v>1</v></c>'`` (see the ``*_cell`` helpers)."""
    for ref, tail in cells.items():
        match = re.search(rb'<c r="%s"( s="\d+")?[^>]*?(?:/>|>.*?</c>)' % ref.encode(), xml, re.DOTALL)
        assert match, f"no cell {ref} in the sheet"
        element = b'<c r="%s"%s%s' % (ref.encode(), match.group(1) or b"", tail.encode("utf-8"))
        xml = xml[:match.start()] + element + xml[match.end():]
    return xml


def text_cell(text: str) -> str:
    """An inline string, as other tools write text (control characters as OOXML's _xHHHH_)."""
    return f' t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def formula_cell(formula: str, cached: str | None, kind: str = "str") -> str:
    value = "" if cached is None else f"<v>{escape(cached)}</v>"
    kind_attr = f' t="{kind}"' if kind != "n" else ""
    return f"{kind_attr}><f>{escape(formula)}</f>{value}</c>"


def error_cell(code: str) -> str:
    return f' t="e"><v>{code}</v></c>'


def bool_cell(value: bool) -> str:
    return f' t="b"><v>{int(value)}</v></c>'


def after_declaration(xml: bytes, insert: bytes) -> bytes:
    end = xml.index(b"?>") + 2
    return xml[:end] + insert + xml[end:]


def with_openpyxl(source: Path, target: Path, edit: Callable[[openpyxl.Workbook], None]) -> Path:
    """The workbook after an edit a user could make in Excel (openpyxl loads and saves it)."""
    workbook = openpyxl.load_workbook(source)
    edit(workbook)
    workbook.save(target)
    return target


# --------------------------------------------------------------------------- the package itself


def missing(path: Path, base: Base) -> Path:
    return path


def empty_file(path: Path, base: Base) -> Path:
    path.write_bytes(b"")
    return path


# Not a file at all, though named like one: each must be refused before it is opened (a pipe blocks
# a reader, a device never ends) and, inside a folder given to merge, listed, never skipped.


def symlink_loop(path: Path, base: Base) -> Path:
    path.symlink_to(path.name)
    return path


def broken_symlink(path: Path, base: Base) -> Path:
    path.symlink_to(path.with_name(f"{path.stem}-deleted{path.suffix}"))
    return path


def fifo(path: Path, base: Base) -> Path:
    os.mkfifo(path)
    return path


def device(path: Path, base: Base) -> Path:
    path.symlink_to("/dev/zero")
    return path


def truncated(path: Path, base: Base) -> Path:
    data = base.good.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def not_a_zip(path: Path, base: Base) -> Path:
    path.write_text("项目名称,当年预算\n某项目,100\n", encoding="utf-8")
    return path


def zip_bomb(path: Path, base: Base) -> Path:
    """A file of about 1 MB whose first project sheet inflates to more than a gigabyte."""
    part = sheet_part(base.good, FIRST_PROJECT)
    with zipfile.ZipFile(base.good) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                                 compresslevel=9) as bomb:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename != part:
                bomb.writestr(item.filename, data)
                continue
            head, _, tail = data.rpartition(b"</worksheet>")
            with bomb.open(part, "w", force_zip64=True) as sheet:
                sheet.write(head)
                padding = b" " * (16 << 20)
                for _ in range(64):
                    sheet.write(padding)
                sheet.write(b"</worksheet>" + tail)
    return path


def compression_ratio(path: Path, base: Base) -> Path:
    """An extra part of 4 MB of zeros: below the size limit, far above any real compression ratio."""
    return repack(base.good, path, extra={"xl/media/zeros.bin": b"\0" * (4 << 20)})


def entity_bomb(path: Path, base: Base) -> Path:
    """Billion laughs: nine levels of ten entities each, referenced from the project name."""
    return edit_sheet(base.good, path, FIRST_PROJECT, lambda xml: set_cells(
        after_declaration(xml, BILLION_LAUGHS.encode()), {"B4": ' t="inlineStr"><is><t>&lol9;</t></is></c>'}))


def entity_bomb_after_comment(path: Path, base: Base) -> Path:
    """The DTD behind a comment longer than a naive check's look-ahead."""
    return edit_sheet(base.good, path, FIRST_PROJECT, lambda xml: set_cells(
        after_declaration(xml, b"<!--" + b"x" * 20000 + b"-->" + BILLION_LAUGHS.encode()),
        {"B4": ' t="inlineStr"><is><t>&lol9;</t></is></c>'}))


def entity_bomb_utf16(path: Path, base: Base) -> Path:
    """The DTD in a sheet encoded as UTF-16, where a byte search for ASCII text finds nothing."""
    def encode(xml: bytes) -> bytes:
        xml = after_declaration(xml, BILLION_LAUGHS.encode()).replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
        return set_cells(xml, {"B4": ' t="inlineStr"><is><t>&lol9;</t></is></c>'}).decode("utf-8").encode("utf-16")

    return edit_sheet(base.good, path, FIRST_PROJECT, encode)


def external_entity(path: Path, base: Base) -> Path:
    """XXE: an entity that would pull /etc/passwd into the project name."""
    return edit_sheet(base.good, path, FIRST_PROJECT, lambda xml: set_cells(
        after_declaration(xml, XXE.encode()), {"B4": ' t="inlineStr"><is><t>&xxe;</t></is></c>'}))


def million_rows_claimed(path: Path, base: Base) -> Path:
    return edit_sheet(base.good, path, FIRST_PROJECT,
                      lambda xml: re.sub(rb'<dimension ref="A1:(\w+?)\d+"', rb'<dimension ref="A1:\g<1>1048576"', xml))


def million_rows_sparse(path: Path, base: Base) -> Path:
    """One cell on Excel's last row, the dimension left as it was: a dense grid of a million rows."""
    cell = b'<row r="1048576"><c r="F1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return edit_sheet(base.good, path, FIRST_PROJECT, lambda xml: xml.replace(b"</sheetData>", cell + b"</sheetData>"))


def rows_without_references(path: Path, base: Base) -> Path:
    """120,000 rows without a row number (each follows the last), then a value: small enough to dodge the
    compression ratio check, and the value lands on row 120,063."""
    rows = b"<row/>" * 120_000 + b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    return edit_sheet(base.good, path, FIRST_PROJECT, lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>"))


def encrypted(path: Path, base: Base) -> Path:
    import msoffcrypto.format.ooxml

    with base.good.open("rb") as plain, path.open("wb") as target:
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("secret", target)
    return path


def _converted(fmt: str) -> Callable[[Path, Base], Path]:
    def convert(path: Path, base: Base) -> Path:
        from tests.support import libreoffice

        folder = path.parent / f"lo-{fmt}"
        folder.mkdir(exist_ok=True)
        return libreoffice.convert(base.good, fmt, folder).rename(path)

    convert.__doc__ = f"The good workbook saved as .{fmt} by LibreOffice, then renamed to .xlsx."
    return convert


xls_renamed = _converted("xls")
ods_renamed = _converted("ods")


def xlsm_with_vba(path: Path, base: Base) -> Path:
    """A macro-enabled workbook: a VBA project part, its relationship and content types."""
    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            return data.replace(b"</Types>", b'<Default Extension="bin" '
                                b'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/'
                                b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
        return data

    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Attribute VB_Name = \"ThisWorkbook\"\nSub Auto_Open()\nShell \"calc\"\nEnd Sub\n"
    return repack(base.good, path, change, extra={"xl/vbaProject.bin": vba})


def external_link(path: Path, base: Base) -> Path:
    """A project name taken from another workbook (an external link part and a formula using it)."""
    part = sheet_part(base.good, FIRST_PROJECT)
    link = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
            b'<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1" t="str"><v>'
            + "外部的项目名称".encode() + b"</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>")
    link_rels = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
                 b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                 b'openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
                 b'Target="file:///C:/secret/budget.xlsx" TargetMode="External"/></Relationships>')

    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
                                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdExt" Type="http://schemas.openxmlformats.'
                                b'org/officeDocument/2006/relationships/externalLink" '
                                b'Target="externalLinks/externalLink1.xml"/></Relationships>')
        if name == "xl/workbook.xml":
            return data.replace(b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rIdExt"/>'
                                b"</externalReferences>")
        if name == part:
            return set_cells(data, {"B4": formula_cell("[1]Sheet1!$A$1", "外部的项目名称")})
        return data

    return repack(base.good, path, change, extra={"xl/externalLinks/externalLink1.xml": link,
                                                  "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels})


def outside_hyperlink(path: Path, base: Base) -> Path:
    """The project name cell links to a web site (a hyperlink relationship with an external target)."""
    part = sheet_part(base.good, FIRST_PROJECT)
    rels_name = f"{part.rpartition('/')[0]}/_rels/{part.rpartition('/')[2]}.rels"
    relationship = (f'<Relationship Id="rIdEvil" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/hyperlink" Target="{EVIL_URL}" TargetMode="External"/>').encode()
    with zipfile.ZipFile(base.good) as package:
        has_rels = rels_name in package.namelist()

    def change(name: str, data: bytes) -> bytes:
        if name == part:
            element = b'<hyperlinks><hyperlink ref="B4" r:id="rIdEvil"/></hyperlinks>'
            anchor = re.search(rb"<(printOptions|pageMargins)\b", data)
            return data[:anchor.start()] + element + data[anchor.start():]
        if name == rels_name:
            return data.replace(b"</Relationships>", relationship + b"</Relationships>")
        return data

    extra = {} if has_rels else {rels_name: b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                                            b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                            + relationship + b"</Relationships>"}
    return repack(base.good, path, change, extra=extra)


# --------------------------------------------------------------------------- the template's structure


def sheet_renamed(path: Path, base: Base) -> Path:
    def edit(workbook):
        workbook[FIRST_PROJECT].title = "改过名的项目表"

    return with_openpyxl(base.good, path, edit)


def sheet_deleted(path: Path, base: Base) -> Path:
    def edit(workbook):
        del workbook[FIRST_PROJECT]

    return with_openpyxl(base.good, path, edit)


def sheet_added(path: Path, base: Base) -> Path:
    """A department's own sheet among the forms: a list with the form's words as column headers."""
    def edit(workbook):
        ws = workbook.create_sheet("部门备注", 2)
        ws.append(["项目名称", "项目类别", "绩效类型", "备注"])
        ws.append([FIRST_PROJECT, "经常性专项业务费", "政策补贴类", "=1+1"])

    return with_openpyxl(base.good, path, edit)


def rows_deleted(path: Path, base: Base) -> Path:
    """The 项目概况 label and text rows deleted: everything below moves up two rows."""
    def edit(workbook):
        workbook[FIRST_PROJECT].delete_rows(7, 2)

    return with_openpyxl(base.good, path, edit)


def rows_inserted(path: Path, base: Base) -> Path:
    def edit(workbook):
        workbook[FIRST_PROJECT].insert_rows(20, 3)

    return with_openpyxl(base.good, path, edit)


def cover_rows_deleted(path: Path, base: Base) -> Path:
    """The cover's 填报部门 row deleted: 联系人 would be read as the department."""
    def edit(workbook):
        ws = workbook[layout.COVER_SHEET]
        ws["B7"] = "张三"
        ws.delete_rows(6, 1)

    return with_openpyxl(base.good, path, edit)


def protection_removed(path: Path, base: Base) -> Path:
    def edit(workbook):
        for ws in workbook.worksheets:
            ws.protection.sheet = False
        workbook.security = None

    return with_openpyxl(base.good, path, edit)


def _meta(edit_meta: Callable) -> Callable[[Path, Base], Path]:
    def make(path: Path, base: Base) -> Path:
        return with_openpyxl(base.good, path, lambda workbook: edit_meta(workbook[layout.META_SHEET]))

    return make


def _wrong_version(ws) -> None:
    ws["B1"] = "0"


def _unknown_framework(ws) -> None:
    ws["B4"] = "guangdong-2019"


def _garbage(ws) -> None:
    for row in ws.iter_rows(min_row=1, max_row=8, max_col=2):
        for cell in row:
            cell.value = "乱码¤\x7f" if cell.column == 1 else 3.14


def _framework_garbage(ws) -> None:
    ws["A6"], ws["B6"] = layout.META_FRAMEWORK_TEXT_KEY, "{不是指标框架"


meta_wrong_version = _meta(_wrong_version)
meta_unknown_framework = _meta(_unknown_framework)
meta_garbage = _meta(_garbage)
meta_framework_garbage = _meta(_framework_garbage)


def meta_missing(path: Path, base: Base) -> Path:
    def edit(workbook):
        del workbook[layout.META_SHEET]

    return with_openpyxl(base.good, path, edit)


def cover_year_garbage(path: Path, base: Base) -> Path:
    def edit(workbook):
        workbook[layout.COVER_SHEET]["B4"] = "明年"

    return with_openpyxl(base.good, path, edit)


# --------------------------------------------------------------------------- what the cells hold


def _cells(cells: Mapping[str, str]) -> Callable[[Path, Base], Path]:
    def make(path: Path, base: Base) -> Path:
        return edit_sheet(base.good, path, FIRST_PROJECT, lambda xml: set_cells(xml, cells))

    return make


formulas = _cells({
    "B4": formula_cell("1+1", "2", "n"),
    "A8": formula_cell('HYPERLINK("http://evil.example/","点此")', "点此"),
    "F24": formula_cell("cmd|' /C calc'!A0", "#N/A", "e"),
    "C25": formula_cell("1+1", None, "n"),  # as scripts write it: no value Excel computed
})
formulas.__doc__ = "Real formulas in input cells, with the value Excel showed (and one without)."
errors = _cells({"F24": error_cell("#REF!"), "E20": error_cell("#DIV/0!"), "C25": error_cell("#N/A")})
booleans = _cells({"B4": bool_cell(True), "E4": bool_cell(False), "C24": bool_cell(True), "B6": bool_cell(True)})
long_text = _cells({"A8": text_cell(LONG_TEXT)})
non_bmp = _cells({"B4": text_cell(NON_BMP_NAME), "A8": text_cell("𠀀" * 100 + "\n𪚥")})
control_characters = _cells({"B4": text_cell("项目_x0001_名称_x001F_"), "A8": text_cell("概况_x0008_\t正文_x000B_")})
formula_text = _cells({ref: text_cell(text) for ref, text in FORMULA_TEXTS.items()})


def ten_thousand_rows(path: Path, base: Base) -> Path:
    project = base.example.projects[0]
    rows = [row.model_copy(update={"level3": f"{row.level3}（{n}）"})
            for n in range(10_000 // len(project.indicators) + 1) for row in project.indicators][:10_000]
    filing = base.example.model_copy(update={"projects": [project.model_copy(update={"indicators": rows})]})
    return write_filing(filing, path)


def json_invalid(path: Path, base: Base) -> Path:
    path.write_text('{"unit": "上海市总工会", "projects": [', encoding="utf-8")
    return path


def json_wrong_shape(path: Path, base: Base) -> Path:
    path.write_text('{"unit": "U", "year": 2021, "projects": [{"名称": "某项目"}]}', encoding="utf-8")
    return path


def json_not_utf8(path: Path, base: Base) -> Path:
    path.write_bytes(base.example.model_dump_json().encode("gb18030"))
    return path


def json_deep_nesting(path: Path, base: Base) -> Path:
    """A hundred thousand nested lists: a recursive parser without a depth limit would crash."""
    path.write_text('{"projects": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    return path


def _json(text: str) -> Callable[[Path, Base], Path]:
    def make(path: Path, base: Base) -> Path:
        path.write_text(text, encoding="utf-8")
        return path

    return make


# JSON of the wrong shape: each once turned into something else in silence.
json_object_in_text = _json('{"unit": "U", "year": 2021, "projects": [{"name": {"a": 1}}]}')  # became "{'a': 1}"
json_year_list = _json('{"unit": "U", "year": [2021], "projects": []}')  # became "[2021]年度"
json_empty_object = _json("{}")  # a filing of unit None
json_repeated_key = _json('{"unit": "U", "year": 2021, "projects": [{"name": "A"}], "projects": []}')  # the last won
json_repeated_nested_key = _json('{"unit": "U", "year": 2021, "projects": [{"name": "A", "budget": {"total": 1, '
                                 '"total": 2}}]}')
json_not_a_number = _json('{"unit": "U", "year": 2021, "projects": [{"name": "A", "budget": {"total": NaN}}]}')


def json_hostile_text(path: Path, base: Base) -> Path:
    """The example as JSON, its texts replaced by formula-like, control and rare characters."""
    data = base.example.model_dump(mode="json")
    data["department"] = "-5%"
    project = data["projects"][0]
    project.update(name="=1+1", category="+86 21 5555 0000", overview='=HYPERLINK("http://evil.example/","点此")\u0001',
                   basis="𠀀" * 50)
    project["indicators"][0].update(level3="@SUM(A1:A9)", target="=cmd|' /C calc'!A0")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def empty_workbook(path: Path, base: Base) -> Path:
    openpyxl.Workbook().save(path)
    return path


def blank_template(path: Path, base: Base) -> Path:
    path.write_bytes(base.template.read_bytes())
    return path


CASES: tuple[Case, ...] = (
    Case("missing", missing, "文件不存在"),
    Case("empty_file", empty_file, "文件是空的"),
    Case("symlink_loop", symlink_loop, "循环指向自己"),
    Case("broken_symlink", broken_symlink, "指向不存在的文件"),
    Case("fifo", fifo, "不是普通文件"),
    Case("device", device, "不是普通文件"),
    Case("truncated", truncated, "损坏"),
    Case("not_a_zip", not_a_zip, "不是 Excel 工作簿"),
    Case("zip_bomb", zip_bomb, "解压后过大"),
    Case("compression_ratio", compression_ratio, "压缩比异常"),
    Case("entity_bomb", entity_bomb, "实体声明"),
    Case("entity_bomb_after_comment", entity_bomb_after_comment, "实体声明"),
    Case("entity_bomb_utf16", entity_bomb_utf16, "实体声明"),
    Case("external_entity", external_entity, "实体声明"),
    Case("million_rows_claimed", million_rows_claimed, "超过 100,000 行"),
    Case("million_rows_sparse", million_rows_sparse, "超过 100,000 行"),
    Case("rows_without_references", rows_without_references, "超过 100,000 行"),
    Case("encrypted", encrypted, "加密"),
    Case("xls_renamed", xls_renamed, "旧版 .xls", libreoffice=True),
    Case("ods_renamed", ods_renamed, "OpenDocument", libreoffice=True),
    Case("xlsm_with_vba", xlsm_with_vba, suffix=".xlsm"),
    Case("external_link", external_link),
    Case("outside_hyperlink", outside_hyperlink),
    Case("sheet_renamed", sheet_renamed),
    Case("sheet_deleted", sheet_deleted),
    Case("sheet_added", sheet_added),
    Case("rows_deleted", rows_deleted, f"工作表“{FIRST_PROJECT}”的行或列被删除"),
    Case("rows_inserted", rows_inserted, f"工作表“{FIRST_PROJECT}”的行或列被删除"),
    Case("cover_rows_deleted", cover_rows_deleted, f"工作表“{layout.COVER_SHEET}”的行或列被删除"),
    Case("protection_removed", protection_removed),
    Case("meta_wrong_version", meta_wrong_version, "模板版本为“0”"),
    Case("meta_unknown_framework", meta_unknown_framework, "未知的指标框架“guangdong-2019”"),
    Case("meta_garbage", meta_garbage, "模板版本为“未知”"),
    Case("meta_framework_garbage", meta_framework_garbage, "指标框架已损坏"),
    Case("meta_missing", meta_missing, "缺少模板信息"),
    Case("cover_year_garbage", cover_year_garbage, same_year=False),
    Case("formulas", formulas),
    Case("errors", errors),
    Case("booleans", booleans),
    Case("long_text", long_text),
    Case("non_bmp", non_bmp),
    Case("control_characters", control_characters),
    Case("formula_text", formula_text),
    Case("ten_thousand_rows", ten_thousand_rows),
    Case("empty_workbook", empty_workbook, "缺少模板信息"),
    Case("blank_template", blank_template, filled=False),
    Case("json_invalid", json_invalid, "不是有效的 JSON", suffix=".json"),
    Case("json_wrong_shape", json_wrong_shape, "projects[0].名称：不认识的字段", suffix=".json"),
    Case("json_not_utf8", json_not_utf8, "无法以 UTF-8 读取", suffix=".json"),
    Case("json_deep_nesting", json_deep_nesting, "不是有效的 JSON", suffix=".json"),
    Case("json_symlink_loop", symlink_loop, "循环指向自己", suffix=".json"),
    Case("json_fifo", fifo, "不是普通文件", suffix=".json"),
    Case("json_device", device, "不是普通文件", suffix=".json"),
    Case("json_object_in_text", json_object_in_text, "projects[0].name：应为文字", suffix=".json"),
    Case("json_year_list", json_year_list, "year：应为年份", suffix=".json"),
    Case("json_empty_object", json_empty_object, "unit：缺少此字段", suffix=".json"),
    Case("json_repeated_key", json_repeated_key, "“projects”写了不止一次", suffix=".json"),
    Case("json_repeated_nested_key", json_repeated_nested_key, "“projects[0].budget.total”写了不止一次",
         suffix=".json"),
    Case("json_not_a_number", json_not_a_number, "不是有效的 JSON", suffix=".json"),
    Case("json_hostile_text", json_hostile_text, suffix=".json"),
)


def base_files(folder: Path) -> Base:
    from tests.conftest import EXAMPLE

    example = Filing.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
    good = write_filing(example, folder / "good.xlsx")
    template = build_template(folder / "template.xlsx", unit=example.unit, year=example.year, projects=3)
    return Base(good, template, example)


# --------------------------------------------------------------------------- what no output may hold

# The 汇总表's own formulas: amounts fetched from a project sheet, totals, change against last year.
_OWN_FORMULA = re.compile(r"IF\(ISNUMBER\(('(?:[^']|'')+')!([A-Z]+\d+)\),\1!\2,0\)|SUM\(([A-Z])\d+:\3\d+\)"
                          r'|IF\(([A-Z])(\d+)>0,\(([A-Z])\5-\4\5\)/\4\5,""\)')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)


def output_hazards(path: Path, *, own_sheet: str | None = layout.SUMMARY_SHEET) -> list[str]:
    """What got into an xlsx output that must never be there: macros, links out, formulas it did not make.

    Only ``own_sheet`` may hold formulas, and only the toolkit's own (see ``_OWN_FORMULA``).
    """
    found = []
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        for name in names:
            lowered = name.lower()
            if "vbaproject" in lowered or lowered.endswith(".bin"):
                found.append(f"macro part {name}")
            if "externallink" in lowered:
                found.append(f"external link part {name}")
            if name.endswith(".rels") and b'TargetMode="External"' in package.read(name):
                found.append(f"link to an outside target in {name}")
        if b"macroEnabled" in package.read("[Content_Types].xml"):
            found.append("macro-enabled content type")
        workbook = package.read("xl/workbook.xml")
        if b"<externalReference" in workbook or re.search(rb"<definedName[^>]*>[^<]*\[\d+\]", workbook):
            found.append("external reference in workbook.xml")
        titles = re.findall(rb'<sheet [^>]*name="([^"]+)"', workbook)
        for title in titles:
            sheet = unescape_xml(title.decode("utf-8"))
            for formula in _FORMULA.findall(package.read(sheet_part(path, sheet))):
                text = unescape_xml(formula.decode("utf-8"))
                if sheet != own_sheet or not _OWN_FORMULA.fullmatch(text):
                    found.append(f"formula in {sheet}: {text}")
    return found


def unescape_xml(text: str) -> str:
    """XML text as written: named and numeric character references resolved (lxml writes the latter)."""
    return html.unescape(text)


def csv_hazards(path: Path) -> list[str]:
    """CSV cells a spreadsheet would run as a formula (the export puts an apostrophe before them)."""
    rows = csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig")))
    return [cell for row in rows for cell in row
            if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not _is_number(cell))]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
