"""The rules applied to security-key signatures: WebAuthn assertions and SSH sk signatures (pure)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oob_console.core.auth import sshsig
from oob_console.core.auth.bundle import BundleError, decode_payload, encode_payload, split
from oob_console.core.auth.credentials import User
from oob_console.core.auth.intents import IntentError, parse_intent
from oob_console.core.auth.ssh_wire import SK_ED25519, SshPublicKey
from oob_console.core.auth.webauthn import GET, b64url, check_assertion, uv_request
from oob_console.core.canonical import canonical_bytes

CHALLENGE = b"c" * 32


def auth_data(rp_id: str = "oob-console", flags: int = 0x01, counter: int = 5) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", counter)


def client_data(challenge: bytes = CHALLENGE, origin: str = "https://oob-console", kind: str = GET) -> bytes:
    return json.dumps({"type": kind, "challenge": b64url(challenge), "origin": origin}).encode()


def reasons(**kw: object) -> tuple[str, ...]:
    args: dict[str, object] = {"auth_data": auth_data(), "client_data_json": client_data(), "rp_id": "oob-console",
                               "challenge": CHALLENGE, "require_uv": False, "last_counter": 4}
    args.update(kw)
    ad, cd = args.pop("auth_data"), args.pop("client_data_json")
    return check_assertion(ad, cd, **args).reasons  # type: ignore[arg-type]


def test_a_good_assertion_passes_every_rule() -> None:
    assert reasons() == ()


@pytest.mark.parametrize(("kw", "expected"), [
    ({"auth_data": auth_data(rp_id="evil.example")}, "another RP ID"),
    ({"auth_data": auth_data(flags=0)}, "not touched"),
    ({"require_uv": True}, "user verification"),
    ({"last_counter": 5}, "does not move forward"),
    ({"last_counter": 9}, "does not move forward"),
    ({"client_data_json": client_data(challenge=b"old" * 11)}, "challenge does not match"),
    ({"client_data_json": client_data(origin="https://evil.example")}, "origin"),
    ({"client_data_json": client_data(kind="webauthn.create")}, "type"),
    ({"client_data_json": b"not json"}, "not JSON"),
    ({"client_data_json": b'["webauthn.get"]'}, "not a JSON object"),
    ({"client_data_json": client_data()[:-1] + b', "crossOrigin": true}'}, "cross-origin"),
    ({"client_data_json": client_data(origin="http://oob-console")}, "origin"),
    ({"auth_data": b"short"}, "at least 37"),
])
def test_each_broken_rule_is_named(kw: dict[str, object], expected: str) -> None:
    assert any(expected in r for r in reasons(**kw))


def test_uv_request_levels() -> None:
    assert uv_request(True, False) == "required"
    assert uv_request(False, True) == "preferred"
    assert uv_request(False, False) == "discouraged"


def sk_sig(flags: int, counter: int) -> sshsig.SkSignature:
    return sshsig.SkSignature(SK_ED25519, b"s" * 64, flags, counter)


def test_sk_signature_rules() -> None:
    assert sshsig.check_sk_signature(sk_sig(0x01, 3), last_counter=2).ok
    assert sshsig.check_sk_signature(sk_sig(0x01, 3), last_counter=None).ok
    assert "not touched" in sshsig.check_sk_signature(sk_sig(0x00, 3)).reasons[0]
    assert sshsig.check_sk_signature(sk_sig(0x00, 3), require_touch=False).ok
    assert "did not verify" in sshsig.check_sk_signature(sk_sig(0x01, 3), require_verify=True).reasons[0]
    assert "does not move forward" in sshsig.check_sk_signature(sk_sig(0x05, 3), last_counter=3).reasons[0]


def test_sshsig_parse_refuses_malformed_files() -> None:
    key = SshPublicKey(SK_ED25519, bytes(32), "ssh:")
    blob = sshsig.build(key, "oob-console", "sha512", sshsig.signature_blob(key, b"s" * 64, 1, 7))
    good = sshsig.armor(blob)
    parsed = sshsig.parse(good)
    assert (parsed.namespace, parsed.signature.counter, parsed.signature.flags) == ("oob-console", 7, 1)
    for bad, why in [
        (good.replace(sshsig.END, ""), "truncated"),
        ("hello", "no '-----BEGIN"),
        (sshsig.armor(blob.replace(b"sha512", b"md5xyz")), "hash algorithm"),
        (sshsig.armor(blob[:6] + b"\x00\x00\x00\x02" + blob[10:]), "version 2"),
        (sshsig.armor(blob[:-3]), "malformed"),
    ]:
        with pytest.raises(sshsig.SshsigError, match=why):
            sshsig.parse(bad)


def test_bundle_payload_checks() -> None:
    users = [User("alice", "Alice", ("admin",))]
    payload = encode_payload(serial=3, created="t", source_site="central", users=users, credentials=[])
    assert decode_payload(payload).users[0].name == "alice"
    with pytest.raises(BundleError, match="canonical"):
        decode_payload(payload.replace(b'"serial":3', b'"serial": 3'))
    with pytest.raises(BundleError, match="twice"):
        decode_payload(encode_payload(serial=3, created="t", source_site="", users=users * 2, credentials=[]))
    with pytest.raises(BundleError, match="serial"):
        decode_payload(encode_payload(serial=0, created="t", source_site="", users=users, credentials=[]))
    with pytest.raises(BundleError, match="no signature"):
        split(payload)


def test_a_bundle_carrying_a_small_order_ed25519_key_is_refused() -> None:
    from oob_console.core.auth.credentials import SSH_SK, Credential

    weak = SshPublicKey(SK_ED25519, bytes([1]) + bytes(31), "ssh:")
    cred = Credential(key_id=weak.fingerprint, kind=SSH_SK, user="bob", alg="ed25519", public_key=weak.public,
                      rp_id="ssh:", ssh_blob=weak.blob)
    payload = encode_payload(serial=1, created="t", source_site="hq", users=[User("bob", "Bob", ("approver",))],
                             credentials=[cred])
    with pytest.raises(BundleError, match="small-order"):
        decode_payload(payload)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _good_bundle_body() -> dict[str, object]:
    from oob_console.core.auth.credentials import SSH_SK, Credential

    key = SshPublicKey(SK_ED25519, bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
                       "ssh:")
    cred = Credential(key_id=key.fingerprint, kind=SSH_SK, user="bob", alg="ed25519", public_key=key.public,
                      rp_id="ssh:", ssh_blob=key.blob)
    payload = encode_payload(serial=2, created="t", source_site="hq", users=[User("bob", "Bob", ("approver",))],
                             credentials=[cred])
    body = json.loads(payload)
    assert isinstance(body, dict)
    return body


_FIELDS = ("name", "display_name", "roles", "active", "key_id", "kind", "user", "alg", "public_key", "rp_id",
           "credential_id", "attested_data", "ssh_blob", "uv_required", "no_touch_required", "counter",
           "software", "aaguid", "attestation", "label", "created", "revoked")


@settings(max_examples=400)
@given(where=st.sampled_from(["users", "credentials"]), field=st.sampled_from(_FIELDS) | st.text(max_size=8),
       value=_json)
def test_a_signed_but_odd_bundle_payload_is_a_bundle_error_never_a_crash(where: str, field: str,
                                                                         value: object) -> None:
    body = _good_bundle_body()
    body[where][0][field] = value  # type: ignore[index]
    with contextlib.suppress(BundleError):  # may be fine; must not raise anything but BundleError
        decode_payload(canonical_bytes(body) + b"\n")


def test_deeply_nested_json_is_refused_not_a_crash() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(BundleError):
        decode_payload(deep + b"\n")
    with pytest.raises(IntentError):
        parse_intent(deep + b"\n")
    assert "client data is not JSON" in reasons(client_data_json=deep)
    # Around the interpreter's limit, parsing can succeed and re-encoding (the canonical check) fail.
    for depth in range(600, 1400, 3):
        nested = b"[" * depth + b"]" * depth
        with pytest.raises(IntentError):
            parse_intent(b'{"action":"a","created":"x","expires":"y","format":"oob-console/intent/v1",'
                         b'"nonce":"n","params":{"a":' + nested + b'},"requester":"r","site":"s"}\n')
        with contextlib.suppress(BundleError):
            decode_payload(b'{"format":"oob-console-bundle/v1","x":' + nested + b"}\n")


def test_a_credential_naming_its_user_with_a_list_is_refused() -> None:
    body = _good_bundle_body()
    body["credentials"][0]["user"] = ["bob"]  # type: ignore[index]
    with pytest.raises(BundleError):
        decode_payload(canonical_bytes(body) + b"\n")


@pytest.mark.parametrize(("kind_field", "value"), [
    ("credential_id", "AAEC"),  # an SSH key carrying a FIDO2 credential ID: found by local-key lookups
    ("attested_data", "AAEC"),
])
def test_a_bundled_ssh_key_carrying_fido2_fields_is_refused(kind_field: str, value: str) -> None:
    body = _good_bundle_body()
    body["credentials"][0][kind_field] = value  # type: ignore[index]
    with pytest.raises(BundleError, match="FIDO2"):
        decode_payload(canonical_bytes(body) + b"\n")


def test_a_bundled_fido2_key_carrying_an_ssh_key_is_refused() -> None:
    from oob_console.core.auth.credentials import FIDO2, Credential, fido2_key_id

    ssh = SshPublicKey(SK_ED25519, bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
                       "ssh:")
    cred = Credential(key_id=fido2_key_id(b"cid"), kind=FIDO2, user="bob", alg="ed25519", public_key=ssh.public,
                      rp_id="oob-console", credential_id=b"cid", ssh_blob=ssh.blob)
    payload = encode_payload(serial=2, created="t", source_site="hq", users=[User("bob", "Bob", ("approver",))],
                             credentials=[cred])
    with pytest.raises(BundleError, match="SSH"):
        decode_payload(payload)


@pytest.mark.parametrize(("tail", "flags", "expected"), [
    (b"", 0x01 | 0x40, "attested credential data flag set in an assertion"),
    (b"", 0x01 | 0x80, "extensions flag set but no extensions map follows"),
    (b"\x00", 0x01, "1 trailing bytes"),
    (b"\xa1\x6bcredProtect\x02\xff", 0x01 | 0x80, "1 trailing bytes"),
    (b"\xa1\x6bcredProtect", 0x01 | 0x80, "ends inside"),
    (b"\x81\x01", 0x01 | 0x80, "no extensions map"),
    (b"\xbf\xff", 0x01 | 0x80, "indefinite"),
])
def test_authenticator_data_after_37_bytes_is_what_the_flags_say(tail: bytes, flags: int, expected: str) -> None:
    got = reasons(auth_data=auth_data(flags=flags) + tail)
    assert any(expected in r for r in got), got


def test_an_assertion_with_an_extensions_map_passes() -> None:
    assert reasons(auth_data=auth_data(flags=0x01 | 0x80) + b"\xa1\x6bcredProtect\x02") == ()


@given(st.binary(max_size=64), st.integers(0, 255))
@settings(max_examples=300, deadline=None)
def test_any_tail_is_judged_without_an_exception(tail: bytes, flags: int) -> None:
    reasons(auth_data=auth_data(flags=flags | 0x01) + tail)
