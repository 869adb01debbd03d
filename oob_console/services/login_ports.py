"""The port SSH logins need from the credential store: enrolled sk public keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class EnrolledSkKey:
    """One enrolled security-key SSH public key, as the store knows it."""

    user: str  # the engineer it belongs to
    key_id: str  # the store's id for this key
    public_key: str  # OpenSSH "type base64", e.g. "sk-ssh-ed25519@openssh.com AAAA..."
    verify_required: bool = False  # the engineer enrolled it with -O verify-required
    no_touch_required: bool = False  # enrolled with -O no-touch-required
    last_counter: int = 0  # the highest signature counter accepted so far
    revoked: bool = False


class SkKeyDirectory(Protocol):
    def find_sk_key(self, blob: bytes) -> EnrolledSkKey | None:
        """The key whose OpenSSH public key blob is ``blob``, revoked or not; None if never enrolled.

        Raises:
            StorageError: the store cannot be read.
        """
        ...

    def advance_sk_counter(self, key_id: str, counter: int) -> bool:
        """Atomically store ``counter`` as last seen if it is greater than the stored one.

        Returns False (and changes nothing) when it is not: a replay or a cloned key.

        Raises:
            StorageError: the store cannot be written.
        """
        ...

    def sk_keys(self, user: str | None = None) -> list[EnrolledSkKey]:
        """Active (not revoked) keys of ``user``, or of every user when None.

        Raises:
            StorageError: the store cannot be read.
        """
        ...
