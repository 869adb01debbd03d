"""What the audit service needs from its log, as a Protocol."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from oob_console.core.audit.chain import SignatureCheck, VerifyReport
from oob_console.core.audit.seal import Anchor


class AuditLog(Protocol):
    def append(
        self,
        *,
        actor: str,
        action: str,
        target: str = "",
        outcome: str = "ok",
        details: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Append and fsync one entry.

        Raises:
            AuditWriteError: nothing was recorded; the caller must not proceed.
        """
        ...

    def verify(
        self,
        *,
        check_signature: SignatureCheck | None = None,
        trusted_keys: frozenset[str] | None = None,
        verify_key: str | None = None,
        anchors: tuple[Anchor, ...] = (),
    ) -> VerifyReport:
        """Verify the whole chain.

        Raises:
            StorageError: the log cannot be read (or does not exist).
        """
        ...

    def exists(self) -> bool:
        ...

    def seal_state(self) -> dict[str, Any] | None:
        """The host's sealing key, public parts only (epoch, public_key, verify_key, last_seal, pending_public)."""
        ...

    def start_sealing(self, *, actor: str, site: str, reset: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A fresh sealing key, the genesis naming its verification key, its first seal; returns the genesis."""
        ...

    def last_entry(self) -> dict[str, Any] | None:
        """The newest readable entry (read from the end of the file), or None when there is none."""
        ...

    def reset_problem(self) -> str | None:
        """Why appends are refused (emptied, deleted, cut, restarted, key gone), or None; writes nothing."""
        ...

    def move_aside(self, suffix: str) -> str | None:
        """Rename the log (kept as evidence) so a new chain can start; its new path, or None if there was none."""
        ...

    def entries(self) -> Iterator[dict[str, Any]]:
        """Readable entries, oldest first."""
        ...
