"""The local inventory (TOML, ``paths.inventory``) and the site's pinned host keys
(OpenSSH known_hosts format, ``paths.known_hosts``).

Both are read strictly: an unknown key, a wrong type or a bad host key line is
an error naming the file, the key and the line. Both are written atomically
(temp file, fsync, rename) with mode 0600.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from oob_console.adapters.atomic_file import replace_file
from oob_console.core.devices.hostkeys import (
    HostKey,
    HostTrust,
    KnownHostsLine,
    KnownHostsProblem,
    keys_for,
    known_hosts_line,
    parse_known_hosts,
    trust_for,
)
from oob_console.core.devices.inventory import Inventory
from oob_console.core.schema import SchemaError, load_dataclass, locate_key
from oob_console.core.toml_text import dump_toml
from oob_console.errors import ConfigError, StorageError


def write_atomic(path: Path, text: str, *, keep_previous: bool = False) -> None:
    """Replace ``path`` with ``text`` (0600), surviving a crash at any instant."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        replace_file(path, text.encode("utf-8"), keep_previous=keep_previous)
    except OSError as exc:
        raise StorageError(f"cannot write {path.name}: {exc.strerror}", where=str(exc.filename or path)) from exc


def parse_inventory(text: str, where: str) -> Inventory:
    """Validate inventory TOML; errors carry file, dotted key and line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"inventory is not valid TOML: {exc}", where=where, hint="fix the syntax") from None
    try:
        inventory = load_dataclass(Inventory, data)
    except SchemaError as exc:
        line = locate_key(text, exc.key)
        at = f"{where}:{line} key {exc.key}" if line else f"{where} key {exc.key}"
        raise ConfigError(f"inventory: {exc.message}", where=at,
                          hint=exc.hint or "see the README section 'Router access'") from None
    names = [d.name for d in inventory.devices]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"inventory: device names used twice: {', '.join(duplicates)}", where=where,
                          hint="each device needs its own name")
    return inventory


def load_inventory(path: Path) -> Inventory:
    """Read and validate the inventory at ``path`` (which must exist).

    Raises:
        ConfigError: missing, unreadable or invalid.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the inventory: {exc}", where=str(path)) from None
    return parse_inventory(text, str(path))


class InventoryFile:
    """The site's inventory file; a missing file (or no path: no site) is an empty inventory."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.location = str(path) if path else "(no site inventory)"

    def load(self) -> Inventory:
        if self.path is None:
            return Inventory()
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Inventory()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the inventory: {exc}", where=self.location) from None
        return parse_inventory(text, self.location)

    def save(self, inventory: Inventory, *, header: str) -> None:
        if self.path is None:
            raise StorageError("no site inventory to write to", hint="run inside a site (OOB_HOME or --config)")
        text = dump_toml(inventory, header)
        parse_inventory(text, self.location)  # never write what we could not read back
        write_atomic(self.path, text, keep_previous=True)


class KnownHostsFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self._cache: tuple[tuple[int, int, int], list[KnownHostsLine], list[KnownHostsProblem]] | None = None

    def _text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the pinned host keys: {exc}", where=self.location) from None

    def _parsed(self) -> tuple[list[KnownHostsLine], list[KnownHostsProblem]]:
        try:
            st = self.path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = (0, 0, -1)
        if self._cache is not None and self._cache[0] == stamp:
            return self._cache[1], self._cache[2]  # a fan-out asks once per device; read the file once
        entries, problems = parse_known_hosts(self._text())
        self._cache = (stamp, entries, problems)
        return entries, problems

    def _entries(self) -> list[KnownHostsLine]:
        return self._parsed()[0]

    def keys_for(self, host: str, port: int) -> list[HostKey]:
        return keys_for(self._entries(), host, port)

    def trust_for(self, host: str, port: int) -> HostTrust:
        return trust_for(*self._parsed(), host, port)

    def problems(self) -> list[KnownHostsProblem]:
        return self._parsed()[1]

    def pin(self, host: str, port: int, key: HostKey, *, comment: str, replace: bool = False) -> bool:
        entries = self._entries()
        current = keys_for(entries, host, port)
        if key in current and not (replace and len(current) > 1):
            return False
        lines = self._text().splitlines()
        if replace:  # drop every earlier pin of this endpoint (a legitimate re-key)
            stale = {e.lineno for e in entries if e.key in current and keys_for([e], host, port)}
            lines = [line for i, line in enumerate(lines, start=1) if i not in stale]
        lines.append(known_hosts_line(host, port, key, comment))
        write_atomic(self.path, "\n".join(lines) + "\n")
        return True
