"""What an SSH security-key (sk) signature says, and whether our policy accepts it.

An sk signature on the wire is ``string algorithm, string signature, byte
flags, uint32 counter``. The authenticator signed ``SHA256(application) ||
flags || counter || SHA256(message)``, so the flags and the counter are
covered by the signature: once the cryptographic check passed they can be
trusted. Flag 0x01 means the user touched the key (presence), 0x04 that the
key verified the user (PIN or biometric).

What the SSH servers leave to us (measured, see LAB-NOTES): asyncssh ignores
``verify-required`` and neither asyncssh nor sshd checks the counter. This
module decides; the server and the store do the I/O.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04

# The sk public key algorithms OpenSSH clients log in with. Certificates and
# the webauthn signature variant are not accepted: nobody logs in with them.
SK_KEY_TYPES = frozenset({"sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"})


@dataclass(frozen=True)
class SkSignature:
    algorithm: str
    flags: int
    counter: int

    @property
    def user_present(self) -> bool:
        return bool(self.flags & FLAG_USER_PRESENT)

    @property
    def user_verified(self) -> bool:
        return bool(self.flags & FLAG_USER_VERIFIED)


def _string(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(data):
        raise ValueError("truncated")
    (n,) = struct.unpack_from(">I", data, pos)
    end = pos + 4 + n
    if end > len(data):
        raise ValueError("truncated")
    return data[pos + 4 : end], end


def parse_sk_signature(blob: bytes) -> SkSignature:
    """Read the algorithm, flags and counter of an SSH-encoded sk signature.

    Raises:
        ValueError: not an sk signature we accept, or malformed.
    """
    alg_raw, pos = _string(blob, 0)
    algorithm = alg_raw.decode("ascii", "replace")
    if algorithm not in SK_KEY_TYPES:
        raise ValueError(f"{algorithm!r} is not a security-key signature")
    _, pos = _string(blob, pos)
    if len(blob) != pos + 5:
        raise ValueError("trailing or missing bytes after the signature")
    flags, counter = struct.unpack_from(">BI", blob, pos)
    return SkSignature(algorithm, flags, counter)


def key_type(blob: bytes) -> str:
    """The algorithm name at the start of an SSH public key blob ("" if malformed)."""
    try:
        name, _ = _string(blob, 0)
    except ValueError:
        return ""
    return name.decode("ascii", "replace")


def fingerprint(blob: bytes) -> str:
    """The OpenSSH SHA256 fingerprint of a public key blob (``SHA256:...``)."""
    digest = hashlib.sha256(blob).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def blob_from_openssh(line: str) -> bytes:
    """The key blob of an OpenSSH public key line (``type base64 [comment]``).

    Raises:
        ValueError: not a public key line, or its type and blob disagree.
    """
    parts = line.split()
    if len(parts) < 2:
        raise ValueError("expected 'type base64 [comment]'")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except ValueError:
        raise ValueError("the key is not valid base64") from None
    if key_type(blob) != parts[0]:
        raise ValueError("the key's type does not match its data")
    return blob


@dataclass(frozen=True)
class SkPolicy:
    """What an enrolled key demands (its OpenSSH options) and what we last saw from it."""

    verify_required: bool = False
    no_touch_required: bool = False
    last_counter: int = 0


def refusal(policy: SkPolicy, sig: SkSignature) -> str | None:
    """Why a cryptographically valid signature is still refused, or None to accept.

    The counter must move strictly forward: an equal or lower value means the
    key was cloned or the signature replayed. A key that never counts (always
    0) therefore cannot log in; that is deliberate.
    """
    if not policy.no_touch_required and not sig.user_present:
        return "the key was not touched (user presence flag missing)"
    if policy.verify_required and not sig.user_verified:
        return "the key did not verify the user (PIN/biometric required by verify-required)"
    if sig.counter <= policy.last_counter:
        return (f"the key's signature counter did not move forward ({sig.counter} <= {policy.last_counter}): "
                "a cloned key or a replay")
    return None
