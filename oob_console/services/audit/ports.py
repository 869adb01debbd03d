"""Ports: what services need from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from oob_console.core.audit.chain import SignatureCheck, VerifyReport
from oob_console.core.runbooks import Runbook


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


class RunbookSource(Protocol):
    @property
    def location(self) -> str:
        """Where the runbooks are, for people (a folder path)."""
        ...

    def load(self) -> list[Runbook]:
        """Every runbook, sorted by name.

        Raises:
            NotFoundError: the runbooks folder does not exist.
            StorageError: it or a runbook cannot be read.
        """
        ...
