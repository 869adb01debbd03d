"""SSHSIG files and SSH security-key signatures, as pure bytes (OpenSSH PROTOCOL.sshsig, PROTOCOL.u2f).

An SSHSIG (what ``ssh-keygen -Y sign -n NAMESPACE`` writes) is armored base64 of::

    "SSHSIG" uint32(1) string(public key blob) string(namespace) string(reserved)
    string(hash algorithm) string(signature blob)

and the key signed the *wrapped* message::

    "SSHSIG" string(namespace) string(reserved) string(hash algorithm) string(H(message))

For a security key the signature blob is ``string(type) string(sig) byte(flags)
uint32(counter)`` and the key itself signed ``SHA256(application) || flags ||
uint32(counter) || SHA256(wrapped message)`` (Ed25519 signs those bytes, ECDSA
their SHA-256 with ``mpint r || mpint s``). Flag 0x01 means the user touched
the key, 0x04 that they were verified (PIN or biometric).

This module parses, builds and decides (namespace, flags, counter); the
signature arithmetic is done by an adapter given the bytes from
:func:`verification_input`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from oob_console.core.auth.ssh_wire import (
    SshPublicKey,
    WireError,
    WireReader,
    der_ecdsa_signature,
    mpint,
    parse_public_blob,
    string,
    u32,
)
from oob_console.core.auth.webauthn import KeyFlags, counter_problem

MAGIC = b"SSHSIG"
VERSION = 1
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
HASHES = ("sha256", "sha512")
_MAX_ARMORED = 64 * 1024


class SshsigError(ValueError):
    """A file that is not a well-formed SSHSIG, or a signature blob that does not fit its key."""


@dataclass(frozen=True)
class SkSignature(KeyFlags):
    """A signature blob, split: ``sig`` is raw Ed25519 or DER ECDSA; flags/counter only for sk keys."""

    key_type: str
    sig: bytes
    flags: int = 0
    counter: int = 0


@dataclass(frozen=True)
class Sshsig:
    key: SshPublicKey
    namespace: str
    hash_alg: str
    signature: SkSignature
    reserved: bytes = b""


def unarmor(text: bytes | str) -> bytes:
    """The binary SSHSIG inside ``-----BEGIN SSH SIGNATURE-----`` armor.

    Raises:
        SshsigError: no armor, truncated, or not base64.
    """
    if len(text) > _MAX_ARMORED:
        raise SshsigError("too large to be an SSH signature")
    try:
        s = text.decode("ascii") if isinstance(text, bytes) else text
    except UnicodeDecodeError:
        raise SshsigError("not an armored SSH signature (binary data)") from None
    start = s.find(BEGIN)
    if start < 0:
        raise SshsigError(f"no '{BEGIN}' line")
    stop = s.find(END, start)
    if stop < 0:
        raise SshsigError(f"no '{END}' line (truncated?)")
    body = re.sub(r"\s+", "", s[start + len(BEGIN) : stop])
    try:
        return base64.b64decode(body, validate=True)
    except ValueError:
        raise SshsigError("the signature is not valid base64") from None


def armor(blob: bytes) -> str:
    """Armor as ssh-keygen does (70 base64 characters per line)."""
    b64 = base64.b64encode(blob).decode()
    lines = [b64[i : i + 70] for i in range(0, len(b64), 70)]
    return "\n".join([BEGIN, *lines, END]) + "\n"


def parse_signature_blob(blob: bytes, key: SshPublicKey) -> SkSignature:
    """Split a signature blob made by ``key``.

    Raises:
        SshsigError: malformed, or its type does not match the key.
    """
    try:
        r = WireReader(blob)
        key_type = r.text()
        if key_type != key.key_type:
            raise SshsigError(f"signature type {key_type!r} does not match key type {key.key_type!r}")
        raw = r.string()
        if key.alg == "ed25519":
            if len(raw) != 64:
                raise SshsigError("Ed25519 signature is not 64 bytes")
            sig = raw
        else:
            inner = WireReader(raw)
            rr, ss = inner.mpint(), inner.mpint()
            inner.end()
            sig = der_ecdsa_signature(rr, ss)
        flags = counter = 0
        if key.is_sk:
            flags, counter = r.u8(), r.u32()
        r.end()
    except WireError as exc:
        raise SshsigError(f"malformed signature: {exc}") from None
    return SkSignature(key_type, sig, flags, counter)


def parse(data: bytes | str) -> Sshsig:
    """Parse an armored (or raw binary) SSHSIG.

    Raises:
        SshsigError: anything malformed, a version other than 1, an unknown hash.
    """
    raw = data if isinstance(data, bytes) and data.startswith(MAGIC) else unarmor(data)
    try:
        r = WireReader(raw)
        if r.take(6) != MAGIC:
            raise SshsigError("not an SSHSIG (bad magic)")
        version = r.u32()
        if version != VERSION:
            raise SshsigError(f"SSHSIG version {version} is not supported")
        key = parse_public_blob(r.string())
        namespace = r.text()
        reserved = r.string()
        hash_alg = r.text()
        sig_blob = r.string()
        r.end()
    except WireError as exc:
        raise SshsigError(f"malformed SSHSIG: {exc}") from None
    if hash_alg not in HASHES:
        raise SshsigError(f"hash algorithm {hash_alg!r} is not one of {', '.join(HASHES)}")
    return Sshsig(key, namespace, hash_alg, parse_signature_blob(sig_blob, key), reserved)


def wrapped_message(namespace: str, message: bytes, hash_alg: str = "sha512", reserved: bytes = b"") -> bytes:
    """What the key signs for an SSHSIG over ``message`` (before sk framing)."""
    digest = hashlib.new(hash_alg, message).digest()
    return MAGIC + string(namespace) + string(reserved) + string(hash_alg) + string(digest)


def sk_signed_bytes(application: str, flags: int, counter: int, data: bytes) -> bytes:
    """The bytes a security key signs for SSH: its authenticator data plus the data's hash."""
    return (
        hashlib.sha256(application.encode("utf-8")).digest()
        + bytes([flags])
        + u32(counter)
        + hashlib.sha256(data).digest()
    )


