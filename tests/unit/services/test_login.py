"""Local login with a hardware key: every refusal the issue lists is its own test."""

from __future__ import annotations

import hashlib
import shutil
import struct
from collections.abc import Callable
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from oob_console.adapters.keys_software import SoftAuthenticator
from oob_console.core.auth.identity import Identity
from oob_console.core.auth.webauthn import KeyAssertion, signed_bytes
from oob_console.errors import AuthError
from oob_console.wiring import Services
from tests.unit.auth_lab import Lab, NoPrompt, at_once, lab_fixture  # noqa: F401 - fixture


def assertion_for(lab: Lab, challenge: bytes, allow: list[bytes], uv: str = "discouraged",
                  pin: str | None = None) -> KeyAssertion:
    """What the attached key answers (real CTAP2 through python-fido2), without verifying it."""
    return lab.app.key_device().get_assertion(rp_id=lab.app.loaded.config.auth.rp_id, challenge=challenge,
                                              allow=allow, user_verification=uv, touch=lambda: None,
                                              pin=lambda: pin)


def audit_actions(lab: Lab) -> list[tuple[str, str]]:
    return [(e["action"], e["outcome"]) for e in lab.app.audit.show()]


@pytest.fixture
def alice(lab: Lab) -> Lab:
    lab.user("alice", "operator")
    lab.enroll("alice", "alice-key")
    return lab


def test_login_with_an_enrolled_key_verifies_offline_and_is_audited(alice: Lab) -> None:
    identity = alice.app.login.login("alice", NoPrompt())
    assert identity.actor == "user:alice" and identity.roles == {"operator"} and identity.method == "fido2"
    assert ("login.ok", "ok") in audit_actions(alice)
    cred = alice.app.credentials.list_keys("alice")[0]
    assert cred.counter is not None and cred.counter > 1


def test_login_without_a_user_name_finds_the_user_by_key(alice: Lab) -> None:
    assert alice.app.login.login(None, NoPrompt()).user == "alice"


def test_replayed_assertion_is_refused(alice: Lab) -> None:
    login = alice.app.login
    first = login.begin("alice")
    captured = assertion_for(alice, first.challenge, [c.credential_id for c in first.credentials])
    login.complete(first, captured)
    with pytest.raises(AuthError, match="challenge does not match"):
        login.complete(login.begin("alice"), captured)  # replayed against a new login
    alice.clock.advance(minutes=5)
    with pytest.raises(AuthError, match="does not move forward"):
        login.complete(first, captured)  # replayed against its own challenge


def test_counter_that_goes_backwards_is_refused(alice: Lab) -> None:
    clone = alice.home.parent / "cloned.softkey"
    shutil.copy(alice.keys["alice-key"], clone)  # a cloned key: same secrets, counter frozen here
    alice.app.login.login("alice", NoPrompt())
    alice.app.login.login("alice", NoPrompt())
    alice.keys["clone"] = clone
    alice.use_key("clone")
    with pytest.raises(AuthError, match=r"does not move forward .*cloned key"):
        alice.app.login.login("alice", NoPrompt())


def test_assertion_for_another_rp_id_is_refused(alice: Lab) -> None:
    login = alice.app.login
    challenge = login.begin("alice")
    honest = assertion_for(alice, challenge.challenge, [challenge.credentials[0].credential_id])
    # A key that signs for the wrong RP (a phishing relay, a broken key): same key, other rpIdHash.
    private = SoftAuthenticator(alice.keys["alice-key"]).unwrap_credential(honest.credential_id, "oob-console")
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    forged_auth = hashlib.sha256(b"evil.example").digest() + b"\x01" + struct.pack(">I", 10_000)
    signature = private.sign(signed_bytes(forged_auth, honest.client_data_json), ec.ECDSA(hashes.SHA256()))
    forged = replace(honest, auth_data=forged_auth, signature=signature)
    with pytest.raises(AuthError, match="another RP ID"):
        login.complete(challenge, forged)


