"""Ports the command guard needs from the outside world."""

from __future__ import annotations

from typing import Protocol

from oob_console.core.devices.inventory import Inventory
from oob_console.core.guard.corpus import Corpus


class InventorySource(Protocol):
    def load(self) -> Inventory:
        """The site's device inventory.

        Raises:
            ConfigError: the inventory is missing, unreadable or invalid.
        """
        ...


class CorpusReader(Protocol):
    def read(self, path: str) -> Corpus:
        """A labelled guard corpus (a directory of case files and its inventory).

        Raises:
            NotFoundError: nothing at ``path``.
            ConfigError: a case file or the inventory is invalid, or a case names an unknown device.
        """
        ...


class BackupSource(Protocol):
    def latest_text(self, device: str) -> str | None:
        """The device's newest last-known-good running config (what ``oob backup`` stored), None if none.

        Raises:
            StorageError: a stored backup exists but cannot be read.
        """
        ...
