"""Reading a file argument that may be ``-`` (stdin), with one error shape for all commands."""

from __future__ import annotations

import sys
from pathlib import Path

from oob_console.errors import StorageError


def read_arg(path: str, what: str) -> bytes:
    """The bytes of ``path``, or of stdin when ``path`` is ``-``.

    Raises:
        StorageError: the file cannot be read.
    """
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read the {what}: {exc.strerror}", where=path) from None
