"""The notify service's logic with channels that answer from a script (HTTP is in tests/lab)."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from oob_console.adapters.outbox_sqlite import SqliteOutbox
from oob_console.core.notice import Notice, RetryPolicy, SendResult
from oob_console.errors import ConfigError, DeadlineError, NotFoundError, UsageError
from oob_console.services.notify.service import NotifyService
from oob_console.wiring import Services


class ScriptedChannel:
    """Answers each send with the next scripted status (or raises the scripted error)."""

    kind = "scripted"

    def __init__(self, name: str, *answers: int | Exception, min_severity: str = "info") -> None:
        self.name = name
        self.min_severity = min_severity
        self.answers: deque[int | Exception] = deque(answers)
        self.sent: list[Notice] = []

    def send(self, notice: Notice) -> SendResult:
        self.sent.append(notice)
        answer = self.answers.popleft() if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return SendResult(answer, remote_id="r" if answer < 300 else "")

    def endpoint(self) -> str:
        return "http://far.example"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def service(site: Path, *channels: ScriptedChannel, clock: Clock | None = None) -> NotifyService:
    clock = clock or Clock()
    app = Services.from_config(str(site / "config.toml"))
    return NotifyService(outbox=SqliteOutbox(site / "outbox.db"), channels={c.name: c for c in channels},
                         audit=app.audit, site="test", policy=RetryPolicy(initial=2, maximum=60, jitter=0),
                         expire_after=100.0, lease=10.0, send_wait=30.0,
                         auto_events=frozenset({"drill"}), clock=clock, rand=lambda: 0.5, sleep=clock.sleep)


def test_send_retries_through_backoff_until_delivered(site: Path) -> None:
    pd = ScriptedChannel("pd", 500, DeadlineError("slow"), 202)
    clock = Clock()
    result = service(site, pd, clock=clock).send("hello", severity="warning")
    assert result["deliveries"]["pd"]["state"] == "delivered" and result["pending"] == []
    assert [a["attempt"] for a in result["attempts"]] == [1, 2, 3]
    assert len({n.id for n in pd.sent}) == 1  # the same notice (same idempotency key) every time
    assert clock.now == pytest.approx(1000 + 2 + 4, abs=0.2)


def test_send_leaves_the_rest_queued_when_wait_runs_out(site: Path) -> None:
    down = ScriptedChannel("down", *[500] * 10)
    svc = service(site, down, ScriptedChannel("up"))
    result = svc.send("x", wait=3)
    assert result["pending"] == ["down"] and result["deliveries"]["up"]["state"] == "delivered"
    rows = svc.status()
    assert [(r.channel, r.state) for r in rows] == [("down", "pending")]


def test_a_message_expires_and_is_audited(site: Path) -> None:
    clock = Clock()
    svc = service(site, ScriptedChannel("down", *[503] * 100), clock=clock)
    svc.send("x", wait=0)
    attempts = svc.flush(wait=500)
    assert attempts[-1].state == "expired" and clock.now < 1000 + 100 + 60
    entries = svc.audit.show(action="notify.expired")
    assert len(entries) == 1 and entries[0]["details"]["channel"] == "down"


def test_a_delivery_due_after_expiry_is_not_sent(site: Path) -> None:
    clock = Clock()
    ch = ScriptedChannel("c", 500)
    svc = service(site, ch, clock=clock)
    svc.send("x", wait=0)
    clock.now += 1000
    assert [a.state for a in svc.deliver_due()] == ["expired"]
    assert len(ch.sent) == 1


def test_severity_routing_and_channel_choice(site: Path) -> None:
    loud = ScriptedChannel("loud", min_severity="error")
    quiet = ScriptedChannel("quiet")
    svc = service(site, loud, quiet)
    assert svc.send("a", severity="info")["channels"] == ["quiet"]
    assert svc.send("b", severity="critical")["channels"] == ["loud", "quiet"]
    assert svc.send("c", severity="info", channels=["loud"])["channels"] == ["loud"]
    with pytest.raises(NotFoundError):
        svc.send("d", channels=["nope"])
    with pytest.raises(UsageError):
        svc.send("e", severity="loud")
    with pytest.raises(UsageError):
        svc.send("  ")
    with pytest.raises(ConfigError):
        service(site).send("no channels at all")


def test_accept_is_audited_before_it_is_queued(site: Path) -> None:
    svc = service(site, ScriptedChannel("c"))
    notice, _ = svc.accept("text")
    entry = svc.audit.show(action="notify.accept")[-1]
    assert entry["target"] == notice.id and entry["details"]["text"] == "text"


def test_the_hook_never_raises_and_respects_the_wanted_events(site: Path) -> None:
    svc = service(site, ScriptedChannel("c", 500))
    assert svc.auto("announce", "not wanted here") is None
    result = svc.auto("drill", "drill started")
    assert result is not None and result["pending"] == ["c"]  # one pass, no waiting: the flusher retries
    broken = service(site, ScriptedChannel("c"))
    broken.outbox = SqliteOutbox(site)  # a directory: the outbox cannot be opened
    failed = broken.auto("drill", "x")
    assert failed is not None and failed["error"]["type"] == "StorageError"
