"""Quorum approvals: local-key assertions and SSHSIGs over an intent's exact bytes."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from oob_console.core.auth.identity import Identity
from oob_console.core.auth.webauthn import KeyAssertion
from oob_console.errors import AuthError, ConflictError, RefusedError
from oob_console.services.auth.approvals import IntentView
from tests.unit.auth_lab import Lab, NoPrompt, at_once, lab_fixture  # noqa: F401 - fixture

ALICE = Identity.for_user("alice", frozenset({"operator", "approver"}), method="fido2", key_id="k",
                          user_verified=False)


@pytest.fixture
def team(lab: Lab) -> Lab:
    """alice requests; bob approves with a key on the host and an SSH key; carol with an SSH key."""
    lab.user("alice", "operator", "approver")
    lab.user("bob", "approver")
    lab.user("carol", "approver")
    lab.enroll("alice", "alice-key")
    lab.enroll("bob", "bob-key")
    lab.bob_sk = lab.ssh_key("bob", "bob-laptop")  # type: ignore[attr-defined]
    lab.carol_sk = lab.ssh_key("carol", "carol-laptop")  # type: ignore[attr-defined]
    return lab


def request(lab: Lab, action: str = "bgp.announce", by: Identity = ALICE) -> IntentView:
    return lab.app.approvals.request(by, action, {"prefix": "203.0.113.0/24", "origin_as": 64500})


def approve_local(lab: Lab, key: str, intent_id: str) -> IntentView:
    lab.use_key(key)
    return lab.app.approvals.approve_local(intent_id, NoPrompt())


def carol_signs(lab: Lab, message: bytes, **kw: object) -> bytes:
    return lab.sshsig("carol-laptop", lab.carol_sk, message, **kw)  # type: ignore[attr-defined,arg-type]


def test_quorum_of_distinct_users_approves_and_the_intent_runs_once(team: Lab) -> None:
    view = request(team)
    assert view.state == "pending" and view.need == 2
    approve_local(team, "bob-key", view.id)
    view = team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))
    assert view.state == "approved" and set(view.approvers) == {"bob", "carol"}
    intent = team.app.approvals.claim(view.id, action="bgp.announce", by=ALICE)
    assert intent.params["prefix"] == "203.0.113.0/24"
    with pytest.raises(RefusedError, match=r"already claimed|executing"):
        team.app.approvals.claim(view.id, action="bgp.announce", by=ALICE)
    done = team.app.approvals.finish(view.id, ok=True, result={"announced": True}, by=ALICE)
    assert done.state == "executed"
    actions = [(e["actor"], e["action"], e["outcome"]) for e in team.app.audit.show(action="intent.")]
    assert ("user:bob", "intent.approve", "ok") in actions and ("user:carol", "intent.approve", "ok") in actions


def test_claim_refuses_a_pending_intent_and_another_action(team: Lab) -> None:
    view = request(team)
    with pytest.raises(RefusedError, match=r"pending .*0 of 2"):
        team.app.approvals.claim(view.id, action="bgp.announce", by=ALICE)
    with pytest.raises(RefusedError, match=r"is for 'bgp\.announce'"):
        team.app.approvals.claim(view.id, action="bgp.withdraw", by=ALICE)


def test_claim_recounts_approvals_of_users_disabled_since(team: Lab) -> None:
    view = request(team)
    approve_local(team, "bob-key", view.id)
    team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))
    team.app.credentials.set_active(team.admin, "carol", False)
    with pytest.raises(RefusedError, match="1 of 2 valid approvals"):
        team.app.approvals.claim(view.id, action="bgp.announce", by=ALICE)


def test_sshsig_with_wrong_namespace_is_refused(team: Lab) -> None:
    view = request(team)
    sig = carol_signs(team, view.intent.canonical, namespace="git")
    with pytest.raises(AuthError, match="namespace is 'git'"):
        team.app.approvals.approve_sshsig(view.id, sig)


def test_sshsig_over_different_bytes_is_refused(team: Lab) -> None:
    view = request(team)
    other = request(team)  # same content, other nonce: a signature must not carry over
    with pytest.raises(AuthError, match="does not verify over intent"):
        team.app.approvals.approve_sshsig(view.id, carol_signs(team, other.intent.canonical))
    edited = view.intent.canonical.replace(b"203.0.113.0/24", b"0.0.0.0/0")
    with pytest.raises(AuthError, match="does not verify over intent"):
        team.app.approvals.approve_sshsig(view.id, carol_signs(team, edited))


def test_tampered_sshsig_is_refused(team: Lab) -> None:
    view = request(team)
    armored = carol_signs(team, view.intent.canonical).decode()
    body = "".join(armored.splitlines()[1:-1])
    raw = bytearray(base64.b64decode(body))
    raw[-10] ^= 0x40  # inside the signature bytes
    tampered = armored.splitlines()[0] + "\n" + base64.b64encode(bytes(raw)).decode() + "\n" + \
        armored.splitlines()[-1] + "\n"
    with pytest.raises(AuthError, match=r"does not verify|malformed"):
        team.app.approvals.approve_sshsig(view.id, tampered.encode())


def test_sshsig_without_touch_is_refused(team: Lab) -> None:
    view = request(team)
    with pytest.raises(AuthError, match="not touched"):
        team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical, touch=False))


def test_expired_intent_is_refused(team: Lab) -> None:
    view = request(team)
    sig = carol_signs(team, view.intent.canonical)
    team.clock.advance(minutes=31)  # lifetime 30m
    with pytest.raises(ConflictError, match="expired"):
        team.app.approvals.approve_sshsig(view.id, sig)
    assert team.app.approvals.get(view.id).state == "expired"


def test_expired_intent_is_not_claimed_even_with_a_quorum(team: Lab) -> None:
    view = request(team)
    approve_local(team, "bob-key", view.id)
    team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))
    team.clock.advance(minutes=31)
    with pytest.raises(RefusedError, match="expired"):
        team.app.approvals.claim(view.id, action="bgp.announce", by=ALICE)


def test_same_person_approving_twice_with_two_keys_is_refused(team: Lab) -> None:
    view = request(team)
    approve_local(team, "bob-key", view.id)
    sig = team.sshsig("bob-laptop", team.bob_sk, view.intent.canonical)  # type: ignore[attr-defined]
    with pytest.raises(AuthError, match="bob has already approved"):
        team.app.approvals.approve_sshsig(view.id, sig)
    assert team.app.approvals.get(view.id).have == 1


def test_requester_self_approval_is_refused_when_policy_forbids(team: Lab) -> None:
    view = request(team)
    with pytest.raises(AuthError, match="alice requested this intent"):
        approve_local(team, "alice-key", view.id)
    assert team.app.approvals.get(view.id).have == 0


def test_a_local_account_requester_is_the_store_user_of_that_name(team: Lab) -> None:
    """`local:bob` (bob's Unix account) asked: store user bob may not approve it where requesters may not."""
    view = request(team, by=Identity.local("local:bob"))
    with pytest.raises(AuthError, match="bob requested this intent"):
        approve_local(team, "bob-key", view.id)
    view = team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))
    assert view.have == 1 and view.approvers == ("carol",)


