"""The host's Ed25519 audit key: signs audit checkpoints (cryptography)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from oob_console.errors import ConflictError, StorageError


def _raw_public(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def create_key(path: Path) -> str:
    """Write a new private key (0600, never over an existing file); return the public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConflictError("audit key already exists", where=str(path), hint="keep it; never regenerate") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    return _raw_public(key.public_key())


class AuditKey:
    """A loaded private key: signs checkpoint messages."""

    def __init__(self, path: Path) -> None:
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except OSError as exc:
            raise StorageError(f"cannot read the audit key: {exc.strerror}", where=str(path)) from None
        except ValueError as exc:
            raise StorageError(f"the audit key is not a PEM private key: {exc}", where=str(path)) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise StorageError("the audit key is not an Ed25519 key", where=str(path))
        self._key = key
        self.public_key = _raw_public(key.public_key())

    def sign(self, message: bytes) -> tuple[str, str]:
        return self.public_key, base64.b64encode(self._key.sign(message)).decode()


def check_signature(public_key_b64: str, message: bytes, signature_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
