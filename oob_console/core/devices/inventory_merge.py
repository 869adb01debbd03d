"""Merging an imported inventory (NetBox, Nornir) into the local one.

An import is explicit and the local file stays the truth at run time, so a
merge never loses what only the local file knows: a field the source leaves
empty keeps its local value (credentials references, BGP sessions, links,
console ports), pinned host keys are the union of both, and devices the
source does not list are kept unless the operator asks to prune them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypeVar

from oob_console.core.devices.inventory import ConsoleServer, Device, Inventory

T = TypeVar("T", Device, ConsoleServer)


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if value is None:
        return True
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default)
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return False


def merge_record(local: T, imported: T) -> T:
    """``imported`` where it says something, ``local`` where it does not; host keys united."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(local):
        mine: Any = getattr(local, f.name)
        theirs: Any = getattr(imported, f.name)
        if f.name == "host_keys":
            changes[f.name] = tuple(dict.fromkeys((*mine, *theirs)))
        elif _is_default(f, theirs):
            changes[f.name] = mine
        else:
            changes[f.name] = theirs
    return dataclasses.replace(local, **changes)


@dataclass
class MergeSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # local only, still there
    removed: list[str] = field(default_factory=list)  # local only, pruned

    def to_json(self) -> dict[str, list[str]]:
        return dataclasses.asdict(self)


def _merge_list(local: tuple[T, ...], imported: tuple[T, ...], prune: bool, summary: MergeSummary | None) -> list[T]:
    by_name = {item.name: item for item in local}
    out: list[T] = []
    seen: set[str] = set()
    for item in imported:
        seen.add(item.name)
        current = by_name.get(item.name)
        merged = item if current is None else merge_record(current, item)
        if summary is not None:
            (summary.added if current is None else summary.unchanged if merged == current else summary.updated).append(
                item.name
            )
        out.append(merged)
    for item in local:
        if item.name in seen:
            continue
        if prune:
            if summary is not None:
                summary.removed.append(item.name)
            continue
        if summary is not None:
            summary.kept.append(item.name)
        out.append(item)
    return out


def merge_inventory(local: Inventory, imported: Inventory, *, prune: bool = False) -> tuple[Inventory, MergeSummary]:
    """The merged inventory (imported order first, then kept local-only entries) and what changed."""
    summary = MergeSummary()
    devices = _merge_list(local.devices, imported.devices, prune, summary)
    servers = _merge_list(local.console_servers, imported.console_servers, False, None)  # devices may use them
    return Inventory(devices=tuple(devices), console_servers=tuple(servers)), summary
