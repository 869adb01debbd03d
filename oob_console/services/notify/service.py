"""Out-of-band comms: accept a notice durably, then deliver it to every channel until done or expired.

``accept`` records the notice in the audit log and the outbox and returns;
from then on the notice survives crashes and a dead uplink. ``deliver_due``
makes one attempt at every delivery that is due; ``flush`` keeps doing that,
sleeping through the back-off, until nothing is pending or its time is up.
Other services announce their events through ``auto`` (the notify hook): it
never raises, because a notice must not stand in the way of the action it
reports.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from oob_console.core.audit.seal import anchor_of
from oob_console.core.notice import SEVERITIES, Notice, RetryPolicy, SendResult, Verdict, judge_attempt, wants
from oob_console.errors import ConfigError, NotFoundError, OobError, UsageError
from oob_console.services.audit.service import AuditService
from oob_console.services.notify.ports import Channel, Claim, DeliveryRow, Outbox


@dataclass(frozen=True)
class Attempt:
    """One try at one delivery, as reported to the operator."""

    message_id: str
    channel: str
    attempt: int
    state: str
    reason: str
    remote_id: str
    seconds: float
    next_at: float | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class NotifyService:
    outbox: Outbox
    channels: Mapping[str, Channel]
    audit: AuditService
    site: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    expire_after: float = 86400.0
    lease: float = 60.0  # how long a claimed delivery is ours; longer than one send can take
    send_wait: float = 20.0  # how long `oob notify MESSAGE` keeps retrying before leaving it queued
    auto_events: frozenset[str] = frozenset()
    clock: Callable[[], float] = time.time
    rand: Callable[[], float] = random.random  # back-off jitter, not security
    sleep: Callable[[float], None] = time.sleep

    def _pick(self, severity: str, names: Sequence[str] | None) -> list[str]:
        if not self.channels:
            raise ConfigError("no comms channels are configured", where="[[comms.channels]]",
                              hint="add a channel (see config.example.toml)")
        if names:
            unknown = [n for n in names if n not in self.channels]
            if unknown:
                raise NotFoundError(f"no such channel: {', '.join(unknown)}", where="--channel",
                                    hint=f"configured: {', '.join(self.channels)}")
            return list(dict.fromkeys(names))
        picked = [n for n, c in self.channels.items() if wants(c.min_severity, severity)]
        if not picked:
            raise ConfigError(f"no channel takes {severity} notices", where="comms.channels.min_severity",
                              hint="raise --severity, or lower a channel's min_severity")
        return picked

    def accept(
        self,
        text: str,
        *,
        severity: str = "info",
        kind: str = "manual",
        details: Mapping[str, Any] | None = None,
        channels: Sequence[str] | None = None,
    ) -> tuple[Notice, list[str]]:
        """Queue ``text`` for every channel that takes ``severity`` (or the ``channels`` named).

        Audited first; once this returns, the notice is on disk and will be
        retried until delivered or expired. Raises:
            UsageError: bad severity or empty text.
            ConfigError / NotFoundError: no channel to send to.
            AuditWriteError: not recorded, not queued.
            StorageError: audited, but the outbox could not store it (recorded as failed).
        """
        if severity not in SEVERITIES:
            raise UsageError(f"{severity!r} is not a severity", where="--severity", hint=", ".join(SEVERITIES))
        if not text.strip():
            raise UsageError("the message is empty", where="MESSAGE")
        names = self._pick(severity, channels)
        now = self.clock()
        notice = Notice(id=secrets.token_hex(8), site=self.site, severity=severity,
                        text=text, created=now, kind=kind, details=dict(details or {}))
        audit_details = {"severity": severity, "kind": kind, "channels": names, "text": text}
        entry = self.audit.record("notify.accept", target=notice.id, details=audit_details)
        # the notice carries the head it was accepted at: each channel becomes a witness of the log
        notice = replace(notice, details={**notice.details,
                                          "audit_head": anchor_of(self.site, entry["seq"], entry["hash"]).code})
        try:
            self.outbox.add(notice, names, expires=now + self.expire_after)
        except OobError as exc:
            self.audit.record("notify.accept", target=notice.id, outcome="failed", details={"error": exc.message})
            raise
        return notice, names

    def _send(self, claim: Claim) -> tuple[SendResult | None, str, float]:
        started = time.monotonic()
        try:
            result = self.channels[claim.channel].send(claim.notice)
        except OobError as exc:
            return None, exc.message, time.monotonic() - started
        return result, "", time.monotonic() - started

    def deliver_due(self, *, message_id: str | None = None) -> list[Attempt]:
        """One attempt at every due delivery (channels in parallel); outcomes recorded before returning.

        Raises:
            StorageError: the outbox cannot be read or updated.
            AuditWriteError: an outcome could not be audited.
        """
        now = self.clock()
        claims = self.outbox.claim_due(now, self.lease, message_id=message_id)
        live = [c for c in claims if c.channel in self.channels and now <= c.expires]
        out = [self._settle(c, Verdict("expired", reason="expired before it could be sent"), "", 0.0)
               for c in claims if now > c.expires]
        out += [self._settle(c, Verdict("failed", reason="channel no longer configured"), "", 0.0)
                for c in claims if c.channel not in self.channels and now <= c.expires]
        if live:
            with ThreadPoolExecutor(max_workers=min(8, len(live)), thread_name_prefix="notify") as pool:
                results = list(pool.map(self._send, live))
            for claim, (result, failure, seconds) in zip(live, results, strict=True):
                verdict = judge_attempt(result=result, failure=failure, attempt=claim.attempt, now=self.clock(),
                                        expires=claim.expires, policy=self.policy, rand=self.rand())
                out.append(self._settle(claim, verdict, result.remote_id if result else "", seconds))
        return out

    def _settle(self, claim: Claim, verdict: Verdict, remote_id: str, seconds: float) -> Attempt:
        now = self.clock()
        self.outbox.settle(claim, verdict.state, now=now, next_at=verdict.next_at, error=verdict.reason,
                           remote_id=remote_id)
        if verdict.state != "pending":
            self.audit.record(
                f"notify.{verdict.state}", target=claim.notice.id,
                outcome="ok" if verdict.state == "delivered" else "failed",
                details={"channel": claim.channel, "attempts": claim.attempt, "reason": verdict.reason,
                         "remote_id": remote_id},
            )
        return Attempt(claim.notice.id, claim.channel, claim.attempt, verdict.state, verdict.reason, remote_id,
                       round(seconds, 3), verdict.next_at)

    def flush(self, wait: float, *, message_id: str | None = None) -> list[Attempt]:
        """Deliver what is due, sleeping through back-off, until nothing is pending or ``wait`` seconds pass."""
        deadline = self.clock() + wait
        attempts: list[Attempt] = []
        while True:
            batch = self.deliver_due(message_id=message_id)
            attempts += batch
            due = self.outbox.next_due(message_id=message_id)
            if due is None or due > deadline:
                return attempts
            if not batch or due > self.clock():  # claimed elsewhere, or backing off: wait, do not spin
                self.sleep(max(0.05, due - self.clock()))

    def send(
        self,
        text: str,
        *,
        severity: str = "info",
        channels: Sequence[str] | None = None,
        wait: float | None = None,
        kind: str = "manual",
        details: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Accept, then try to deliver for up to ``wait`` seconds (default ``send_wait``); the rest stays queued."""
        notice, names = self.accept(text, severity=severity, kind=kind, details=details, channels=channels)
        attempts = self.flush(self.send_wait if wait is None else wait, message_id=notice.id)
        final: dict[str, Attempt] = {a.channel: a for a in attempts}
        return {
            "id": notice.id, "severity": severity, "channels": names,
            "deliveries": {n: final[n].to_json() if n in final else None for n in names},
            "attempts": [a.to_json() for a in attempts],
            "pending": [n for n in names if n not in final or final[n].state == "pending"],
        }

    def status(self, *, include_done: bool = False, limit: int = 50) -> list[DeliveryRow]:
        return self.outbox.rows(include_done=include_done, limit=limit)

    def auto(self, event: str, text: str, *, severity: str = "info",
             details: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """The notify hook: announce ``event`` if the site wants it; one delivery pass, never raises.

        Events: announce, withdraw, approval-requested, approval-given, drill
        (``comms.auto``). Returns None when the event is not wanted or there is
        no channel; otherwise the send result, or ``{"error": ...}``.
        """
        if event not in self.auto_events or not any(wants(c.min_severity, severity) for c in self.channels.values()):
            return None
        try:
            return self.send(text, severity=severity, wait=0.0, kind=event, details=details)
        except OobError as exc:  # the notice is secondary to the action that triggered it
            return {"error": exc.to_json()}
