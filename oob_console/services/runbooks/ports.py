"""What the runbook service needs from its folder, as a Protocol."""

from __future__ import annotations

from typing import Protocol

from oob_console.core.runbooks import Runbook


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