def test_requester_counts_where_the_class_allows_it(team: Lab) -> None:
    view = request(team, "selfok.change")
    approve_local(team, "alice-key", view.id)
    view = approve_local(team, "bob-key", view.id)
    assert view.state == "approved" and set(view.approvers) == {"alice", "bob"}


def test_replayed_sshsig_is_refused(team: Lab) -> None:
    view = request(team)
    sig = carol_signs(team, view.intent.canonical)
    team.app.approvals.approve_sshsig(view.id, sig)
    with pytest.raises(AuthError, match="already approved"):
        team.app.approvals.approve_sshsig(view.id, sig)


def test_remote_approval_survives_the_ssh_login_that_submits_it(team: Lab) -> None:
    # `ssh h intent show ID | ssh-keygen -Y sign ... | ssh h approve ID --sshsig -`: the key signs
    # the intent (counter N), then logs in over SSH to submit it (counter N+1). Logins and
    # approvals are separate counter streams, each strictly increasing.
    from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
    from oob_console.adapters.keys_software import open_device

    view = request(team)
    sig = carol_signs(team, view.intent.canonical)
    data = b"session-id and userauth request"
    login_sig = ssh_sk_keys.sign(open_device(team.keys["carol-laptop"]), team.carol_sk, data)  # type: ignore[attr-defined]
    team.app.login.ssh_auth("carol", team.carol_sk.key.blob, data, login_sig)  # type: ignore[attr-defined]
    view = team.app.approvals.approve_sshsig(view.id, sig)
    assert "carol" in view.approvers
    # the approval stream still refuses going backwards: an older signature over another intent
    second, third = request(team), request(team)
    older = carol_signs(team, second.intent.canonical)
    newer = carol_signs(team, third.intent.canonical)
    team.app.approvals.approve_sshsig(third.id, newer)
    with pytest.raises(AuthError, match="replay"):
        team.app.approvals.approve_sshsig(second.id, older)


