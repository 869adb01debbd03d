"""The command guard in front of `oob run`, against a real sshd + FRR vtysh router, through the real CLI.

The router records every command that reaches it (``Router.received``), and its
running config is read straight from FRR: "nothing was sent" is checked on the
router, not taken from our own log. Approvers use software keys speaking CTAP2
(tests.unit.auth_lab), the way `oob approve --local-key` uses a USB key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oob_console.wiring import SOFT_KEY_ENV
from tests.conftest import run_oob
from tests.guard_support import enroll_team
from tests.lab.routers import Router, RouterLab, write_inventory
from tests.unit.auth_lab import Lab, NoPrompt, make_lab

pytestmark = pytest.mark.lab

NO_BGP = "configure terminal\nno router bgp 64512"  # dangerous: removes the whole BGP process
PREFIX_LIST = "configure terminal\nip prefix-list OOB-LAB seq 5 permit 192.0.2.0/24"  # a change


@pytest.fixture
def guarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, router_lab: RouterLab) -> Iterator[tuple[Lab, Router]]:
    """A site allowing software keys, alice/bob/dave enrolled, and one FRR router in its inventory."""
    lab = enroll_team(make_lab(tmp_path, monkeypatch))
    r1 = router_lab.router("r1")
    write_inventory(lab.home / "inventory.toml", [r1.device_entry()])
    # r1's last-known-good config, pulled by `oob backup run` as on a real site: the configuration model
    # judges on it (without it, a prefix-list is a protected part and PREFIX_LIST would be dangerous).
    pulled = oob(lab, "backup", "run", "r1")
    assert pulled.returncode == 0, pulled.stderr
    (r1.dir / "received").unlink(missing_ok=True)  # the backup's own command is not what these tests send
    yield lab, r1
    lab.app.store.close()


def oob(lab: Lab, *args: str, key: str | None = None, env: dict[str, str] | None = None,
        input: str | None = None) -> Any:
    """`oob ARGS` on the lab site; ``key`` attaches that person's software key to the host for this call."""
    extra = dict(env or {})
    if key:
        extra[SOFT_KEY_ENV] = str(lab.keys[key])
    return run_oob(*args, home=lab.home, env=extra, input=input)


def error(proc: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(proc.stdout)["error"]
    return body


def audit(lab: Lab) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (lab.home / "audit.jsonl").read_text().splitlines()]


def running_config(router: Router) -> str:
    return router.vtysh("show running-config")


def test_read_only_runs_directly_without_key_or_intent(guarded: tuple[Lab, Router]) -> None:
    lab, r1 = guarded
    proc = oob(lab, "run", "--json", "r1", "--", "show running-config")
    assert proc.returncode == 0, proc.stderr
    body = json.loads(proc.stdout)["result"]
    assert body["verdict"] == "read-only" and body["intent"] is None and body["approvers"] == []
    assert "router bgp 64512" in body["results"][0]["output"]
    assert r1.received() == ["show running-config"]
    assert lab.app.approvals.list(include_closed=True) == []


def test_check_shows_the_verdict_and_sends_nothing(guarded: tuple[Lab, Router]) -> None:
    lab, r1 = guarded
    before = audit(lab)
    for text, code, label in ((NO_BGP, 20, "DANGEROUS"), (PREFIX_LIST, 10, "CHANGE"),
                              ("show ip bgp summary", 0, "READ-ONLY")):
        proc = oob(lab, "run", "--check", "r1", "--", text)
        assert proc.returncode == code, proc.stderr
        assert proc.stdout.startswith(f"{label} - frr on r1: ") and "  rules " in proc.stdout
        assert "  blast " in proc.stdout and "  model " in proc.stdout and "  decided by: " in proc.stdout
    body = json.loads(oob(lab, "run", "--check", "--json", "r1", "--", NO_BGP).stdout)["result"]
    (decision,) = body["decisions"]
    assert body["verdict"] == "dangerous" and decision["needs"].startswith("needs 2 fresh hardware-key approval")
    assert {c["checker"] for c in decision["checkers"]} == {"rules", "blast", "model"}
    assert r1.received() == [] and audit(lab) == before and lab.app.approvals.list(include_closed=True) == []


