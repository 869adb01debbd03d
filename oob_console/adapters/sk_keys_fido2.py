"""OpenSSH security-key ("sk") keys driven through python-fido2: make, sign, SSHSIG, key files.

This is what ``ssh-keygen -t ed25519-sk`` and ``ssh-keygen -Y sign`` do with a
hardware key, done over any python-fido2 ``CtapDevice``: a real USB key, or
oob-console's software key (tests, ``oob demo``, and an approver's drill
without hardware). The signature is the key's CTAP2 assertion for RP ID =
the key's application (``ssh:``) over client-data-hash = SHA-256 of the data,
reframed as an SSH sk signature; the result verifies with ``ssh-keygen -Y
verify``.

Key files are OpenSSH's ``openssh-key-v1`` private-key stubs (no secret
inside: the key handle and the application), as ``ssh-keygen`` writes them
for sk keys, so ``ssh-keygen -y -f FILE`` prints the public key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from fido2.ctap import CtapDevice, CtapError
from fido2.ctap2.base import Ctap2
from fido2.ctap2.pin import ClientPin

from oob_console.core.auth import sshsig
from oob_console.core.auth.ssh_wire import (
    SK_ECDSA_P256,
    SK_ED25519,
    SshPublicKey,
    WireError,
    WireReader,
    ecdsa_r_s_from_der,
    string,
    u32,
)
from oob_console.errors import AuthError, StorageError, UsageError

FLAG_USER_PRESENCE = 0x01
FLAG_USER_VERIFICATION = 0x04
_MAGIC = b"openssh-key-v1\0"
_BEGIN, _END = "-----BEGIN OPENSSH PRIVATE KEY-----", "-----END OPENSSH PRIVATE KEY-----"


@dataclass(frozen=True)
class SkKey:
    key: SshPublicKey
    key_handle: bytes
    flags: int  # FLAG_USER_PRESENCE | FLAG_USER_VERIFICATION as the key was made
    comment: str = ""

    @property
    def verify_required(self) -> bool:
        return bool(self.flags & FLAG_USER_VERIFICATION)


def _fail(exc: CtapError, what: str) -> AuthError:
    return AuthError(f"{what}: the security key said {exc.code.name if hasattr(exc.code, 'name') else exc.code}")


def _pin_auth(ctap: Ctap2, pin: str | None, data_hash: bytes, permission: ClientPin.PERMISSION,
              application: str) -> tuple[bytes | None, int | None]:
    if pin is None:
        return None, None
    client_pin = ClientPin(ctap)
    token = client_pin.get_pin_token(pin, permission, application)
    return client_pin.protocol.authenticate(token, data_hash), client_pin.protocol.VERSION


def enroll(device: CtapDevice, *, alg: str = "ed25519", application: str = "ssh:", user: str = "oob",
           pin: str | None = None, verify_required: bool = False, comment: str = "") -> SkKey:
    """Make an SSH sk key on ``device`` (like ``ssh-keygen -t ed25519-sk [-O verify-required]``).

    Raises:
        AuthError: the key refused (wrong PIN, no PIN set but verify-required, ...).
    """
    ctap = Ctap2(device)
    challenge = hashlib.sha256(os.urandom(32)).digest()
    if verify_required and pin is None:
        raise UsageError("verify-required keys need the key's PIN at creation")
    try:
        pin_param, pin_proto = _pin_auth(ctap, pin, challenge, ClientPin.PERMISSION.MAKE_CREDENTIAL, application)
        att = ctap.make_credential(
            challenge, {"id": application, "name": application}, {"id": user.encode(), "name": user},
            [{"type": "public-key", "alg": -8 if alg == "ed25519" else -7}], options={"rk": False},
            pin_uv_param=pin_param, pin_uv_protocol=pin_proto,
        )
    except CtapError as exc:
        raise _fail(exc, "cannot make the SSH key") from None
    cred = att.auth_data.credential_data
    if cred is None:
        raise AuthError("the security key returned no credential")
    cose = cred.public_key
    if alg == "ed25519":
        key = SshPublicKey(SK_ED25519, bytes(cose[-2]), application)
    else:
        key = SshPublicKey(SK_ECDSA_P256, b"\x04" + bytes(cose[-2]) + bytes(cose[-3]), application)
    flags = FLAG_USER_PRESENCE | (FLAG_USER_VERIFICATION if verify_required else 0)
    return SkKey(key, bytes(cred.credential_id), flags, comment)


def sign(device: CtapDevice, sk: SkKey, data: bytes, *, pin: str | None = None, touch: bool = True) -> bytes:
    """An SSH sk signature blob over ``data`` (what the key signs for SSH auth or an SSHSIG).

    Raises:
        AuthError: the key refused, or the credential is not on this key.
    """
    ctap = Ctap2(device)
    data_hash = hashlib.sha256(data).digest()
    app = sk.key.application
    try:
        pin_param, pin_proto = _pin_auth(ctap, pin, data_hash, ClientPin.PERMISSION.GET_ASSERTION, app)
        resp = ctap.get_assertion(app, data_hash, [{"type": "public-key", "id": sk.key_handle}],
                                  options={"up": touch}, pin_uv_param=pin_param, pin_uv_protocol=pin_proto)
    except CtapError as exc:
        raise _fail(exc, "cannot sign") from None
    auth = resp.auth_data
    if sk.key.alg == "ed25519":
        raw = bytes(resp.signature)
    else:
        r, s = ecdsa_r_s_from_der(bytes(resp.signature))
        raw = sshsig.ecdsa_sig_field(r, s)
    return sshsig.signature_blob(sk.key, raw, auth.flags, auth.counter)


def sign_sshsig(device: CtapDevice, sk: SkKey, message: bytes, namespace: str, *, pin: str | None = None,
                hash_alg: str = "sha512", touch: bool = True) -> str:
    """``ssh-keygen -Y sign -n NAMESPACE`` with this sk key: the armored SSHSIG over ``message``."""
    wrapped = sshsig.wrapped_message(namespace, message, hash_alg)
    blob = sign(device, sk, wrapped, pin=pin, touch=touch)
    return sshsig.armor(sshsig.build(sk.key, namespace, hash_alg, blob))


def dump_private(sk: SkKey) -> str:
    """The OpenSSH private-key stub file (unencrypted: it holds no secret, only the key handle)."""
    check = os.urandom(4)
    if sk.key.key_type == SK_ED25519:
        fields = string(sk.key.key_type) + string(sk.key.public)
    else:
        fields = string(sk.key.key_type) + string("nistp256") + string(sk.key.public)
    block = (check + check + fields + string(sk.key.application) + bytes([sk.flags]) + string(sk.key_handle)
             + string(b"") + string(sk.comment))
    block += bytes(range(1, 1 + (-len(block) % 8)))
    raw = _MAGIC + string("none") + string("none") + string(b"") + u32(1) + string(sk.key.blob) + string(block)
    b64 = base64.b64encode(raw).decode()
    return "\n".join([_BEGIN, *(b64[i : i + 70] for i in range(0, len(b64), 70)), _END]) + "\n"


def write_private(path: Path, sk: SkKey) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(dump_private(sk))


def read_private(path: Path) -> SkKey:
    """Raises: StorageError (unreadable), UsageError (not an unencrypted sk key stub)."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageError(f"cannot read the key file: {exc}", where=str(path)) from None
    try:
        body = text.split(_BEGIN, 1)[1].split(_END, 1)[0]
        r = WireReader(base64.b64decode("".join(body.split()), validate=True))
        if r.take(len(_MAGIC)) != _MAGIC or r.text() != "none" or r.text() != "none":
            raise WireError("encrypted or not openssh-key-v1")
        r.string()
        if r.u32() != 1:
            raise WireError("more than one key")
        r.string()
        p = WireReader(r.string())
        if p.u32() != p.u32():
            raise WireError("check bytes differ")
        key_type = p.text()
        if key_type == SK_ED25519:
            public = p.string()
        elif key_type == SK_ECDSA_P256:
            p.text()
            public = p.string()
        else:
            raise WireError(f"{key_type} is not a security-key type")
        application = p.text()
        flags = p.u8()
        handle = p.string()
        p.string()
        comment = p.text()
    except (IndexError, ValueError) as exc:
        raise UsageError(f"not an OpenSSH sk key file: {exc}", where=str(path)) from None
    return SkKey(SshPublicKey(key_type, public, application), handle, flags, comment)
