"""A compact, sorted VRP index: looked up in place (an mmap), never parsed into objects.

Built once when the export changes (``VrpIndexBuilder``), then every command
answers "which VRPs cover this prefix" with a few binary searches over
fixed-size records, whatever the export's size.

Layout: ``MAGIC``, a 4-byte big-endian header length, the header (canonical
JSON: the export's SHA-256 and file stamp, its date, flavour, counts, trust
anchor names), then ``count`` records of ``RECORD`` bytes sorted by their first
``KEY`` bytes::

    version (1) | network address, 16 bytes big-endian (IPv4 right-aligned) | prefix length (1)
    | max length (1) | origin AS (4) | expires, unix time, -1 when not given (8, signed) | TA index (1)

Pure: the caller reads and writes the bytes.
"""

from __future__ import annotations

import ipaddress
import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, Protocol

from oob_console.core.bgp.rpki import IPNetwork, Vrp, VrpFields

MAGIC = b"OOBVRPX1"
_REC = struct.Struct(">B16sBBIqB")
RECORD = _REC.size  # 32
KEY = 18  # version, network, prefix length
_NO_EXPIRY = -1
_OTHER_TA = 255


class Buffer(Protocol):
    def __len__(self) -> int: ...
    def __getitem__(self, index: slice, /) -> bytes: ...


def _key(version: int, network: int, length: int) -> bytes:
    return bytes((version,)) + network.to_bytes(16, "big") + bytes((length,))


class VrpIndexBuilder:
    """Collects VRPs as packed records (about 100 bytes each in memory), then writes the index."""

    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.tas: dict[str, int] = {}
        self.header: dict[str, Any] = {}  # what the builder's caller knows about the export

    def add(self, fields: VrpFields) -> None:
        version, network, length, max_len, asn, expires, ta_name = fields
        ta = self.tas.get(ta_name)
        if ta is None:
            ta = self.tas[ta_name] = len(self.tas) if len(self.tas) < _OTHER_TA else _OTHER_TA
        self.records.append(_REC.pack(version, network.to_bytes(16, "big"), length, max_len, asn,
                                      _NO_EXPIRY if expires is None else expires, ta))

    def head(self, header: Mapping[str, Any]) -> bytes:
        """Sort the records and return what precedes them in the file (magic, length, header)."""
        self.records.sort()
        names = [n for n, i in sorted(self.tas.items(), key=lambda kv: kv[1]) if i != _OTHER_TA]
        head = json.dumps({**header, "count": len(self.records), "tas": names},
                          sort_keys=True, separators=(",", ":")).encode()
        return MAGIC + len(head).to_bytes(4, "big") + head

    def write(self, fh: BinaryIO, header: Mapping[str, Any]) -> None:
        """Write the index to ``fh`` record by record (no second copy of the table in memory)."""
        fh.write(self.head(header))
        fh.writelines(self.records)

    def encode(self, header: Mapping[str, Any]) -> bytes:
        """The index file's bytes (records sorted; duplicates kept, they are harmless)."""
        return self.head(header) + b"".join(self.records)


class IndexFormatError(ValueError):
    """Not an index this version wrote (rebuild it)."""


def read_header(data: Buffer) -> tuple[dict[str, Any], int]:
    """The header and the offset of the first record.

    Raises:
        IndexFormatError: wrong magic, truncated, or a size that does not match the count.
    """
    if len(data) < len(MAGIC) + 4 or data[0:len(MAGIC)] != MAGIC:
        raise IndexFormatError("not a VRP index (wrong magic)")
    size = int.from_bytes(data[len(MAGIC):len(MAGIC) + 4], "big")
    start = len(MAGIC) + 4
    try:
        header = json.loads(data[start:start + size])
    except ValueError:
        raise IndexFormatError("the index header is not JSON") from None
    if not isinstance(header, dict) or not isinstance(header.get("count"), int):
        raise IndexFormatError("the index header has no count")
    first = start + size
    if len(data) != first + header["count"] * RECORD:
        raise IndexFormatError("the index is truncated or padded")
    return header, first


@dataclass
class VrpIndex:
    """VRPs looked up in ``data`` (bytes or an mmap) without loading them."""

    data: Buffer
    header: dict[str, Any]
    first: int

    @classmethod
    def open(cls, data: Buffer) -> VrpIndex:
        header, first = read_header(data)
        return cls(data, header, first)

    @property
    def count(self) -> int:
        return int(self.header["count"])

    @property
    def generated(self) -> datetime | None:
        ts = self.header.get("generated")
        return datetime.fromtimestamp(ts, UTC) if isinstance(ts, (int, float)) else None

    @property
    def flavour(self) -> str:
        return str(self.header.get("flavour", ""))

    @property
    def skipped(self) -> int:
        return int(self.header.get("skipped", 0))

    @property
    def skipped_example(self) -> str:
        return str(self.header.get("skipped_example", ""))

    def _record_key(self, i: int) -> bytes:
        at = self.first + i * RECORD
        return self.data[at:at + KEY]

    def _lower(self, key: bytes) -> int:
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            if self._record_key(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _exact(self, version: int, network: int, length: int) -> list[Vrp]:
        key = _key(version, network, length)
        out = []
        i = self._lower(key)
        tas = self.header.get("tas", [])
        while i < self.count:
            at = self.first + i * RECORD
            raw = self.data[at:at + RECORD]
            if raw[:KEY] != key:
                break
            _v, _net, _len, max_len, asn, expires, ta = _REC.unpack(raw)
            prefix: IPNetwork = (ipaddress.IPv4Network((network, length)) if version == 4
                                 else ipaddress.IPv6Network((network, length)))
            out.append(Vrp(prefix, max_len, asn, tas[ta] if ta < len(tas) else "",
                           None if expires == _NO_EXPIRY else expires))
            i += 1
        return out

    def covering(self, prefix: IPNetwork) -> list[Vrp]:
        """Every VRP whose prefix covers ``prefix`` (equal or less specific): one search per length."""
        found: list[Vrp] = []
        bits = prefix.max_prefixlen
        addr = int(prefix.network_address)
        for length in range(prefix.prefixlen, -1, -1):
            network = addr & (((1 << length) - 1) << (bits - length)) if length else 0
            found.extend(self._exact(prefix.version, network, length))
        return found