def test_unenrolled_and_revoked_keys_are_refused(team: Lab) -> None:
    from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
    from oob_console.adapters.keys_software import open_device

    view = request(team)
    stranger = ssh_sk_keys.enroll(open_device(team.soft_key("stranger")))
    sig = ssh_sk_keys.sign_sshsig(open_device(team.keys["stranger"]), stranger, view.intent.canonical,
                                  "oob-console").encode()
    with pytest.raises(AuthError, match="is not enrolled here"):
        team.app.approvals.approve_sshsig(view.id, sig)
    team.app.credentials.revoke_key(team.admin, team.carol_sk.key.fingerprint)  # type: ignore[attr-defined]
    with pytest.raises(AuthError, match="was revoked"):
        team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))


def test_disabled_user_cannot_approve(team: Lab) -> None:
    view = request(team)
    team.app.credentials.set_active(team.admin, "carol", False)
    with pytest.raises(AuthError, match="disabled"):
        team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))


def test_a_user_without_an_approving_role_is_refused(team: Lab) -> None:
    team.user("olga", "operator")
    olga = team.ssh_key("olga", "olga-laptop")
    view = request(team)
    with pytest.raises(AuthError, match="lacks a role"):
        team.app.approvals.approve_sshsig(view.id, team.sshsig("olga-laptop", olga, view.intent.canonical))


def test_class_requiring_user_verification(team: Lab) -> None:
    view = request(team, "strict.thing")
    with pytest.raises(AuthError, match="did not verify the user"):
        team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))
    team.user("vera", "approver")
    vera = team.ssh_key("vera", "vera-laptop", pin="1357", verify_required=True)
    done = team.app.approvals.approve_sshsig(
        view.id, team.sshsig("vera-laptop", vera, view.intent.canonical, pin="1357"))
    assert done.state == "approved" and done.approvals[-1].user_verified


def test_plain_ssh_key_signature_is_refused(team: Lab, tmp_path: Path) -> None:
    view = request(team)
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    sig = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "oob-console", "-f", str(key)],
                         input=view.intent.canonical, capture_output=True, check=True).stdout
    with pytest.raises(AuthError, match="not a security key"):
        team.app.approvals.approve_sshsig(view.id, sig)


def test_software_key_refused_when_the_site_stops_allowing_them(team: Lab) -> None:
    from dataclasses import replace

    view = request(team)
    approvals = team.app.approvals
    approvals.auth = replace(approvals.auth, allow_software_keys=False)
    team.use_key("bob-key")
    with pytest.raises(AuthError, match="SOFTWARE key"):
        approvals.approve_assertion(view.id, team.app.key_device().get_assertion(
            rp_id="oob-console", challenge=view.intent.challenge,
            allow=[c.credential_id for c in team.app.credentials.list_keys("bob") if c.kind == "fido2"],
            user_verification="discouraged", touch=lambda: None, pin=lambda: None))


def test_drill_completes_as_a_no_op_when_approved(team: Lab) -> None:
    view = team.app.approvals.request_drill(ALICE, "Q3 drill")
    approve_local(team, "bob-key", view.id)
    done = team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))
    assert done.state == "executed" and done.result == {"effect": "none (drill)"}
    assert [e["action"] for e in team.app.audit.show(action="intent.")][-2:] == ["intent.execute", "intent.finish"]


def test_cancel_by_requester_or_admin_only(team: Lab) -> None:
    view = request(team)
    bob = Identity.for_user("bob", frozenset({"approver"}), method="fido2", key_id="k", user_verified=False)
    with pytest.raises(AuthError, match="may not cancel"):
        team.app.approvals.cancel(bob, view.id)
    assert team.app.approvals.cancel(ALICE, view.id).state == "cancelled"
    with pytest.raises(ConflictError):
        team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))


def test_an_executed_intent_takes_no_more_approvals(team: Lab) -> None:
    team.user("dana", "approver")
    dana = team.ssh_key("dana", "dana-laptop")
    view = request(team)
    approve_local(team, "bob-key", view.id)
    team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))
    team.app.approvals.claim(view.id, action="bgp.announce", by=ALICE)
    team.app.approvals.finish(view.id, ok=True, result={}, by=ALICE)
    with pytest.raises(ConflictError, match="already executed"):
        team.app.approvals.approve_sshsig(view.id, team.sshsig("dana-laptop", dana, view.intent.canonical))


# An Ed25519 public key of small order (here the identity point) verifies a signature with R = identity,
# S = 0 over ANY message: whoever knows the public key can forge that user's approvals, with any flags
# and any counter, no key needed.
IDENTITY_POINT = bytes([1]) + bytes(31)
FORGED_ED25519 = IDENTITY_POINT + bytes(32)


