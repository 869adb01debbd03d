"""The device inventory from a TOML file (``[[devices]]`` tables), validated strictly.

Every key of :class:`oob_console.core.inventory.Device` (and its ``links``,
``bgp`` and ``console``) may appear; unknown keys and wrong types are errors
naming the file, the key and the line, as for the config.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from oob_console.core.inventory import Inventory
from oob_console.core.schema import SchemaError, load_dataclass, locate_key
from oob_console.errors import ConfigError


def parse_inventory(text: str, where: str) -> Inventory:
    """Validate inventory TOML ``text``; errors name ``where`` and the line.

    Raises:
        ConfigError: not TOML, or a device does not fit the model, or two devices share a name.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"inventory is not valid TOML: {exc}", where=where) from None
    try:
        inventory = load_dataclass(Inventory, data)
    except SchemaError as exc:
        line = locate_key(text, exc.key)
        raise ConfigError(exc.message, where=f"{where}:{line} key {exc.key}" if line else f"{where} key {exc.key}",
                          hint=exc.hint or "see the Device model in oob_console/core/inventory.py") from None
    names = [d.name for d in inventory.devices]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"device names used twice: {', '.join(duplicates)}", where=where)
    return inventory


def load_inventory(path: Path) -> Inventory:
    """Read and validate the inventory at ``path``.

    Raises:
        ConfigError: unreadable or invalid.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the inventory: {exc}", where=str(path)) from None
    return parse_inventory(text, str(path))


class InventoryFile:
    """An :class:`~oob_console.services.guard_ports.InventorySource` reading one file when asked."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def load(self) -> Inventory:
        if self.path is None or not self.path.exists():
            raise ConfigError("no device inventory", where=str(self.path) if self.path else None,
                              hint="create inventory.toml in the site directory, or pass --inventory FILE")
        return load_inventory(self.path)
