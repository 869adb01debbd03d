"""The guard's verdict: values in, a Decision out, strictest checker wins.

In 2021 one audit tool with one bug let a backbone-wide command through. Here
every command is judged by at least two checkers that work differently, and the
verdict is the strictest of theirs. A checker that raises, returns something
that is not a report, or does not know the platform counts as ``dangerous``
(fail closed) and says so. A checker that runs too long is cut off by the
service layer, which reports it with :func:`failed_report`; this module does no
I/O and starts no threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Protocol

from oob_console.core.canonical import sha256_hex
from oob_console.core.devices.inventory import Device, Inventory

MIN_CHECKERS = 2  # fewer than two independent opinions is one point of failure


class Verdict(IntEnum):
    """Ordered: a larger value is stricter."""

    READ_ONLY = 0
    CHANGE = 1
    DANGEROUS = 2

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def exit_code(self) -> int:
        """``oob guard check`` exits 0, 10 or 20 (see errors.py)."""
        return (0, 10, 20)[self]

    @classmethod
    def parse(cls, text: str) -> Verdict:
        """``read-only`` / ``change`` / ``dangerous`` (case and ``_`` tolerated).

        Raises:
            ValueError: not one of the three labels.
        """
        key = text.strip().lower().replace("_", "-")
        for verdict, label in _LABELS.items():
            if label == key:
                return verdict
        raise ValueError(f"{text!r} is not a verdict (read-only, change, dangerous)")


_LABELS = {Verdict.READ_ONLY: "read-only", Verdict.CHANGE: "change", Verdict.DANGEROUS: "dangerous"}


@dataclass(frozen=True)
class GuardPolicy:
    """Thresholds, from the ``[guard]`` section of the config (documented there)."""

    link_share: float = 0.5
    backbone_share: float = 0.2
    session_share: float = 0.5
    lag_member_share: float = 1.0
    critical_link_kinds: tuple[str, ...] = ("backbone", "upstream", "peering")
    backbone_roles: tuple[str, ...] = ("backbone", "core")
    max_interfaces_down: int = 3
    # The OOB host's own addresses and the users the console logs in with (besides each device's
    # inventory username): the configuration model checks a management filter still permits them.
    oob_addresses: tuple[str, ...] = ()
    login_users: tuple[str, ...] = ()

    def is_backbone_router(self, device: Device) -> bool:
        return device.role in self.backbone_roles or any(link.kind == "backbone" for link in device.links)


@dataclass(frozen=True)
class GuardRequest:
    """What to judge: text for one platform, run on ``devices`` of ``inventory``."""

    platform: str
    text: str
    devices: tuple[Device, ...] = ()
    inventory: Inventory = field(default_factory=Inventory)
    # Each target device's last-known-good running config (its latest backup), by device name; a device
    # missing here has no backup, and the configuration model says so ("not modelled: no backup").
    configs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckerReport:
    checker: str
    verdict: Verdict
    reasons: tuple[str, ...]
    failed: bool = False  # the checker could not decide; the verdict is the fail-closed one

    def to_json(self) -> dict[str, Any]:
        return {"checker": self.checker, "verdict": self.verdict.label, "failed": self.failed,
                "reasons": list(self.reasons)}


class Checker(Protocol):
    name: str

    def check(self, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
        """Judge ``request``; may raise anything (the caller fails closed)."""
        ...


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    platform: str
    devices: tuple[str, ...]
    text: str
    reports: tuple[CheckerReport, ...]

    @property
    def text_sha256(self) -> str:
        return sha256_hex(self.text.encode("utf-8", "surrogatepass"))

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict.label, "platform": self.platform, "devices": list(self.devices),
                "text_sha256": self.text_sha256,
                "decided_by": [r.checker for r in self.reports if r.verdict == self.verdict],
                "checkers": [r.to_json() for r in self.reports]}


def failed_report(name: str, why: str) -> CheckerReport:
    """The report of a checker that could not decide: dangerous, and why."""
    return CheckerReport(name, Verdict.DANGEROUS, (f"{name} could not decide ({why}): failing closed",), failed=True)


def unknown_platform(name: str, platform: str) -> CheckerReport:
    return failed_report(name, f"it does not know the platform {platform!r}")


def run_checker(checker: Checker, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
    """One checker's report; anything it raises or returns wrongly becomes a fail-closed report."""
    name = str(getattr(checker, "name", type(checker).__name__))
    try:
        report = checker.check(request, policy)
    except Exception as exc:  # noqa: BLE001 - fail closed: any checker failure is itself a verdict
        return failed_report(name, f"it raised {type(exc).__name__}: {exc}"[:300])
    if not isinstance(report, CheckerReport) or not isinstance(report.verdict, Verdict):
        return failed_report(name, f"it returned {type(report).__name__}, not a report")
    return report


def decide(request: GuardRequest, reports: Sequence[CheckerReport]) -> Decision:
    """The strictest verdict of ``reports``; fewer than two reports is itself dangerous."""
    all_reports = tuple(reports)
    if len(all_reports) < MIN_CHECKERS:
        all_reports += (failed_report("guard", f"only {len(all_reports)} checker(s) ran, {MIN_CHECKERS} needed"),)
    verdict = max(r.verdict for r in all_reports)
    return Decision(verdict, request.platform, tuple(d.name for d in request.devices), request.text, all_reports)


def evaluate(request: GuardRequest, policy: GuardPolicy, checkers: Sequence[Checker]) -> Decision:
    """Run ``checkers`` inline (no deadline: see services.guard for that) and decide."""
    return decide(request, [run_checker(c, request, policy) for c in checkers])