def test_dangerous_command_is_refused_without_the_quorum_and_runs_once_with_it(guarded: tuple[Lab, Router]) -> None:
    lab, r1 = guarded
    refused = oob(lab, "run", "--json", "r1", "--", NO_BGP, key="alice-key")  # a touch is not a quorum
    assert refused.returncode == 7, refused.stderr
    message, intent = error(refused)["message"], error(refused)["details"]["intent"]
    assert message.startswith(f"dangerous: not sent; intent {intent} needs 2 more approval(s)")
    assert "removes a whole BGP process" in message
    assert r1.received() == [] and "router bgp 64512" in running_config(r1)

    assert oob(lab, "approve", intent, "--local-key", key="alice-key").returncode == 0
    short = oob(lab, "run", "--intent", intent, "r1", "--", NO_BGP)
    assert short.returncode == 7 and "1 of 2 valid approvals" in short.stderr
    assert oob(lab, "approve", intent, "--local-key", key="dave-key").returncode == 5  # an operator, not an approver
    assert oob(lab, "approve", intent, "--local-key", key="bob-key").returncode == 0
    wrong = oob(lab, "run", "--intent", intent, "r1", "--", "configure terminal\nno router bgp 64513")
    assert wrong.returncode == 7 and "does not cover this command" in wrong.stderr
    assert r1.received() == [] and "router bgp 64512" in running_config(r1)

    done = oob(lab, "run", "--json", "--intent", intent, "r1", "--", "-", input=NO_BGP + "\n")  # the block on stdin
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)["result"]
    assert body["verdict"] == "dangerous" and body["intent"] == intent and sorted(body["approvers"]) == ["alice", "bob"]
    assert r1.received() == [NO_BGP] and "router bgp" not in running_config(r1)
    assert lab.app.approvals.get(intent).state == "executed"

    again = oob(lab, "run", "--intent", intent, "r1", "--", NO_BGP)
    assert again.returncode == 7 and "executed" in again.stderr and r1.received() == [NO_BGP]
    trail = [(e["action"], e["outcome"]) for e in audit(lab) if e["details"].get("run_id") == body["run_id"]
             or e["target"] == intent or e["action"].startswith("guard.")]
    cleared = trail.index(("guard.clear", "ok"))
    assert trail[cleared - 2:cleared + 5] == [
        ("guard.decision", "dangerous"), ("intent.execute", "ok"), ("guard.clear", "ok"), ("run.start", "started"),
        ("run.finish", "ok"), ("guard.run", "ok"), ("intent.finish", "ok")]


def test_change_needs_the_operators_own_touch(guarded: tuple[Lab, Router], monkeypatch: pytest.MonkeyPatch) -> None:
    lab, r1 = guarded
    lab.use_key("alice-key")
    session = lab.app.login.open_login(lab.app.login.login("alice", NoPrompt()))
    monkeypatch.delenv(SOFT_KEY_ENV)
    as_alice = {"OOB_SESSION": session}

    no_key = oob(lab, "run", "r1", "--", PREFIX_LIST, env=as_alice)
    assert no_key.returncode == 7 and "no security key is attached to this host" in no_key.stderr
    assert "change: not sent; the operator's touch did not approve intent" in no_key.stderr
    other = oob(lab, "run", "r1", "--", PREFIX_LIST, env=as_alice, key="bob-key")
    assert other.returncode == 7 and "no attached key holds a credential enrolled for this" in other.stderr
    untouched = oob(lab, "run", "--no-touch", "r1", "--", PREFIX_LIST, env=as_alice, key="alice-key")
    assert untouched.returncode == 7 and "needs 1 more approval(s)" in untouched.stderr
    assert r1.received() == [] and "OOB-LAB" not in running_config(r1)

    done = oob(lab, "run", "--json", "r1", "--", PREFIX_LIST, env=as_alice, key="alice-key")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)["result"]
    assert body["verdict"] == "change" and body["approvers"] == ["alice"]
    assert r1.received() == [PREFIX_LIST]
    assert "ip prefix-list OOB-LAB seq 5 permit 192.0.2.0/24" in running_config(r1)
    start = next(e for e in audit(lab) if e["action"] == "run.start")
    assert start["actor"] == "user:alice" and start["details"]["intent"] == body["intent"]
