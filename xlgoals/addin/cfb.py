"""A minimal writer of compound files (MS-CFB version 3): the OLE container ``vbaProject.bin`` is.

Only what a VBA project needs: storages and streams, written once, in a fixed layout with no
timestamps, so the same streams always give the same bytes. Streams under 4096 bytes live in the
mini stream (64-byte sectors), larger ones in 512-byte sectors. Each storage's children form a
red-black tree, as the specification requires of readers that check it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
_ENTRIES_PER_SECTOR = SECTOR // 128
_IDS_PER_SECTOR = SECTOR // 4
_HEADER_DIFAT = 109

FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


@dataclass
class Storage:
    """A folder of the compound file: named streams (bytes) and storages."""

    streams: dict[str, bytes] = field(default_factory=dict)
    storages: dict[str, Storage] = field(default_factory=dict)


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def write(root: Storage) -> bytes:
    """The compound file holding ``root``'s streams and storages."""
    entries = [_Entry("Root Entry", _ROOT)]
    _collect(root, 0, entries)
    for entry in entries:
        if entry.children:
            entry.child = _tree(entries, entry.children)

    mini_stream = bytearray()
    mini_fat: list[int] = []
    big: list[_Entry] = []
    for entry in entries:
        if entry.kind != _STREAM or not entry.data:
            continue
        if len(entry.data) < MINI_CUTOFF:
            entry.start = len(mini_fat)
            count = -(-len(entry.data) // MINI_SECTOR)
            mini_fat += [len(mini_fat) + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
            mini_stream += entry.data.ljust(count * MINI_SECTOR, b"\x00")
        else:
            big.append(entry)
        entry.size = len(entry.data)

    sectors: list[bytes] = []
    fat: list[int] = []

    def place(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        first = len(sectors)
        count = -(-len(data) // SECTOR)
        for i in range(count):
            sectors.append(data[i * SECTOR:(i + 1) * SECTOR].ljust(SECTOR, b"\x00"))
            fat.append(first + i + 1 if i < count - 1 else ENDOFCHAIN)
        return first

    for entry in big:
        entry.start = place(entry.data)
    entries[0].start = place(bytes(mini_stream))
    entries[0].size = len(mini_stream)
    mini_fat_bytes = b"".join(struct.pack("<I", value) for value in mini_fat)
    mini_fat_start = place(mini_fat_bytes.ljust(-(-len(mini_fat_bytes) // SECTOR) * SECTOR, b"\xff"))
    mini_fat_sectors = -(-len(mini_fat_bytes) // SECTOR)
    while len(entries) % _ENTRIES_PER_SECTOR:
        entries.append(_Entry("", 0))
    directory_start = place(b"".join(_pack_entry(entry) for entry in entries))

    fat_count = 1
    while fat_count * _IDS_PER_SECTOR < len(sectors) + fat_count:
        fat_count += 1
    if fat_count > _HEADER_DIFAT:
        raise ValueError("compound file too large for a header-only DIFAT")
    fat_start = len(sectors)
    fat += [FATSECT] * fat_count
    fat += [FREESECT] * (fat_count * _IDS_PER_SECTOR - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    sectors += [fat_bytes[i * SECTOR:(i + 1) * SECTOR] for i in range(fat_count)]

    difat = [fat_start + i for i in range(fat_count)] + [FREESECT] * (_HEADER_DIFAT - fat_count)
    header = b"".join([
        bytes.fromhex("D0CF11E0A1B11AE1"), bytes(16),
        struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6), bytes(6),
        struct.pack("<IIIIIIIII", 0, fat_count, directory_start, 0, MINI_CUTOFF,
                    mini_fat_start if mini_fat else ENDOFCHAIN, mini_fat_sectors, ENDOFCHAIN, 0),
        struct.pack(f"<{_HEADER_DIFAT}I", *difat),
    ])
    return header + b"".join(sectors)


def _collect(storage: Storage, parent: int, entries: list[_Entry]) -> None:
    for name, data in storage.streams.items():
        entries[parent].children.append(len(entries))
        entries.append(_Entry(_checked(name), _STREAM, data=data))
    for name, child in storage.storages.items():
        index = len(entries)
        entries[parent].children.append(index)
        entries.append(_Entry(_checked(name), _STORAGE))
        _collect(child, index, entries)


def _checked(name: str) -> str:
    if not 0 < len(name) <= 31 or any(c in name for c in "/\\:!"):
        raise ValueError(f"invalid compound file entry name: {name!r}")
    return name


def _key(name: str) -> tuple[int, str]:
    """The specification's order of siblings: shorter names first, then by upper-cased name."""
    return len(name), name.upper()


def _tree(entries: list[_Entry], children: list[int]) -> int:
    """Link ``children`` as a balanced binary search tree; nodes on an incomplete last level are red."""
    ordered = sorted(children, key=lambda index: _key(entries[index].name))
    depth = len(ordered).bit_length()
    perfect = len(ordered) == (1 << depth) - 1

    def build(low: int, high: int, level: int) -> int:
        if low > high:
            return NOSTREAM
        middle = (low + high) // 2
        node = entries[ordered[middle]]
        node.left = build(low, middle - 1, level + 1)
        node.right = build(middle + 1, high, level + 1)
        node.color = _RED if level == depth - 1 and not perfect else _BLACK
        return ordered[middle]

    return build(0, len(ordered) - 1, 0)


def _pack_entry(entry: _Entry) -> bytes:
    encoded = (entry.name + "\x00").encode("utf-16-le") if entry.name else b""
    return b"".join([
        encoded.ljust(64, b"\x00"),
        struct.pack("<HBBIII", len(encoded), entry.kind, entry.color if entry.kind else 0,
                    entry.left, entry.right, entry.child),
        bytes(16), struct.pack("<I", 0), bytes(16),
        struct.pack("<IQ", entry.start if entry.kind in (_STREAM, _ROOT) else 0, entry.size),
    ])
