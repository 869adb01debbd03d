"""What the audit service needs from its log, as a Protocol."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from oob_console.core.audit.chain import SignatureCheck, VerifyReport


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
        self, *, check_signature: SignatureCheck | None = None, trusted_keys: frozenset[str] | None = None
    ) -> VerifyReport:
        """Verify the whole chain.

        Raises:
            StorageError: the log cannot be read.
        """
        ...

    def entries(self) -> Iterator[dict[str, Any]]:
        """Readable entries, oldest first."""
        ...
