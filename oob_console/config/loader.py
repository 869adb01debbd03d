"""Finding the config file, reading its TOML and checking it into a frozen :class:`Config`.

The search order is in the package docstring (``oob_console.config``).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from oob_console.config.model import Config
from oob_console.core.schema import SchemaError, load_dataclass, locate_key
from oob_console.errors import ConfigError

CONFIG_NAME = "config.toml"
ETC_CONFIG = Path("/etc/oob-console") / CONFIG_NAME


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config and the file it came from."""

    config: Config
    path: Path

    @property
    def base(self) -> Path:
        return self.path.parent

    def resolve(self, value: str) -> Path:
        """A path from the config, made absolute against the config's directory."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base / p


def xdg_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "oob-console" / CONFIG_NAME


def default_home() -> Path:
    """Where ``oob init`` puts a site when no ``--home`` is given."""
    env = os.environ.get("OOB_HOME")
    return Path(env) if env else xdg_config_path().parent


def find_config(explicit: str | None) -> Path:
    """Apply the search order.

    Raises:
        ConfigError: nothing found where the search order says to look.
    """
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError("config file not found", where=str(path), hint="check the --config path")
        return path
    home = os.environ.get("OOB_HOME")
    if home:
        path = Path(home) / CONFIG_NAME
        if not path.is_file():
            raise ConfigError(
                "OOB_HOME has no config.toml", where=str(path), hint=f"run 'oob init --home {home}'"
            )
        return path
    for path in (ETC_CONFIG, xdg_config_path()):
        if path.is_file():
            return path
    raise ConfigError(
        "no config found",
        where=f"searched {ETC_CONFIG}, {xdg_config_path()}",
        hint="run 'oob init', set OOB_HOME, or pass --config PATH",
    )


_M = TypeVar("_M")
_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def parse_config(text: str, path: Path) -> Config:
    """Validate TOML ``text``; errors name ``path``, the dotted key and the line."""
    return parse_toml_model(Config, text, path)


def parse_toml_model(model: type[_M], text: str, path: Path, hint: str = "see config.example.toml") -> _M:
    """Any TOML file (the config, a drill plan) into frozen dataclass ``model``, with file/key/line errors.

    Raises:
        ConfigError: not TOML, or a value that does not fit ``model`` (``where``: ``FILE:LINE key KEY``).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        at = _TOML_AT.search(msg)
        where = f"{path}:{at.group(1)}" if at else str(path)
        raise ConfigError(
            f"not valid TOML: {_TOML_AT.sub('', msg).strip()}", where=where, hint="fix the syntax at that line"
        ) from None
    except RecursionError:
        raise ConfigError("not usable TOML: arrays or tables nested too deeply", where=str(path),
                          hint="no setting nests more than a few levels") from None
    try:
        return load_dataclass(model, data)
    except SchemaError as exc:
        line = locate_key(text, exc.key)
        where = f"{path}:{line} key {exc.key}" if line else f"{path} key {exc.key}"
        raise ConfigError(exc.message, where=where, hint=exc.hint or hint) from None


def load_config(explicit: str | None = None) -> LoadedConfig:
    """Find, read and check the config.

    Raises:
        ConfigError: not found, unreadable or invalid.
    """
    path = find_config(explicit)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc}", where=str(path)) from None
    return LoadedConfig(parse_config(text, path), path.resolve())