def test_unenrolled_key_is_refused(alice: Lab) -> None:
    alice.soft_key("stranger")
    alice.use_key("stranger")
    with pytest.raises(AuthError, match="no attached key holds a credential"):
        alice.app.login.login("alice", NoPrompt())
    # The stranger's own credential for our RP ID, presented directly, is refused too.
    alice.user("mallory", "operator")
    alice.enroll("mallory", "stranger")
    login = alice.app.login
    challenge = login.begin("alice")
    theirs = login.begin("mallory")
    answer = assertion_for(alice, challenge.challenge, [theirs.credentials[0].credential_id])
    with pytest.raises(AuthError, match="not enrolled for that user"):
        login.complete(challenge, answer)


def test_revoked_key_is_refused(alice: Lab) -> None:
    login = alice.app.login
    challenge = login.begin("alice")
    captured = assertion_for(alice, challenge.challenge, [challenge.credentials[0].credential_id])
    alice.app.credentials.revoke_key(alice.admin, challenge.credentials[0].key_id)
    with pytest.raises(AuthError, match="this key was revoked"):
        login.complete(challenge, captured)
    alice.clock.advance(minutes=1)  # past the backoff that failure earned
    with pytest.raises(AuthError, match="no usable enrolled key"):
        login.login("alice", NoPrompt())


def test_disabled_user_is_refused(alice: Lab) -> None:
    alice.app.credentials.set_active(alice.admin, "alice", False)
    with pytest.raises(AuthError, match="disabled"):
        alice.app.login.login("alice", NoPrompt())
    assert ("login.refused", "refused") in audit_actions(alice)


def test_tampered_signature_is_refused(alice: Lab) -> None:
    login = alice.app.login
    challenge = login.begin("alice")
    honest = assertion_for(alice, challenge.challenge, [challenge.credentials[0].credential_id])
    bad_sig = bytearray(honest.signature)
    bad_sig[-5] ^= 0x01
    with pytest.raises(AuthError, match="signature does not verify"):
        login.complete(challenge, replace(honest, signature=bytes(bad_sig)))
    # Raising the counter in the signed data without the key's signature is tampering too.
    alice.clock.advance(minutes=1)  # past the backoff that failure earned
    bumped = honest.auth_data[:33] + struct.pack(">I", 99_999) + honest.auth_data[37:]
    with pytest.raises(AuthError, match="signature does not verify"):
        login.complete(challenge, replace(honest, auth_data=bumped))


def test_assertion_without_user_presence_is_refused(alice: Lab) -> None:
    from fido2.ctap2.base import Ctap2

    from oob_console.adapters.keys_software import open_device

    login = alice.app.login
    challenge = login.begin("alice")
    honest = assertion_for(alice, challenge.challenge, [challenge.credentials[0].credential_id])
    silent = Ctap2(open_device(alice.keys["alice-key"])).get_assertion(
        "oob-console", hashlib.sha256(honest.client_data_json).digest(),
        [{"type": "public-key", "id": honest.credential_id}], options={"up": False})
    unattended = replace(honest, auth_data=bytes(silent.auth_data), signature=bytes(silent.signature))
    with pytest.raises(AuthError, match="not touched"):
        login.complete(challenge, unattended)


def test_user_verification_required_by_role(lab: Lab) -> None:
    lab.user("root2", "admin")  # [auth] uv_roles = ["admin"] by default
    lab.enroll("root2", "admin-key", pin="4321")
    cred = lab.app.credentials.list_keys("root2")[0]
    assert cred.uv_required
    identity = lab.app.login.login("root2", NoPrompt("4321"))
    assert identity.user_verified
    login = lab.app.login
    challenge = login.begin("root2")
    no_pin = assertion_for(lab, challenge.challenge, [cred.credential_id], uv="discouraged")
    with pytest.raises(AuthError, match=r"user verification .* required"):
        login.complete(challenge, no_pin)


