"""RPKI route origin validation (RFC 6811) against a local VRP snapshot.

The snapshot is the JSON a relying-party validator exports, parsed tolerantly
because the flavours differ:

- rpki-client ``-j``: ``{"metadata": {"buildtime": "2024-..Z", ...}, "roas":
  [{"asn": 64500, "prefix": ..., "maxLength": 24, "ta": "ripe", "expires": 1700000000}]}``
- Routinator ``json`` / ``jsonext``: ``{"metadata": {"generated": 1658818561,
  "generatedTime": "2022-..Z"}, "roas": [{"asn": "AS64500", "prefix": ...,
  "maxLength": 24, "ta": "ripe"}]}`` (``jsonext`` adds a ``source`` list; old
  versions have no ``metadata``)
- RIPE validator / GoRTR style: the same ``roas`` list, ``asn`` as a string.

An entry that cannot be read is skipped and counted (with one example), never
guessed at: only canonical prefix notation is read (``203.0.113.0/24``; a
hostmask-style length such as ``/0.0.0.255``, a netmask, a missing length or a
non-canonical address is refused, where ``ipaddress`` would quietly read the
first two as /24). A file with no readable ``roas`` list at all is an error.
The caller supplies the file time when the export does not say when it was
made. Reading is streaming (:mod:`oob_console.core.bgp.vrp_stream`), and a full
export is looked up through a compact index (:mod:`oob_console.core.bgp.vrp_index`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, runtime_checkable

from oob_console.core.bgp.vrp_stream import StreamFormatError, StreamSummary, stream_export

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
RovState = Literal["valid", "invalid", "not-found"]
_MAX_LEN_KEYS = ("maxLength", "max_length", "maxlen", "max-length", "maxPrefixLength")


class VrpFormatError(ValueError):
    """The data is not a VRP export this module can read."""


_LENGTH = re.compile(r"0|[1-9][0-9]{0,2}")


def parse_canonical_prefix(text: str) -> IPNetwork:
    """``ADDRESS/LENGTH`` exactly as written canonically: a decimal length, host bits clear, the address in
    its canonical form (IPv6 compressed, any case).

    Raises:
        ValueError: anything else, with the canonical spelling when there is one.
    """
    if not isinstance(text, str) or text != text.strip() or text.count("/") != 1:
        raise ValueError(f"{text!r} is not ADDRESS/LENGTH (write it like 203.0.113.0/24)")
    addr_text, length_text = text.split("/")
    try:
        addr = ipaddress.ip_address(addr_text)
    except ValueError:
        raise ValueError(f"{text!r}: {addr_text!r} is not an IP address") from None
    if not _LENGTH.fullmatch(length_text):
        hint = ""
        try:
            hint = f"; did you mean {ipaddress.ip_network(text, strict=False)}?"
        except ValueError:
            pass
        raise ValueError(f"{text!r}: the length {length_text!r} is not a decimal prefix length (a netmask or "
                         f"hostmask is refused){hint}")
    length = int(length_text)
    if length > addr.max_prefixlen:
        raise ValueError(f"{text!r}: /{length} is longer than IPv{addr.version} allows ({addr.max_prefixlen})")
    net = ipaddress.ip_network((addr, length), strict=False)
    if net.network_address != addr:
        raise ValueError(f"{text!r} has host bits set; did you mean {net}?")
    if str(addr) != addr_text.lower():
        raise ValueError(f"{text!r} is not in canonical notation; write {net}")
    return net


def canonical_prefix_fields(text: str) -> tuple[int, int, int]:
    """(version, network as an integer, length) of a canonical prefix, without building objects.

    The same rule as :func:`parse_canonical_prefix` (which it falls back to for anything unusual, and
    whose ValueError it raises); the common case goes through the C address parser, because an index
    build reads 550,000 of them.
    """
    addr_text, sep, length_text = text.partition("/") if isinstance(text, str) else ("", "", "")
    if sep and _LENGTH.fullmatch(length_text) and "/" not in length_text:
        family = socket.AF_INET6 if ":" in addr_text else socket.AF_INET
        lower = addr_text.lower()
        try:
            packed = socket.inet_pton(family, lower)
            same = "." not in lower if family == socket.AF_INET6 else True
            if same and socket.inet_ntop(family, packed) == lower:
                bits = len(packed) * 8
                length = int(length_text)
                value = int.from_bytes(packed, "big")
                if length <= bits and value & ((1 << (bits - length)) - 1) == 0:
                    return (4 if bits == 32 else 6), value, length
        except (OSError, ValueError):
            pass
    net = parse_canonical_prefix(text)  # the slow path: the exact rule and its message
    return net.version, int(net.network_address), net.prefixlen


@runtime_checkable
class VrpLookup(Protocol):
    """What route origin validation needs: covering VRPs, and what the export was."""

    @property
    def count(self) -> int: ...
    @property
    def generated(self) -> datetime | None: ...
    @property
    def flavour(self) -> str: ...
    @property
    def skipped(self) -> int: ...
    @property
    def skipped_example(self) -> str: ...
    def covering(self, prefix: IPNetwork) -> list[Vrp]: ...


@dataclass(frozen=True)
class Vrp:
    prefix: IPNetwork
    max_length: int
    asn: int
    ta: str = ""
    expires: int | None = None  # unix time, when the export gives it (rpki-client)

    def __str__(self) -> str:
        return f"{self.prefix} max /{self.max_length} AS{self.asn}" + (f" ({self.ta})" if self.ta else "")


@dataclass
class VrpSet:
    vrps: tuple[Vrp, ...]
    generated: datetime | None  # when the validator produced the export, if it says
    flavour: str  # "rpki-client", "routinator", "routinator-jsonext", "roas-list"
    skipped: int = 0  # entries that could not be read
    skipped_example: str = ""  # the first of them, and why
    _index: dict[tuple[int, int, int], list[Vrp]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for vrp in self.vrps:
            key = (vrp.prefix.version, int(vrp.prefix.network_address), vrp.prefix.prefixlen)
            self._index.setdefault(key, []).append(vrp)

    @property
    def count(self) -> int:
        return len(self.vrps)

    def covering(self, prefix: IPNetwork) -> list[Vrp]:
        """Every VRP whose prefix covers ``prefix`` (equal or less specific)."""
        found: list[Vrp] = []
        for length in range(prefix.prefixlen, -1, -1):
            net = prefix.supernet(new_prefix=length) if length < prefix.prefixlen else prefix
            found.extend(self._index.get((net.version, int(net.network_address), length), ()))
        return found


@dataclass(frozen=True)
class RovResult:
    state: RovState
    matched: tuple[Vrp, ...]  # VRPs that make it valid
    covering: tuple[Vrp, ...]  # every VRP covering the prefix (the evidence for invalid)
    reason: str


def _asn(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= 0xFFFFFFFF else None
    if isinstance(value, str):
        text = value.strip()
        digits = text[2:] if text[:2].lower() == "as" else text
        if digits.isdigit() and int(digits) <= 0xFFFFFFFF:
            return int(digits)
    return None


VrpFields = tuple[int, int, int, int, int, int | None, str]  # version, network, length, max, asn, expires, ta


def read_entry_fields(raw: Any) -> VrpFields | str:
    """One ``roas`` entry as plain fields, or why it cannot be read."""
    if not isinstance(raw, Mapping):
        return "not an object"
    asn = _asn(raw.get("asn", raw.get("origin", raw.get("asID"))))
    prefix_text = raw.get("prefix")
    if asn is None:
        return f"no usable AS number ({raw.get('asn')!r})"
    if not isinstance(prefix_text, str):
        return "no prefix"
    try:
        version, network, length = canonical_prefix_fields(prefix_text)
    except ValueError as exc:
        return str(exc)
    max_len: Any = next((raw[k] for k in _MAX_LEN_KEYS if k in raw), length)
    if isinstance(max_len, str) and _LENGTH.fullmatch(max_len):
        max_len = int(max_len)
    if not isinstance(max_len, int) or isinstance(max_len, bool):
        return f"{prefix_text}: max length {max_len!r} is not a number"
    top = 32 if version == 4 else 128
    if not length <= max_len <= top:
        return f"{prefix_text}: max length {max_len} is outside /{length}../{top}"
    expires = raw.get("expires")
    ta = raw.get("ta", raw.get("trustAnchor", ""))
    return (version, network, length, max_len, asn,
            expires if isinstance(expires, int) and not isinstance(expires, bool) else None,
            ta if isinstance(ta, str) else "")


def vrp_from_fields(f: VrpFields) -> Vrp:
    version, network, length, max_len, asn, expires, ta = f
    net: IPNetwork = (ipaddress.IPv4Network((network, length)) if version == 4
                      else ipaddress.IPv6Network((network, length)))
    return Vrp(net, max_len, asn, ta, expires)


def read_entry(raw: Any) -> Vrp | str:
    """One ``roas`` entry as a VRP, or why it cannot be read."""
    got = read_entry_fields(raw)
    return got if isinstance(got, str) else vrp_from_fields(got)


def _timestamp(meta: Mapping[str, Any]) -> datetime | None:
    gen = meta.get("generated")
    if isinstance(gen, str) and gen.strip().isdigit():
        gen = int(gen)
    if isinstance(gen, int) and not isinstance(gen, bool) and gen > 0:
        return datetime.fromtimestamp(gen, UTC)
    for key in ("generatedTime", "buildtime", "generated"):
        text = meta.get(key)
        if isinstance(text, str):
            try:
                ts = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            except ValueError:
                continue
            return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    return None


def timestamp(meta: Mapping[str, Any]) -> datetime | None:
    """When the validator made the export, from its metadata (None when it does not say)."""
    return _timestamp(meta)


def flavour(summary: StreamSummary) -> str:
    meta = summary.metadata
    if "buildtime" in meta:
        return "rpki-client"
    if "source" in summary.first_entry_keys:
        return "routinator-jsonext"
    if "generated" in meta or "generatedTime" in meta:
        return "routinator"
    return "roas-list"


@dataclass
class ReadStats:
    """What reading an export found besides its VRPs."""

    summary: StreamSummary
    skipped: int = 0
    skipped_example: str = ""

    def skip(self, reason: str) -> None:
        self.skipped += 1
        if not self.skipped_example:
            self.skipped_example = reason


def read_export(chunks: Iterable[bytes], on_vrp: Callable[[VrpFields], None]) -> ReadStats:
    """Stream an export, calling ``on_vrp`` with the fields of every readable entry.

    Raises:
        VrpFormatError: not JSON, or no ``roas`` list in it.
    """
    stats = ReadStats(StreamSummary())

    def entry(raw: Any) -> None:
        got = read_entry_fields(raw)
        if isinstance(got, str):
            stats.skip(got)
        else:
            on_vrp(got)

    try:
        stats.summary = stream_export(chunks, entry)
    except StreamFormatError as exc:
        raise VrpFormatError(str(exc)) from None
    if not stats.summary.found_list:
        raise VrpFormatError("no 'roas' list (expected a Routinator or rpki-client JSON export)")
    return stats


def parse_vrps(data: bytes | str) -> VrpSet:
    """Parse a (small) VRP export into memory.

    Raises:
        VrpFormatError: not JSON, or no ``roas`` list in it.
    """
    good: list[Vrp] = []
    stats = read_export([data.encode() if isinstance(data, str) else data],
                        lambda f: good.append(vrp_from_fields(f)))
    return VrpSet(tuple(good), _timestamp(stats.summary.metadata), flavour(stats.summary), skipped=stats.skipped,
                  skipped_example=stats.skipped_example)


def validate_origin(vrps: VrpLookup | Iterable[Vrp], prefix: IPNetwork, origin_as: int,
                    now: datetime | None = None) -> RovResult:
    """RFC 6811 section 2: Valid, Invalid or NotFound.

    A VRP covers the route when its prefix contains the route's; it matches when
    it also has the route's origin AS (never AS0) and a max length at least the
    route's length. Any match: Valid. Covered but no match: Invalid. No cover:
    NotFound. VRPs past their ``expires`` time at ``now`` do not count.
    """
    pool = vrps if isinstance(vrps, VrpLookup) else VrpSet(tuple(vrps), None, "given")
    cutoff = now.timestamp() if now is not None else None
    covering = tuple(
        v for v in pool.covering(prefix) if cutoff is None or v.expires is None or v.expires > cutoff
    )
    if not covering:
        return RovResult("not-found", (), (), f"no VRP covers {prefix}")
    matched = tuple(
        v for v in covering if v.asn != 0 and v.asn == origin_as and prefix.prefixlen <= v.max_length
    )
    if matched:
        return RovResult("valid", matched, covering, f"matches {matched[0]}")
    same_as = [v for v in covering if v.asn == origin_as]
    if same_as:
        reason = f"AS{origin_as} is authorised only up to /{max(v.max_length for v in same_as)} ({same_as[0]})"
    else:
        reason = "covered by " + ", ".join(str(v) for v in covering[:3]) + f"; none authorises AS{origin_as}"
    return RovResult("invalid", (), covering, reason)
