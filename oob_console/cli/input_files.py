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
        try:
            return sys.stdin.buffer.read()
        except (OSError, AttributeError) as exc:  # stdin closed, not a file, or not readable here
            raise StorageError(f"cannot read the {what} from standard input: {exc}", where="-",
                               hint=f"pipe the {what} in, or give a file") from None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read the {what}: {exc.strerror}", where=path) from None


def read_stdin_text(what: str) -> str:
    """Standard input as text (a command block piped in).

    Raises:
        StorageError: standard input cannot be read.
    """
    return read_arg("-", what).decode("utf-8", "replace")
