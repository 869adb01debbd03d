"""Replacing a file so that a crash at any instant leaves the old file or the new one, never half of one."""

from __future__ import annotations

import os
from pathlib import Path


def replace_file(path: Path, data: bytes, *, keep_previous: bool = False) -> None:
    """Write ``data`` to a 0600 temp file beside ``path``, fsync it, rename it over ``path``, fsync the folder.

    ``keep_previous``: first hard-link the current file to ``<name>.prev``. Raises OSError.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    if keep_previous and path.exists():
        prev = path.with_name(path.name + ".prev")
        prev.unlink(missing_ok=True)
        os.link(path, prev)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
