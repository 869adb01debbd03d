"""Who may log in over SSH with a security key, and the audit trail of every try.

The SSH server (``oob serve``) asks this service twice per key, as the SSH
protocol does: may this key be used (``offer``, no signature yet), then is this
signature acceptable (``verify``, after the server checked it
cryptographically). Everything the SSH library does not enforce is decided
here: enrolment and revocation, the shared login name, user presence unless
``no-touch-required``, user verification for ``verify-required``, a counter
that moves forward, rate limiting and lockout. Each refusal and each login is
audited with the key's fingerprint; a login whose audit entry cannot be written
is refused (fail closed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from oob_console.core.login_limits import FailureLimiter
from oob_console.core.sk_signature import (
    SK_KEY_TYPES,
    SkPolicy,
    fingerprint,
    key_type,
    parse_sk_signature,
    refusal,
)
from oob_console.errors import AuditWriteError, StorageError
from oob_console.services.audit import AuditService
from oob_console.services.login_ports import EnrolledSkKey, SkKeyDirectory

log = logging.getLogger("oob_console.ssh_login")

MAX_REFUSALS = 6  # refused keys or signatures per connection, like OpenSSH's MaxAuthTries


@dataclass(frozen=True)
class LoginIdentity:
    """The engineer behind an authenticated SSH connection."""

    user: str
    key_id: str
    fingerprint: str
    key_type: str
    login: str  # the SSH user name given (the shared login or the engineer's own)
    peer: str  # "address:port"

    @property
    def actor(self) -> str:
        return f"user:{self.user}"


@dataclass
class SshLoginService:
    keys: SkKeyDirectory
    audit: AuditService
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    login_user: str = "oob"  # the shared login every enrolled engineer may use
    via: str = "oob-serve"
    clock: Callable[[], float] = time.monotonic

    def locked_for(self, address: str) -> float:
        """Seconds before ``address`` may try again (0: it may)."""
        return self.limiter.locked_for(f"addr:{address}", self.clock())

    def attempt(self, address: str, port: int) -> LoginAttempt:
        """Start tracking the authentication of one connection."""
        return LoginAttempt(self, address, f"{address}:{port}")

    def record_as(self, actor: str, action: str, target: str, outcome: str, details: dict[str, Any]) -> None:
        """Append to the audit log as ``actor`` (raises AuditWriteError)."""
        replace(self.audit, actor=actor).record(action, target=target, outcome=outcome, details=details)

    def count_failure(self, subject: str, details: dict[str, Any]) -> None:
        """Count a failure against ``subject``; audit the lockout it may cause."""
        if self.limiter.failure(subject, self.clock()):
            info = {**details, "subject": subject, "lockout_seconds": self.limiter.lockout}
            try:
                self.record_as("ssh:" + details.get("address", "?"), "ssh.lockout", subject, "locked", info)
            except AuditWriteError as exc:
                log.error("cannot audit a lockout of %s: %s", subject, exc)


@dataclass
class LoginAttempt:
    """One connection's tries; refusals are audited and counted against the address and key."""

    service: SshLoginService
    address: str
    peer: str
    refusals: int = 0
    counted_offer_failure: bool = False

    def _details(self, login: str, blob: bytes, enrolled: EnrolledSkKey | None, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"login": login, "peer": self.peer, "address": self.address, "via": self.service.via,
                               "key_fingerprint": fingerprint(blob), "key_type": key_type(blob)}
        if enrolled is not None:
            out["user"] = enrolled.user
            out["key_id"] = enrolled.key_id
        out.update(extra)
        return out

    def _refuse(self, reason: str, details: dict[str, Any], *, count_key: bool, count_addr: bool) -> None:
        details = {**details, "reason": reason}
        self.refusals += 1
        try:
            self.service.record_as(f"ssh:{self.address}", "ssh.login", details["login"], "refused", details)
        except AuditWriteError as exc:
            log.error("cannot audit a refused login (%s): %s", reason, exc)
        if count_addr:
            self.service.count_failure(f"addr:{self.address}", details)
        if count_key:
            self.service.count_failure(f"key:{details['key_fingerprint']}", details)

    def offer(self, login: str, blob: bytes) -> EnrolledSkKey | None:
        """May this key be tried for ``login``? The enrolled key, or None (refused and audited)."""
        svc = self.service
        details = self._details(login, blob, None)
        now = svc.clock()
        if self.refusals >= MAX_REFUSALS:
            self._refuse(f"more than {MAX_REFUSALS} refusals on one connection", details,
                         count_key=False, count_addr=not self.counted_offer_failure)
            self.counted_offer_failure = True
            return None
        if svc.limiter.locked_for(f"addr:{self.address}", now):
            self._refuse("this address is locked out after repeated failures", details,
                         count_key=False, count_addr=False)
            return None
        reason: str | None = "only security keys (ed25519-sk, ecdsa-sk) may log in"
        enrolled = None
        if key_type(blob) in SK_KEY_TYPES:
            try:
                enrolled = svc.keys.find_sk_key(blob)
            except StorageError as exc:
                self._refuse(f"the credential store cannot be read: {exc.message}", details,
                             count_key=False, count_addr=False)
                return None
            reason = self._offer_refusal(login, blob, enrolled, now)
        if reason is None:
            return enrolled
        details = self._details(login, blob, enrolled)
        count = not self.counted_offer_failure and "locked" not in reason
        self._refuse(reason, details, count_key=False, count_addr=count)
        self.counted_offer_failure = self.counted_offer_failure or count
        return None

    def _offer_refusal(self, login: str, blob: bytes, enrolled: EnrolledSkKey | None, now: float) -> str | None:
        if enrolled is None:
            return "unknown key (not enrolled)"
        if enrolled.revoked:
            return "the key is revoked"
        if login not in (self.service.login_user, enrolled.user):
            return f"the key belongs to {enrolled.user}, who may log in as {self.service.login_user!r} or as themselves"
        if self.service.limiter.locked_for(f"key:{fingerprint(blob)}", now):
            return "this key is locked out after repeated failures"
        return None

    def verify(self, login: str, blob: bytes, signature: bytes, signature_valid: bool) -> LoginIdentity | None:
        """Accept a cryptographically checked signature? The identity, or None (refused and audited)."""
        svc = self.service
        try:
            enrolled = svc.keys.find_sk_key(blob)  # again: it may have been revoked or used meanwhile
        except StorageError as exc:
            self._refuse(f"the credential store cannot be read: {exc.message}", self._details(login, blob, None),
                         count_key=False, count_addr=False)
            return None
        reason = self._offer_refusal(login, blob, enrolled, svc.clock())
        sig = None
        if reason is None:
            try:
                sig = parse_sk_signature(signature)
            except ValueError as exc:
                reason = f"not an acceptable security-key signature: {exc}"
        if reason is None and not signature_valid:
            reason = "the signature does not verify"
        if reason is None and enrolled is not None and sig is not None:
            reason = refusal(SkPolicy(enrolled.verify_required, enrolled.no_touch_required, enrolled.last_counter),
                             sig)
        extra = {"flags": sig.flags, "counter": sig.counter} if sig else {}
        details = self._details(login, blob, enrolled, **extra)
        if reason is None and enrolled is not None and sig is not None:
            try:
                if not svc.keys.advance_sk_counter(enrolled.key_id, sig.counter):
                    reason = "the key's signature counter did not move forward (used concurrently or replayed)"
            except StorageError as exc:
                self._refuse(f"the credential store cannot be written: {exc.message}", details,
                             count_key=False, count_addr=False)
                return None
        if reason is not None or enrolled is None:
            self._refuse(reason or "unknown key", details, count_key=enrolled is not None, count_addr=True)
            return None
        identity = LoginIdentity(enrolled.user, enrolled.key_id, fingerprint(blob), key_type(blob), login, self.peer)
        try:
            svc.record_as(identity.actor, "ssh.login", login, "ok", details)
        except AuditWriteError as exc:
            log.error("login of %s refused: the audit log cannot be written: %s", enrolled.user, exc)
            return None
        svc.limiter.success(f"key:{identity.fingerprint}")
        return identity

