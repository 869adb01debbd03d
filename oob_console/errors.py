"""The one exception tree of oob-console.

Every error an operator is expected to see is an ``OobError``. Each carries a
``message`` (what is wrong), an optional ``where`` (file, key, line, device) and
an optional ``hint`` (what to do), and maps to one documented exit code. The CLI
entry point is the only place that catches them all; adapters translate their
library's exceptions into this tree at one boundary (``raise ... from exc``).

    OobError                      1   an operation failed
    ├── UsageError                2   the command line is wrong
    ├── ConfigError               3   config missing, unreadable or invalid
    ├── IntegrityError            4   data failed verification (audit chain, signature)
    ├── AuthError                 5   authentication or approval refused
    ├── NotFoundError             6   a named thing does not exist
    ├── RefusedError              7   a safety check said no, or could not run (fail closed)
    ├── UnavailableError          8   could not talk to it (also a ConnectionError)
    │   └── DeadlineError         8   it did not answer in time (also a TimeoutError)
    ├── ConflictError             9   it already exists / wrong state for this
    └── StorageError             11   local state cannot be read or written
        └── AuditWriteError      11   the audit log cannot be written: the action did not run
            └── AuditResetError   4   the log is not the one this site sealed: refused until acknowledged

Exit codes 10 and 20 are reserved for verdicts (``oob guard check``: change,
dangerous), 12 for ``oob audit verify``'s "consistent, but not proven" (no
verification key was given, so a rebuilt chain would look the same), 70 means
a bug in oob-console (a traceback is printed), 130 an interrupt.
"""

from __future__ import annotations

from typing import Any, ClassVar

EXIT_OK = 0
EXIT_UNPROVEN = 12  # `oob audit verify`: the chain is consistent but nothing proves who wrote it
EXIT_BUG = 70
EXIT_INTERRUPTED = 130


class OobError(Exception):
    """Base of every expected error; ``str()`` is the one-line form."""

    exit_code: ClassVar[int] = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        where: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where
        self.details = details or {}

    def one_line(self) -> str:
        """``<what> (<where>) — <hint>``, the shape every front end prints."""
        text = self.message
        if self.where:
            text += f" ({self.where})"
        if self.hint:
            text += f" — {self.hint}"
        return text

    def __str__(self) -> str:
        return self.one_line()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": type(self).__name__,
            "message": self.message,
            "where": self.where,
            "hint": self.hint,
            "exit_code": self.exit_code,
        }
        if self.details:
            out["details"] = self.details
        return out


class UsageError(OobError):
    """The command line is wrong (unknown option, missing argument)."""

    exit_code = 2


class ConfigError(OobError):
    """Config is missing, unreadable, not TOML, or fails validation."""

    exit_code = 3


class IntegrityError(OobError):
    """Data failed verification: a broken audit chain, a bad signature."""

    exit_code = 4


class AuthError(OobError):
    """Authentication or approval was refused."""

    exit_code = 5


class NotFoundError(OobError):
    """A named thing (device, user, intent, entry) does not exist."""

    exit_code = 6


class RefusedError(OobError):
    """A safety check said no, or could not run and so the action did not run."""

    exit_code = 7


class UnavailableError(OobError, ConnectionError):
    """Could not talk to it: refused, unreachable, dropped."""

    exit_code = 8


class DeadlineError(UnavailableError, TimeoutError):
    """It did not answer within its timeout."""

    exit_code = 8


class ConflictError(OobError):
    """It already exists, or is in the wrong state for this action."""

    exit_code = 9


class StorageError(OobError):
    """Local state (store, journal, outbox) cannot be read or written."""

    exit_code = 11


class AuditWriteError(StorageError):
    """The audit log cannot be written, so the action it records did not run."""

    exit_code = 11


class AuditResetError(AuditWriteError):
    """The audit log was emptied, deleted, cut or restarted (or lost its key): no appends until acknowledged."""

    exit_code = 4
