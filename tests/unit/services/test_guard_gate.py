"""Consequences of a verdict: read-only runs, a change needs the operator's touch, dangerous a quorum.

Real approvals service, real SQLite store, software keys speaking CTAP2 (tests.unit.auth_lab).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from oob_console.adapters.audit_jsonl import AuditFile
from oob_console.core.auth.identity import Identity
from oob_console.core.guard import Verdict
from oob_console.errors import AuditWriteError, AuthError, RefusedError
from oob_console.services.guard.gate import Clearance
from tests.guard_support import CORPUS_DIR, enroll_team
from tests.unit.auth_lab import Lab, NoPrompt, lab_fixture  # noqa: F401 - fixture

ALICE = Identity.for_user("alice", frozenset({"operator", "approver"}), method="fido2", key_id="k",
                          user_verified=False)
RELOAD = "reload"
ONE_LINK = "conf t\ninterface GigabitEthernet0/1\n shutdown\nend"


@pytest.fixture
def team(lab: Lab) -> Lab:
    """The corpus inventory, and alice, bob and dave with their keys (see enroll_team)."""
    shutil.copy(CORPUS_DIR / "inventory.toml", lab.home / "inventory.toml")
    return enroll_team(lab)


def actions(lab: Lab) -> list[tuple[str, str]]:
    return [(e["action"], e["outcome"]) for e in lab.app.audit.show()
            if e["action"].startswith(("guard.", "intent."))]


def test_a_read_only_command_is_cleared_at_once_and_audited(team: Lab) -> None:
    clearance = team.app.guard_gate.clear(ALICE, "show ip bgp summary", devices=["ios-bb1"])
    assert clearance == Clearance(clearance.decision) and clearance.decision.verdict is Verdict.READ_ONLY
    entry = team.app.audit.show(action="guard.decision")[-1]
    assert entry["outcome"] == "read-only" and entry["actor"] == "user:alice"
    assert entry["details"]["text"] == "show ip bgp summary" and entry["target"] == "ios-bb1"
    assert {c["checker"] for c in entry["details"]["checkers"]} == {"rules", "blast", "model"}


def test_a_change_needs_the_operators_own_fresh_touch(team: Lab) -> None:
    team.use_key("alice-key")
    clearance = team.app.guard_gate.clear(ALICE, ONE_LINK, devices=["ios-bb1"], touch=NoPrompt())
    assert clearance.approvers == ("alice",)
    assert clearance.decision.verdict is Verdict.CHANGE and clearance.intent_id
    team.app.guard_gate.finish(ALICE, clearance, ok=True, result={"sent": 1})
    assert team.app.approvals.get(clearance.intent_id).state == "executed"
    assert actions(team) == [("guard.decision", "change"), ("intent.request", "ok"), ("intent.approve", "ok"),
                             ("intent.execute", "ok"), ("guard.clear", "ok"), ("guard.run", "ok"),
                             ("intent.finish", "ok")]


def test_a_change_touched_by_someone_elses_key_is_refused(team: Lab) -> None:
    team.use_key("bob-key")
    with pytest.raises(RefusedError, match="no attached key holds a credential enrolled for this"):
        team.app.guard_gate.clear(ALICE, ONE_LINK, devices=["ios-bb1"], touch=NoPrompt())
    assert ("guard.clear", "refused") in actions(team)


def test_a_change_without_a_touch_waits_for_an_approval(team: Lab) -> None:
    with pytest.raises(RefusedError) as info:
        team.app.guard_gate.clear(ALICE, ONE_LINK, devices=["ios-bb1"])
    intent = info.value.details["intent"]
    assert team.app.approvals.get(intent).need == 1
    team.use_key("alice-key")
    team.app.approvals.approve_local(intent, NoPrompt())
    clearance = team.app.guard_gate.clear(ALICE, ONE_LINK, devices=["ios-bb1"], intent_id=intent)
    assert clearance.approvers == ("alice",)


def test_a_dangerous_command_is_refused_until_the_quorum_approves(team: Lab) -> None:
    gate = team.app.guard_gate
    with pytest.raises(RefusedError, match=r"dangerous: not sent; intent \w+ needs 2 more") as info:
        gate.clear(ALICE, RELOAD, devices=["ios-bb1"], touch=NoPrompt())  # a touch is not a quorum
    intent = info.value.details["intent"]
    view = team.app.approvals.get(intent)
    assert view.intent.action == "command.dangerous" and view.intent.params["text"] == RELOAD
    assert view.intent.params["reasons"]["rules"]
    team.use_key("alice-key")
    team.app.approvals.approve_local(intent, NoPrompt())
    with pytest.raises(RefusedError, match="1 of 2 valid approvals"):
        gate.clear(ALICE, RELOAD, devices=["ios-bb1"], intent_id=intent)
    team.use_key("bob-key")
    team.app.approvals.approve_local(intent, NoPrompt())
    clearance = gate.clear(ALICE, RELOAD, devices=["ios-bb1"], intent_id=intent)
    assert set(clearance.approvers) == {"alice", "bob"}
    with pytest.raises(RefusedError, match="is executing"):  # an intent runs once
        gate.clear(ALICE, RELOAD, devices=["ios-bb1"], intent_id=intent)
    clear_entry = team.app.audit.show(action="guard.clear")[-1]
    assert clear_entry["outcome"] == "ok" and set(clear_entry["details"]["approvers"]) == {"alice", "bob"}


def test_an_operator_without_approver_rights_does_not_count_for_a_dangerous_quorum(team: Lab) -> None:
    with pytest.raises(RefusedError) as info:
        team.app.guard_gate.clear(ALICE, RELOAD, devices=["ios-bb1"])
    team.use_key("dave-key")
    with pytest.raises(AuthError):
        team.app.approvals.approve_local(info.value.details["intent"], NoPrompt())


@pytest.mark.parametrize(("approved", "presented", "reason"), [
    (RELOAD, "reload in 5", "its text_sha256 differs"),
    (ONE_LINK, RELOAD, "approves a change command and this one is now judged dangerous"),
])
def test_an_intent_covers_only_its_exact_command(team: Lab, approved: str, presented: str, reason: str) -> None:
    with pytest.raises(RefusedError) as info:
        team.app.guard_gate.clear(ALICE, approved, devices=["ios-bb1"])
    intent = info.value.details["intent"]
    for key in ("alice-key", "bob-key"):
        team.use_key(key)
        team.app.approvals.approve_local(intent, NoPrompt())
    with pytest.raises(RefusedError, match=reason):
        team.app.guard_gate.clear(ALICE, presented, devices=["ios-bb1"], intent_id=intent)
    with pytest.raises(RefusedError, match="its devices differ"):
        team.app.guard_gate.clear(ALICE, approved, devices=["ios-edge1"], intent_id=intent)


def test_an_unwritable_audit_log_stops_the_command_before_anything(team: Lab, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/version")  # not writable even for root
    else:
        (tmp_path / "ro").mkdir(mode=0o500)
        target = tmp_path / "ro" / "audit.jsonl"
    team.app.audit.log = AuditFile(target)
    with pytest.raises(AuditWriteError):
        team.app.guard_gate.clear(ALICE, "show version", devices=["ios-bb1"])
