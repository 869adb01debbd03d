"""The drill's keys step with real (software) CTAP2 keys: touched, untested, cloned."""

from __future__ import annotations

import shutil

from oob_console.core.drill import Plan, PlanStep
from tests.unit.auth_lab import Lab, NoPrompt, lab_fixture  # noqa: F401 - fixture


class Operator(NoPrompt):
    def __init__(self) -> None:
        super().__init__()
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)


PLAN = Plan("keys", (PlanStep("keys"),))


def test_each_key_signs_and_untested_ones_are_listed(lab: Lab) -> None:
    lab.user("alice")
    lab.user("bob")
    lab.user("carol")
    alice = lab.enroll("alice", "alice-key")
    bob = lab.enroll("bob", "bob-key")
    lab.ssh_key("carol", "carol-key")
    lab.use_key("alice-key")  # only alice is at the console with her key
    op = Operator()
    report = lab.app.drill.run(PLAN, "test", operator=op)
    steps = {s["target"]: s for s in report["steps"]}
    assert steps[alice.key_id]["status"] == "pass" and "signed (counter" in steps[alice.key_id]["detail"]
    assert steps[bob.key_id]["status"] == "skipped" and "was not attached" in steps[bob.key_id]["detail"]
    carol = next(t for t in steps if t.startswith("SHA256:"))
    assert steps[carol]["status"] == "skipped" and "signed no drill intent in the last 24h" in steps[carol]["detail"]
    assert "ssh-keygen -Y sign -n oob-console" in steps[carol]["detail"]
    assert report["verdict"] == "incomplete"
    assert f"keys: alice, touch your key {alice.key_id} now" in op.said
    assert f"keys: bob, touch your key {bob.key_id} now" in op.said
    after = lab.app.credentials.resolve_key(alice.key_id).counter
    assert after is not None and after > (alice.counter or 0)  # the new counter was stored


def test_unattended_keys_are_untested_not_failed(lab: Lab) -> None:
    lab.user("alice")
    lab.enroll("alice", "alice-key")
    report = lab.app.drill.run(PLAN, "test", operator=None)
    assert [s["status"] for s in report["steps"]] == ["skipped"]
    assert "nobody at the console" in report["steps"][0]["detail"]


def test_a_cloned_key_fails_the_step(lab: Lab) -> None:
    lab.user("alice")
    alice = lab.enroll("alice", "alice-key")
    clone = lab.home.parent / "clone.softkey"
    shutil.copy(lab.keys["alice-key"], clone)
    lab.use_key("alice-key")
    assert lab.app.drill.run(PLAN, "test", operator=Operator())["verdict"] == "pass"
    lab.keys["clone"] = clone
    lab.use_key("clone")  # same credential, old counter: what a cloned key looks like
    report = lab.app.drill.run(PLAN, "test", operator=Operator())
    assert report["steps"][0]["status"] == "fail" and "does not move forward" in report["steps"][0]["detail"]
    assert report["steps"][0]["target"] == alice.key_id


def test_an_ssh_sk_key_passes_when_it_approved_a_drill_intent_recently(lab: Lab) -> None:
    lab.user("carol")
    sk = lab.ssh_key("carol", "carol-laptop")
    view = lab.app.approvals.request_drill(lab.admin, "quarterly drill")
    lab.app.approvals.approve_sshsig(view.id, lab.sshsig("carol-laptop", sk, view.intent.canonical))
    lab.clock.advance(hours=2)
    report = lab.app.drill.run(PLAN, "test", operator=None)  # nobody at the console: the proof is the approval
    (step,) = report["steps"]
    assert step["status"] == "pass" and f"signed drill intent {view.id} 120 min ago" in step["detail"]
    assert report["verdict"] == "pass"
    lab.clock.advance(hours=23)  # older than [drill] sk_window (24h): untested again
    (step,) = lab.app.drill.run(PLAN, "test", operator=None)["steps"]
    assert step["status"] == "skipped" and "signed no drill intent" in step["detail"]


def test_a_revoked_sk_key_is_not_drilled(lab: Lab) -> None:
    lab.user("carol")
    sk = lab.ssh_key("carol", "carol-laptop")
    view = lab.app.approvals.request_drill(lab.admin)
    lab.app.approvals.approve_sshsig(view.id, lab.sshsig("carol-laptop", sk, view.intent.canonical))
    (cred,) = [c for c in lab.app.credentials.list_keys() if c.user == "carol"]
    lab.app.credentials.revoke_key(lab.admin, cred.key_id)
    report = lab.app.drill.run(PLAN, "test", operator=None)
    assert [s["target"] for s in report["steps"]] == [""] and report["verdict"] != "pass"  # no key left to drill
