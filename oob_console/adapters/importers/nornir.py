"""Import a Nornir SimpleInventory (hosts.yaml, groups.yaml, defaults.yaml) with PyYAML.

Nornir's own inheritance applies: a host's value, else its groups' (in order,
depth first, groups of groups included), else the defaults. From ``data`` we
take ``site``, ``role``, ``tags``, ``key_file``, ``host_keys``, ``transport``,
``cli``, ``console``, ``links`` and ``bgp`` when present. Passwords are never
written inline: a ``file:``/``env:`` reference is kept, a literal password
is dropped with a warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from oob_console.core.devices.inventory import Device, Inventory
from oob_console.core.devices.platforms import platform_from_alias
from oob_console.core.schema import SchemaError, load_dataclass
from oob_console.errors import ConfigError

_DATA_KEYS = ("site", "role", "tags", "key_file", "host_keys", "transport", "cli", "console", "links", "bgp")


def _load(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path.name}: {exc.strerror}", where=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", where=where) from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError("expected a mapping at the top level", where=str(path))
    return value


class _Resolver:
    def __init__(self, groups: dict[str, Any], defaults: dict[str, Any]) -> None:
        self.groups = groups
        self.defaults = defaults

    def _chain(self, entry: dict[str, Any], seen: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        chain = [entry]
        for name in entry.get("groups") or ():
            group = self.groups.get(name)
            if isinstance(group, dict) and name not in seen:
                chain.extend(self._chain(group, (*seen, name)))
        return chain

    def resolve(self, host: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(attributes, data) after inheritance."""
        chain = [*self._chain(host), self.defaults]
        attrs: dict[str, Any] = {}
        data: dict[str, Any] = {}
        for layer in reversed(chain):  # later (closer) layers win
            attrs.update({k: v for k, v in layer.items() if k not in ("data", "groups") and v is not None})
            data.update(layer.get("data") or {})
        return attrs, data


def import_nornir(hosts: Path, groups: Path | None = None, defaults: Path | None = None,
                  platform_map: dict[str, str] | None = None) -> tuple[Inventory, list[str]]:
    """The devices in a Nornir inventory, and a warning per host skipped or field dropped.

    Raises:
        ConfigError: a file is unreadable or not YAML.
    """
    host_map = _load(hosts)
    resolver = _Resolver(_load(groups), _load(defaults))
    devices: list[Device] = []
    warnings: list[str] = []
    for name, entry in host_map.items():
        if not isinstance(entry, dict):
            entry = {}
        attrs, data = resolver.resolve(entry)
        platform = platform_from_alias(str(attrs.get("platform", "")), platform_map)
        if platform is None:
            warnings.append(f"{name}: skipped, platform {attrs.get('platform')!r} is not one of ours "
                            "(map it with --platform-map NAME=frr|ios|iosxr|junos|eos)")
            continue
        record: dict[str, Any] = {"name": str(name), "platform": platform,
                                  "host": str(attrs.get("hostname") or name)}
        if attrs.get("port") is not None:
            record["port"] = attrs["port"]
        if attrs.get("username"):
            record["username"] = str(attrs["username"])
        password = attrs.get("password")
        if isinstance(password, str) and password.startswith(("file:", "env:")):
            record["password"] = password
        elif password:
            warnings.append(f"{name}: inline password not imported (never stored); "
                            "set password = 'file:PATH' or 'env:NAME' in the inventory")
        record.update({k: data[k] for k in _DATA_KEYS if k in data})
        try:
            devices.append(load_dataclass(Device, record))
        except SchemaError as exc:
            warnings.append(f"{name}: skipped, {exc.key}: {exc.message}")
    return Inventory(devices=tuple(devices)), warnings
