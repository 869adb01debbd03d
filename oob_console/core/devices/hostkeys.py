"""Pinned SSH host keys: parsing, fingerprints, known_hosts lines, the pin decision.

A host key is trusted only when it is pinned: in the inventory (``host_keys``)
or in the site's known_hosts file. There is no trust on first use. This module
only decides; adapters read files and talk SSH.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass

KEY_TYPES = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


@dataclass(frozen=True)
class HostKey:
    """One public key: its type and wire-format blob."""

    key_type: str
    blob: bytes

    @classmethod
    def parse(cls, text: str) -> HostKey:
        """``ssh-ed25519 AAAA... [comment]``; raises ValueError with the reason."""
        parts = text.split()
        if len(parts) < 2:
            raise ValueError("expected '<type> <base64> [comment]' (an OpenSSH public key line)")
        key_type, b64 = parts[0], parts[1]
        if key_type not in KEY_TYPES:
            raise ValueError(f"unsupported host key type {key_type!r}")
        try:
            blob = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the key is not valid base64") from None
        if len(blob) < 4:
            raise ValueError("the key is truncated")
        (n,) = struct.unpack(">I", blob[:4])
        if blob[4 : 4 + n] != key_type.encode():
            raise ValueError(f"the key data is not a {key_type} key")
        return cls(key_type, blob)

    @property
    def fingerprint(self) -> str:
        """``SHA256:...`` as ``ssh-keygen -l`` prints it."""
        digest = hashlib.sha256(self.blob).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    def openssh(self) -> str:
        return f"{self.key_type} {base64.b64encode(self.blob).decode()}"

    def describe(self) -> str:
        return f"{self.key_type} {self.fingerprint}"


# Host key signature algorithms we offer, best first; "ssh-rsa" (SHA-1) last, for old devices.
HOST_KEY_ALGORITHMS = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                       "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")


def offered_algorithms(pinned: Iterable[HostKey]) -> list[str]:
    """Host key algorithms to offer: those of the pinned keys first, then the rest.

    A server that has a pinned key's type shows that key; one that does not shows
    another, which is then refused with both fingerprints, never trusted.
    """
    first: list[str] = []
    for key in pinned:
        for alg in (("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa") if key.key_type == "ssh-rsa" else (key.key_type,)):
            if alg not in first:
                first.append(alg)
    return first + [a for a in HOST_KEY_ALGORITHMS if a not in first]


def host_pattern(host: str, port: int) -> str:
    """The known_hosts name of an endpoint: ``host`` on port 22, ``[host]:port`` otherwise."""
    return host if port == 22 else f"[{host}]:{port}"


def _hashed_match(entry: str, name: str) -> bool:
    # |1|base64(salt)|base64(HMAC-SHA1(salt, name)) as OpenSSH's HashKnownHosts writes it
    try:
        _, _, salt_b64, mac_b64 = entry.split("|")
        salt = base64.b64decode(salt_b64, validate=True)
        mac = base64.b64decode(mac_b64, validate=True)
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(hmac.new(salt, name.encode(), hashlib.sha1).digest(), mac)


def _pattern_match(name: str, pattern: str) -> bool:
    """OpenSSH's match_pattern: ``*`` any run of characters, ``?`` one character, nothing else special."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, name, flags=re.DOTALL) is not None


def names_match(field: str, name: str) -> bool:
    """Whether a known_hosts names field matches ``name`` (``host`` or ``[host]:port``), as OpenSSH decides.

    A hashed field (``|1|...``) matches only the exact name; otherwise the field is a
    comma-separated pattern list (``*``, ``?``), case-insensitive, where a matching
    ``!pattern`` rules the line out whatever else matches.
    """
    if field.startswith("|1|"):
        return _hashed_match(field, name)
    name = name.lower()
    matched = False
    for pattern in field.lower().split(","):
        negated = pattern.startswith("!")
        if _pattern_match(name, pattern[1:] if negated else pattern):
            if negated:
                return False
            matched = True
    return matched