def _forged_sshsig(key: object, namespace: str = "oob-console") -> bytes:
    from oob_console.core.auth import sshsig
    from oob_console.core.auth.ssh_wire import SshPublicKey

    assert isinstance(key, SshPublicKey)
    blob = sshsig.signature_blob(key, FORGED_ED25519, flags=0x05, counter=1)
    return sshsig.armor(sshsig.build(key, namespace, "sha512", blob)).encode()


def test_a_small_order_ed25519_ssh_key_is_refused_at_enrollment(team: Lab) -> None:
    from oob_console.core.auth.ssh_wire import SK_ED25519, SshPublicKey

    weak = SshPublicKey(SK_ED25519, IDENTITY_POINT, "ssh:")
    team.user("mallory", "approver")
    with pytest.raises(RefusedError, match="small-order"):
        team.app.credentials.add_ssh_key(team.admin, "mallory", weak.openssh("mallory@laptop"))
    assert team.app.credentials.list_keys("mallory") == []


def test_a_forged_signature_from_a_small_order_key_already_in_the_store_approves_nothing(team: Lab) -> None:
    from oob_console.core.auth.credentials import SSH_SK, Credential
    from oob_console.core.auth.ssh_wire import SK_ED25519, SshPublicKey

    weak = SshPublicKey(SK_ED25519, IDENTITY_POINT, "ssh:")
    team.user("mallory", "approver")
    # As an older store or a bundle could hold it: written past the enrollment check.
    team.app.credential_repo.add_credential(Credential(
        key_id=weak.fingerprint, kind=SSH_SK, user="mallory", alg="ed25519", public_key=weak.public,
        rp_id="ssh:", ssh_blob=weak.blob))
    view = request(team)
    with pytest.raises(AuthError, match="does not verify"):
        team.app.approvals.approve_sshsig(view.id, _forged_sshsig(weak))
    assert team.app.approvals.get(view.id).have == 0


def test_one_person_approving_with_two_keys_in_two_processes_at_once_counts_once(team: Lab) -> None:
    view = request(team)
    bob_sk2 = team.ssh_key("bob", "bob-laptop-2")
    sigs = [team.sshsig("bob-laptop", team.bob_sk, view.intent.canonical),  # type: ignore[attr-defined]
            team.sshsig("bob-laptop-2", bob_sk2, view.intent.canonical)]
    # Both read "bob has not approved yet" before either stores an approval: the store decides.
    outcomes = at_once(team, "approvals", [
        lambda app, sig=sig: app.approvals.approve_sshsig(view.id, sig).state for sig in sigs])  # type: ignore[misc]
    assert "pending" in outcomes and any("already approved" in o for o in outcomes), outcomes
    after = team.app.approvals.get(view.id)
    assert after.have == 1 and [a.user for a in after.approvals] == ["bob"]


def _bob_assertion(lab: Lab, challenge: bytes, uv: str = "discouraged") -> KeyAssertion:
    lab.use_key("bob-key")
    return lab.app.key_device().get_assertion(
        rp_id="oob-console", challenge=challenge,
        allow=[c.credential_id for c in lab.app.credentials.list_keys("bob") if c.kind == "fido2"],
        user_verification=uv, touch=lambda: None, pin=lambda: None)


def test_a_key_assertion_for_one_intent_approves_no_other(team: Lab) -> None:
    first, second = request(team), request(team)  # same content, other nonce
    answer = _bob_assertion(team, first.intent.challenge)
    with pytest.raises(AuthError, match="challenge does not match"):
        team.app.approvals.approve_assertion(second.id, answer)
    assert team.app.approvals.get(second.id).have == 0
    assert team.app.approvals.approve_assertion(first.id, answer).have == 1


def test_a_key_assertion_without_user_verification_is_refused_where_the_class_requires_it(team: Lab) -> None:
    view = request(team, "strict.thing")
    with pytest.raises(AuthError, match="user verification"):
        team.app.approvals.approve_assertion(view.id, _bob_assertion(team, view.intent.challenge))
    assert team.app.approvals.get(view.id).have == 0


def test_an_sshsig_with_bytes_appended_inside_is_refused(team: Lab) -> None:
    from oob_console.core.auth import sshsig
    view = request(team)
    raw = sshsig.unarmor(carol_signs(team, view.intent.canonical))
    for padded in (raw + b"\x00", raw[:-5] + b"\x00\x00\x00\x00" + raw[-5:]):
        with pytest.raises(AuthError, match=r"malformed|not a usable"):
            team.app.approvals.approve_sshsig(view.id, sshsig.armor(padded).encode())
    assert team.app.approvals.get(view.id).have == 0


