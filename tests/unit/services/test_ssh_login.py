"""What the SSH front ends add to the login service, without SSH: offers, refusals, lockout, authorized_keys.

The signature verdict itself is services.login's (its own tests); real signatures
through real SSH clients are in tests/lab.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from oob_console.core.auth.identity import Identity
from oob_console.core.auth.login_limits import FailureLimiter
from oob_console.core.auth.ssh_wire import ED25519, SK_ED25519, SshPublicKey
from oob_console.errors import AuditWriteError
from oob_console.services.auth.ssh_login import MAX_REFUSALS, SshLoginService
from oob_console.wiring import Services

ADMIN = Identity.local("local:test")


def _ed25519_public() -> bytes:
    return Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sk_key() -> SshPublicKey:
    return SshPublicKey(SK_ED25519, _ed25519_public(), "ssh:")


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Setup:
    svc: SshLoginService
    app: Services
    clock: Clock
    alice: SshPublicKey

    def refusals(self) -> list[str]:
        return [e["details"]["reason"] for e in self.app.audit.show(action="ssh.login") if e["outcome"] == "refused"]


@pytest.fixture
def setup(site: Path) -> Setup:
    app = Services.from_config(str(site / "config.toml"))
    app.credentials.add_user(ADMIN, "alice", ("operator",))
    alice = sk_key()
    app.credentials.add_ssh_key(ADMIN, "alice", alice.openssh("alice@laptop"))
    clock = Clock()
    svc = SshLoginService(app.credentials, app.login, app.audit, FailureLimiter(3, 60, 600), "oob", clock=clock)
    return Setup(svc, app, clock, alice)


def test_an_enrolled_key_may_be_tried_on_the_shared_login_or_its_owner(setup: Setup) -> None:
    attempt = setup.svc.attempt("192.0.2.7", 40000)
    assert attempt.offer("oob", setup.alice.blob)
    assert attempt.offer("alice", setup.alice.blob)
    assert not attempt.offer("bob", setup.alice.blob)
    assert setup.refusals() == ["the key belongs to alice, who logs in as 'oob' or as 'alice'"]
    entry = setup.app.audit.show(action="ssh.login")[-1]
    assert entry["actor"] == "ssh:192.0.2.7" and entry["details"]["key_fingerprint"] == setup.alice.fingerprint
    assert entry["details"]["peer"] == "192.0.2.7:40000"


def test_unknown_revoked_disabled_and_plain_keys_are_refused(setup: Setup) -> None:
    svc, app = setup.svc, setup.app
    assert not svc.attempt("192.0.2.7", 1).offer("oob", sk_key().blob)
    assert not svc.attempt("192.0.2.8", 1).offer("oob", SshPublicKey(ED25519, _ed25519_public()).blob)
    app.credentials.add_user(ADMIN, "bob", ("operator",))
    bob = sk_key()
    app.credentials.add_ssh_key(ADMIN, "bob", bob.openssh())
    app.credentials.set_active(ADMIN, "bob", False)
    assert not svc.attempt("192.0.2.9", 1).offer("oob", bob.blob)
    app.credentials.revoke_key(ADMIN, setup.alice.fingerprint)
    assert not svc.attempt("192.0.2.10", 1).offer("oob", setup.alice.blob)
    assert setup.refusals() == ["unknown key (not enrolled)", "only security keys (ed25519-sk, ecdsa-sk) may log in",
                                "user 'bob' is disabled", "the key is revoked"]


def test_a_bad_signature_is_refused_by_the_login_service_and_counted(setup: Setup) -> None:
    attempt = setup.svc.attempt("192.0.2.7", 1)
    assert attempt.verify("oob", setup.alice.blob, b"session-id+request", b"\x00\x00\x00\x03bad") is None
    reason = setup.refusals()[-1]
    assert reason.startswith("login refused: malformed signature")
    failed = setup.app.audit.show(action="login.failed")[-1]  # the login service's own record
    assert failed["target"] == "alice"


def test_failures_lock_the_address_out_and_the_lockout_is_audited(setup: Setup) -> None:
    svc, clock = setup.svc, setup.clock
    for port in range(3):
        svc.attempt("192.0.2.7", port).verify("oob", setup.alice.blob, b"data", b"garbage")
    assert svc.locked_for("192.0.2.7") == 600
    assert svc.locked_for("198.51.100.1") == 0
    locks = setup.app.audit.show(action="ssh.lockout")
    assert [e["target"] for e in locks] == ["addr:192.0.2.7"]
    assert not svc.attempt("192.0.2.7", 9).offer("oob", setup.alice.blob)
    assert setup.refusals()[-1] == "this address is locked out after repeated failures"
    clock.now += 601
    assert svc.attempt("192.0.2.7", 10).offer("oob", setup.alice.blob)


def test_unknown_keys_count_once_per_connection_and_refusals_are_capped(setup: Setup) -> None:
    svc = setup.svc
    attempt = svc.attempt("192.0.2.9", 1)
    for _ in range(MAX_REFUSALS):
        assert not attempt.offer("oob", sk_key().blob)
    assert svc.locked_for("192.0.2.9") == 0  # one engineer's agent full of keys is one failure
    assert not attempt.offer("oob", setup.alice.blob)  # over the cap: even a good key is refused now
    assert setup.refusals()[-1] == f"more than {MAX_REFUSALS} refusals on one connection"
    for port in (2, 3):
        svc.attempt("192.0.2.9", port).offer("oob", sk_key().blob)
    assert svc.locked_for("192.0.2.9") > 0  # three connections of unknown keys: locked


def test_a_login_that_cannot_be_audited_does_not_happen(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*a: object, **k: object) -> None:
        raise AuditWriteError("disk full")

    monkeypatch.setattr(type(setup.app.audit.log), "append", broken)
    assert not setup.svc.attempt("192.0.2.7", 1).offer("oob", sk_key().blob)  # refused, even unaudited
    assert setup.svc.attempt("192.0.2.7", 2).verify("oob", setup.alice.blob, b"d", b"s") is None


def test_authorized_keys_lines(setup: Setup) -> None:
    svc, app = setup.svc, setup.app
    app.credentials.add_user(ADMIN, "carol", ("approver",))
    carol = sk_key()
    app.credentials.add_ssh_key(ADMIN, "carol", carol.openssh(), verify_required=True, no_touch_required=True)
    app.credentials.add_user(ADMIN, "dave", ("operator",))
    dave = sk_key()
    app.credentials.add_ssh_key(ADMIN, "dave", dave.openssh())
    app.credentials.set_active(ADMIN, "dave", False)
    shared = svc.authorized_keys("oob")
    assert shared == [f"restrict,pty {setup.alice.openssh('oob:alice')}",
                      f"restrict,pty,verify-required,no-touch-required {carol.openssh('oob:carol')}"]
    assert svc.authorized_keys("carol") == shared[1:]
    assert svc.authorized_keys("dave") == [] and svc.authorized_keys("nobody") == []
    app.credentials.revoke_key(ADMIN, setup.alice.fingerprint)
    assert svc.authorized_keys("alice") == []