def verification_input(key: SshPublicKey, signature: SkSignature, data: bytes) -> bytes:
    """The exact bytes ``signature.sig`` must verify over for ``key`` signing SSH ``data``.

    For ECDSA the verifier hashes these with SHA-256 (as the key did).
    """
    if key.is_sk:
        return sk_signed_bytes(key.application, signature.flags, signature.counter, data)
    return data


def signature_blob(key: SshPublicKey, sig: bytes, flags: int = 0, counter: int = 0) -> bytes:
    """Encode a signature blob; ``sig`` is raw Ed25519 or the (r, s) pair already as ``mpint r || mpint s``."""
    out = string(key.key_type) + string(sig)
    return out + bytes([flags]) + u32(counter) if key.is_sk else out


def ecdsa_sig_field(r: int, s: int) -> bytes:
    return mpint(r) + mpint(s)


def build(key: SshPublicKey, namespace: str, hash_alg: str, sig_blob: bytes, reserved: bytes = b"") -> bytes:
    """The binary SSHSIG (armor it with :func:`armor`)."""
    return (
        MAGIC + u32(VERSION) + string(key.blob) + string(namespace) + string(reserved)
        + string(hash_alg) + string(sig_blob)
    )


@dataclass(frozen=True)
class SkCheck:
    """Which rules a security-key signature broke; empty ``reasons`` means it passed."""

    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.reasons


def check_sk_signature(
    signature: SkSignature,
    *,
    require_touch: bool = True,
    require_verify: bool = False,
    last_counter: int | None = None,
    allow_zero_counter: bool = False,
) -> SkCheck:
    """Apply the rules OpenSSH's agents do not: presence, verification, a counter that moves forward.

    ``last_counter`` is the highest counter accepted before for this key, or
    None if this key has never signed for us.
    """
    reasons = []
    if require_touch and not signature.user_present:
        reasons.append("the key was not touched (user-presence flag missing)")
    if require_verify and not signature.user_verified:
        reasons.append("the key did not verify the user (no PIN/biometric; user-verified flag missing)")
    problem = counter_problem(signature.counter, last_counter, allow_zero=allow_zero_counter)
    if problem:
        reasons.append(problem)
    return SkCheck(tuple(reasons))

