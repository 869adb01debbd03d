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
    assert [p.lineno for p in problems] == [7]  # garbage is reported; @revoked is understood
    assert [(e.lineno, e.kind) for e in entries if e.kind != "key"] == [(6, "revoked")]
    assert keys_for(entries, "10.0.0.1", 22) == [a]
    assert keys_for(entries, "10.0.0.1", 2222) == []  # a port is part of the name
    assert keys_for(entries, "10.0.0.2", 2222) == [b]
    assert keys_for(entries, "10.0.0.3", 22) == [a]


@pytest.mark.parametrize(("field", "name", "expected"), [
    ("*.example.net", "r1.example.net", True),
    ("*.example.net", "example.net", False),
    ("r?.sjc1", "r1.sjc1", True),
    ("r?.sjc1", "r10.sjc1", False),
    ("10.0.0.*,!10.0.0.9", "10.0.0.9", False),  # a matching negation rules the line out
    ("!10.0.0.9,10.0.0.*", "10.0.0.5", True),
    ("!10.0.0.9", "10.0.0.5", False),  # a negation alone matches nothing
    ("[10.0.0.*]:2222", "[10.0.0.4]:2222", True),
    ("[10.0.0.*]:2222", "10.0.0.4", False),
    ("10.0.0.*", "[10.0.0.4]:2222", False),  # a pattern without a port is for port 22
    ("R1.Example.NET", "r1.example.net", True),  # hostnames are case-insensitive
    ("*", "anything", True),
])
def test_known_hosts_patterns_as_openssh_matches_them(field: str, name: str, expected: bool) -> None:
    from oob_console.core.devices.hostkeys import names_match

    assert names_match(field, name) is expected


def test_cert_authority_revoked_and_unusable_lines_per_endpoint() -> None:
    from oob_console.core.devices.hostkeys import trust_for

    a, _ = _key()
    ca, _ = _key()
    text = "\n".join([f"@cert-authority *.sjc1,10.0.* {ca.openssh()}", f"10.0.0.1 {a.openssh()}",
                      f"@revoked 10.0.0.1 {a.openssh()}", "10.0.0.2 ssh-dss AAAAB3NzaC1kc3M=",
                      f"@trusted 10.0.0.3 {a.openssh()}", "10.0.0.4"])
    entries, problems = parse_known_hosts(text)
    assert [(p.lineno, p.names) for p in problems] == [(4, "10.0.0.2"), (5, "10.0.0.3"), (6, "10.0.0.4")]
    one = trust_for(entries, problems, "10.0.0.1", 22)
    assert one.keys == (a,) and one.cas == (ca,) and one.revoked == (a,) and one.problems == ()
    two = trust_for(entries, problems, "10.0.0.2", 22)
    assert two.keys == () and two.cas == (ca,) and [p.lineno for p in two.problems] == [4]
    assert "ssh-dss" in two.problems[0].reason
    assert trust_for(entries, problems, "192.0.2.1", 22) == trust_for([], [], "x", 22)


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
