"""The guard service: deadlines on checkers, targets from the inventory, drills."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from oob_console.adapters.guard_corpus_toml import CorpusDirectory
from oob_console.adapters.inventory_toml import InventoryFile
from oob_console.core.guard import CheckerReport, GuardPolicy, GuardRequest, Verdict, default_checkers
from oob_console.errors import NotFoundError, UsageError
from oob_console.services.guard.service import GuardService
from oob_console.wiring import build_guard
from tests.guard_support import CORPUS_DIR


class Slow:
    name = "slow"

    def check(self, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
        time.sleep(3)
        return CheckerReport(self.name, Verdict.READ_ONLY, ("too late",))


class Broken:
    name = "broken"

    def check(self, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
        raise ZeroDivisionError("oops")


def service(*checkers: object, timeout: float = 2.0, inventory: Path | None = CORPUS_DIR / "inventory.toml"
            ) -> GuardService:
    svc = GuardService(GuardPolicy(), InventoryFile(inventory), CorpusDirectory(), checker_timeout=timeout,
                       default_corpus=str(CORPUS_DIR))
    if checkers:
        svc.checkers = checkers  # type: ignore[assignment]
    return svc


def test_a_checker_past_its_deadline_fails_closed_without_waiting_for_it() -> None:
    svc = service(Slow(), *default_checkers(), timeout=0.3)
    started = time.monotonic()
    decision = svc.check("show version", platform="ios")
    assert time.monotonic() - started < 2.0
    assert decision.verdict is Verdict.DANGEROUS
    slow = decision.reports[0]
    assert slow.failed and "did not answer within 0.3s" in slow.reasons[0]
    assert [r.verdict for r in decision.reports[1:]] == [Verdict.READ_ONLY] * 3


class SlowOnce:
    """Hangs on its first call only (a checker that got stuck once)."""

    name = "slow-once"

    def __init__(self) -> None:
        self.calls = 0

    def check(self, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
        self.calls += 1
        if self.calls == 1:
            time.sleep(3)
        return CheckerReport(self.name, Verdict.READ_ONLY, (f"call {self.calls}",))


def test_a_stuck_checker_does_not_hold_up_the_next_decision() -> None:
    svc = service(SlowOnce(), *default_checkers(), timeout=0.5)
    assert svc.check("show version", platform="ios").verdict is Verdict.DANGEROUS
    started = time.monotonic()
    decision = svc.check("show version", platform="ios")  # a fresh lane: not queued behind the stuck call
    assert time.monotonic() - started < 0.5
    assert decision.verdict is Verdict.READ_ONLY and decision.reports[0].reasons == ("call 2",)


def test_checker_lanes_are_kept_between_decisions() -> None:
    import threading

    svc = service()
    svc.check("show version", platform="ios")
    before = {t.ident for t in threading.enumerate() if t.name.startswith("guard-checker-")}
    for _ in range(20):
        svc.check("show version", platform="ios")
    after = {t.ident for t in threading.enumerate() if t.name.startswith("guard-checker-")}
    assert len(before) >= 2 and after == before


def test_a_raising_checker_fails_closed_through_the_service() -> None:
    decision = service(Broken(), *default_checkers()).check("show version", platform="ios")
    assert decision.verdict is Verdict.DANGEROUS and "ZeroDivisionError" in decision.reports[0].reasons[0]


def test_devices_come_from_the_inventory_and_imply_the_platform() -> None:
    decision = service().check("clear ip bgp *", devices=["ios-bb1"])
    assert decision.platform == "ios" and decision.devices == ("ios-bb1",)
    assert decision.verdict is Verdict.DANGEROUS


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"devices": ["nope"]}, NotFoundError),
    ({"devices": ["ios-bb1"], "platform": "junos"}, UsageError),
    ({"devices": ["ios-bb1", "mx-bb1"]}, UsageError),
    ({}, UsageError),
])
def test_request_errors(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        service().check("show version", **kwargs)  # type: ignore[arg-type]


def test_no_inventory_fails_only_when_devices_are_named(tmp_path: Path) -> None:
    # A site without an inventory file has no devices: naming one is "not found", never a guess.
    svc = service(inventory=tmp_path / "absent.toml")
    assert svc.check("show version", platform="eos").verdict is Verdict.READ_ONLY
    with pytest.raises(NotFoundError, match="no device 'eos-bb1'"):
        svc.check("show version", devices=["eos-bb1"])


def test_the_drill_runs_the_corpus_through_the_same_path() -> None:
    report = service().drill()
    assert len(report.results) >= 300 and not report.failed


def test_build_guard_without_a_site_uses_the_built_in_thresholds() -> None:
    svc = build_guard(None)
    assert svc.policy == GuardPolicy() and svc.checker_timeout == 2.0


V2 = Path(__file__).resolve().parents[2] / "guard_corpus_v2"


def test_the_model_lane_judges_on_the_devices_latest_backup(tmp_path: Path) -> None:
    """The service reads each target's newest backup from the backups store (as `oob backup` writes it) and
    the configuration model resolves the candidate on it; with no backup it says so."""
    from oob_console.adapters.backups_files import ConfigHistoryDir

    store = ConfigHistoryDir(tmp_path / "backups")
    store.save("lon-ios-bb1", "hostname old\n")  # an older version: the newest must win
    time.sleep(0.01)
    store.save("lon-ios-bb1", (V2 / "configs" / "lon-ios-bb1.cfg").read_text())
    svc = GuardService(GuardPolicy(oob_addresses=("192.0.2.250",)), InventoryFile(V2 / "inventory.toml"),
                       CorpusDirectory(), backups=store)
    unused = "conf t\nroute-map RM-LAB-UNUSED deny 5\nend"
    used = "conf t\nroute-map UPSTREAM-OUT deny 5\nend"
    assert _model(svc.check(unused, devices=["lon-ios-bb1"])).verdict is Verdict.CHANGE
    decided = _model(svc.check(used, devices=["lon-ios-bb1"]))
    assert decided.verdict is Verdict.DANGEROUS and "BGP group upstream" in decided.reasons[0]
    no_backup = _model(svc.check(unused, devices=["lon-ios-bb3"]))  # the store has nothing for bb3
    assert no_backup.verdict is Verdict.DANGEROUS
    assert "not modelled: no backup" in no_backup.reasons[0]


def _model(decision):  # type: ignore[no-untyped-def]
    return next(r for r in decision.reports if r.checker == "model")
