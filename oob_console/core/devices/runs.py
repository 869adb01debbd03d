"""Command runs as values: which devices, and what came back from each.

Whether a command may be sent is the command guard's decision
(``services.guard_gate``, called by ``services.runs``), not this module's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from oob_console.core.devices.inventory import Device, Inventory

# ok: it ran and the device reported no error; failed: the device said the command failed;
# timeout / unreachable / dropped (mid-command) / auth / hostkey (not pinned or changed) / error (ours)
Status = Literal["ok", "failed", "timeout", "unreachable", "dropped", "auth", "hostkey", "error"]
STATUSES: tuple[Status, ...] = ("ok", "failed", "timeout", "unreachable", "dropped", "auth", "hostkey", "error")


@dataclass(frozen=True)
class Selection:
    devices: tuple[Device, ...]
    unknown: tuple[str, ...] = ()


def select_devices(
    inventory: Inventory,
    names: Iterable[str] = (),
    *,
    site: str | None = None,
    role: str | None = None,
    everything: bool = False,
) -> Selection:
    """Named devices, plus every device at ``site`` / with ``role`` (both given: both must hold).

    Keeps inventory order, no duplicates; names not in the inventory are returned in ``unknown``.
    """
    wanted = list(dict.fromkeys(names))
    known = {d.name for d in inventory.devices}
    picked: list[Device] = []
    for dev in inventory.devices:
        by_filter = (site is not None or role is not None) and (site is None or dev.site == site) and (
            role is None or dev.role == role
        )
        if everything or dev.name in wanted or by_filter:
            picked.append(dev)
    return Selection(tuple(picked), tuple(n for n in wanted if n not in known))


@dataclass(frozen=True)
class TargetWords:
    names: tuple[str, ...] = ()
    site: str | None = None
    role: str | None = None
    everything: bool = False


def parse_target_words(text: str) -> TargetWords:
    """``all``, ``site:NAME``, ``role:NAME`` and device names, as typed in the TUI and ``oob shell``.

    Raises:
        ValueError: nothing was named.
    """
    names: list[str] = []
    site = role = None
    everything = False
    for word in text.split():
        if word == "all":
            everything = True
        elif word.startswith("site:") and len(word) > 5:
            site = word[5:]
        elif word.startswith("role:") and len(word) > 5:
            role = word[5:]
        else:
            names.append(word)
    if not (names or site or role or everything):
        raise ValueError("no devices: name them, or write all, site:NAME or role:NAME")
    return TargetWords(tuple(names), site, role, everything)


@dataclass
class DeviceResult:
    """What one device answered (or why it did not)."""

    device: str
    status: Status
    output: str = ""
    exit_status: int | None = None
    error: str | None = None
    elapsed: float = 0.0
    transport: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, object]:
        return {
            "device": self.device, "status": self.status, "ok": self.ok, "exit_status": self.exit_status,
            "output": self.output, "error": self.error, "elapsed": round(self.elapsed, 3),
            "transport": self.transport, **self.extra,
        }


def tally(results: Iterable[DeviceResult]) -> dict[str, int]:
    """Count of results per status, every status present (zeros included) for stable output."""
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for r in results:
        counts[r.status] += 1
    return counts
