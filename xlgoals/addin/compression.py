"""MS-OVBA compression (section 2.4.1): how a VBA project stores its ``dir`` stream and module sources.

Written here rather than taken from ``ms-ovba-compression``: its 1.0.1 release corrupts long
matches (olevba decompresses its output of xlwings' 45 KB module wrongly after 590 bytes).
Matches are found through hash chains of three-byte prefixes; any valid match decompresses
correctly, the longest one found just keeps the stream small.
"""

from __future__ import annotations

CHUNK = 4096
_MIN_MATCH = 3
_CHAIN_LIMIT = 256  # candidates tried per position: bounds the time on very repetitive text


def compress(data: bytes) -> bytes:
    """A CompressedContainer: the signature byte 0x01, then one chunk per 4096 bytes of ``data``.

    Raises ``ValueError`` when the last, short chunk cannot be stored without changing the data
    (see ``_chunk``): 3,641 to 4,095 bytes of (nearly) incompressible data; text never comes close.
    """
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        out += _chunk(data[start:start + CHUNK], start)
    return bytes(out)


def _chunk(block: bytes, start: int = 0) -> bytes:
    """One CompressedChunk for ``block`` (4096 bytes, or fewer for the last one).

    MS-OVBA 2.4.1.1.5/2.4.1.1.6: a compressed chunk (flag 1) holds at most 4096 bytes of tokens
    (CompressedChunkSize = size - 3 <= 4095); a raw chunk (flag 0) MUST have CompressedChunkSize
    4095 and always decompresses to exactly 4096 bytes (2.4.1.3.3); chunks are cut every 4096
    bytes (2.4.1.3.7), so only the last can be shorter. A full block whose tokens do not fit is
    stored raw. A shorter last block whose tokens do not fit has no lossless encoding here: raw
    storage adds NULs to the decompressed stream, which is what the specification's own
    Compressing a RawChunk (2.4.1.3.10) does by padding. That case is refused instead. With no
    three bytes repeated, no copy token is possible and n literals take n + ceil(n / 8) bytes,
    more than 4096 from n = 3641; with a few repeats the greedy matches may still fall short by a
    byte or two where a cleverer parse would fit, so the refusal is exact only for the former.
    """
    body = _tokens(block)
    if len(body) <= CHUNK:
        return (0xB000 | (len(body) + 2 - 3)).to_bytes(2, "little") + body
    if len(block) == CHUNK:
        return (0x3000 | (CHUNK + 2 - 3)).to_bytes(2, "little") + block
    raise ValueError(
        f"MS-OVBA cannot store the last {len(block)} bytes (from offset {start}) without padding: "
        f"they compress to {len(body)} bytes, more than a chunk's {CHUNK}, and a raw chunk always "
        f"holds {CHUNK} bytes"
    )


def _tokens(block: bytes) -> bytes:
    out = bytearray()
    heads: dict[bytes, int] = {}
    previous = [-1] * len(block)
    position, end = 0, len(block)
    while position < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if position >= end:
                break
            length, offset = _longest_match(block, position, heads, previous)
            if length >= _MIN_MATCH:
                out += _copy_token(position, offset, length).to_bytes(2, "little")
                flags |= 1 << bit
                step = length
            else:
                out.append(block[position])
                step = 1
            for index in range(position, min(position + step, end - _MIN_MATCH + 1)):
                key = block[index:index + _MIN_MATCH]
                previous[index] = heads.get(key, -1)
                heads[key] = index
            position += step
        out[flag_at] = flags
    return bytes(out)


def _limits(position: int) -> tuple[int, int]:
    """Bit count of a copy token's offset field at ``position``, and the longest match it can encode."""
    bit_count = max((position - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _longest_match(block: bytes, position: int, heads: dict[bytes, int], previous: list[int]) -> tuple[int, int]:
    if position + _MIN_MATCH > len(block):
        return 0, 0
    _, maximum = _limits(position)
    maximum = min(maximum, len(block) - position)
    best_length, best_offset = 0, 0
    candidate = heads.get(block[position:position + _MIN_MATCH], -1)
    tries = 0
    while candidate >= 0 and tries < _CHAIN_LIMIT:
        length = 0
        while length < maximum and block[candidate + length] == block[position + length]:
            length += 1  # may run past ``position``: the decoder copies byte by byte
        if length > best_length:
            best_length, best_offset = length, position - candidate
            if length == maximum:
                break
        candidate = previous[candidate]
        tries += 1
    return best_length, best_offset


def _copy_token(position: int, offset: int, length: int) -> int:
    bit_count, _ = _limits(position)
    return ((offset - 1) << (16 - bit_count)) | (length - 3)
