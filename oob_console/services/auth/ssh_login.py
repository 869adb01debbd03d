"""SSH logins with security keys: what the SSH front ends add to the login service.

The SSH protocol asks twice per key: may this key be used (``offer``, no
signature yet), then is this signature good (``verify``). The verdict on a
signature is ``LoginService.ssh_auth``'s (services.login): it verifies the
signature against the enrolled key, requires the touch unless the key is
``no-touch-required`` and user verification for ``verify-required`` keys (or
roles that need it), requires a counter that moves forward, and backs off and
locks out users after failures.

This service adds what only the SSH front end knows: the client's address
(rate limiting and lockout per address, for failures no user can be blamed
for: unknown keys, wrong login names), the shared login name, a cap on refusals
per connection, and the transport's audit trail: every refusal and login as
``ssh.login`` with the key's SHA256 fingerprint and the peer. A login that
cannot be audited is refused (fail closed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oob_console.core.auth.credentials import SSH_SK, Credential, User
from oob_console.core.auth.identity import Identity
from oob_console.core.auth.login_limits import FailureLimiter
from oob_console.core.auth.ssh_wire import WireError, parse_public_blob
from oob_console.errors import AuditWriteError, AuthError, OobError
from oob_console.services.audit.service import AuditService
from oob_console.services.auth.credentials import CredentialService
from oob_console.services.auth.login import LoginService

log = logging.getLogger("oob_console.ssh_login")

MAX_REFUSALS = 6  # refused keys or signatures per connection, like OpenSSH's MaxAuthTries


def describe_key(blob: bytes) -> tuple[str, str, bool]:
    """(fingerprint, key type, is a security key) of an SSH public key blob; ("?", "?", False) if unreadable."""
    try:
        key = parse_public_blob(blob)
    except WireError:
        return "?", "?", False
    return key.fingerprint, key.key_type, key.is_sk


@dataclass
class SshLoginService:
    credentials: CredentialService
    login: LoginService
    audit: AuditService
    limiter: FailureLimiter
    login_user: str = "oob"  # the shared login every enrolled engineer may use
    clock: Callable[[], float] = time.monotonic

    def locked_for(self, address: str) -> float:
        """Seconds before ``address`` may try again (0: it may)."""
        return self.limiter.locked_for(f"addr:{address}", self.clock())

    def attempt(self, address: str, port: int, via: str = "oob-serve") -> LoginAttempt:
        """Start tracking the authentication of one connection."""
        return LoginAttempt(self, address, f"{address}:{port}", via)

    def count_failure(self, address: str, details: dict[str, Any]) -> None:
        """Count a failure against ``address``; audit the lockout it may cause."""
        subject = f"addr:{address}"
        if self.limiter.failure(subject, self.clock()):
            info = {**details, "lockout_seconds": self.limiter.lockout}
            try:
                self.audit.record("ssh.lockout", subject, "locked", info, actor=f"ssh:{address}")
            except AuditWriteError as exc:
                log.error("cannot audit a lockout of %s: %s", subject, exc)

    def owner(self, blob: bytes) -> tuple[User, Credential] | str:
        """The user and credential of an active enrolled sk key, or why there is none.

        Raises:
            StorageError: the store cannot be read.
        """
        cred = self.credentials.repo.by_ssh_blob(blob)
        if cred is None or cred.kind != SSH_SK:
            return "unknown key (not enrolled)"
        if not cred.active:
            return "the key is revoked"
        user = self.credentials.repo.get_user(cred.user)
        if user is None or not user.active:
            return f"user {cred.user!r} is disabled"
        if self.credentials.repo.login_state(user.name).locked:
            return f"user {user.name!r} is locked after failed logins (an admin runs 'oob user unlock')"
        return user, cred

    def authorized_keys(self, unix_user: str) -> list[str]:
        """authorized_keys lines for sshd: every engineer's keys on the shared login, else ``unix_user``'s own.

        Each line is ``restrict,pty`` (no forwarding, no user rc, no X11; a terminal for the
        console) plus the key's own ``verify-required`` / ``no-touch-required``, so sshd enforces
        them. Keys of disabled or locked users are left out.
        """
        lines = []
        for cred in sorted(self.credentials.repo.list_credentials(None if unix_user == self.login_user else unix_user),
                           key=lambda c: (c.user, c.key_id)):
            if cred.kind != SSH_SK or not isinstance(self.owner(cred.ssh_blob), tuple):
                continue
            options = ["restrict", "pty"]
            if cred.uv_required:
                options.append("verify-required")
            if cred.no_touch_required:
                options.append("no-touch-required")
            key = parse_public_blob(cred.ssh_blob)
            lines.append(f"{','.join(options)} {key.openssh(f'oob:{cred.user}')}")
        return lines

    def identity_of(self, user: User, cred: Credential) -> Identity:
        """The identity of a login sshd authenticated (it enforced the key's options itself)."""
        return Identity.for_user(user.name, frozenset(user.roles), method="ssh-sk", key_id=cred.key_id,
                                 user_verified=cred.uv_required)


@dataclass
class LoginAttempt:
    """One connection's tries; refusals are audited and counted against the address."""

    service: SshLoginService
    address: str
    peer: str
    via: str
    refusals: int = 0
    counted_offer: bool = False

    def _details(self, login: str, blob: bytes, **extra: Any) -> dict[str, Any]:
        fingerprint, key_type, _ = describe_key(blob)
        return {"login": login, "peer": self.peer, "via": self.via, "key_fingerprint": fingerprint,
                "key_type": key_type, **extra}

    def refuse(self, reason: str, details: dict[str, Any], *, count: bool) -> None:
        """Audit a refusal (as the address: nobody proved who they are) and maybe count it."""
        details = {**details, "reason": reason}
        self.refusals += 1
        try:
            self.service.audit.record("ssh.login", details["login"], "refused", details, actor=f"ssh:{self.address}")
        except AuditWriteError as exc:
            log.error("cannot audit a refused login (%s): %s", reason, exc)
        if count:
            self.service.count_failure(self.address, details)

    def offer(self, login: str, blob: bytes) -> bool:
        """May this key be tried for ``login``? Refusals are audited."""
        details = self._details(login, blob)
        reason = self._check(login, blob)
        if not isinstance(reason, str):
            return True
        count = not self.counted_offer and "locked out" not in reason  # an agent full of keys is one failure
        self.refuse(reason, details, count=count)
        self.counted_offer = self.counted_offer or count
        return False

    def _check(self, login: str, blob: bytes) -> tuple[User, Credential] | str:
        """The key's user and credential, or why this key may not log in as ``login`` from here."""
        svc = self.service
        if self.refusals >= MAX_REFUSALS:
            return f"more than {MAX_REFUSALS} refusals on one connection"
        if svc.locked_for(self.address):
            return "this address is locked out after repeated failures"
        if not describe_key(blob)[2]:
            return "only security keys (ed25519-sk, ecdsa-sk) may log in"
        try:
            found = svc.owner(blob)
        except OobError as exc:
            return f"the credential store cannot be read: {exc.message}"
        if isinstance(found, str):
            return found
        user = found[0].name
        if login not in (svc.login_user, user):
            return f"the key belongs to {user}, who logs in as {svc.login_user!r} or as {user!r}"
        return found

    def verify(self, login: str, blob: bytes, signed_data: bytes, signature: bytes) -> Identity | None:
        """The engineer, if the login service accepts this signature; else None (refused and audited)."""
        svc = self.service
        found = self._check(login, blob)  # again: revoked, disabled or locked meanwhile?
        if isinstance(found, str):
            self.refuse(found, self._details(login, blob), count=True)
            return None
        user, _ = found
        try:
            identity = svc.login.ssh_auth(user.name, blob, signed_data, signature)
        except AuthError as exc:
            self.refuse(exc.message, self._details(login, blob, user=user.name), count=True)
            return None
        except OobError as exc:  # the store cannot be read or written
            self.refuse(exc.message, self._details(login, blob, user=user.name), count=False)
            return None
        details = self._details(login, blob, user=user.name, user_verified=identity.user_verified)
        try:
            svc.audit.record("ssh.login", login, "ok", details, actor=identity.actor)
        except AuditWriteError as exc:
            log.error("login of %s refused: the audit log cannot be written: %s", user.name, exc)
            return None
        return identity
