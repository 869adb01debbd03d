"""Checker 3: the configuration model. What a candidate does to the device's last-known-good config.

Independent of ``rules`` (grammars) and ``blast`` (inventory shares): it reads
the candidate with its own mode tracker (``candidate``) and resolves every
statement against the device's parsed backup (``config_model``, built once per
(device, backup) and cached):

* which BGP groups and sessions use a route-map / policy / prefix-list it edits;
* whether an ACL or filter it edits or applies guards vty, SSH, the management
  API, the control plane or the loopback, and whether the OOB host's own address
  would still be permitted; whether the console's login user survives, and its
  login list still falls back to local users;
* a bundle's members and min-links; the device's aliases and the files it boots from;
* the management VRF (its routes are the way back to the OOB network).

Dangerous when the candidate would lock the OOB path out, leave upstream or peer
sessions exporting or importing nothing (or tear them down), blackhole a default
route, take a bundle below min-links, destroy what the device boots from, or run
commands the guard cannot see (aliases, event handlers, scripts, shells). With no
backup for a device, every change inside a protected part (``protected``) is
dangerous and the reason says "not modelled: no backup".
"""

from __future__ import annotations

from oob_console.core.devices.inventory import Device, Inventory
from oob_console.core.guard.candidate import Stmt, statements
from oob_console.core.guard.config_model import ConfigModel, build_model, match_interface
from oob_console.core.guard.decision import CheckerReport, GuardPolicy, GuardRequest, Verdict, unknown_platform
from oob_console.core.guard.model_rules import Context, judge_config, judge_exec
from oob_console.core.guard.protected import protected_part

PLATFORMS = ("frr", "ios", "iosxr", "junos", "eos", "nxos")
MAX_REASONS = 12
D, C, R = Verdict.DANGEROUS, Verdict.CHANGE, Verdict.READ_ONLY


class ModelChecker:
    name = "model"

    def check(self, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
        if request.platform not in PLATFORMS:
            return unknown_platform(self.name, request.platform)
        stmts = statements(request.platform, request.text)
        if not stmts:
            return CheckerReport(self.name, R, ("nothing to send: no commands",))
        worst = R
        reasons: list[tuple[Verdict, str]] = []
        targets: tuple[Device | None, ...] = request.devices or (None,)
        downs: dict[str, set[str]] = {}
        for device in targets:
            text = request.configs.get(device.name) if device is not None else None
            model = build_model(request.platform, text) if text else None
            ctx = Context(request.platform, device, model, policy)
            verdict, found = _judge_device(stmts, ctx)
            if device is not None:
                downs[device.name] = ctx.downs
            worst = max(worst, verdict)
            who = device.name if device is not None else "no target device"
            if model is None and any(v >= C for v, _ in found):
                found = [(v, f"{r} (not modelled: no backup)" if v is D else r) for v, r in found]
                if verdict is C:
                    found.append((C, "not modelled: no backup for this device; no protected part is touched"))
            reasons += [(v, f"{who}: {r}") for v, r in found]
        split = _partition(request.inventory, downs, policy)
        if split:
            worst = D
            reasons.append((D, split))
        if worst is R:
            return CheckerReport(self.name, R, (f"every statement only reads ({len(stmts)} checked)",))
        top = list(dict.fromkeys(text for v, text in reasons if v is worst))
        if len(top) > MAX_REASONS:
            top = [*top[:MAX_REASONS], f"... and {len(top) - MAX_REASONS} more"]
        return CheckerReport(self.name, worst, tuple(top))


def _judge_device(stmts: tuple[Stmt, ...], ctx: Context) -> tuple[Verdict, list[tuple[Verdict, str]]]:
    worst = R
    out: list[tuple[Verdict, str]] = []
    for stmt in stmts:
        if stmt.mode == "exec":
            verdict, why = judge_exec(stmt, ctx)
        else:
            verdict, why = judge_config(stmt, ctx)
            if ctx.model is None and verdict is C:
                part = protected_part(ctx.platform, stmt, ctx.mgmt_ifs())
                if part:
                    verdict, why = D, f"changes {part}, a protected part"
        if verdict > R:
            out.append((verdict, f"line {stmt.line} `{_snippet(stmt.text)}`: {why}"))
        worst = max(worst, verdict)
    for verdict, why in ctx.finish():
        out.append((verdict, why))
        worst = max(worst, verdict)
    return worst, out


def _snippet(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _partition(inventory: Inventory, downs: dict[str, set[str]], policy: GuardPolicy) -> str:
    """Whether the links the block disables on its targets, together, cut the backbone apart."""
    if not any(downs.values()):
        return ""
    edges, nodes = _backbone(inventory)
    cut = {e for e in edges if _down(downs.get(e[0]), e[1]) or _down(downs.get(e[2]), e[3])}
    if not cut:
        return ""  # no backbone link between known devices is touched: nothing to count
    before, after = _parts(nodes, edges), _parts(nodes, edges - cut)
    if after > before:
        names = ", ".join(sorted(d for d, s in downs.items() if s))
        return (f"the links this takes down on {names} together cut the backbone into {after} parts "
                f"(it is {before} now)")
    return ""


def _parts(nodes: frozenset[str], edges: frozenset[tuple[str, str, str, str]] | set[tuple[str, str, str, str]]) -> int:
    """How many connected pieces ``edges`` leave of ``nodes``."""
    adj: dict[str, set[str]] = {n: set() for n in nodes}
    for a, _, b, _ in edges:
        adj[a].add(b)
        adj[b].add(a)
    seen: set[str] = set()
    count = 0
    for n in nodes:
        if n in seen:
            continue
        count += 1
        todo = [n]
        while todo:
            x = todo.pop()
            if x not in seen:
                seen.add(x)
                todo.extend(adj[x] - seen)
    return count


_BACKBONE: dict[int, tuple[Inventory, frozenset[tuple[str, str, str, str]], frozenset[str]]] = {}


def _backbone(inventory: Inventory) -> tuple[frozenset[tuple[str, str, str, str]], frozenset[str]]:
    """The backbone links between devices the inventory knows (the far end's other links are unknown), kept
    per inventory object."""
    kept = _BACKBONE.get(id(inventory))
    if kept is not None and kept[0] is inventory:
        return kept[1], kept[2]
    known = {dev.name for dev in inventory.devices}
    edges = frozenset((dev.name, link.interface.lower(), link.peer_device, (link.peer_interface or "").lower())
                      for dev in inventory.devices for link in dev.links
                      if link.kind == "backbone" and link.peer_device in known and link.lag is None)
    nodes = frozenset({e[0] for e in edges} | {e[2] for e in edges})
    if len(_BACKBONE) > 16:
        _BACKBONE.clear()
    _BACKBONE[id(inventory)] = (inventory, edges, nodes)
    return edges, nodes


def forget() -> None:
    _BACKBONE.clear()


def _down(downs: set[str] | None, interface: str) -> bool:
    if not downs:
        return False
    known = frozenset({interface})
    return any(match_interface(typed, known) for typed in downs)


__all__ = ["ConfigModel", "ModelChecker", "build_model"]
