"""SSH wire parsing: keys, authorized_keys options, malformed input (pure)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oob_console.core.auth import sshsig
from oob_console.core.auth.ssh_wire import (
    SK_ECDSA_P256,
    SK_ED25519,
    SshPublicKey,
    WireError,
    der_ecdsa_signature,
    ecdsa_r_s_from_der,
    parse_authorized_key,
    parse_public_blob,
)

ED_SK = SshPublicKey(SK_ED25519, bytes(range(32)), "ssh:")
EC_SK = SshPublicKey(SK_ECDSA_P256, b"\x04" + bytes(64), "ssh:oob")


@pytest.mark.parametrize("key", [ED_SK, EC_SK])
def test_public_key_blobs_round_trip(key: SshPublicKey) -> None:
    assert parse_public_blob(key.blob) == key
    parsed = parse_authorized_key(key.openssh("carol@laptop"))
    assert parsed.key == key and parsed.comment == "carol@laptop" and parsed.options == ()
    assert key.fingerprint.startswith("SHA256:") and "=" not in key.fingerprint


def test_authorized_keys_options_are_read_and_unknown_ones_refused() -> None:
    parsed = parse_authorized_key("verify-required,no-touch-required " + ED_SK.openssh("c"))
    assert parsed.options == ("verify-required", "no-touch-required")
    with pytest.raises(WireError, match="unsupported key option"):
        parse_authorized_key('command="/bin/sh" ' + ED_SK.openssh())


@pytest.mark.parametrize("line", [
    "", "ssh-ed25519", "sk-ssh-ed25519@openssh.com !!!notbase64",
    "ssh-ed25519 " + base64.b64encode(ED_SK.blob).decode(),  # outer type lies about the inner one
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ==",
])
def test_bad_key_lines_are_refused(line: str) -> None:
    with pytest.raises(WireError):
        parse_authorized_key(line)


def test_truncated_or_padded_blobs_are_refused() -> None:
    with pytest.raises(WireError):
        parse_public_blob(ED_SK.blob[:-1])
    with pytest.raises(WireError, match="trailing"):
        parse_public_blob(ED_SK.blob + b"\x00")


@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash_the_parsers(data: bytes) -> None:
    for parse in (parse_public_blob, sshsig.parse):
        try:
            parse(data)
        except (WireError, sshsig.SshsigError):
            pass


@given(st.integers(1, 2**256), st.integers(1, 2**256))
def test_der_signature_encoding_round_trips(r: int, s: int) -> None:
    assert ecdsa_r_s_from_der(der_ecdsa_signature(r, s)) == (r, s)