_MARKERS = {"@cert-authority": "ca", "@revoked": "revoked"}


@dataclass(frozen=True)
class KnownHostsLine:
    lineno: int
    names: str
    key: HostKey
    kind: str = "key"  # "key": a pinned host key; "ca": @cert-authority; "revoked": @revoked


@dataclass(frozen=True)
class KnownHostsProblem:
    """A line the console cannot use: reported, never silently skipped."""

    lineno: int
    names: str  # the names field, when the line has one ("" otherwise)
    reason: str


@dataclass(frozen=True)
class HostTrust:
    """What a known_hosts file says of one endpoint."""

    keys: tuple[HostKey, ...] = ()
    cas: tuple[HostKey, ...] = ()  # @cert-authority: host certificates they sign are trusted
    revoked: tuple[HostKey, ...] = ()  # @revoked: never trusted, whatever else says so
    problems: tuple[KnownHostsProblem, ...] = ()  # unusable lines that name this endpoint


def parse_known_hosts(text: str) -> tuple[list[KnownHostsLine], list[KnownHostsProblem]]:
    """Entries and the lines that cannot be used (with why), in OpenSSH's format.

    ``[@marker] names keytype base64 [comment]``; markers are ``@cert-authority`` and ``@revoked``.
    """
    entries: list[KnownHostsLine] = []
    problems: list[KnownHostsProblem] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        kind = "key"
        if fields[0].startswith("@"):
            if fields[0] not in _MARKERS:
                problems.append(KnownHostsProblem(lineno, fields[1] if len(fields) > 1 else "",
                                                  f"unknown marker {fields[0]!r} (OpenSSH knows "
                                                  "@cert-authority and @revoked)"))
                continue
            kind = _MARKERS[fields.pop(0)]
        if len(fields) < 3:
            problems.append(KnownHostsProblem(lineno, fields[0] if fields else "",
                                              "expected '[@marker] names keytype base64 [comment]'"))
            continue
        try:
            entries.append(KnownHostsLine(lineno, fields[0], HostKey.parse(" ".join(fields[1:3])), kind))
        except ValueError as exc:
            problems.append(KnownHostsProblem(lineno, fields[0], str(exc)))
    return entries, problems


def trust_for(entries: Iterable[KnownHostsLine], problems: Iterable[KnownHostsProblem],
              host: str, port: int) -> HostTrust:
    name = host_pattern(host, port)
    matching = [e for e in entries if names_match(e.names, name)]
    return HostTrust(
        keys=tuple(e.key for e in matching if e.kind == "key"),
        cas=tuple(e.key for e in matching if e.kind == "ca"),
        revoked=tuple(e.key for e in matching if e.kind == "revoked"),
        problems=tuple(p for p in problems if p.names and names_match(p.names, name)),
    )


def keys_for(entries: Iterable[KnownHostsLine], host: str, port: int) -> list[HostKey]:
    """The plain pinned keys (not CAs, not revoked) for an endpoint."""
    return list(trust_for(entries, (), host, port).keys)


def known_hosts_line(host: str, port: int, key: HostKey, comment: str = "") -> str:
    line = f"{host_pattern(host, port)} {key.openssh()}"
    return f"{line} {comment}" if comment else line


@dataclass(frozen=True)
class PinCheck:
    """The decision on a presented host key."""

    trusted: bool
    reason: str


def check_presented(presented: HostKey, pinned: Iterable[HostKey], *, label: str) -> PinCheck:
    """Trusted only if ``presented`` is exactly one of ``pinned``."""
    pins = list(pinned)
    if presented in pins:
        return PinCheck(True, f"host key of {label} matches its pin {presented.fingerprint}")
    if not pins:
        return PinCheck(False, f"{label} has no pinned host key; it presented {presented.describe()}")
    expected = ", ".join(p.describe() for p in pins)
    return PinCheck(
        False,
        f"HOST KEY MISMATCH for {label}: it presented {presented.describe()}, pinned is {expected}",
    )
