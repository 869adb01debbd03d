from __future__ import annotations

import base64
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oob_console.core.sk_signature import (
    SkPolicy,
    SkSignature,
    blob_from_openssh,
    fingerprint,
    key_type,
    parse_sk_signature,
    refusal,
)


def _string(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def sig_blob(alg: bytes = b"sk-ssh-ed25519@openssh.com", flags: int = 1, counter: int = 7) -> bytes:
    return _string(alg) + _string(b"\x01" * 64) + struct.pack(">BI", flags, counter)


def test_parse_reads_flags_and_counter() -> None:
    sig = parse_sk_signature(sig_blob(flags=0x05, counter=4242))
    assert sig == SkSignature("sk-ssh-ed25519@openssh.com", 0x05, 4242)
    assert sig.user_present and sig.user_verified
    ecdsa = parse_sk_signature(sig_blob(b"sk-ecdsa-sha2-nistp256@openssh.com", 0, 1))
    assert not ecdsa.user_present and not ecdsa.user_verified


@pytest.mark.parametrize("blob", [
    sig_blob(b"ssh-ed25519"),  # not a security key
    sig_blob(b"webauthn-sk-ecdsa-sha2-nistp256@openssh.com"),  # not accepted for login
    sig_blob()[:-1],  # counter cut short
    sig_blob() + b"\x00",  # trailing bytes
    b"\x00\x00\x01\x00abc",  # length beyond the data
    b"",
])
def test_parse_refuses_what_is_not_an_sk_signature(blob: bytes) -> None:
    with pytest.raises(ValueError):
        parse_sk_signature(blob)


@given(st.binary(max_size=200))
def test_parse_never_fails_other_than_with_value_error(data: bytes) -> None:
    try:
        parse_sk_signature(data)
    except ValueError:
        pass


@pytest.mark.parametrize(("policy", "flags", "counter", "expected"), [
    (SkPolicy(), 0x01, 1, None),
    (SkPolicy(), 0x00, 1, "not touched"),
    (SkPolicy(), 0x04, 1, "not touched"),  # verified but not touched still needs the touch
    (SkPolicy(no_touch_required=True), 0x00, 1, None),
    (SkPolicy(verify_required=True), 0x01, 1, "did not verify the user"),
    (SkPolicy(verify_required=True), 0x05, 1, None),
    (SkPolicy(verify_required=True, no_touch_required=True), 0x04, 1, None),
    (SkPolicy(last_counter=10), 0x01, 10, "did not move forward"),
    (SkPolicy(last_counter=10), 0x01, 9, "did not move forward"),
    (SkPolicy(last_counter=10), 0x01, 11, None),
    (SkPolicy(), 0x01, 0, "did not move forward"),  # a key that never counts cannot log in
])
def test_policy(policy: SkPolicy, flags: int, counter: int, expected: str | None) -> None:
    reason = refusal(policy, SkSignature("sk-ssh-ed25519@openssh.com", flags, counter))
    assert (reason is None) if expected is None else (reason is not None and expected in reason)


def test_fingerprint_and_blob_match_openssh() -> None:
    # the fingerprint ssh-keygen -lf printed for this key
    line = ("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAICxga9TGEgzg1bPyDfL38UmU7igf8"
            "XNDmSOpMy+oxy8UAAAABHNzaDo= alice")
    blob = blob_from_openssh(line)
    assert key_type(blob) == "sk-ssh-ed25519@openssh.com"
    assert fingerprint(blob) == "SHA256:AEgpF05Q2YE0Zz6EnuMxgC1V3XaJgqCj28uOh8fEL/E"
    with pytest.raises(ValueError, match="does not match"):
        blob_from_openssh("ssh-ed25519 " + line.split()[1])
    with pytest.raises(ValueError):
        blob_from_openssh("sk-ssh-ed25519@openssh.com not-base64!")
    assert key_type(base64.b64decode("AAAA")) == ""
