"""Shared helpers for the command guard's tests: the corpus, its inventory, a judge."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from oob_console.adapters.guard_corpus_toml import CorpusDirectory
from oob_console.adapters.inventory_toml import load_inventory
from oob_console.core.devices.inventory import Inventory
from oob_console.core.guard import Decision, GuardPolicy, GuardRequest, default_checkers, evaluate
from oob_console.core.guard.corpus import Corpus
from oob_console.wiring import SOFT_KEY_ENV

if TYPE_CHECKING:
    from tests.unit.auth_lab import Lab

CORPUS_DIR = Path(__file__).resolve().parent / "guard_corpus"
NXOS_DIR = Path(__file__).resolve().parent / "guard_corpus_nxos"
POLICY = GuardPolicy()
# The NX-OS corpus README: the console host is 192.0.2.250 and logs in as `oob`.
NXOS_POLICY = GuardPolicy(oob_addresses=("192.0.2.250",))


@cache
def corpus() -> Corpus:
    return CorpusDirectory().read(str(CORPUS_DIR))


@cache
def inventory() -> Inventory:
    return load_inventory(CORPUS_DIR / "inventory.toml")


@cache
def nxos_corpus() -> Corpus:
    return CorpusDirectory().read(str(NXOS_DIR))


@cache
def nxos_inventory() -> Inventory:
    return load_inventory(NXOS_DIR / "inventory.toml")


def judge_nxos(text: str, *devices: str, platform: str = "nxos", policy: GuardPolicy = NXOS_POLICY) -> Decision:
    """The guard's decision for ``text`` on NX-OS-corpus ``devices``, with their backups as the model's input."""
    inv = nxos_inventory()
    targets = tuple(d for d in (inv.get(n) for n in devices) if d is not None)
    assert len(targets) == len(devices), f"unknown device in {devices}"
    configs = {d.name: nxos_corpus().configs[d.name] for d in targets if d.name in nxos_corpus().configs}
    return evaluate(GuardRequest(platform, text, targets, inv, configs), policy, default_checkers())


def judge(platform: str, text: str, *devices: str, policy: GuardPolicy = POLICY) -> Decision:
    """The guard's decision for ``text`` on corpus-inventory ``devices``."""
    inv = inventory()
    targets = tuple(d for d in (inv.get(n) for n in devices) if d is not None)
    assert len(targets) == len(devices), f"unknown device in {devices}"
    return evaluate(GuardRequest(platform, text, targets, inv), policy, default_checkers())


def report(decision: Decision, checker: str) -> tuple[str, tuple[str, ...]]:
    """(verdict label, reasons) of one checker in ``decision``."""
    found = next(r for r in decision.reports if r.checker == checker)
    return found.verdict.label, found.reasons


def enroll_team(lab: Lab) -> Lab:
    """alice (operator, approver) runs commands; bob approves; dave is an operator without approver rights.

    Each has a software key (``<name>-key``); none is left attached to the host.
    """
    for name, roles in (("alice", ("operator", "approver")), ("bob", ("approver",)), ("dave", ("operator",))):
        lab.user(name, *roles)
        lab.enroll(name, f"{name}-key")
    lab.monkeypatch.delenv(SOFT_KEY_ENV, raising=False)
    return lab
