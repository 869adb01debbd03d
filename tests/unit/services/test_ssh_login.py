"""The SSH login decisions without SSH: signatures are built here, validity is given."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from oob_console.bootstrap import App
from oob_console.core.login_limits import FailureLimiter
from oob_console.errors import AuditWriteError, StorageError
from oob_console.services.ssh_login import MAX_REFUSALS, SshLoginService
from tests.lab.oob_server import MemoryKeyDirectory

ALICE = ("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAICxga9TGEgzg1bPyDfL38UmU7igf8XN"
         "DmSOpMy+oxy8UAAAABHNzaDo= alice")


def _s(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def sig(flags: int = 1, counter: int = 1) -> bytes:
    return _s(b"sk-ssh-ed25519@openssh.com") + _s(b"\x00" * 64) + struct.pack(">BI", flags, counter)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Setup = tuple[SshLoginService, MemoryKeyDirectory, App, Clock]


@pytest.fixture
def setup(site: Path) -> Setup:
    app = App.from_config(str(site / "config.toml"))
    keys = MemoryKeyDirectory()
    keys.enroll("alice", ALICE)
    clock = Clock()
    svc = SshLoginService(keys, app.audit, FailureLimiter(3, 60, 600), "oob", clock=clock)
    return svc, keys, app, clock


def blob() -> bytes:
    from oob_console.core.sk_signature import blob_from_openssh

    return blob_from_openssh(ALICE)


def test_offer_then_verify_logs_in_and_moves_the_counter(setup: Setup) -> None:
    svc, keys, app, _ = setup
    attempt = svc.attempt("192.0.2.7", 40000)
    assert attempt.offer("oob", blob()) is not None
    ident = attempt.verify("oob", blob(), sig(counter=5), True)
    assert ident is not None and ident.user == "alice" and ident.actor == "user:alice"
    assert keys.sk_keys("alice")[0].last_counter == 5
    entry = app.audit.show(action="ssh.login")[-1]
    assert entry["outcome"] == "ok" and entry["details"]["counter"] == 5
    assert entry["details"]["peer"] == "192.0.2.7:40000"
    # the same counter again (a replay) is refused
    assert svc.attempt("192.0.2.7", 40001).verify("oob", blob(), sig(counter=5), True) is None


def test_a_bad_signature_is_refused_even_with_good_flags(setup: Setup) -> None:
    svc, keys, app, _ = setup
    assert svc.attempt("192.0.2.7", 1).verify("oob", blob(), sig(counter=9), False) is None
    assert keys.sk_keys()[0].last_counter == 0  # a forged signature does not burn the counter
    assert app.audit.show(action="ssh.login")[-1]["details"]["reason"] == "the signature does not verify"


def test_audit_failure_refuses_the_login(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    svc, _, app, _ = setup

    def broken(*a: object, **k: object) -> None:
        raise AuditWriteError("disk full")

    monkeypatch.setattr(type(app.audit.log), "append", broken)
    assert svc.attempt("192.0.2.7", 1).verify("oob", blob(), sig(counter=3), True) is None


def test_unreadable_store_refuses(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    svc, keys, _, _ = setup

    def broken(b: bytes) -> None:
        raise StorageError("store is locked")

    monkeypatch.setattr(keys, "find_sk_key", broken)
    attempt = svc.attempt("192.0.2.7", 1)
    assert attempt.offer("oob", blob()) is None
    assert attempt.verify("oob", blob(), sig(counter=3), True) is None


def test_failures_lock_the_key_and_the_address_and_are_audited(setup: Setup) -> None:
    svc, _, app, clock = setup
    for port in range(3):
        assert svc.attempt("192.0.2.7", port).verify("oob", blob(), sig(flags=0, counter=10 + port), True) is None
    assert svc.locked_for("192.0.2.7") == 600
    locks = {e["target"] for e in app.audit.show(action="ssh.lockout")}
    assert locks == {"addr:192.0.2.7", "key:SHA256:AEgpF05Q2YE0Zz6EnuMxgC1V3XaJgqCj28uOh8fEL/E"}
    # the key is locked from anywhere, not just from that address
    other = svc.attempt("198.51.100.1", 1)
    assert other.offer("oob", blob()) is None
    clock.now += 601
    assert svc.locked_for("192.0.2.7") == 0
    assert svc.attempt("198.51.100.1", 2).offer("oob", blob()) is not None


def test_unknown_keys_count_once_per_connection_and_offers_are_capped(setup: Setup) -> None:
    svc, _, app, _ = setup
    stranger = blob()[:-4] + b"xxxx"  # a different (unknown) key blob of the same type
    attempt = svc.attempt("192.0.2.9", 1)
    for _ in range(MAX_REFUSALS):
        assert attempt.offer("oob", stranger) is None
    assert svc.locked_for("192.0.2.9") == 0  # one engineer's agent full of keys is one failure
    assert attempt.offer("oob", blob()) is None  # over the cap: even a good key is refused now
    assert "more than" in app.audit.show(action="ssh.login")[-1]["details"]["reason"]
    for port in (2, 3):
        svc.attempt("192.0.2.9", port).offer("oob", stranger)
    assert svc.locked_for("192.0.2.9") > 0  # three connections with unknown keys: locked
