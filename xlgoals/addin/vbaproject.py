"""The VBA project of the add-in (``xl/vbaProject.bin``), written from module sources per MS-OVBA.

Only the interoperable, version-independent part is written: ``_VBA_PROJECT`` carries version
0xFFFF and no performance cache, and module streams hold compressed source only, so every Excel
(Windows or Mac, 32 or 64 bit) compiles the project from source when it opens the add-in.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass

from . import cfb
from .compression import compress

CODE_PAGE = 1252
_ENCODING = f"cp{CODE_PAGE}"
_LCID = 0x0409
_SYSKIND_WIN32 = 0x00000001
_PROJECT_VERSION = (1, 0)
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
# Office's type library (IRibbonControl); Excel resolves it by GUID and version, the path is a hint.
OFFICE_LIBID = (r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files"
                r"\Microsoft Shared\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library")
STDOLE_LIBID = r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"
_REFERENCES = (("stdole", STDOLE_LIBID), ("Office", OFFICE_LIBID))


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, kind and source text as stored (``Attribute`` lines included)."""

    name: str
    kind: str  # "module" (standard), "class", or "document" (ThisWorkbook, a sheet)
    source: str


def project_bin(name: str, modules: list[Module]) -> bytes:
    """The compound file ``vbaProject.bin`` holding ``modules`` in a project called ``name``."""
    for module in modules:
        if module.kind not in ("module", "class", "document"):
            raise ValueError(f"unknown module kind {module.kind!r} of {module.name}")
    project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"xlgoals:{name}")).upper() + "}"
    vba = cfb.Storage(streams={
        "_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001),
        "dir": compress(dir_stream(name, modules)),
    })
    for module in modules:
        vba.streams[module.name] = compress(_encode(_crlf(module.source), module.name))
    root = cfb.Storage(
        streams={"PROJECT": project_stream(project_id, name, modules), "PROJECTwm": _name_map(modules)},
        storages={"VBA": vba},
    )
    return cfb.write(root)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _encode(text: str, what: str) -> bytes:
    try:
        return text.encode(_ENCODING)
    except UnicodeEncodeError as error:
        raise ValueError(f"{what}: VBA text must be stored in code page {CODE_PAGE}; "
                         "keep VBA strings ASCII and put Chinese text in the ribbon XML or Python") from error


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _text_records(record_id: int, unicode_id: int, text: str) -> bytes:
    """A record holding MBCS text followed by its UTF-16 twin (the twin's "size" field is its length)."""
    return _record(record_id, _encode(text, "project text")) + _record(unicode_id, text.encode("utf-16-le"))


def dir_stream(name: str, modules: list[Module]) -> bytes:
    """The uncompressed ``dir`` stream (MS-OVBA 2.3.4.2): project information, references, modules."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", _SYSKIND_WIN32))
    out += _record(0x0002, struct.pack("<I", _LCID))
    out += _record(0x0014, struct.pack("<I", _LCID))
    out += _record(0x0003, struct.pack("<H", CODE_PAGE))
    out += _record(0x0004, _encode(name, "project name"))
    out += _text_records(0x0005, 0x0040, "")  # doc string
    out += _text_records(0x0006, 0x003D, "")  # help file
    out += _record(0x0007, struct.pack("<I", 0))
    out += _record(0x0008, struct.pack("<I", 0))
    out += struct.pack("<HIIH", 0x0009, 4, *_PROJECT_VERSION)
    out += _text_records(0x000C, 0x003C, "")  # conditional compilation constants
    for ref_name, libid in _REFERENCES:
        out += _text_records(0x0016, 0x003E, ref_name)
        encoded = _encode(libid, "reference")
        body = struct.pack("<I", len(encoded)) + encoded + struct.pack("<IH", 0, 0)
        out += _record(0x000D, body)
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))
    for module in modules:
        out += _text_records(0x0019, 0x0047, module.name)
        out += _text_records(0x001A, 0x0032, module.name)  # stream name
        out += _text_records(0x001C, 0x0048, "")  # doc string
        out += _record(0x0031, struct.pack("<I", 0))  # source starts at offset 0: no p-code
        out += _record(0x001E, struct.pack("<I", 0))
        out += _record(0x002C, struct.pack("<H", 0xFFFF))
        out += _record(0x0021 if module.kind == "module" else 0x0022, b"")
        out += _record(0x002B, b"")
    out += _record(0x0010, b"")
    return bytes(out)


def project_stream(project_id: str, name: str, modules: list[Module]) -> bytes:
    """The ``PROJECT`` stream (MS-OVBA 2.3.1): the project's properties as text lines."""
    lines = [f'ID="{project_id}"']
    for module in modules:
        lines.append({"document": f"Document={module.name}/&H00000000", "class": f"Class={module.name}",
                      "module": f"Module={module.name}"}[module.kind])
    key = sum(project_id.encode(_ENCODING)) & 0xFF
    unprotected = encrypt(bytes(4), key, seed=0x41)
    no_password = encrypt(b"\x00", key, seed=0x43)
    visible = encrypt(b"\xff", key, seed=0x45)
    lines += [
        f'Name="{name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
        f'CMG="{unprotected}"', f'DPB="{no_password}"', f'GC="{visible}"',
        "", "[Host Extender Info]", _HOST_EXTENDER, "",
    ]
    return _encode("\r\n".join(lines), "PROJECT stream")


def encrypt(data: bytes, project_key: int, *, seed: int) -> str:
    """MS-OVBA data encryption (2.4.3.2) of a PROJECT property, as hex; a fixed seed keeps builds identical."""
    version = 2
    out = bytearray([seed, seed ^ version, seed ^ project_key])
    unencrypted, encrypted_1, encrypted_2 = project_key, seed ^ project_key, seed ^ version
    ignored = b"\x07" * ((seed & 6) // 2)  # any bytes may be hidden here; the spec's examples hide 0x07
    for plain in ignored + struct.pack("<I", len(data)) + data:
        byte = plain ^ ((encrypted_2 + unencrypted) & 0xFF)
        out.append(byte)
        encrypted_2, encrypted_1, unencrypted = encrypted_1, byte, plain
    return out.hex().upper()


def _name_map(modules: list[Module]) -> bytes:
    """The ``PROJECTwm`` stream: each module name in MBCS and UTF-16, then a terminator."""
    out = bytearray()
    for module in modules:
        out += _encode(module.name, "module name") + b"\x00" + module.name.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")
