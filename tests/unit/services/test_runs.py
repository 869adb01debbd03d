"""`oob run`'s service with the command guard in front: what is sent, to whom, with which approvals.

Real guard, approvals service, SQLite store and audit log, software keys speaking
CTAP2 (tests.unit.auth_lab). The SSH engines are replaced by a tripwire that
records every connection attempt and never touches the network: "nothing was
sent" is then a count of zero. Runs against real routers are in
tests/lab/test_run_guard.py.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest

from oob_console.core.auth.identity import Identity
from oob_console.core.devices.inventory import Device, Inventory
from oob_console.core.guard import Verdict
from oob_console.errors import RefusedError, UnavailableError
from oob_console.services.devices.ports import SshSession, SshTarget
from oob_console.services.devices.runs import RunOptions, RunReport
from tests.guard_support import CORPUS_DIR, enroll_team
from tests.unit.auth_lab import Lab, NoPrompt, lab_fixture  # noqa: F401 - fixture

ALICE = Identity.for_user("alice", frozenset({"operator", "approver"}), method="fido2", key_id="k",
                          user_verified=False)
OPTIONS = RunOptions(timeout=1, connect_timeout=1, concurrency=4)


class Tripwire:
    """An SSH engine that records each connection attempt and fails it (or hangs, to test interrupts)."""

    name = "tripwire"

    def __init__(self) -> None:
        self.connects: list[str] = []
        self.hang = False

    async def connect(self, target: SshTarget) -> SshSession:
        self.connects.append(target.label)
        if self.hang:
            await asyncio.sleep(3600)
        raise UnavailableError("tripwire: no network in unit tests", where=target.label)

    async def host_keys(self, host: str, port: int, *, timeout: float) -> list[object]:
        raise AssertionError("not used")


@pytest.fixture
def team(lab: Lab) -> Lab:
    shutil.copy(CORPUS_DIR / "inventory.toml", lab.home / "inventory.toml")
    return enroll_team(lab)


@pytest.fixture
def wire(team: Lab) -> Tripwire:
    tripwire = Tripwire()
    team.app.devices.engines = {"asyncssh": tripwire, "paramiko": tripwire}
    return tripwire


def targets(lab: Lab, *names: str) -> tuple[Inventory, tuple[Device, ...]]:
    return lab.app.runs.targets(list(names), site=None, role=None, everything=False)


def run(lab: Lab, command: str, *names: str, **kw: object) -> RunReport:
    inventory, devices = targets(lab, *names)
    return asyncio.run(lab.app.runs.run(command, devices, inventory, options=OPTIONS, **kw))  # type: ignore[arg-type]


def audit(lab: Lab, prefix: str = "") -> list[tuple[str, str]]:
    return [(e["action"], e["outcome"]) for e in lab.app.audit.show() if e["action"].startswith(prefix)
            and e["action"].split(".")[0] in ("guard", "intent", "run")]


def intent_of(exc: pytest.ExceptionInfo[RefusedError]) -> str:
    intent = exc.value.details["intent"]
    assert isinstance(intent, str)
    return intent


def approve(lab: Lab, intent: str, *people: str) -> None:
    for person in people:
        lab.use_key(f"{person}-key")
        lab.app.approvals.approve_local(intent, NoPrompt())


def test_a_read_only_command_is_sent_at_once_with_its_decision_audited_first(team: Lab, wire: Tripwire) -> None:
    report = run(team, "show ip bgp summary", "ios-bb1", "ios-edge1", "mx-bb1")
    assert sorted(wire.connects) == ["ios-bb1", "ios-edge1", "mx-bb1"]
    assert report.verdict is Verdict.READ_ONLY and report.approved is None
    assert [c.decision.platform for c in report.clearances] == ["ios", "junos"]  # judged per platform
    assert audit(team) == [("guard.decision", "read-only"), ("guard.decision", "read-only"),
                           ("run.start", "started"), ("run.finish", "failed")]
    assert team.app.approvals.list(include_closed=True) == []
    start = team.app.audit.show(action="run.start")[-1]["details"]
    assert start["verdict"] == "read-only" and start["intent"] is None


def test_a_dangerous_command_is_refused_without_approvals_and_nothing_is_sent(team: Lab, wire: Tripwire) -> None:
    team.use_key("alice-key")  # a key at hand changes nothing: a touch is not a quorum
    with pytest.raises(RefusedError, match=r"dangerous: not sent; intent \w{8} needs 2 more") as info:
        run(team, "reload", "ios-bb1", by=ALICE, touch=NoPrompt())
    assert wire.connects == []
    refused = team.app.audit.show(action="run.refused")[-1]
    assert refused["details"]["intent"] == intent_of(info) and refused["actor"] == "user:alice"
    assert ("run.start", "started") not in audit(team)


def test_a_dangerous_command_runs_once_with_the_quorum_and_its_outcome_lands_on_the_intent(
        team: Lab, wire: Tripwire) -> None:
    with pytest.raises(RefusedError) as info:
        run(team, "reload", "ios-bb1", by=ALICE)
    intent = intent_of(info)
    approve(team, intent, "alice")
    with pytest.raises(RefusedError, match="1 of 2 valid approvals"):
        run(team, "reload", "ios-bb1", by=ALICE, intent_id=intent)
    assert wire.connects == []
    approve(team, intent, "bob")
    report = run(team, "reload", "ios-bb1", by=ALICE, intent_id=intent)
    assert wire.connects == ["ios-bb1"]
    assert report.approved is not None and report.approved.intent_id == intent
    assert set(report.approved.approvers) == {"alice", "bob"} and report.to_json()["intent"] == intent
    view = team.app.approvals.get(intent)
    assert view.state == "failed"  # the tripwire made the device unreachable
    assert view.result["results"][0]["status"] == "unreachable" and view.result["counts"]["unreachable"] == 1
    assert audit(team)[-7:] == [("guard.decision", "dangerous"), ("intent.execute", "ok"), ("guard.clear", "ok"),
                                ("run.start", "started"), ("run.finish", "failed"), ("guard.run", "failed"),
                                ("intent.finish", "ok")]  # decision, claim and start before anything is sent
    with pytest.raises(RefusedError, match="is failed"):  # an intent is used once
        run(team, "reload", "ios-bb1", by=ALICE, intent_id=intent)
    assert wire.connects == ["ios-bb1"]


def test_the_intent_must_name_exactly_these_devices(team: Lab, wire: Tripwire) -> None:
    with pytest.raises(RefusedError) as info:
        run(team, "reload", "ios-bb1", by=ALICE)
    intent = intent_of(info)
    approve(team, intent, "alice", "bob")
    with pytest.raises(RefusedError, match="its devices differ"):
        run(team, "reload", "ios-bb1", "ios-edge1", by=ALICE, intent_id=intent)
    assert wire.connects == []


def test_a_change_runs_after_the_operators_own_touch(team: Lab, wire: Tripwire) -> None:
    block = "conf t\ninterface GigabitEthernet0/8\n description spare\nend"
    with pytest.raises(RefusedError, match=r"touch did not approve intent \w{8}: no security key is attached"):
        run(team, block, "ios-bb1", by=ALICE, touch=NoPrompt())
    team.use_key("bob-key")
    with pytest.raises(RefusedError, match="no attached key holds a credential enrolled for this"):  # bob's
        run(team, block, "ios-bb1", by=ALICE, touch=NoPrompt())
    assert wire.connects == []
    team.use_key("alice-key")
    report = run(team, block, "ios-bb1", by=ALICE, touch=NoPrompt())
    assert report.verdict is Verdict.CHANGE and report.approved is not None
    assert report.approved.approvers == ("alice",) and wire.connects == ["ios-bb1"]


def test_approvals_cover_one_platform_and_one_text_at_a_time(team: Lab, wire: Tripwire) -> None:
    with pytest.raises(RefusedError, match="2 parts of this run need approval"):
        run(team, "reload", "ios-bb1", "eos-bb1", by=ALICE)
    assert wire.connects == [] and team.app.approvals.list() == []
    inventory, devices = targets(team, "ios-bb1", "eos-bb1")
    per_device = {"ios-bb1": "show version", "eos-bb1": "reload"}
    with pytest.raises(RefusedError, match=r"dangerous: not sent") as info:
        asyncio.run(team.app.runs.run("mixed", devices, inventory, options=OPTIONS, commands=per_device, by=ALICE))
    intent = team.app.approvals.get(intent_of(info))
    assert intent.intent.params["devices"] == ["eos-bb1"] and intent.intent.params["text"] == "reload"
    assert wire.connects == []


def test_preview_judges_without_requesting_or_auditing(team: Lab) -> None:
    inventory, devices = targets(team, "ios-bb1", "mx-bb1")
    before = len(team.app.audit.show())
    preview = team.app.runs.preview("reload", devices, inventory)
    assert [(d.platform, d.verdict) for d in preview.decisions] == [("ios", Verdict.DANGEROUS),
                                                                    ("junos", Verdict.DANGEROUS)]
    assert preview.needs == ("needs 2 fresh hardware-key approval(s) from distinct admin/approver users "
                             "(class command.dangerous)",) * 2
    assert preview.blocked and "2 parts of this run need approval" in preview.blocked
    inventory, devices = targets(team, "ios-bb1")
    single = team.app.runs.preview("show version", devices, inventory)
    assert single.verdict is Verdict.READ_ONLY and single.needs == ("runs as it is",) and single.blocked is None
    assert len(team.app.audit.show()) == before and team.app.approvals.list() == []


def test_an_interrupted_run_fails_its_intent(team: Lab, wire: Tripwire) -> None:
    with pytest.raises(RefusedError) as info:
        run(team, "reload", "ios-bb1", by=ALICE)
    intent = intent_of(info)
    approve(team, intent, "alice", "bob")
    wire.hang = True
    inventory, devices = targets(team, "ios-bb1")

    async def interrupt() -> None:
        task = asyncio.create_task(team.app.runs.run("reload", devices, inventory, options=RunOptions(timeout=600),
                                                     by=ALICE, intent_id=intent))
        while not wire.connects:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupt())
    view = team.app.approvals.get(intent)
    assert view.state == "failed" and view.result["interrupted"] is True
    assert ("run.finish", "interrupted") in audit(team)
