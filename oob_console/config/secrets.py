"""Secrets the config refers to (``file:`` or ``env:``), fetched only when they are needed."""

from __future__ import annotations

import os
from pathlib import Path

from oob_console.core.schema import SecretRef
from oob_console.errors import ConfigError


def read_secret(ref: SecretRef, *, where: str, deadline: float = 5.0) -> str:
    """Fetch a referenced secret at the moment it is needed (never logged).

    A secret file on a network, FUSE or automounted filesystem is read within
    ``deadline`` seconds (a dead mount is an error, never a hang).

    Raises:
        ConfigError: the variable is unset or the file unreadable or too open.
        DeadlineError: the file's filesystem did not answer in time.
    """
    if ref.kind == "env":
        value = os.environ.get(ref.target)
        if not value:
            raise ConfigError(f"environment variable {ref.target} is not set", where=where)
        return value
    from oob_console.adapters.files_deadline import mode_and_bytes
    from oob_console.errors import StorageError

    path = Path(ref.target).expanduser()
    try:
        mode, data = mode_and_bytes(path, deadline=deadline, what="secret file")
    except StorageError as exc:
        raise ConfigError(exc.message, where=where) from None
    if mode & 0o077:
        raise ConfigError(
            f"secret file {path} is readable by others (mode {mode & 0o777:o})",
            where=where,
            hint=f"chmod 600 {path}",
        )
    return data.decode("utf-8", errors="replace").strip()
