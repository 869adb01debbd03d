"""Secrets the config refers to (``file:`` or ``env:``), fetched only when they are needed."""

from __future__ import annotations

import os
from pathlib import Path

from oob_console.core.schema import SecretRef
from oob_console.errors import ConfigError


def read_secret(ref: SecretRef, *, where: str) -> str:
    """Fetch a referenced secret at the moment it is needed (never logged).

    Raises:
        ConfigError: the variable is unset or the file unreadable or too open.
    """
    if ref.kind == "env":
        value = os.environ.get(ref.target)
        if not value:
            raise ConfigError(f"environment variable {ref.target} is not set", where=where)
        return value
    path = Path(ref.target).expanduser()
    try:
        mode = path.stat().st_mode
        if mode & 0o077:
            raise ConfigError(
                f"secret file {path} is readable by others (mode {mode & 0o777:o})",
                where=where,
                hint=f"chmod 600 {path}",
            )
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read secret file {path}: {exc.strerror}", where=where) from None