def test_an_sshsig_with_sha256_verifies_as_openssh_allows(team: Lab) -> None:
    view = request(team)
    sig = carol_signs(team, view.intent.canonical, hash_alg="sha256")
    assert team.app.approvals.approve_sshsig(view.id, sig).have == 1


def test_no_single_changed_bit_in_an_sshsig_gets_an_approval_through(team: Lab) -> None:
    from oob_console.core.auth import sshsig
    view = request(team)
    raw = sshsig.unarmor(carol_signs(team, view.intent.canonical))
    for i in range(len(raw)):  # every byte: magic, lengths, key, namespace, reserved, hash, signature, flags, counter
        changed = bytearray(raw)
        changed[i] ^= 0x01
        with pytest.raises(AuthError):
            team.app.approvals.approve_sshsig(view.id, sshsig.armor(bytes(changed)).encode())
    assert team.app.approvals.get(view.id).have == 0
    assert team.app.approvals.approve_sshsig(view.id, sshsig.armor(raw).encode()).have == 1


def test_no_single_changed_bit_in_a_key_assertion_gets_an_approval_through(team: Lab) -> None:
    from dataclasses import replace

    view = request(team)
    answer = _bob_assertion(team, view.intent.challenge)
    for name in ("auth_data", "client_data_json", "signature", "credential_id"):
        value = getattr(answer, name)
        for i in range(len(value)):
            changed = bytearray(value)
            changed[i] ^= 0x01
            with pytest.raises(AuthError):
                team.app.approvals.approve_assertion(view.id, replace(answer, **{name: bytes(changed)}))
    assert team.app.approvals.get(view.id).have == 0
    assert team.app.approvals.approve_assertion(view.id, answer).have == 1


def test_sshsig_reserved_field_is_ignored_as_openssh_does(team: Lab) -> None:
    """OpenSSH verifies over a message with an EMPTY reserved field, whatever the signature's field says."""
    from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
    from oob_console.adapters.keys_software import open_device
    from oob_console.core.auth import sshsig

    view = request(team)
    sk = team.carol_sk  # type: ignore[attr-defined]
    wrapped = sshsig.wrapped_message("oob-console", view.intent.canonical, "sha512", b"tag")
    blob = ssh_sk_keys.sign(open_device(team.keys["carol-laptop"]), sk, wrapped)
    over_reserved = sshsig.armor(sshsig.build(sk.key, "oob-console", "sha512", blob, b"tag")).encode()
    with pytest.raises(AuthError, match="does not verify"):  # signed bytes OpenSSH would never check
        team.app.approvals.approve_sshsig(view.id, over_reserved)
    signed = carol_signs(team, view.intent.canonical)
    assert sshsig.parse(signed).reserved == b""
    retagged = sshsig.armor(sshsig.build(sk.key, "oob-console", "sha512", _sig_blob(signed), b"tag"))
    assert team.app.approvals.approve_sshsig(view.id, retagged.encode()).have == 1


def _sig_blob(armored: bytes) -> bytes:
    """The signature blob (last string) of an SSHSIG."""
    from oob_console.core.auth import sshsig
    from oob_console.core.auth.ssh_wire import WireReader

    r = WireReader(sshsig.unarmor(armored))
    r.take(6)
    r.u32()
    for _ in range(4):
        r.string()
    return r.string()


def test_twelve_concurrent_claims_write_one_ok_execute_entry(team: Lab) -> None:
    import threading

    from oob_console.wiring import Services

    view = request(team)
    approve_local(team, "bob-key", view.id)
    team.app.approvals.approve_sshsig(view.id, carol_signs(team, view.intent.canonical))
    apps = [Services(team.app.loaded, actor=f"local:p{i}", clock=team.clock) for i in range(12)]
    start = threading.Barrier(12, timeout=10)
    outcomes: list[str] = []

    def claim(app: Services) -> None:
        start.wait()
        try:
            app.approvals.claim(view.id, action="bgp.announce", by=ALICE)
            outcomes.append("claimed")
        except RefusedError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=claim, args=(app,)) for app in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for app in apps:
        app.store.close()
    assert outcomes.count("claimed") == 1 and len(outcomes) == 12, outcomes
    entries = [e["outcome"] for e in team.app.audit.show(action="intent.execute")]
    assert entries.count("ok") == 1 and entries.count("refused") == 11, entries
