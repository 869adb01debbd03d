"""Where a CBOR data item ends (RFC 8949), to check the shape of authenticator data.

Only the structure is walked (no values are built): enough to tell that the
attested credential data and the extensions a key's flags announce are really
there, are one item each, and that nothing follows them.
"""

from __future__ import annotations

MAX_DEPTH = 16


class CborShapeError(ValueError):
    """Not one well-formed CBOR item where one was expected."""


def _head(data: bytes, pos: int) -> tuple[int, int, int, int]:
    """(major type, additional info, argument, position after the head)."""
    if pos >= len(data):
        raise CborShapeError("ends inside a CBOR item")
    major, info = data[pos] >> 5, data[pos] & 0x1F
    pos += 1
    if info < 24:
        return major, info, info, pos
    if info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        if pos + size > len(data):
            raise CborShapeError("ends inside a CBOR item's length")
        return major, info, int.from_bytes(data[pos:pos + size], "big"), pos + size
    raise CborShapeError(f"CBOR additional information {info} (indefinite or reserved) is not accepted")


def item_end(data: bytes, pos: int = 0, depth: int = 0) -> int:
    """The position just after the CBOR item starting at ``pos``.

    Raises:
        CborShapeError: truncated, indefinite-length, reserved, or nested deeper than :data:`MAX_DEPTH`.
    """
    if depth > MAX_DEPTH:
        raise CborShapeError("CBOR nested too deeply")
    major, _info, arg, pos = _head(data, pos)
    if major in (0, 1, 7):  # integers, simple values and floats: the head is all
        return pos
    if major in (2, 3):  # byte and text strings
        if pos + arg > len(data):
            raise CborShapeError("ends inside a CBOR string")
        return pos + arg
    if major == 6:  # a tag, then one item
        return item_end(data, pos, depth + 1)
    count = arg * 2 if major == 5 else arg  # arrays, maps
    if count > len(data) - pos:
        raise CborShapeError("CBOR array or map longer than the data")
    for _ in range(count):
        pos = item_end(data, pos, depth + 1)
    return pos


def is_map(data: bytes, pos: int) -> bool:
    return pos < len(data) and data[pos] >> 5 == 5
