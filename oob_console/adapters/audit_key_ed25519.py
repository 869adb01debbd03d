"""The host's Ed25519 audit keys (cryptography): the legacy checkpoint key and the evolving sealing key."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from oob_console.adapters.files_safe import UnsafeFileError, read_private, write_private_atomic
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
            key = serialization.load_pem_private_key(read_private(path), password=None)
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


# Forward-secure sealing key ----------------------------------------------------------------------

_SEAL_FORMAT = "oob-console audit sealing key v1"


def _new_private() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    return base64.b64encode(raw).decode(), _raw_public(key.public_key())


def _private(b64: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(b64, validate=True))


class SealKey:
    """The host's evolving sealing key: one JSON file, 0600, replaced whole at each change.

    It holds only the *current* epoch's private key (and, for the instant
    between preparing and committing a seal, the next one). The verification key
    (epoch 0's public key) is kept to name the site's chain; it cannot seal.
    """

    def __init__(self, path: Path, state: dict[str, Any]) -> None:
        self.path = path
        self.state = state

    @classmethod
    def create(cls, path: Path, site: str) -> SealKey:
        """A fresh epoch-0 key (replacing any old one: used by init, start and acknowledged resets)."""
        private, public = _new_private()
        key = cls(path, {"format": _SEAL_FORMAT, "site": site, "verify_key": public, "epoch": 0,
                         "private_key": private, "public_key": public, "pending": None,
                         "genesis_hash": None, "last_seal": None})
        key._save()
        return key

    @classmethod
    def load(cls, path: Path) -> SealKey | None:
        """The key, or None when there is none (a site that never sealed, or a deleted key).

        Raises:
            UnsafeFileError: a symlink, another user's bits, an unsafe directory.
            StorageError: unreadable or not a sealing key.
        """
        try:
            raw = read_private(path)
        except FileNotFoundError:
            return None
        except UnsafeFileError:
            raise
        except OSError as exc:
            raise StorageError(f"cannot read the audit sealing key: {exc.strerror}", where=str(path)) from None
        try:
            state = json.loads(raw)
            if state.get("format") != _SEAL_FORMAT:
                raise ValueError("unknown format")
            if len(base64.b64decode(state["private_key"], validate=True)) != 32:
                raise ValueError("the private key is not 32 bytes")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StorageError(f"the audit sealing key is damaged: {exc}", where=str(path),
                               hint="keep it as evidence; 'oob audit verify --verify-key KEY' tells what happened"
                               ) from None
        return cls(path, state)

    def _save(self) -> None:
        write_private_atomic(self.path, json.dumps(self.state, sort_keys=True).encode())

    @property
    def public_key(self) -> str:
        return str(self.state["public_key"])

    @property
    def verify_key(self) -> str:
        return str(self.state["verify_key"])

    @property
    def epoch(self) -> int:
        return int(self.state["epoch"])

    @property
    def genesis_hash(self) -> str | None:
        value = self.state.get("genesis_hash")
        return value if isinstance(value, str) else None

    @property
    def last_seal(self) -> dict[str, Any] | None:
        value = self.state.get("last_seal")
        return value if isinstance(value, dict) else None

    @property
    def pending_public(self) -> str | None:
        pending = self.state.get("pending")
        return str(pending["public_key"]) if isinstance(pending, dict) else None

    def set_genesis(self, entry_hash: str) -> None:
        self.state["genesis_hash"] = entry_hash
        self._save()

    def prepare(self) -> str:
        """Make the next epoch's key and store it beside the current one (fsync); return its public key."""
        private, public = _new_private()
        self.state["pending"] = {"private_key": private, "public_key": public}
        self._save()
        return public

    def sign(self, message: bytes) -> str:
        return base64.b64encode(_private(self.state["private_key"]).sign(message)).decode()

    def commit(self, seal: dict[str, Any]) -> None:
        """The seal is on disk: the next key becomes current and the old private key is erased."""
        pending = self.state["pending"]
        self.state.update(private_key=pending["private_key"], public_key=pending["public_key"], pending=None,
                          epoch=self.epoch + 1,
                          last_seal={"seq": seal["seq"], "hash": seal["hash"], "time": seal["time"],
                                     "covers_seq": seal["details"]["covers_seq"]})
        self._save()

    def abandon(self) -> None:
        """A prepared key whose seal never reached the log (a crash between the two): forget it."""
        self.state["pending"] = None
        self._save()
