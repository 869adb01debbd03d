"""Import a Nornir SimpleInventory (hosts.yaml, groups.yaml, defaults.yaml) with PyYAML.

Nornir's own inheritance applies (:class:`NornirResolver`, compared with
nornir's SimpleInventory in the tests): a host's value, else its groups' (in
order, depth first, groups of groups included), else the defaults. The SSH
login (hostname, port, username, platform) is that of the host's ``netmiko``
(else ``scrapli``) connection options when it has any, as Nornir would hand
them to that plugin; a platform we do not know there is looked up in the
host's own, then ``napalm``'s. From ``data`` we
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


_ATTRS = ("hostname", "port", "username", "password", "platform")
_SSH_CONNECTIONS = ("netmiko", "scrapli")  # connection plugins that log in over SSH to the CLI, as we do
_PLATFORM_CONNECTIONS = ("netmiko", "scrapli", "napalm")


class NornirResolver:
    """Nornir 3's inheritance rules (``nornir.core.inventory``), reproduced on the raw YAML.

    - attributes (hostname, port, username, password, platform): the host's unless None, else
      the first non-None among its *extended groups* (its groups in order, each followed by the
      groups it inherits, depth first, without repeats), else the defaults';
    - ``data``: a key the host defines wins, even with a null value; else the first extended
      group defining it; else the defaults';
    - ``connection_options.<name>``: field by field, the host's, then each group depth first
      (each group's chain ending with the defaults), falling back to the host's attributes.
    """

    def __init__(self, groups: dict[str, Any], defaults: dict[str, Any], where: str) -> None:
        self.groups = groups
        self.defaults = defaults
        self.where = where

    def _group(self, name: Any) -> dict[str, Any]:
        group = self.groups.get(name)
        if group is None and name not in self.groups:
            raise ConfigError(f"group {name!r} is used but not defined", where=self.where,
                              hint="define it in groups.yaml (Nornir refuses such an inventory too)")
        return group if isinstance(group, dict) else {}

    def extended_groups(self, entry: dict[str, Any], seen: tuple[Any, ...] = ()) -> list[Any]:
        out: list[Any] = []
        for name in entry.get("groups") or ():
            if name in seen:
                raise ConfigError(f"groups inherit from each other in a loop ({' -> '.join(map(str, (*seen, name)))})",
                                  where=self.where)
            if name not in out:
                out.append(name)
            for sub in self.extended_groups(self._group(name), (*seen, name)):
                if sub not in out:
                    out.append(sub)
        return out

    def attr(self, entry: dict[str, Any], name: str) -> Any:
        value = entry.get(name)
        if value is not None:
            return value
        for group in self.extended_groups(entry):
            found = self._group(group).get(name)
            if found is not None:
                return found
        return self.defaults.get(name)

    def data(self, entry: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = dict(entry.get("data") or {})
        for group in self.extended_groups(entry):
            for key, value in (self._group(group).get("data") or {}).items():
                result.setdefault(key, value)
        for key, value in (self.defaults.get("data") or {}).items():
            result.setdefault(key, value)
        return result

    def _connection_chain(self, entry: dict[str, Any], connection: str, seen: tuple[Any, ...] = ()
                          ) -> dict[str, Any]:
        own = (entry.get("connection_options") or {}).get(connection) or {}
        params = {f: own.get(f) for f in _ATTRS}
        for name in entry.get("groups") or ():
            if name in seen:
                continue  # reported by extended_groups
            sub = self._connection_chain(self._group(name), connection, (*seen, name))
            params = {f: params[f] if params[f] is not None else sub[f] for f in _ATTRS}
        default = (self.defaults.get("connection_options") or {}).get(connection) or {}
        return {f: params[f] if params[f] is not None else default.get(f) for f in _ATTRS}

    def defines_connection(self, entry: dict[str, Any], connection: str) -> bool:
        layers = [entry, *(self._group(g) for g in self.extended_groups(entry)), self.defaults]
        return any(connection in (layer.get("connection_options") or {}) for layer in layers)

    def connection(self, entry: dict[str, Any], connection: str) -> dict[str, Any]:
        """``Host.get_connection_parameters(connection)`` without ``extras``."""
        params = self._connection_chain(entry, connection)
        return {f: params[f] if params[f] is not None else self.attr(entry, f) for f in _ATTRS}


def import_nornir(hosts: Path, groups: Path | None = None, defaults: Path | None = None,
                  platform_map: dict[str, str] | None = None) -> tuple[Inventory, list[str]]:
    """The devices in a Nornir inventory, and a warning per host skipped or field dropped.

    Raises:
        ConfigError: a file is unreadable or not YAML.
    """
    host_map = _load(hosts)
    resolver = NornirResolver(_load(groups), _load(defaults), str(groups or hosts))
    devices: list[Device] = []
    warnings: list[str] = []
    for name, entry in host_map.items():
        if not isinstance(entry, dict):
            entry = {}
        data = resolver.data(entry)
        ssh = next((c for c in _SSH_CONNECTIONS if resolver.defines_connection(entry, c)), None)
        attrs = resolver.connection(entry, ssh) if ssh else {f: resolver.attr(entry, f) for f in _ATTRS}
        tried = [str(attrs.get("platform")), str(resolver.attr(entry, "platform"))]
        tried += [str(resolver.connection(entry, c)["platform"])
                  for c in _PLATFORM_CONNECTIONS if resolver.defines_connection(entry, c)]
        platform = next((p for p in (platform_from_alias(t, platform_map) for t in tried if t != "None") if p), None)
        if platform is None:
            names = ", ".join(dict.fromkeys(repr(t) for t in tried if t != "None")) or "none"
            warnings.append(f"{name}: skipped, platform {names} is not one of ours "
                            "(map it with --platform-map NAME=frr|ios|iosxr|junos|eos|nxos)")
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
        # a null data value is "not set" for that field (Nornir keeps it as None); never a reason to skip
        record.update({k: data[k] for k in _DATA_KEYS if data.get(k) is not None})
        try:
            devices.append(load_dataclass(Device, record))
        except SchemaError as exc:
            warnings.append(f"{name}: skipped, {exc.key}: {exc.message}")
    return Inventory(devices=tuple(devices)), warnings
