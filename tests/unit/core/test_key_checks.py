"""The rules applied to security-key signatures: WebAuthn assertions and SSH sk signatures (pure)."""

from __future__ import annotations

import hashlib
import json
import struct

import pytest

from oob_console.core import sshsig
from oob_console.core.bundle import BundleError, decode_payload, encode_payload, split
from oob_console.core.credentials import User
from oob_console.core.ssh_wire import SK_ED25519, SshPublicKey
from oob_console.core.webauthn import GET, b64url, check_assertion, uv_request

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
