"""Which filesystem a file lives on, and reading it with a deadline.

A dead FUSE or network mount blocks every process that touches it in
uninterruptible sleep (state D: signals wait), for as long as the transport
takes to give up (an sshfs hung its reader for 610 s). ``os.statvfs`` does not
name the filesystem type, so the mount table (``/proc/self/mountinfo``) is read
instead, and paths are located *lexically*: a component is only ``lstat``-ed or
``readlink``-ed while it is on a local filesystem, so locating a file never
touches a risky mount (an autofs trigger would mount, a dead FUSE would hang).

A file on a risky mount (network, FUSE, autofs) is read by a child ``cat``
process, bounded by a deadline: if the mount is dead, the child is left behind
in the kernel (it is reaped by init when the mount gives up) and the caller
gets a :class:`~oob_console.errors.DeadlineError` naming the path and the
mount, at once; the console's own threads never enter the dead mount, so the
process can still exit. A file on a local disk is read directly.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from oob_console.core.doctor import risky_fstype
from oob_console.errors import DeadlineError, StorageError

MOUNTINFO = Path("/proc/self/mountinfo")
DEFAULT_DEADLINE = 5.0
MAX_LINKS = 40  # like the kernel's limit on symlinks followed in one lookup

def risky(fstype: str) -> bool:
    """A filesystem that can hang its readers when the network (or a user-space server) dies (core's rule)."""
    return bool(risky_fstype(fstype))


@dataclass(frozen=True)
class MountEntry:
    point: str
    fstype: str
    source: str


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[MountEntry]:
    out = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if sep and len(fields) >= 5 and len(tail) >= 2:
            out.append(MountEntry(_unescape(fields[4]), tail[0], _unescape(tail[1])))
    return out


def mount_table(mountinfo: Path = MOUNTINFO) -> list[MountEntry]:
    """The mount table (procfs never blocks); empty if it cannot be read."""
    try:
        return parse_mountinfo(mountinfo.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


def _covering(path: str, table: list[MountEntry]) -> tuple[MountEntry, str]:
    """The innermost mount holding ``path`` (lexically), and any autofs mount point at or above it."""
    best, automount = MountEntry("/", "unknown", "unknown"), ""
    for m in table:  # later lines are mounted over earlier ones: keep the last of equal length
        if path == m.point or path.startswith(m.point.rstrip("/") + "/"):
            if len(m.point) >= len(best.point):
                best = m
            if m.fstype == "autofs":
                automount = m.point
    return best, automount


@dataclass(frozen=True)
class Located:
    path: str  # as far as it could be resolved without touching a risky mount
    mount: MountEntry
    automount: str = ""

    @property
    def risky(self) -> bool:
        return risky(self.mount.fstype) or bool(self.automount)

    def describe(self) -> str:
        auto = f", below automount {self.automount}" if self.automount else ""
        return f"{self.mount.fstype} {self.mount.source} on {self.mount.point}{auto}"


def locate(path: Path | str, table: list[MountEntry] | None = None) -> Located:
    """Resolve ``path``'s symlinks component by component, stopping at the first risky mount.

    Never raises and never blocks on a network or FUSE filesystem: a component
    that is on one is not looked at.
    """
    table = mount_table() if table is None else table
    parts = list(Path(os.path.abspath(path)).parts[1:])
    done, links = "/", 0
    while parts:
        name = parts.pop(0)
        candidate = os.path.normpath(os.path.join(done, name))
        mount, auto = _covering(candidate, table)
        if risky(mount.fstype) or auto:
            return Located(os.path.join(candidate, *parts), mount, auto)
        try:
            st = os.lstat(candidate)
        except OSError:  # not there (yet): the rest is lexical
            full = os.path.join(candidate, *parts)
            mount, auto = _covering(full, table)
            return Located(full, mount, auto)
        if stat.S_ISLNK(st.st_mode) and links < MAX_LINKS:
            links += 1
            target = os.readlink(candidate)
            parts = list(Path(target).parts[1:] if os.path.isabs(target) else Path(target).parts) + parts
            done = "/" if os.path.isabs(target) else done
            continue
        done = candidate
    mount, auto = _covering(done, table)
    return Located(done, mount, auto)


def read_bytes(path: Path | str, *, deadline: float = DEFAULT_DEADLINE, what: str = "file",
               table: list[MountEntry] | None = None) -> bytes:
    """The file's bytes; on a risky mount read by a child process within ``deadline`` seconds.

    Raises:
        DeadlineError: the filesystem did not answer in time (a dead mount).
        StorageError: it cannot be read (missing, permissions).
    """
    where = str(path)
    loc = locate(path, table)
    if not loc.risky:
        try:
            return Path(loc.path).read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read {what} {path}: {exc.strerror}", where=where) from None
    return _child(["cat", "--", loc.path], path, loc, deadline, what)


def _child(argv: list[str], path: Path | str, loc: Located, deadline: float, what: str) -> bytes:
    """Run a reader of a file on a risky mount in a child process; abandon it at the deadline."""
    where = str(path)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,  # noqa: S603
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        proc.kill()  # it cannot die while the kernel waits on the mount; never wait() for it here
        raise DeadlineError(
            f"reading {what} {path} did not finish in {deadline:g}s: it is on {loc.describe()}, "
            "which is not answering (a dead network or FUSE mount)", where=where,
            hint=f"move {path} to a local disk; to free the stuck reader: fusermount -uz {loc.mount.point} or "
                 "echo 1 > /sys/fs/fuse/connections/N/abort") from None
    if proc.returncode != 0:
        reason = err.decode(errors="replace").strip().rpartition(": ")[2] or f"exit {proc.returncode}"
        raise StorageError(f"cannot read {what} {path} (on {loc.describe()}): {reason}", where=where)
    return out


def mode_and_bytes(path: Path | str, *, deadline: float = DEFAULT_DEADLINE, what: str = "file",
                   table: list[MountEntry] | None = None) -> tuple[int, bytes]:
    """The file's permission bits and bytes, both within ``deadline`` on a risky mount (see :func:`read_bytes`).

    Raises:
        DeadlineError: the filesystem did not answer in time.
        StorageError: it cannot be read.
    """
    loc = locate(path, table)
    if not loc.risky:
        try:
            return stat.S_IMODE(os.stat(loc.path).st_mode), Path(loc.path).read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read {what} {path}: {exc.strerror}", where=str(path)) from None
    mode = _child(["stat", "-L", "-c", "%a", "--", loc.path], path, loc, deadline, what)
    try:
        bits = int(mode.decode().strip(), 8)
    except ValueError:
        raise StorageError(f"cannot read the mode of {what} {path}", where=str(path)) from None
    return bits, _child(["cat", "--", loc.path], path, loc, deadline, what)