def test_failed_logins_back_off_then_lock_until_an_admin_unlocks(alice: Lab) -> None:
    login = alice.app.login
    challenge = login.begin("alice")
    good = assertion_for(alice, challenge.challenge, [challenge.credentials[0].credential_id])
    bad = replace(good, signature=good.signature[:-1] + bytes([good.signature[-1] ^ 1]))
    with pytest.raises(AuthError, match="signature"):
        login.complete(challenge, bad)
    with pytest.raises(AuthError, match="wait 2s"):  # backoff 2s after the first failure
        login.begin("alice")
    for _ in range(2, 5):  # lockout_after = 4
        alice.clock.advance(minutes=2)
        with pytest.raises(AuthError, match="signature"):
            login.complete(login.begin("alice"), bad)
    alice.clock.advance(hours=1)
    with pytest.raises(AuthError, match="locked after 4 failed logins"):
        login.login("alice", NoPrompt())
    actions = audit_actions(alice)
    assert ("login.lockout", "locked") in actions and ("login.throttled", "refused") in actions
    state = alice.app.credentials.unlock(alice.admin, "alice")
    assert state.locked and ("login.unlock", "ok") in audit_actions(alice)
    assert login.login("alice", NoPrompt()).user == "alice"


def test_unlock_needs_an_admin(alice: Lab) -> None:
    operator = alice.app.login.login("alice", NoPrompt())
    with pytest.raises(AuthError, match="may not clear lockouts"):
        alice.app.credentials.unlock(operator, "alice")


def test_sessions_carry_the_identity_until_expiry_or_revocation(alice: Lab) -> None:
    login = alice.app.login
    identity = login.login("alice", NoPrompt())
    token = login.open_login(identity)
    assert login.resume(token) == identity
    alice.clock.advance(hours=13)  # session_lifetime 12h
    with pytest.raises(AuthError, match="expired"):
        login.resume(token)
    alice.clock.advance(hours=-13)
    alice.app.credentials.revoke_key(alice.admin, identity.key_id or "")
    with pytest.raises(AuthError, match="revoked"):
        login.resume(token)
    assert login.close_login(token) and not login.close_login(token)
    with pytest.raises(AuthError, match="unknown or was closed"):
        login.resume(token)


def _ssh_sign(lab: Lab, key: str, sk: object, data: bytes, **kw: object) -> bytes:
    from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
    from oob_console.adapters.keys_software import open_device

    return ssh_sk_keys.sign(open_device(lab.keys[key]), sk, data, **kw)  # type: ignore[arg-type]


def test_ssh_auth_checks_touch_verification_and_counter(lab: Lab) -> None:
    lab.user("carol", "operator")
    sk = lab.ssh_key("carol", "carol-key")
    data = b"session-id and userauth request"
    sig = _ssh_sign(lab, "carol-key", sk, data)
    identity = lab.app.login.ssh_auth("carol", sk.key.blob, data, sig)
    assert identity.actor == "user:carol" and identity.method == "ssh-sk"
    with pytest.raises(AuthError, match="does not move forward"):
        lab.app.login.ssh_auth("carol", sk.key.blob, data, sig)  # replayed
    lab.clock.advance(minutes=5)
    untouched = _ssh_sign(lab, "carol-key", sk, data, touch=False)
    with pytest.raises(AuthError, match="not touched"):
        lab.app.login.ssh_auth("carol", sk.key.blob, data, untouched)
    lab.clock.advance(minutes=5)
    with pytest.raises(AuthError, match="does not verify"):
        lab.app.login.ssh_auth("carol", sk.key.blob, b"other data", _ssh_sign(lab, "carol-key", sk, data))


def test_ssh_auth_honours_verify_required_and_no_touch_required(lab: Lab) -> None:
    lab.user("dave", "operator")
    strict = lab.ssh_key("dave", "dave-key", pin="2468", verify_required=True)
    data = b"login"
    with pytest.raises(AuthError, match="did not verify the user"):
        lab.app.login.ssh_auth("dave", strict.key.blob, data, _ssh_sign(lab, "dave-key", strict, data))
    lab.clock.advance(minutes=5)
    ok = lab.app.login.ssh_auth("dave", strict.key.blob, data, _ssh_sign(lab, "dave-key", strict, data, pin="2468"))
    assert ok.user_verified
    relaxed = lab.ssh_key("dave", "dave-key2", no_touch_required=True)
    sig = _ssh_sign(lab, "dave-key2", relaxed, data, touch=False)
    assert lab.app.login.ssh_auth("dave", relaxed.key.blob, data, sig).user == "dave"


