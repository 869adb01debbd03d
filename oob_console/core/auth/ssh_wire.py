"""SSH wire encoding (RFC 4251) and the public keys we accept, as pure bytes.

Public keys are parsed into :class:`SshPublicKey`: the algorithm as we name it
(``ed25519`` or ``es256``), the raw public value (32 bytes for Ed25519, the
65-byte uncompressed P-256 point for ECDSA), and for security-key ("sk") types
the FIDO application string (``ssh:`` by default). The fingerprint is
OpenSSH's (``SHA256:`` + unpadded base64 of SHA-256 over the key blob), so it
matches ``ssh-keygen -lf``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from dataclasses import dataclass

ED25519 = "ssh-ed25519"
ECDSA_P256 = "ecdsa-sha2-nistp256"
SK_ED25519 = "sk-ssh-ed25519@openssh.com"
SK_ECDSA_P256 = "sk-ecdsa-sha2-nistp256@openssh.com"
SK_TYPES = (SK_ED25519, SK_ECDSA_P256)
KEY_TYPES = (ED25519, ECDSA_P256, *SK_TYPES)
ALG_OF = {ED25519: "ed25519", SK_ED25519: "ed25519", ECDSA_P256: "es256", SK_ECDSA_P256: "es256"}
_MAX_FIELD = 1 << 20  # nothing we parse is anywhere near a megabyte


class WireError(ValueError):
    """Bytes that are not the SSH structure they claim to be."""


class WireReader:
    """Reads RFC 4251 fields from a byte string, refusing anything short."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise WireError("truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def string(self) -> bytes:
        n = self.u32()
        if n > _MAX_FIELD:
            raise WireError("field too long")
        return self.take(n)

    def text(self) -> str:
        try:
            return self.string().decode("utf-8")
        except UnicodeDecodeError:
            raise WireError("not UTF-8 text") from None

    def mpint(self) -> int:
        raw = self.string()
        if raw and raw[0] & 0x80:
            raise WireError("negative mpint")
        if len(raw) > 1 and raw[0] == 0 and not raw[1] & 0x80:
            raise WireError("mpint with a needless leading zero")
        return int.from_bytes(raw, "big")

    def rest(self) -> bytes:
        out = self.data[self.pos :]
        self.pos = len(self.data)
        return out

    def end(self) -> None:
        if self.pos != len(self.data):
            raise WireError(f"{len(self.data) - self.pos} unexpected trailing bytes")


def u32(value: int) -> bytes:
    return struct.pack(">I", value)


def string(value: bytes | str) -> bytes:
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return u32(len(raw)) + raw


def mpint(value: int) -> bytes:
    if value < 0:
        raise ValueError("negative mpint")
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b""
    return string(raw)


@dataclass(frozen=True)
class SshPublicKey:
    key_type: str  # one of KEY_TYPES
    public: bytes  # raw: 32-byte Ed25519 key or 65-byte uncompressed P-256 point
    application: str = ""  # sk keys only: the FIDO application (RP ID), "ssh:" by default

    @property
    def alg(self) -> str:
        return ALG_OF[self.key_type]

    @property
    def is_sk(self) -> bool:
        return self.key_type in SK_TYPES

    @property
    def blob(self) -> bytes:
        if self.key_type in (ED25519, SK_ED25519):
            body = string(self.key_type) + string(self.public)
        else:
            body = string(self.key_type) + string("nistp256") + string(self.public)
        return body + string(self.application) if self.is_sk else body

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.blob).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    def openssh(self, comment: str = "") -> str:
        line = f"{self.key_type} {base64.b64encode(self.blob).decode()}"
        return f"{line} {comment}" if comment else line


def parse_public_blob(blob: bytes) -> SshPublicKey:
    """Parse an SSH public key blob.

    Raises:
        WireError: malformed, or a key type we do not accept.
    """
    r = WireReader(blob)
    key_type = r.text()
    if key_type not in KEY_TYPES:
        raise WireError(f"key type {key_type!r} is not accepted (use {', '.join(KEY_TYPES)})")
    if key_type in (ED25519, SK_ED25519):
        public = r.string()
        if len(public) != 32:
            raise WireError("Ed25519 public key is not 32 bytes")
    else:
        if r.text() != "nistp256":
            raise WireError("ECDSA key is not on nistp256")
        public = r.string()
        if len(public) != 65 or public[0] != 4:
            raise WireError("P-256 public key is not an uncompressed point")
    application = r.text() if key_type in SK_TYPES else ""
    r.end()
    return SshPublicKey(key_type, public, application)


# authorized_keys options we understand; anything else is refused, not ignored.
KNOWN_OPTIONS = ("verify-required", "no-touch-required")
_OPTION = re.compile(r'[A-Za-z0-9-]+(?:="(?:[^"\\]|\\.)*")?')


@dataclass(frozen=True)
class AuthorizedKey:
    key: SshPublicKey
    options: tuple[str, ...]
    comment: str


def parse_authorized_key(line: str) -> AuthorizedKey:
    """Parse one OpenSSH public key line, optionally with authorized_keys options.

    ``verify-required sk-ssh-ed25519@openssh.com AAAA... alice@laptop`` or the
    plain ``.pub`` file content.

    Raises:
        WireError: not a key line, an unknown option, or a bad key.
    """
    text = line.strip()
    options: tuple[str, ...] = ()
    first = text.split(None, 1)[0] if text else ""
    if first and first not in KEY_TYPES:
        pos, found = 0, []
        while True:
            m = _OPTION.match(text, pos)
            if not m:
                raise WireError(f"cannot read the options before the key: {text[:40]!r}")
            found.append(m.group(0))
            pos = m.end()
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            break
        unknown = [o for o in found if o not in KNOWN_OPTIONS]
        if unknown:
            raise WireError(f"unsupported key option(s) {', '.join(unknown)} (known: {', '.join(KNOWN_OPTIONS)})")
        options = tuple(found)
        text = text[pos:].strip()
    parts = text.split(None, 2)
    if len(parts) < 2:
        raise WireError("not an OpenSSH public key line ('<type> <base64> [comment]')")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except ValueError:
        raise WireError("the key is not valid base64") from None
    key = parse_public_blob(blob)
    if key.key_type != parts[0]:
        raise WireError(f"key says {key.key_type!r} inside but {parts[0]!r} outside")
    return AuthorizedKey(key, options, parts[2].strip() if len(parts) > 2 else "")


def der_ecdsa_signature(r: int, s: int) -> bytes:
    """DER ``SEQUENCE { INTEGER r, INTEGER s }``: turns SSH's (r, s) into what X9.62 verifiers take."""

    def integer(value: int) -> bytes:
        raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
        return b"\x02" + _der_len(len(raw)) + raw

    body = integer(r) + integer(s)
    return b"\x30" + _der_len(len(body)) + body


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def ecdsa_r_s_from_der(der: bytes) -> tuple[int, int]:
    """The inverse of :func:`der_ecdsa_signature` (for signers that get DER from a key).

    Raises:
        WireError: not a DER ECDSA signature.
    """
    try:
        if der[0] != 0x30:
            raise WireError("not a DER sequence")
        pos = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
        values = []
        for _ in range(2):
            if der[pos] != 0x02:
                raise WireError("not a DER integer")
            n = der[pos + 1]
            values.append(int.from_bytes(der[pos + 2 : pos + 2 + n], "big"))
            pos += 2 + n
    except IndexError:
        raise WireError("truncated DER signature") from None
    return values[0], values[1]
