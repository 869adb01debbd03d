"""The audit log as an append-only JSON Lines file.

Writers (the CLI, the SSH server, the TUI: several processes at once) take an
exclusive ``flock`` for each append, read the tail to learn ``seq``/``prev``,
write one line and ``fsync`` before returning. An append that returns has
reached the disk; one that raises did not happen, and the caller's action
must not run (fail closed).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oob_console.core.audit.chain import (
    CHECKPOINT_ACTION,
    GENESIS,
    TORN_ACTION,
    VerifyReport,
    build_entry,
    checkpoint_message,
    verify_lines,
)
from oob_console.core.audit.chain import SignatureCheck as SignatureCheck
from oob_console.errors import AuditWriteError, StorageError

_TAIL_CHUNK = 65536
_MAX_TORN_LINES = 16

# (message) -> (public_key_b64, signature_b64)
Signer = Callable[[bytes], tuple[str, str]]


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _entry_or_none(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(value, dict) and isinstance(value.get("seq"), int) and isinstance(value.get("hash"), str):
        return value
    return None


class AuditFile:
    """One audit log file. Not thread-safe; one instance per thread or process."""

    def __init__(self, path: Path, *, checkpoint_every: int = 0, signer: Signer | None = None) -> None:
        self.path = path
        self.checkpoint_every = checkpoint_every
        self.signer = signer

    def _fail(self, what: str, exc: OSError) -> AuditWriteError:
        return AuditWriteError(
            f"cannot write the audit log: {what}: {exc.strerror or exc}",
            where=str(self.path),
            hint="the action was not run; fix the file or its disk, then retry",
        )

    def append(
        self,
        *,
        actor: str,
        action: str,
        target: str = "",
        outcome: str = "ok",
        details: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Append one entry and fsync it; return the entry.

        Raises:
            AuditWriteError: nothing was recorded (the caller must not proceed).
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise self._fail("open", exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            seq, prev, torn = self._tail(fd)
            if torn:
                seq, prev = self._write_torn_record(fd, seq, prev, torn, actor)
            entry, line = build_entry(
                seq=seq + 1, time=utc_now(), actor=actor, action=action, target=target,
                outcome=outcome, details=details or {}, prev=prev,
            )
            self._write(fd, line)
            if self.signer and self.checkpoint_every and entry["seq"] % self.checkpoint_every == 0:
                self._write_checkpoint(fd, entry, actor, self.signer)
            return entry
        except ValueError as exc:  # details not JSON-serialisable: a caller bug
            raise AuditWriteError(f"cannot record {action}: {exc}", where=str(self.path)) from None
        except OSError as exc:
            raise self._fail("write", exc) from None
        finally:
            os.close(fd)  # also releases the lock

    def _write(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)

    def _write_torn_record(
        self, fd: int, seq: int, prev: str, torn: list[bytes], actor: str
    ) -> tuple[int, str]:
        if not os.pread(fd, 1, os.fstat(fd).st_size - 1) == b"\n":
            self._write(fd, b"\n")  # terminate the torn line; its bytes stay as they are
        entry, line = build_entry(
            seq=seq + 1, time=utc_now(), actor=actor, action=TORN_ACTION, target=str(self.path),
            outcome="recovered",
            details={"torn": [{"length": len(t), "sha256": hashlib.sha256(t).hexdigest()} for t in torn]},
            prev=prev,
        )
        self._write(fd, line)
        return entry["seq"], entry["hash"]

    def _write_checkpoint(self, fd: int, covered: dict[str, Any], actor: str, signer: Signer) -> None:
        key, sig = signer(checkpoint_message(covered["seq"], covered["hash"]))
        _, line = build_entry(
            seq=covered["seq"] + 1, time=utc_now(), actor=actor, action=CHECKPOINT_ACTION,
            target=str(self.path), outcome="ok",
            details={"covers_seq": covered["seq"], "covers_hash": covered["hash"],
                     "public_key": key, "signature": sig},
            prev=covered["hash"],
        )
        self._write(fd, line)

    def _tail(self, fd: int) -> tuple[int, str, list[bytes]]:
        """(last seq, last hash, torn lines after it) from the end of the file."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0, GENESIS, []
        start = size
        data = b""
        while True:
            start = max(0, start - _TAIL_CHUNK)
            data = os.pread(fd, size - start, start)
            lines = data.split(b"\n")
            if data.endswith(b"\n"):
                lines.pop()
            if start == 0 or len(lines) > _MAX_TORN_LINES + 1:
                break
        if start > 0:
            lines = lines[1:]  # the first piece may be a partial line
        torn: list[bytes] = []
        for raw in reversed(lines):
            entry = _entry_or_none(raw)
            if entry is not None:
                return entry["seq"], entry["hash"], list(reversed(torn))
            torn.append(raw)
            if len(torn) > _MAX_TORN_LINES:
                break
        if start == 0 and len(torn) == len(lines):
            return 0, GENESIS, list(reversed(torn))
        raise AuditWriteError(
            "the audit log ends in many unreadable lines",
            where=str(self.path),
            hint="run 'oob audit verify' and move the damaged file aside; the action was not run",
        )

    def read_lines(self) -> Iterator[bytes]:
        """Raw lines; raises StorageError if the file cannot be read."""
        try:
            with open(self.path, "rb") as f:
                yield from f
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"cannot read the audit log: {exc.strerror}", where=str(self.path)) from None

    def verify(
        self, *, check_signature: SignatureCheck | None = None, trusted_keys: frozenset[str] | None = None
    ) -> VerifyReport:
        if not self.path.exists():
            raise StorageError("no audit log yet", where=str(self.path), hint="run 'oob init' or record something")
        return verify_lines(self.read_lines(), check_signature=check_signature, trusted_keys=trusted_keys)

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every readable entry, oldest first (torn lines skipped; verify reports them)."""
        for raw in self.read_lines():
            entry = _entry_or_none(raw.rstrip(b"\n"))
            if entry is not None:
                yield entry
