"""The local VRP snapshot (a Routinator or rpki-client JSON export, refreshed by cron), through an index.

A full export (550,000 VRPs, ~66 MB) is far too big to parse on every command
on a small ARM host. When the export changes, it is read once as a stream
(:func:`oob_console.core.bgp.rpki.read_export`, bounded memory) into a compact
sorted index (:mod:`oob_console.core.bgp.vrp_index`), written next to the
site's state and swapped in atomically (temporary file, fsync, rename). Every
later command maps the index and binary-searches it.

The index is keyed by the export's content and age: its header holds the
export's SHA-256, its file stamp (mtime, size, inode) and its own date. Same
stamp: used as is. Another stamp but the same content (the file was touched or
copied): the header is rewritten. Another content: rebuilt. An index that is
unreadable, of another version, or truncated is rebuilt, never trusted. When
the index cannot be written (a read-only directory), the export is read into
memory for this command only.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from oob_console.core.bgp.preflight import VrpSnapshot
from oob_console.core.bgp.rpki import VrpFormatError, VrpLookup, flavour, read_export, timestamp
from oob_console.core.bgp.vrp_index import IndexFormatError, VrpIndex, VrpIndexBuilder, read_header

CHUNK = 1 << 20


def _chunks(path: Path, digest: Any | None = None) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            if digest is not None:
                digest.update(chunk)
            yield chunk


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for _ in _chunks(path, digest):
        pass
    return digest.hexdigest()


class VrpFile:
    def __init__(self, path: Path, index_path: Path | None = None) -> None:
        self.path = path
        self.index_path = index_path if index_path is not None else path.with_name(path.name + ".oobidx")
        self._open: tuple[tuple[int, int, int], VrpIndex, mmap.mmap | None] | None = None

    # the index ------------------------------------------------------------

    def _build(self, stamp: tuple[int, int, int]) -> VrpIndexBuilder:
        """Read the export into a builder (its records sorted when written) with its header."""
        builder = VrpIndexBuilder()
        digest = hashlib.sha256()
        stats = read_export(_chunks(self.path, digest), builder.add)
        generated = timestamp(stats.summary.metadata)
        builder.header = {"source_sha256": digest.hexdigest(), "stamp": list(stamp),
                          "flavour": flavour(stats.summary), "generated": generated.timestamp() if generated else None,
                          "skipped": stats.skipped, "skipped_example": stats.skipped_example[:200]}
        return builder

    def _write(self, data: VrpIndexBuilder | bytes) -> bool:
        """Atomically replace the index; False when it cannot be written here."""
        try:
            self.index_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=self.index_path.name + ".", dir=self.index_path.parent)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as fh:
                if isinstance(data, bytes):
                    fh.write(data)
                else:
                    data.write(fh, data.header)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.index_path)
            dir_fd = os.open(self.index_path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
            return True
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False

    def _map(self) -> tuple[VrpIndex, mmap.mmap] | None:
        try:
            with open(self.index_path, "rb") as fh:
                mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return None
        try:
            return VrpIndex.open(mapped), mapped
        except IndexFormatError:
            mapped.close()
            return None

    def _reheader(self, index: VrpIndex, stamp: tuple[int, int, int]) -> bytes:
        import json

        from oob_console.core.bgp.vrp_index import MAGIC

        header = {k: v for k, v in index.header.items() if k not in ("count", "tas")}
        header["stamp"] = list(stamp)
        head = json.dumps({**header, "count": index.count, "tas": index.header.get("tas", [])},
                          sort_keys=True, separators=(",", ":")).encode()
        return MAGIC + len(head).to_bytes(4, "big") + head + index.data[index.first:len(index.data)]

    def lookup(self) -> VrpLookup:
        """The index for the export as it is now (built when it changed).

        Raises:
            FileNotFoundError / OSError: the export cannot be read.
            VrpFormatError: it is not an export.
        """
        st = os.stat(self.path)
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if self._open is not None and self._open[0] == stamp:
            return self._open[1]
        mapped = self._map()
        if mapped is not None and mapped[0].header.get("stamp") == list(stamp):
            return self._keep(stamp, *mapped)
        data: VrpIndexBuilder | bytes
        if mapped is not None and mapped[0].header.get("source_sha256") == _sha256(self.path):
            data = self._reheader(mapped[0], stamp)  # touched or copied, same content
        else:
            data = self._build(stamp)
        if mapped is not None:
            mapped[1].close()
        if self._write(data):
            del data  # the records are on disk now: map them, drop the copy in memory
            again = self._map()
            if again is not None:
                return self._keep(stamp, *again)
            data = self._build(stamp)
        if not isinstance(data, bytes):
            data = data.encode(data.header)
        index = VrpIndex.open(data)  # not persisted: this command uses it from memory
        self._open = (stamp, index, None)
        return index

    def _keep(self, stamp: tuple[int, int, int], index: VrpIndex, mapped: mmap.mmap) -> VrpIndex:
        if self._open is not None and self._open[2] is not None:
            self._open[2].close()
        self._open = (stamp, index, mapped)
        return index

    # the port -------------------------------------------------------------

    def load(self, now: float) -> VrpSnapshot:
        source = str(self.path)
        try:
            vrps = self.lookup()
            mtime = os.stat(self.path).st_mtime
        except FileNotFoundError:
            return VrpSnapshot(source, error="the file does not exist")
        except OSError as exc:
            return VrpSnapshot(source, error=f"cannot read it: {exc.strerror}")
        except VrpFormatError as exc:
            return VrpSnapshot(source, error=str(exc))
        if vrps.generated is not None:
            return VrpSnapshot(source, vrps, now - vrps.generated.timestamp(), "export metadata")
        return VrpSnapshot(source, vrps, now - mtime, "file modification time")


__all__ = ["VrpFile", "read_header"]
