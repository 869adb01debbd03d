"""Out-of-band comms against local HTTP servers that speak each channel's protocol.

The real CLI runs in a subprocess; the servers record what the far end would
have shown a human, so "delivered exactly once" is checked where it matters.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_oob
from tests.lab.comms_servers import CommsLab, write_channel_config

pytestmark = pytest.mark.lab

TIMEOUT = 0.5  # connect and read: a claim's lease is 2 * (0.5 + 0.5) + 2 = 4 s


@pytest.fixture
def lab() -> Iterator[CommsLab]:
    server = CommsLab().start()
    yield server
    server.stop()


def configure(site: Path, base: str, **kw: object) -> None:
    cfg = site / "config.toml"
    cfg.write_text(cfg.read_text() + write_channel_config(site, base, timeout=TIMEOUT, **kw))  # type: ignore[arg-type]


def audit_actions(site: Path) -> list[tuple[str, str]]:
    out = run_oob("audit", "show", "--json", home=site)
    return [(e["action"], e["outcome"]) for e in json.loads(out.stdout)["result"]]


def test_a_notice_reaches_every_channel(site: Path, lab: CommsLab) -> None:
    configure(site, lab.base)
    out = run_oob("notify", "backbone down at SJC1", "--severity", "critical", "--json", home=site)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)["result"]
    nid = result["id"]
    assert {d["state"] for d in result["deliveries"].values()} == {"delivered"}
    assert dict(lab.pd_alerts) == {f"oob-test-{nid}": 1}
    pd = lab.of("pagerduty")[0].json()
    assert pd["payload"]["severity"] == "critical" and pd["payload"]["summary"] == "[test] backbone down at SJC1"
    head = lab.of("webhook")[0].json()["audit_head"]
    assert head.startswith("oob-audit:test:")  # every notice carries the audit head it was accepted at
    assert lab.slack_posts == [f"*[test] CRITICAL* backbone down at SJC1\naudit head: {head}"]
    assert [e["txn"] for e in lab.matrix_events] == [f"oob-{nid}"]
    assert dict(lab.hook_deliveries) == {nid: 1}  # and its HMAC signature was checked by the server
    assert audit_actions(site).count(("notify.delivered", "ok")) == 4
    assert ("notify.accept", "ok") in audit_actions(site)
    outbox = site / "outbox.db"
    assert outbox.stat().st_mode & 0o777 == 0o600


def test_retries_5xx_429_and_timeouts_with_the_same_idempotency_key(site: Path, lab: CommsLab) -> None:
    configure(site, lab.base)
    lab.slow = 2.0
    lab.script("pagerduty", "500", "500")
    lab.script("matrix", "timeout")  # processed after the client gave up: the retry must not post again
    lab.script("webhook", "429")
    lab.script("slack", "500")
    out = run_oob("notify", "retry me", "--wait", "20s", "--json", home=site)
    assert out.returncode == 0, out.stdout + out.stderr
    nid = json.loads(out.stdout)["result"]["id"]
    pd = lab.of("pagerduty")
    assert len(pd) == 3 and {r.json()["dedup_key"] for r in pd} == {f"oob-test-{nid}"}
    matrix = lab.of("matrix")
    assert len(matrix) == 2 and len({r.path for r in matrix}) == 1
    assert len(lab.of("webhook")) == 2 and {r.headers["idempotency-key"] for r in lab.of("webhook")} == {nid}
    assert len(lab.slack_posts) == 1
    # once the slow first Matrix request is processed too, the room still holds one event
    lab.wait_idle()
    assert len(lab.matrix_events) == 1
    assert dict(lab.pd_alerts) == {f"oob-test-{nid}": 1}


def test_a_dead_uplink_queues_and_flush_delivers_later(site: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on yet: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    configure(site, f"http://127.0.0.1:{port}", channels=("matrix", "webhook"))
    out = run_oob("notify", "uplink test", "--wait", "0", home=site)
    assert out.returncode == 8, out.stdout + out.stderr
    assert "queued for matrix, hook" in out.stdout
    status = run_oob("notify", "status", "--json", home=site)
    rows = json.loads(status.stdout)["result"]
    assert {(r["channel"], r["state"]) for r in rows} == {("matrix", "pending"), ("hook", "pending")}
    assert all("cannot reach it" in r["last_error"] for r in rows)
    server = CommsLab(port=port).start()
    try:
        out = run_oob("notify", "flush", "--wait", "20s", home=site)
        assert out.returncode == 0, out.stdout + out.stderr
        assert len(server.matrix_events) == 1 and len(server.hook_deliveries) == 1
    finally:
        server.stop()
    assert json.loads(run_oob("notify", "status", "--json", home=site).stdout)["result"] == []


def test_a_permanent_refusal_is_not_retried(site: Path, lab: CommsLab) -> None:
    configure(site, lab.base, channels=("pagerduty",))
    (site / "pd.key").write_text("wrong-key")
    out = run_oob("notify", "x", "--wait", "10s", home=site)
    assert out.returncode == 1
    assert "HTTP 400" in out.stdout and "not retried" in out.stdout
    assert len(lab.of("pagerduty")) == 1
    assert ("notify.failed", "failed") in audit_actions(site)


def _kill_mid_send(site: Path, lab: CommsLab, step: str) -> str:
    """Start `oob notify`, let every channel's request reach the server, kill -9 the client."""
    for kind in ("pagerduty", "slack", "matrix", "webhook"):
        lab.script(kind, step)
    env = {**os.environ, "OOB_HOME": str(site)}
    proc = subprocess.Popen([sys.executable, "-m", "oob_console", "notify", "outage: kill me", "--wait", "30s"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lab.wait_held(4, timeout=20)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    lab.release()  # the held requests are dropped
    rows = json.loads(run_oob("notify", "status", "--json", home=site).stdout)["result"]
    assert {r["state"] for r in rows} == {"pending"} and len(rows) == 4
    nid: str = rows[0]["message_id"]
    out = run_oob("notify", "flush", "--wait", "30s", home=site)
    assert out.returncode == 0, out.stdout + out.stderr
    return nid


def test_kill_9_between_accept_and_delivery_delivers_exactly_once(site: Path, lab: CommsLab) -> None:
    configure(site, lab.base)
    nid = _kill_mid_send(site, lab, "hold")  # requests arrive but are never processed
    assert dict(lab.pd_alerts) == {f"oob-test-{nid}": 1}
    assert len(lab.slack_posts) == 1
    assert len(lab.matrix_events) == 1
    assert dict(lab.hook_deliveries) == {nid: 1}
    assert audit_actions(site).count(("notify.delivered", "ok")) == 4


def test_kill_9_after_the_far_end_processed_relies_on_idempotency(site: Path, lab: CommsLab) -> None:
    configure(site, lab.base)
    nid = _kill_mid_send(site, lab, "hold-after")  # processed, answer lost: the retry is a duplicate
    assert dict(lab.pd_alerts) == {f"oob-test-{nid}": 2}  # two events folded into one alert: paged once
    assert len(lab.of("matrix")) == 2 and len(lab.matrix_events) == 1  # same txnId: one room event
    assert dict(lab.hook_deliveries) == {nid: 2}  # same Idempotency-Key twice: the receiver keeps one
    assert len(lab.slack_posts) == 2  # Slack has no idempotency key: at-least-once, as documented


def test_approvals_announce_themselves_through_the_hook(tmp_path: Path, lab: CommsLab,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.auth_lab import NoPrompt, make_lab

    comms = write_channel_config(tmp_path, lab.base, timeout=TIMEOUT, channels=("webhook",))
    comms = comms.replace("[comms]", '[comms]\nauto = ["approval-requested", "approval-given"]')
    site = make_lab(tmp_path, monkeypatch, extra_config=comms)
    site.user("alice")
    site.enroll("alice", "alice-key")
    view = site.app.approvals.request(site.admin, "bgp.announce", {"prefix": "198.51.100.0/24"})
    site.app.approvals.approve_local(view.id, NoPrompt())
    texts = [r.json()["text"] for r in lab.of("webhook")]
    kinds = [r.json()["kind"] for r in lab.of("webhook")]
    assert kinds == ["approval-requested", "approval-given"]
    assert f"approval wanted: bgp.announce (intent {view.id}" in texts[0] and "2 approvals needed" in texts[0]
    assert texts[1] == f"alice approved bgp.announce (intent {view.id}): 1 of 2"
    assert {r.json()["severity"] for r in lab.of("webhook")} == {"warning"}
    site.app.store.close()


def test_a_notification_witnesses_the_audit_head_for_a_copy_elsewhere(site: Path, lab: CommsLab,
                                                                       tmp_path: Path) -> None:
    """The head a notice carried, pasted from the channel, proves a copy of the log on another machine."""
    configure(site, lab.base, channels=("webhook",))
    first = json.loads((site / "audit.jsonl").read_bytes().split(b"\n", 1)[0])
    key = first["details"]["verify_key"]  # what `oob init` printed for this site
    assert run_oob("notify", "starting the maintenance", "--json", home=site).returncode == 0
    head = lab.of("webhook")[0].json()["audit_head"]
    copy = tmp_path / "elsewhere" / "audit.jsonl"
    copy.parent.mkdir()
    raw = (site / "audit.jsonl").read_bytes()
    copy.write_bytes(raw)
    ok = run_oob("audit", "verify", "--log", str(copy), "--verify-key", key, "--anchor", head)
    assert ok.returncode == 0, ok.stderr
    seq = int(head.split(":")[2])
    lines = raw.splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if json.loads(line)["seq"] == seq)
    copy.write_bytes(b"".join(lines[:cut]))  # cut just below the witnessed head
    bad = run_oob("audit", "verify", "--log", str(copy), "--verify-key", key, "--anchor", head)
    assert bad.returncode == 4 and "below the head" in bad.stderr, bad.stderr
