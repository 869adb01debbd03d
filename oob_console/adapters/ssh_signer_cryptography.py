"""Signing with an ordinary OpenSSH private key file (cryptography): SSHSIG for fleet bundles.

A central team signs bundles with a key kept offline (``ssh-ed25519`` or
``ecdsa-sha2-nistp256``, optionally passphrase-protected, OpenSSH or PEM
format). The result is an SSHSIG like ``ssh-keygen -Y sign`` makes, so it
also verifies with ``ssh-keygen -Y verify``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from oob_console.core.auth import sshsig
from oob_console.core.auth.ssh_wire import ECDSA_P256, ED25519, SshPublicKey, ecdsa_r_s_from_der
from oob_console.errors import AuthError, StorageError, UsageError


class SshKeySigner:
    """A loaded private key; ``sign(message, namespace)`` returns an armored SSHSIG."""

    def __init__(self, path: Path, passphrase: Callable[[], str | None]) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read the signing key: {exc.strerror}", where=str(path)) from None
        key = self._load(data, None, path)
        if key is None:
            secret = passphrase()
            if not secret:
                raise AuthError("the signing key is encrypted and no passphrase was given", where=str(path))
            key = self._load(data, secret.encode(), path)
            if key is None:
                raise AuthError("wrong passphrase for the signing key", where=str(path))
        if isinstance(key, Ed25519PrivateKey):
            raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            self.public = SshPublicKey(ED25519, raw)
        elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
            point = key.public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)
            self.public = SshPublicKey(ECDSA_P256, point)
        else:
            raise UsageError("bundle signing keys must be Ed25519 or ECDSA P-256", where=str(path))
        self._key = key

    @staticmethod
    def _load(data: bytes, password: bytes | None, path: Path) -> object | None:
        loaders = (serialization.load_ssh_private_key, serialization.load_pem_private_key)
        encrypted = False
        for load in loaders:
            try:
                return load(data, password)
            except TypeError:  # encrypted and no password, or the reverse
                encrypted = True
            except ValueError as exc:
                if "password" in str(exc).lower() or "decrypt" in str(exc).lower():
                    encrypted = True
            except Exception as exc:  # noqa: BLE001 - cryptography raises backend-specific errors on bad data
                raise UsageError(f"not a private key file: {exc}", where=str(path)) from None
        if encrypted:
            return None
        raise UsageError("not an OpenSSH or PEM private key", where=str(path))

    def sign(self, message: bytes, namespace: str, hash_alg: str = "sha512") -> str:
        wrapped = sshsig.wrapped_message(namespace, message, hash_alg)
        if isinstance(self._key, Ed25519PrivateKey):
            raw = self._key.sign(wrapped)
        else:
            assert isinstance(self._key, ec.EllipticCurvePrivateKey)  # noqa: S101 - checked in __init__
            r, s = ecdsa_r_s_from_der(self._key.sign(wrapped, ec.ECDSA(hashes.SHA256())))
            raw = sshsig.ecdsa_sig_field(r, s)
        blob = sshsig.signature_blob(self.public, raw)
        return sshsig.armor(sshsig.build(self.public, namespace, hash_alg, blob))
