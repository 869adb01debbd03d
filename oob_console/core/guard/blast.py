"""Checker 2: the blast radius of a block, measured on the inventory.

``effects`` says what kind of thing each statement takes down; here every
effect is resolved on each target device's links and BGP sessions (interface
names matched through abbreviations, ranges, wildcards and bundles; a link's
far end counts too), and the damage is measured as shares: of the device's and
the site's critical links, of the whole backbone, of each bundle's members,
of the device's BGP sessions (all, per kind, per routing instance). A share at
or above its threshold in ``GuardPolicy`` is dangerous, whatever the rules
say. Where the inventory cannot measure an effect that may be large (no
target device, an unknown bundle, a routing instance it knows nothing of),
the effect counts as dangerous.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from oob_console.core.counting import counted
from oob_console.core.devices.inventory import BgpSession, Device, Inventory, Link
from oob_console.core.guard.decision import CheckerReport, GuardPolicy, GuardRequest, Verdict, unknown_platform
from oob_console.core.guard.effects import Effect, Extractor

PLATFORMS = ("frr", "ios", "iosxr", "junos", "eos", "nxos")
_NAME = re.compile(r"^([a-z][a-z_-]*?)[-_]?(\d[\d/:]*)(?:\.\d+)?$")
_ITEM = re.compile(r"^([a-z][a-z_-]*?)?[-_]?\s*((?:\d+[/:])*)(\d+)"  # type, leading numbers, last number
                   r"(?:\s*(?:-|to\s+[a-z_-]*[-_]?(?:\d+[/:])*)\s*(\d+))?$")  # "- 4" or "to et-0/0/4"
_BUNDLES = ("port-channel", "bundle-ether", "ae", "be", "po", "bond", "lag", "reth")
_MAX_NAMES = 4096
_WHOLE = ("device", "bgp", "igp", "instance")

End = tuple[str, str]  # (device, interface) as the inventory names them


_ALIASES = {"be": "bundle-ether"}  # short forms that are not prefixes of the full name
_RANGE_WORD = re.compile(r"^range\s+")


@lru_cache(maxsize=4096)
def _split(name: str) -> tuple[str, str] | None:
    m = _NAME.match(name.lower().replace(" ", ""))
    return (_ALIASES.get(m.group(1), m.group(1)), m.group(2)) if m else None


def same_interface(typed: str, known: str) -> bool:
    """``Gi0/1`` is ``GigabitEthernet0/1``; ``xe-0/0/0.0`` is ``xe-0/0/0``; case never matters."""
    a, b = _split(typed), _split(known)
    if a is None or b is None:
        return typed.lower().replace(" ", "") == known.lower().replace(" ", "")
    return a[1] == b[1] and (b[0].startswith(a[0]) or a[0].startswith(b[0]))


def is_bundle(name: str) -> bool:
    parts = _split(name)
    return bool(parts) and any(b == parts[0] or (len(parts[0]) > 2 and b.startswith(parts[0]))  # type: ignore[index]
                               for b in _BUNDLES)


def _wildcard(spec: str) -> Callable[[str], bool]:
    body = spec.strip("<>\"")
    pattern = ""
    for piece in re.split(r"(\[\d+-\d+\]|\*|\.\*)", body):
        if piece in ("*", ".*"):
            pattern += ".*"
        elif re.fullmatch(r"\[\d+-\d+\]", piece):
            lo, hi = (int(x) for x in piece[1:-1].split("-"))
            pattern += "(?:" + "|".join(str(n) for n in range(lo, min(hi, lo + _MAX_NAMES) + 1)) + ")"
        else:
            pattern += re.escape(piece)
    regex = re.compile(pattern)
    return lambda name: bool(regex.fullmatch(name.lower()))


def spec_matcher(spec: str) -> Callable[[str], bool]:
    """A predicate over inventory interface names for what a command named (one, a list, a range, a glob)."""
    spec = _RANGE_WORD.sub("", spec.lower().strip().strip('"'))
    if spec in ("<*>", "*", "all", "") or "macro" in spec:
        return lambda name: True
    if any(ch in spec for ch in "*<[") or "(" in spec:
        return _wildcard(spec)
    names: list[str] = []
    typ = ""
    for item in spec.split(","):
        m = _ITEM.match(item.strip())
        if not m:
            return _one(item.strip())
        typ = m.group(1) or typ
        lo, hi = int(m.group(3)), int(m.group(4) or m.group(3))
        if hi < lo or hi - lo > _MAX_NAMES:
            return lambda name: True
        names.extend(f"{typ}{m.group(2)}{n}" for n in range(lo, hi + 1))
    return lambda name: any(same_interface(n, name) for n in names)


def _one(spec: str) -> Callable[[str], bool]:
    return lambda name: same_interface(spec, name)


def _unbounded(spec: str) -> bool:
    spec = spec.lower()
    return spec.strip() in ("<*>", "*", "all", "") or any(ch in spec for ch in "*<[") or "macro" in spec


@lru_cache(maxsize=4096)
def _addr(text: str) -> str:
    """A neighbour address as one spelling (``2001:DB8::1`` and ``2001:db8:0::1`` alike)."""
    try:
        return ipaddress.ip_address(text.strip()).compressed
    except ValueError:
        return text.strip().lower()


@dataclass
class _Damage:
    ends: set[End] = field(default_factory=set)
    sessions: set[tuple[str, BgpSession]] = field(default_factory=set)
    dangerous: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class BlastChecker:
    name = "blast"

    def check(self, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
        if request.platform not in PLATFORMS:
            return unknown_platform(self.name, request.platform)
        extractor = Extractor(request.platform)
        effects = extractor.junos(request.text) if request.platform == "junos" else extractor.cisco(request.text)
        if not effects:
            return CheckerReport(self.name, Verdict.READ_ONLY, ("takes nothing down and changes nothing",))
        damage = _Damage()
        for effect in effects:
            if effect.kind == "change":
                continue
            where = f"line {effect.line} `{_snippet(effect.text)}`"
            if not request.devices:
                self._unmeasured(effect, where, damage)
            for device in request.devices:
                self._resolve(effect, device, where, damage)
        if damage.ends or damage.sessions:
            self._measure(request, policy, damage)
        if damage.dangerous:
            return CheckerReport(self.name, Verdict.DANGEROUS, tuple(dict.fromkeys(damage.dangerous)))
        changes = [f"line {e.line} `{_snippet(e.text)}`: {e.why}" for e in effects if e.kind == "change"]
        reasons = damage.notes + changes
        return CheckerReport(self.name, Verdict.CHANGE, tuple(dict.fromkeys(reasons[:12])) or ("changes state",))

    # --- one effect on one device ------------------------------------------------------------

    @staticmethod
    def _unmeasured(effect: Effect, where: str, damage: _Damage) -> None:
        """No target device: only what is large by its nature can be judged."""
        if effect.kind in _WHOLE:
            damage.dangerous.append(f"{where}: {effect.why}; no target device to measure it on, "
                                    "so it counts as everything")
        elif effect.kind == "links" and (is_bundle(effect.target) or _unbounded(effect.target)):
            damage.dangerous.append(f"{where}: {effect.why} ({effect.target}): a whole bundle or an unbounded "
                                    "range, with no target device to measure it on")
        else:
            damage.notes.append(f"{where}: {effect.why} {effect.target}".rstrip()
                                + " (no target device: blast radius not measured)")

    def _resolve(self, effect: Effect, device: Device, where: str, damage: _Damage) -> None:
        kind = effect.kind
        if kind == "device":
            damage.dangerous.append(f"{where}: {effect.why}: all of {device.name} goes down "
                                    f"({counted(len(device.links), 'link')}, "
                                    f"{counted(len(device.bgp), 'BGP session')})")
        elif kind == "links":
            self._links(effect, device, where, damage)
        elif kind == "igp":
            if not device.links:
                damage.dangerous.append(f"{where}: {effect.why} on {device.name}, whose links are not in the "
                                        "inventory: cannot measure it")
            damage.ends.update((device.name, link.interface) for link in device.links)
        else:
            self._sessions(effect, device, where, damage)

    @staticmethod
    def _links(effect: Effect, device: Device, where: str, damage: _Damage) -> None:
        spec = effect.target
        named = spec_matcher(spec)
        # a bundle named (or matched by a range such as port-channel*) takes its members with it
        lag_members = [link for link in device.links if link.lag and (same_interface(spec, link.lag)
                                                                      or named(link.lag))]
        hit = lag_members or [link for link in device.links if named(link.interface)]
        if hit:
            damage.ends.update((device.name, link.interface) for link in hit)
            if lag_members:
                damage.notes.append(f"{where}: takes bundle {spec} down on {device.name} "
                                    f"({counted(len(lag_members), 'member')})")
        elif is_bundle(spec) or _unbounded(spec):
            damage.dangerous.append(f"{where}: {effect.why} ({spec}) on {device.name}: a bundle or range the "
                                    "inventory does not know, so its size cannot be measured")
        else:
            damage.notes.append(f"{where}: {spec} on {device.name} is not in the inventory "
                                "(blast radius not measured)")

    @staticmethod
    def _sessions(effect: Effect, device: Device, where: str, damage: _Damage) -> None:
        kind = effect.kind
        if kind == "session":
            wanted = _addr(effect.target)
            hit = [s for s in device.bgp if _addr(s.neighbor) == wanted]
            if not hit:
                damage.notes.append(f"{where}: BGP neighbour {effect.target} of {device.name} is not in the "
                                    "inventory (blast radius not measured)")
        elif kind == "instance":
            hit = [s for s in device.bgp if (s.vrf.lower() == effect.target.lower())
                   or (effect.target == "*" and s.vrf != "default")]
            if hit:
                damage.dangerous.append(f"{where}: {effect.why} on {device.name}: all "
                                        f"{counted(len(hit), 'BGP session')} "
                                        "of the routing instance drop")
            else:
                damage.dangerous.append(f"{where}: {effect.why} on {device.name}; the inventory lists none of its "
                                        "sessions, so what it carries cannot be measured")
        else:  # every session, perhaps of one routing instance, AS or kind
            hit = [s for s in device.bgp
                   if (not effect.vrf or s.vrf.lower() == effect.vrf.lower())
                   and (not effect.asn or str(s.peer_as) == effect.asn)
                   and (not effect.bgp_kind or (s.kind == "ibgp") == (effect.bgp_kind == "ibgp"))]
            if not device.bgp:
                damage.dangerous.append(f"{where}: {effect.why} on {device.name}, whose BGP sessions are not in "
                                        "the inventory: cannot measure it")
        damage.sessions.update((device.name, s) for s in hit)

    # --- shares ------------------------------------------------------------------------------

    def _measure(self, request: GuardRequest, policy: GuardPolicy, damage: _Damage) -> None:
        inventory = request.inventory
        ends = set(damage.ends)
        for dev_name, interface in damage.ends:  # a link down is down at both ends
            link = _link(inventory, request.devices, dev_name, interface)
            if link and link.peer_device and link.peer_interface:
                peer = inventory.get(link.peer_device)
                far = peer and next((lk for lk in peer.links if same_interface(link.peer_interface, lk.interface)),
                                    None)
                if peer and far:
                    ends.add((peer.name, far.interface))
        critical = policy.critical_link_kinds
        for device in request.devices:
            self._share(damage, f"critical links of {device.name}",
                        {(device.name, lk.interface) for lk in device.links if lk.kind in critical}, ends,
                        policy.link_share, "link_share")
            for lag in sorted({lk.lag for lk in device.links if lk.lag}):
                members = {(device.name, lk.interface) for lk in device.links if lk.lag == lag}
                self._share(damage, f"members of bundle {lag} on {device.name}", members, ends,
                            policy.lag_member_share, "lag_member_share")
            self._session_shares(device, damage, policy)
        for site in sorted({d.site for d in request.devices if d.site}):
            site_devices = inventory.at_site(site) or tuple(d for d in request.devices if d.site == site)
            self._share(damage, f"critical links at site {site}",
                        {(d.name, lk.interface) for d in site_devices for lk in d.links if lk.kind in critical},
                        ends, policy.link_share, "link_share")
        backbone = _backbone_ends(inventory, request.devices)
        self._share(damage, "backbone link ends in the inventory", backbone, ends, policy.backbone_share,
                    "backbone_share")
        self._isolated(inventory, request.devices, ends, damage)

    @staticmethod
    def _isolated(inventory: Inventory, targets: tuple[Device, ...], ends: set[End], damage: _Damage) -> None:
        """A device whose every link to another device goes down (it had at least two) is cut off, whatever
        the kind of those links: the 2021 shape, one harmless-looking disable on each of its neighbours."""
        touched = {name for name, _ in ends}
        for name in sorted(touched):
            device = next((d for d in targets if d.name == name), None) or inventory.get(name)
            if device is None:
                continue
            linked = {(device.name, lk.interface) for lk in device.links if lk.peer_device}
            if len(linked) >= 2 and linked <= ends:
                damage.dangerous.append(f"takes down all {len(linked)} links of {device.name} to other devices: "
                                        f"{device.name} is cut off")

    @staticmethod
    def _share(damage: _Damage, what: str, total: set[End], down: set[End], limit: float, key: str) -> None:
        if not total:
            return
        hit = total & down
        if not hit:
            return
        share = len(hit) / len(total)
        names = ", ".join(sorted(f"{d}:{i}" for d, i in hit)[:8]) + (" ..." if len(hit) > 8 else "")
        text = f"takes down {len(hit)} of {len(total)} {what} ({share:.0%}): {names}"
        if share >= limit:
            damage.dangerous.append(f"{text} — at or above {key} {limit:.0%}")
        else:
            damage.notes.append(f"{text} — below {key} {limit:.0%}")

    @staticmethod
    def _session_shares(device: Device, damage: _Damage, policy: GuardPolicy) -> None:
        down = {id(s) for name, s in damage.sessions if name == device.name}
        if not down:
            return
        groups: dict[str, list[BgpSession]] = {"all": list(device.bgp)}
        for s in device.bgp:
            groups.setdefault(f"kind {s.kind}", []).append(s)
            groups.setdefault(f"routing instance {s.vrf}", []).append(s)
        for label, sessions in groups.items():
            hit = [s for s in sessions if id(s) in down]
            if not hit or (label != "all" and len(sessions) < 2):
                continue  # a kind or instance with one session is measured within "all"
            share = len(hit) / len(sessions)
            peers = ", ".join(s.neighbor for s in hit[:6]) + (" ..." if len(hit) > 6 else "")
            text = (f"drops {len(hit)} of {counted(len(sessions), 'BGP session')} ({label}) on {device.name} "
                    f"({share:.0%}): {peers}")
            if share >= policy.session_share:
                damage.dangerous.append(f"{text} — at or above session_share {policy.session_share:.0%}")
            elif label == "all":
                damage.notes.append(f"{text} — below session_share {policy.session_share:.0%}")


_LAST_BACKBONE: list[tuple[Inventory, frozenset[End]]] = []  # the last inventory's backbone: it rarely changes


def _backbone_ends(inventory: Inventory, targets: tuple[Device, ...]) -> set[End]:
    last = _LAST_BACKBONE[0] if _LAST_BACKBONE else None  # one read: other threads may replace it
    if last is not None and last[0] is inventory:
        ends = last[1]
    else:
        ends = frozenset((d.name, lk.interface) for d in inventory.devices for lk in d.links if lk.kind == "backbone")
        _LAST_BACKBONE[:] = [(inventory, ends)]
    known = {d.name for d in inventory.devices}
    extra = {(d.name, lk.interface) for d in targets if d.name not in known for lk in d.links if lk.kind == "backbone"}
    return set(ends) | extra


def forget() -> None:
    """Drop the remembered interface names and backbone index (see ``core.guard.forget``)."""
    _split.cache_clear()
    _addr.cache_clear()
    _LAST_BACKBONE.clear()


def _link(inventory: Inventory, targets: tuple[Device, ...], device: str, interface: str) -> Link | None:
    dev = next((d for d in targets if d.name == device), None) or inventory.get(device)
    return next((lk for lk in dev.links if lk.interface == interface), None) if dev else None


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "..."