def test_ssh_auth_refuses_another_users_key(lab: Lab) -> None:
    lab.user("carol", "operator")
    lab.user("erin", "operator")
    sk = lab.ssh_key("carol", "carol-key")
    with pytest.raises(AuthError, match="not an active key of this user"):
        lab.app.login.ssh_auth("erin", sk.key.blob, b"x", _ssh_sign(lab, "carol-key", sk, b"x"))


def _disable(other: Services) -> None:
    other.credentials.set_active(Identity.local("local:admin"), "alice", False)


def _lock(other: Services) -> None:
    for _ in range(4):  # lockout_after = 4
        other.credential_repo.record_failure("alice", "2020-01-01T00:00:00.000000Z", 4)


@pytest.mark.parametrize(("change", "expected"), [(_disable, "disabled"), (_lock, "locked")])
def test_a_user_disabled_or_locked_while_their_key_waits_for_a_touch_is_not_logged_in(
        alice: Lab, change: Callable[[Services], None], expected: str) -> None:
    # begin() admitted alice; another process (its own Services and store connection) disables or locks
    # her before the key answers: that answer must not log her in.
    login = alice.app.login
    challenge = login.begin("alice")
    answer = assertion_for(alice, challenge.challenge, [challenge.credentials[0].credential_id])
    other = Services(alice.app.loaded, actor="local:other", clock=alice.clock)
    try:
        change(other)
    finally:
        other.store.close()
    with pytest.raises(AuthError, match=expected):
        login.complete(challenge, answer)
    assert "login.ok" not in [a for a, _ in audit_actions(alice)]


def test_retrying_one_challenge_does_not_skip_the_backoff(alice: Lab) -> None:
    login = alice.app.login
    challenge = login.begin("alice")
    good = assertion_for(alice, challenge.challenge, [challenge.credentials[0].credential_id])
    bad = replace(good, signature=good.signature[:-1] + bytes([good.signature[-1] ^ 1]))
    with pytest.raises(AuthError, match="signature"):
        login.complete(challenge, bad)
    with pytest.raises(AuthError, match="wait 2s"):  # the same challenge again, at once
        login.complete(challenge, bad)


def test_a_lockout_is_audited_even_when_the_limit_was_lowered_past_the_count(alice: Lab) -> None:
    # Failures counted under an older, laxer lockout_after: the failure that locks is the 6th, not the 4th.
    for _ in range(5):
        alice.app.credential_repo.record_failure("alice", "2020-01-01T00:00:00.000000Z", 0)
    login = alice.app.login
    challenge = login.begin("alice")
    good = assertion_for(alice, challenge.challenge, [challenge.credentials[0].credential_id])
    with pytest.raises(AuthError, match="signature"):
        login.complete(challenge, replace(good, signature=good.signature[:-1] + bytes([good.signature[-1] ^ 1])))
    assert alice.app.credential_repo.login_state("alice").locked
    assert ("login.lockout", "locked") in audit_actions(alice)


def test_one_ssh_signature_presented_by_two_processes_at_once_logs_in_once(lab: Lab) -> None:
    lab.user("carol", "operator")
    sk = lab.ssh_key("carol", "carol-key")
    data = b"session-id and userauth request"
    sig = _ssh_sign(lab, "carol-key", sk, data)
    # Both read the key's counter before either records the new one: the store decides.
    outcomes = sorted(at_once(lab, "login",
                              [lambda app: app.login.ssh_auth("carol", sk.key.blob, data, sig).actor] * 2))
    assert outcomes[1] == "user:carol" and "counter already used" in outcomes[0], outcomes
