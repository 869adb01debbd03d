"""Session recordings as asciicast v2 files (one per session, 0600, in ``paths.recordings``).

Line 1 is the header (``version 2``, ``width``, ``height``, ``timestamp``,
``title``, ``env``); every further line is one event ``[seconds, "o"|"i"|"r",
data]``. Events are written as they happen (a crash loses at most the line
being written, which readers skip) and fsynced at least once a second and at
the end. Input ("i") events arrive here already redacted by the session
service. The id is the file name without ``.cast``:
``20261121T080500Z-r1-ssh-3f9c2a``.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oob_console.core.counting import counted
from oob_console.errors import NotFoundError, StorageError
from oob_console.services.devices.ports import RecordingInfo

_FSYNC_EVERY = 1.0


class AsciicastRecording:
    def __init__(self, path: Path, fd: int) -> None:
        self.path = str(path)
        self.id = path.stem
        self._fd = fd
        self._start = time.monotonic()
        self._last_sync = self._start
        self._pending_utf8 = b""
        self.failed: str | None = None

    def _event(self, kind: str, data: str) -> None:
        if self._fd < 0 or self.failed:
            return
        line = json.dumps([round(time.monotonic() - self._start, 6), kind, data], ensure_ascii=False) + "\n"
        try:
            os.write(self._fd, line.encode())
            now = time.monotonic()
            if now - self._last_sync >= _FSYNC_EVERY:
                os.fsync(self._fd)
                self._last_sync = now
        except OSError as exc:
            self.failed = exc.strerror or str(exc)  # the session service reports it at the end

    def output(self, data: bytes) -> None:
        # keep a multi-byte character split across reads whole
        raw = self._pending_utf8 + data
        cut = len(raw)
        for back in range(1, min(4, len(raw)) + 1):
            byte = raw[-back]
            if byte & 0xC0 == 0x80:
                continue
            if byte >= 0xC0 and back < (2 if byte < 0xE0 else 3 if byte < 0xF0 else 4):
                cut = len(raw) - back
            break
        self._pending_utf8 = raw[cut:]
        if cut:
            self._event("o", raw[:cut].decode("utf-8", "replace"))

    def input(self, text: str) -> None:
        if text:
            self._event("i", text)

    def resize(self, cols: int, rows: int) -> None:
        self._event("r", f"{cols}x{rows}")

    def close(self) -> None:
        if self._fd < 0:
            return
        if self._pending_utf8:
            self._event("o", self._pending_utf8.decode("utf-8", "replace"))
        try:
            os.fsync(self._fd)
        except OSError as exc:
            self.failed = self.failed or exc.strerror
        os.close(self._fd)
        self._fd = -1


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)[:64]


class RecordingDir:
    """Implements ``RecordingStore`` over a directory of ``.cast`` files."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)

    def create(self, *, name: str, title: str, cols: int, rows: int, env: dict[str, str]) -> AsciicastRecording:
        now = datetime.now(UTC)
        file_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{_safe(name)}-{secrets.token_hex(3)}"
        path = self.path / f"{file_id}.cast"
        header = {"version": 2, "width": cols, "height": rows, "timestamp": int(now.timestamp()),
                  "title": title, "env": env}
        try:
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
            os.write(fd, (json.dumps(header, ensure_ascii=False) + "\n").encode())
            os.fsync(fd)
        except OSError as exc:
            raise StorageError(f"cannot start the session recording: {exc.strerror}", where=str(path),
                               hint="the session was not opened; fix the recordings folder") from exc
        return AsciicastRecording(path, fd)

    def _read(self, path: Path) -> tuple[dict[str, Any], list[list[Any]]]:
        header: dict[str, Any] = {}
        events: list[list[Any]] = []
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                for i, line in enumerate(f):
                    try:
                        value = json.loads(line)
                    except ValueError:
                        continue  # a line torn by a crash
                    if i == 0 and isinstance(value, dict):
                        header = value
                    elif isinstance(value, list) and len(value) == 3:
                        events.append(value)
        except OSError as exc:
            raise StorageError(f"cannot read recording: {exc.strerror}", where=str(path)) from exc
        return header, events

    def _info(self, path: Path) -> RecordingInfo:
        header, events = self._read(path)
        return RecordingInfo(
            id=path.stem, path=str(path), started=float(header.get("timestamp", 0)),
            title=str(header.get("title", "")), width=int(header.get("width", 80)),
            height=int(header.get("height", 24)), duration=float(events[-1][0]) if events else 0.0,
            events=len(events), size=path.stat().st_size,
        )

    def list(self) -> list[RecordingInfo]:
        if not self.path.is_dir():
            return []
        return [self._info(p) for p in sorted(self.path.glob("*.cast"))]

    def find(self, ref: str) -> RecordingInfo:
        stem = ref.removesuffix(".cast")
        matches = sorted(self.path.glob(f"{_safe(stem)}*.cast")) if self.path.is_dir() else []
        exact = [p for p in matches if p.stem == stem]
        if exact:
            matches = exact
        if len(matches) != 1:
            what = "no recording" if not matches else f"{counted(len(matches), 'recording')}"
            raise NotFoundError(f"{what} matching {ref!r}", where=self.location,
                                hint="see 'oob sessions list' for ids")
        return self._info(matches[0])

    def events(self, ref: str) -> Iterator[tuple[float, str, str]]:
        info = self.find(ref)
        _, events = self._read(Path(info.path))
        for t, kind, data in events:
            yield float(t), str(kind), str(data)
