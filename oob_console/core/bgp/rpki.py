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

An entry that cannot be read is skipped and counted, never guessed at; a file
with no readable ``roas`` list at all is an error. The caller supplies the file
time when the export does not say when it was made.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
RovState = Literal["valid", "invalid", "not-found"]
_MAX_LEN_KEYS = ("maxLength", "max_length", "maxlen", "max-length", "maxPrefixLength")


class VrpFormatError(ValueError):
    """The data is not a VRP export this module can read."""


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
    _index: dict[tuple[int, int, int], list[Vrp]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for vrp in self.vrps:
            key = (vrp.prefix.version, int(vrp.prefix.network_address), vrp.prefix.prefixlen)
            self._index.setdefault(key, []).append(vrp)

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


def _entry(raw: Any) -> Vrp | None:
    if not isinstance(raw, Mapping):
        return None
    asn = _asn(raw.get("asn", raw.get("origin", raw.get("asID"))))
    prefix_text = raw.get("prefix")
    if asn is None or not isinstance(prefix_text, str):
        return None
    try:
        prefix = ipaddress.ip_network(prefix_text.strip(), strict=True)
    except ValueError:
        return None
    max_len: Any = next((raw[k] for k in _MAX_LEN_KEYS if k in raw), prefix.prefixlen)
    if isinstance(max_len, str) and max_len.strip().isdigit():
        max_len = int(max_len)
    if not isinstance(max_len, int) or isinstance(max_len, bool):
        return None
    if not prefix.prefixlen <= max_len <= prefix.max_prefixlen:
        return None
    expires = raw.get("expires")
    ta = raw.get("ta", raw.get("trustAnchor", ""))
    return Vrp(prefix, max_len, asn, ta if isinstance(ta, str) else "",
               expires if isinstance(expires, int) and not isinstance(expires, bool) else None)


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


def parse_vrps(data: bytes | str) -> VrpSet:
    """Parse a VRP export.

    Raises:
        VrpFormatError: not JSON, or no ``roas`` list in it.
    """
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VrpFormatError(f"not JSON: {exc}") from None
    meta: Mapping[str, Any] = {}
    if isinstance(doc, list):  # a bare list of VRP objects
        entries: Any = doc
    elif isinstance(doc, Mapping):
        entries = doc.get("roas", doc.get("vrps"))
        found = doc.get("metadata")
        meta = found if isinstance(found, Mapping) else {}
    else:
        entries = None
    if not isinstance(entries, list):
        raise VrpFormatError("no 'roas' list (expected a Routinator or rpki-client JSON export)")
    vrps = [_entry(e) for e in entries]
    good = tuple(v for v in vrps if v is not None)
    if "buildtime" in meta:
        flavour = "rpki-client"
    elif entries and isinstance(entries[0], Mapping) and "source" in entries[0]:
        flavour = "routinator-jsonext"
    elif "generated" in meta or "generatedTime" in meta:
        flavour = "routinator"
    else:
        flavour = "roas-list"
    return VrpSet(good, _timestamp(meta), flavour, skipped=len(vrps) - len(good))


def validate_origin(vrps: VrpSet | Iterable[Vrp], prefix: IPNetwork, origin_as: int,
                    now: datetime | None = None) -> RovResult:
    """RFC 6811 section 2: Valid, Invalid or NotFound.

    A VRP covers the route when its prefix contains the route's; it matches when
    it also has the route's origin AS (never AS0) and a max length at least the
    route's length. Any match: Valid. Covered but no match: Invalid. No cover:
    NotFound. VRPs past their ``expires`` time at ``now`` do not count.
    """
    pool = vrps if isinstance(vrps, VrpSet) else VrpSet(tuple(vrps), None, "given")
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
