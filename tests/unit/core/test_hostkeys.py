"""Host key parsing, fingerprints, known_hosts matching and the pin decision."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import asyncssh
import pytest

from oob_console.core.devices.hostkeys import HostKey, check_presented, keys_for, known_hosts_line, parse_known_hosts


def _key(alg: str = "ssh-ed25519") -> tuple[HostKey, asyncssh.SSHKey]:
    private = asyncssh.generate_private_key(alg)
    line = private.export_public_key().decode()
    return HostKey.parse(line), private


@pytest.mark.parametrize("alg", ["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"])
def test_fingerprint_matches_openssh(alg: str) -> None:
    key, private = _key(alg)
    assert key.fingerprint == private.get_fingerprint("sha256")
    assert HostKey.parse(key.openssh() + " a comment") == key


@pytest.mark.parametrize(("text", "reason"), [
    ("", "expected"), ("ssh-ed25519", "expected"), ("ssh-dss AAAA", "unsupported"),
    ("ssh-ed25519 not!base64", "base64"), ("ssh-ed25519 AAAA", "truncated"),
])
def test_bad_keys_say_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        HostKey.parse(text)


def test_type_must_match_the_key_data() -> None:
    key, _ = _key("ssh-ed25519")
    with pytest.raises(ValueError, match="not a ecdsa"):
        HostKey.parse(f"ecdsa-sha2-nistp256 {base64.b64encode(key.blob).decode()}")


def test_known_hosts_matching_ports_and_hashes() -> None:
    a, _ = _key()
    b, _ = _key()
    salt = os.urandom(20)
    mac = hmac.new(salt, b"[10.0.0.2]:2222", hashlib.sha1).digest()
    hashed = f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(mac).decode()}"
    text = "\n".join([
        "# comment", "", known_hosts_line("10.0.0.1", 22, a, "r1"), f"{hashed} {b.openssh()}",
        f"r3,10.0.0.3 {a.openssh()}", "@revoked * " + b.openssh(), "10.0.0.9 ssh-ed25519 garbage!",
    ])
    entries, problems = parse_known_hosts(text)
    assert [line for line, _ in problems] == [6, 7]
    assert keys_for(entries, "10.0.0.1", 22) == [a]
    assert keys_for(entries, "10.0.0.1", 2222) == []  # a port is part of the name
    assert keys_for(entries, "10.0.0.2", 2222) == [b]
    assert keys_for(entries, "10.0.0.3", 22) == [a]


def test_only_a_pinned_key_is_trusted_and_refusals_show_both_fingerprints() -> None:
    a, _ = _key()
    b, _ = _key()
    assert check_presented(a, [b, a], label="r1").trusted
    refused = check_presented(a, [b], label="r1")
    assert not refused.trusted and a.fingerprint in refused.reason and b.fingerprint in refused.reason
    assert "MISMATCH" in refused.reason
    unknown = check_presented(a, [], label="r1")
    assert not unknown.trusted and "no pinned host key" in unknown.reason


def test_pinned_key_types_are_offered_first_then_the_rest() -> None:
    from oob_console.core.devices.hostkeys import HOST_KEY_ALGORITHMS, offered_algorithms

    ecdsa, _ = _key("ecdsa-sha2-nistp256")
    rsa, _ = _key("ssh-rsa")
    assert offered_algorithms([]) == list(HOST_KEY_ALGORITHMS)
    offered = offered_algorithms([rsa, ecdsa])
    assert offered[:4] == ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ecdsa-sha2-nistp256"]
    assert sorted(offered) == sorted(HOST_KEY_ALGORITHMS)
