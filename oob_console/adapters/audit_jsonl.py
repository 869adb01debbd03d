"""The audit log as an append-only JSON Lines file.

Writers (the CLI, the SSH server, the TUI: several processes at once) take an
exclusive ``flock`` for each append, read the tail to learn ``seq``/``prev``,
write one line and ``fsync`` before returning. An append that returns has
reached the disk; one that raises did not happen, and the caller's action
must not run (fail closed).

With a sealing key (``seal_key``) every append, still under the lock, first
checks that the log is the one the key has been sealing (not emptied, deleted,
cut below the last seal, or restarted: else :class:`AuditResetError` until an
admin acknowledges it), seals first when ``checkpoint_interval`` has passed
since the last seal, and seals after every ``checkpoint_every`` entries; each
seal evolves the key (see ``core.audit.seal``). The file and key are opened
with ``files_safe`` (no symlinks, nobody else's bits).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import mmap
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oob_console.adapters.audit_key_ed25519 import SealKey
from oob_console.adapters.files_safe import UnsafeFileError, check_parents, open_private
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
from oob_console.core.audit.seal import (
    GENESIS_ACTION,
    SEAL_ACTION,
    Anchor,
    seal_due_after,
    seal_due_before,
    seal_message,
)
from oob_console.errors import AuditResetError, AuditWriteError, StorageError

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


def _contains(fd: int, size: int, needle: bytes) -> bool:
    """Does the file hold ``needle``? (mmap: no copy of a large log into memory)."""
    with mmap.mmap(fd, size, prot=mmap.PROT_READ) as view:
        return view.find(needle) >= 0


class AuditFile:
    """One audit log file. Not thread-safe; one instance per thread or process."""

    def __init__(
        self,
        path: Path,
        *,
        checkpoint_every: int = 0,
        signer: Signer | None = None,
        seal_key: Path | None = None,
        checkpoint_interval: float = 0.0,
        private: bool = True,
    ) -> None:
        """``private=False``: a copy being verified elsewhere (``--log``): read it whatever its mode;
        the verification key, not the file's permissions, is what proves it."""
        self.private = private
        self.path = path
        self.checkpoint_every = checkpoint_every
        self.signer = signer
        self.seal_key = seal_key
        self.checkpoint_interval = checkpoint_interval

    def _open(self) -> int:
        try:
            if not self.path.parent.is_dir():
                check_parents(self.path)
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            return open_private(self.path, os.O_RDWR | os.O_APPEND, create=True)
        except UnsafeFileError as exc:
            raise AuditWriteError(f"cannot write the audit log: {exc.message}", where=exc.where,
                                  hint=f"the action was not run; {exc.hint}") from None
        except OSError as exc:
            raise self._fail("open", exc) from None

    def _load_key(self) -> SealKey | None:
        """The sealing key; a damaged one is a reset (AuditResetError), an unsafe one is refused (UnsafeFileError)."""
        if not self.seal_key:
            return None
        try:
            return SealKey.load(self.seal_key)
        except UnsafeFileError:
            raise
        except StorageError as exc:
            raise AuditResetError(
                f"the audit sealing key is damaged or was replaced: {exc.message}", where=str(self.seal_key),
                hint="the action was not run; check the log with 'oob audit verify --verify-key KEY', then "
                     "'oob audit acknowledge-reset --reason TEXT'",
            ) from None

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
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            seq, prev, torn, last = self._tail(fd)
            key = self._checked_key(fd, seq, last)
            if torn:
                seq, prev = self._write_torn_record(fd, seq, prev, torn, actor)
            now = utc_now()
            if key is not None:
                idle = seal_due_before(now, str((key.last_seal or {}).get("time", "")), self._interval(key))
                if idle is not None:
                    seq, prev = self._seal(fd, key, seq, prev, actor, now, idle)
                else:
                    seq, prev = self._seal_if_due(fd, key, seq, prev, actor)
            entry, line = build_entry(
                seq=seq + 1, time=now, actor=actor, action=action, target=target,
                outcome=outcome, details=details or {}, prev=prev,
            )
            self._write(fd, line)
            if key is not None:
                self._seal_if_due(fd, key, entry["seq"], entry["hash"], actor)
            elif self.signer and self.checkpoint_every and entry["seq"] % self.checkpoint_every == 0:
                self._write_checkpoint(fd, entry, actor, self.signer)
            return entry
        except ValueError as exc:  # details not JSON-serialisable: a caller bug
            raise AuditWriteError(f"cannot record {action}: {exc}", where=str(self.path)) from None
        except AuditWriteError:
            raise
        except StorageError as exc:  # the sealing key: unsafe, unreadable, damaged
            raise AuditWriteError(f"cannot write the audit log: {exc.message}", where=exc.where,
                                  hint=f"the action was not run; {exc.hint or 'fix it, then retry'}") from None
        except OSError as exc:
            raise self._fail("write", exc) from None
        finally:
            os.close(fd)  # also releases the lock

    def _checked_key(self, fd: int, seq: int, last: dict[str, Any] | None) -> SealKey | None:
        """The sealing key when this log is being sealed (None: an unsealed log); AuditResetError on a reset."""
        key = self._load_key()
        if key is not None and key.genesis_hash is not None:
            self._check_same_log(fd, key, seq, last)
            return key
        if key is None and self.seal_key is not None:
            self._check_not_sealed(fd)
        return None

    def reset_problem(self) -> str | None:
        """What makes this log refuse appends (a reset), or None; writes nothing."""
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            seq, _, _, last = self._tail(fd)
            self._checked_key(fd, seq, last)
        except AuditResetError as exc:
            return exc.message
        finally:
            os.close(fd)
        return None

    def _check_same_log(self, fd: int, key: SealKey, seq: int, last: dict[str, Any] | None) -> None:
        """Refuse to append to a log that is not the one this key has been sealing."""
        seal = key.last_seal or {}
        offset = key.state.get("genesis_offset")
        what = ""
        if seq == 0:
            what = "the audit log is empty or gone, but this site has been sealing it"
        elif isinstance(seal.get("seq"), int) and seq < seal["seq"]:
            what = f"the audit log ends at seq {seq}, below seq {seal['seq']} this site sealed: it was cut"
        elif not isinstance(offset, int) or not self._genesis_at(fd, offset, key.genesis_hash or ""):
            what = "the audit log does not begin with this site's genesis: it was replaced or restarted"
        elif key.pending_public and last is not None:
            if last.get("action") == SEAL_ACTION and last.get("details", {}).get("next_key") == key.pending_public:
                key.commit(last)  # crashed after the seal reached the log: finish the rotation
            else:
                key.abandon()  # crashed before it did: the current key is still the one to use
        if what:
            raise AuditResetError(
                what, where=str(self.path),
                hint="the action was not run; keep the file as evidence, check it with 'oob audit verify "
                     "--verify-key KEY', then 'oob audit acknowledge-reset --reason TEXT'",
            )

    def _genesis_at(self, fd: int, offset: int, genesis_hash: str) -> bool:
        data = os.pread(fd, 4096, offset)
        if b"\n" not in data:
            data = os.pread(fd, 65536, offset)
        line = data.split(b"\n", 1)[0]
        entry = _entry_or_none(line)
        return entry is not None and entry["hash"] == genesis_hash and entry.get("action") == GENESIS_ACTION

    def _check_not_sealed(self, fd: int) -> None:
        """No sealing key: fine for a log that never sealed; a sealed log lost its key (deleted?)."""
        size = os.fstat(fd).st_size
        if size == 0:  # `oob init` starts every log sealed: no log and no key is both deleted
            raise AuditResetError(
                "the audit log is empty or gone and so is its sealing key", where=str(self.path),
                hint="the action was not run; 'oob audit acknowledge-reset --reason TEXT' starts a new sealed chain",
            )
        if _contains(fd, size, b'{"action":"audit.genesis"'):
            raise AuditResetError(
                "the audit sealing key is missing but the log is sealed: it was deleted", where=str(self.seal_key),
                hint="the action was not run; check the log with 'oob audit verify --verify-key KEY', then "
                     "'oob audit acknowledge-reset --reason TEXT' starts a new sealed chain",
            )

    def _every(self, key: SealKey) -> int:
        """The genesis promised seals this often; a config changed since may only make them more frequent."""
        promised = key.state.get("every")
        every = max(1, self.checkpoint_every)
        return min(every, promised) if isinstance(promised, int) and promised > 0 else every

    def _interval(self, key: SealKey) -> float:
        promised = key.state.get("interval")
        values = [v for v in (self.checkpoint_interval, promised) if isinstance(v, int | float) and v > 0]
        return min(values) if values else 0.0

    def _seal_if_due(self, fd: int, key: SealKey | None, seq: int, prev: str, actor: str) -> tuple[int, str]:
        if key is None:
            return seq, prev
        last_seal_seq = (key.last_seal or {}).get("seq", 0)
        if seal_due_after(seq, int(last_seal_seq), self._every(key)):
            return self._seal(fd, key, seq, prev, actor, utc_now(), None)
        return seq, prev

    def _seal(
        self, fd: int, key: SealKey, seq: int, prev: str, actor: str, now: str, idle: float | None
    ) -> tuple[int, str]:
        """Seal the entry at ``seq``: prepare the next key, write the seal, then erase the old key."""
        next_key = key.prepare()
        details: dict[str, Any] = {"epoch": key.epoch, "covers_seq": seq, "covers_hash": prev, "next_key": next_key,
                                   "signature": key.sign(seal_message(key.epoch, seq, prev, next_key))}
        if idle is not None:
            details["idle_seconds"] = round(idle, 3)
        entry, line = build_entry(seq=seq + 1, time=now, actor=actor, action=SEAL_ACTION, target="",
                                  outcome="ok", details=details, prev=prev)
        self._write(fd, line)
        key.commit(entry)
        return entry["seq"], entry["hash"]

    def start_sealing(self, *, actor: str, site: str, reset: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Begin a sealed chain: a fresh epoch-0 key, the genesis naming its public key, and its first seal.

        On a log that exists this starts a sealed era after its unsealed one; the
        caller moves a reset log aside first. Returns the genesis entry.
        """
        if self.seal_key is None:
            raise StorageError("no sealing key is configured", where="[audit] sealing_key")
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            seq, prev, torn, _ = self._tail(fd)
            if torn:
                seq, prev = self._write_torn_record(fd, seq, prev, torn, actor)
            key = SealKey.create(self.seal_key, site)
            details: dict[str, Any] = {
                "site": site, "verify_key": key.verify_key, "checkpoint_every": max(1, self.checkpoint_every),
                "checkpoint_interval": self.checkpoint_interval, "unsealed_before": seq,
            }
            if reset is not None:
                details["reset"] = dict(reset)
            offset = os.fstat(fd).st_size
            genesis, line = build_entry(seq=seq + 1, time=utc_now(), actor=actor, action=GENESIS_ACTION,
                                        target=site, outcome="ok", details=details, prev=prev)
            self._write(fd, line)
            key.state.update(genesis_offset=offset, every=details["checkpoint_every"],
                             interval=self.checkpoint_interval)
            key.set_genesis(genesis["hash"])
            self._seal(fd, key, genesis["seq"], genesis["hash"], actor, utc_now(), None)
            return genesis
        except ValueError as exc:
            raise AuditWriteError(f"cannot start sealing: {exc}", where=str(self.path)) from None
        except OSError as exc:
            raise self._fail("write", exc) from None
        finally:
            os.close(fd)

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

    def _tail(self, fd: int) -> tuple[int, str, list[bytes], dict[str, Any] | None]:
        """(last seq, last hash, torn lines after it, last entry) from the end of the file."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0, GENESIS, [], None
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
                return entry["seq"], entry["hash"], list(reversed(torn)), entry
            torn.append(raw)
            if len(torn) > _MAX_TORN_LINES:
                break
        if start == 0 and len(torn) == len(lines):
            return 0, GENESIS, list(reversed(torn)), None
        raise AuditWriteError(
            "the audit log ends in many unreadable lines",
            where=str(self.path),
            hint="run 'oob audit verify' and move the damaged file aside; the action was not run",
        )

    def read_lines(self) -> Iterator[bytes]:
        """Raw lines; raises StorageError (UnsafeFileError for a symlink or open bits) if unreadable."""
        try:
            fd = open_private(self.path, os.O_RDONLY) if self.private else os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"cannot read the audit log: {exc.strerror}", where=str(self.path)) from None
        try:
            with os.fdopen(fd, "rb") as f:
                yield from f
        except OSError as exc:
            raise StorageError(f"cannot read the audit log: {exc.strerror}", where=str(self.path)) from None

    def last_entry(self) -> dict[str, Any] | None:
        """The newest readable entry, from the end of the file (cheap on a large log); None if empty."""
        try:
            fd = open_private(self.path, os.O_RDONLY) if self.private else os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"cannot read the audit log: {exc.strerror}", where=str(self.path)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            return self._tail(fd)[3]
        finally:
            os.close(fd)

    def move_aside(self, suffix: str) -> str | None:
        if not self.exists():
            return None
        target = self.path.with_name(f"{self.path.name}.{suffix}")
        try:
            os.link(self.path, target)  # never over an existing file
            os.unlink(self.path)
        except OSError as exc:
            raise self._fail("move aside", exc) from None
        return str(target)

    def exists(self) -> bool:
        return self.path.exists() or self.path.is_symlink()

    def seal_state(self) -> dict[str, Any] | None:
        """The host's sealing key as the verifier needs it (no private parts); None when there is none."""
        try:
            key = self._load_key()
        except AuditResetError as exc:
            return {"damaged": exc.message}
        if key is None:
            return None
        return {"epoch": key.epoch, "public_key": key.public_key, "verify_key": key.verify_key,
                "last_seal": key.last_seal, "pending_public": key.pending_public, "site": key.state.get("site")}

    def verify(
        self,
        *,
        check_signature: SignatureCheck | None = None,
        trusted_keys: frozenset[str] | None = None,
        verify_key: str | None = None,
        anchors: tuple[Anchor, ...] = (),
    ) -> VerifyReport:
        if not self.exists():
            raise StorageError("no audit log yet", where=str(self.path), hint="run 'oob init' or record something")
        return verify_lines(self.read_lines(), check_signature=check_signature, trusted_keys=trusted_keys,
                            verify_key=verify_key, anchors=anchors)

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every readable entry, oldest first (torn lines skipped; verify reports them)."""
        for raw in self.read_lines():
            entry = _entry_or_none(raw.rstrip(b"\n"))
            if entry is not None:
                yield entry
