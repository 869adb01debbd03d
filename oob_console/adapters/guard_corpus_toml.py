"""A guard corpus on disk: a directory of TOML case files and the inventory they target.

Layout::

    guard_corpus/
      inventory.toml      [[devices]] as in the site inventory (see inventory_file)
      ios.toml            platform = "ios", then [[case]] tables
      ...
      configs/<device>.cfg   optional: the device's last-known-good running config (what ``oob backup``
                             keeps); a device without one is judged as a device without a backup

A case: ``id`` (unique), ``label`` (read-only | change | dangerous),
``command`` (one line or a multi-line block), optional ``devices`` (names in
inventory.toml), ``family`` (what it exercises) and ``note``. A file's
``platform`` applies to its cases unless a case gives its own.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from oob_console.adapters.inventory_toml import load_inventory
from oob_console.core.devices.inventory import Inventory
from oob_console.core.guard.corpus import Case, Corpus
from oob_console.core.guard.decision import Verdict
from oob_console.core.schema import locate_key
from oob_console.errors import ConfigError, NotFoundError

INVENTORY_NAME = "inventory.toml"
CONFIGS_NAME = "configs"
_CASE_KEYS = frozenset({"id", "label", "command", "devices", "family", "note", "platform"})


class CorpusDirectory:
    """Reads corpora; ``base`` resolves relative paths (the site directory)."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = base

    def read(self, path: str) -> Corpus:
        root = Path(path).expanduser()
        if not root.is_absolute() and self.base is not None and not root.exists():
            root = self.base / root
        if not root.is_dir():
            raise NotFoundError("no guard corpus here", where=str(root),
                                hint="name a corpus directory: oob guard drill tests/guard_corpus")
        inv_path = root / INVENTORY_NAME
        inventory = load_inventory(inv_path) if inv_path.exists() else Inventory()
        cases: list[Case] = []
        for file in sorted(root.glob("*.toml")):
            if file.name != INVENTORY_NAME:
                cases.extend(_cases(file, inventory))
        if not cases:
            raise ConfigError("the corpus has no cases", where=str(root), hint="add [[case]] tables to *.toml files")
        ids = [c.id for c in cases]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ConfigError(f"case ids used twice: {', '.join(twice)}", where=str(root))
        return Corpus(tuple(cases), inventory, str(root), _configs(root / CONFIGS_NAME, inventory))


def _configs(folder: Path, inventory: Inventory) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    out = {}
    for file in sorted(folder.glob("*.cfg")):
        if inventory.get(file.stem) is None:
            raise ConfigError(f"a config for {file.stem!r}, which is not in {INVENTORY_NAME}", where=str(file),
                              hint="name the file <device>.cfg after an inventory device")
        try:
            out[file.stem] = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the config: {exc}", where=str(file)) from None
    return out


def _cases(file: Path, inventory: Inventory) -> list[Case]:
    try:
        text = file.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ConfigError(f"cannot read corpus file: {exc or 'nested too deeply'}", where=str(file)) from None
    default_platform = data.get("platform")
    out = []
    for index, raw in enumerate(data.get("case", [])):
        where = f"{file}:{locate_key(text, f'case[{index}].id') or '?'}"
        out.append(_case(raw, default_platform, where, inventory))
    return out


def _case(raw: dict[str, Any], default_platform: Any, where: str, inventory: Inventory) -> Case:
    unknown = sorted(set(raw) - _CASE_KEYS)
    if unknown:
        raise ConfigError(f"unknown case key(s): {', '.join(unknown)}", where=where,
                          hint=f"known: {', '.join(sorted(_CASE_KEYS))}")
    platform = raw.get("platform", default_platform)
    command, devices = raw.get("command"), raw.get("devices", [])
    if not isinstance(raw.get("id"), str) or not isinstance(command, str) or not isinstance(platform, str):
        raise ConfigError("a case needs a string id, command and platform", where=where)
    if not isinstance(devices, list) or not all(isinstance(d, str) for d in devices):
        raise ConfigError("devices must be a list of device names", where=where)
    missing = [d for d in devices if inventory.get(d) is None]
    if missing:
        raise ConfigError(f"case {raw['id']} names devices not in {INVENTORY_NAME}: {', '.join(missing)}", where=where)
    try:
        label = Verdict.parse(str(raw.get("label", "")))
    except ValueError as exc:
        raise ConfigError(str(exc), where=where) from None
    return Case(raw["id"], platform, label, command, tuple(devices), str(raw.get("family", "")),
                str(raw.get("note", "")), where)
