"""Who else has a local serial line: the UUCP lock-file convention, TIOCEXCL and /proc.

Two programs reading one serial line split its output between them and both
type into the device, so a line is used by one program at a time:

- the UUCP lock file other tools (minicom, picocom, screen, cu, conserver,
  ser2net built with locking) check and take: ``/run/lock/LCK..NAME`` (or
  ``/var/lock``), NAME being the device's path under ``/dev`` with ``/`` as
  ``_`` after symlinks are resolved (``/dev/serial/by-id/...`` locks the real
  ``ttyUSB0``), holding the owner's PID as ten right-aligned ASCII digits and a
  newline (HDB UUCP). A lock whose PID no longer runs is stale and removed; a
  lock that cannot be read is not guessed at.
- ``TIOCEXCL`` on the open line, so that programs that ignore lock files
  cannot open it either (root still can), cleared again (``TIOCNXCL``) when
  we let go. The flag outlives a program that died holding it (a pty's far
  end keeps the tty), so a set flag with no other holder is a leftover.
- programs holding the line open without either (``cat``, a ser2net that does
  not lock): found in ``/proc/*/fd``. For a pseudo-terminal, the process
  holding its master side (and what it started) is the line's far end, the
  device, not another user of the line.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from oob_console.errors import UnavailableError

LOCK_DIRS = (Path("/run/lock"), Path("/var/lock"))
TIOCEXCL, TIOCNXCL, TIOCGEXCL = 0x540C, 0x540D, 0x80045440
_PTY_SLAVE_MAJORS = range(136, 144)


def lock_name(device: str) -> str:
    real = os.path.realpath(device)
    rel = real[len("/dev/"):] if real.startswith("/dev/") else os.path.basename(real)
    return "LCK.." + rel.replace("/", "_")


def describe_pid(pid: int) -> str:
    """``PID 1234 (minicom -D /dev/ttyUSB0)``, as far as /proc lets us see."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        command = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    except OSError:
        command = ""
    if not command:
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/comm").read_text().strip()
    command = command if len(command) <= 80 else command[:77] + "..."
    return f"PID {pid} ({command or 'unknown program'})"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _read_pid(path: Path) -> int | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return 0  # gone meanwhile: free
    except OSError:
        return None
    text = raw.decode("ascii", errors="replace").strip()
    if text.isdigit():
        return int(text)
    if len(raw) == 4:  # the old binary convention: a native int
        return int.from_bytes(raw, "little")
    return None


class LineLock:
    """The UUCP lock of one serial device, taken for this process."""

    def __init__(self, device: str, label: str, lock_dirs: tuple[Path, ...] = LOCK_DIRS) -> None:
        self.device = device
        self.label = label
        folder = next((d for d in lock_dirs if d.is_dir()), None)
        self.path = folder / lock_name(device) if folder else None
        self.held = False

    def acquire(self) -> None:
        """Take the lock, removing a stale one.

        Raises:
            UnavailableError: a running program holds it, it cannot be read, or it cannot be written.
        """
        if self.path is None:
            return  # no lock directory on this host: TIOCEXCL alone guards the line
        me = os.getpid()
        for _ in range(5):
            tmp = self.path.with_name(f".{self.path.name}.{me}")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                try:
                    os.write(fd, f"{me:10d}\n".encode())
                finally:
                    os.close(fd)
                try:
                    os.link(tmp, self.path)  # atomic: exactly one program creates the lock
                    self.held = True
                    return
                except FileExistsError:
                    pass
                finally:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
            except OSError as exc:
                raise UnavailableError(
                    f"cannot take the lock {self.path} for {self.device}: {exc.strerror}", where=self.label,
                    hint=f"this user needs write access to {self.path.parent} (as minicom and screen do)") from exc
            holder = _read_pid(self.path)
            if holder is None:
                raise UnavailableError(
                    f"{self.device} has a lock file {self.path} that cannot be read", where=self.label,
                    hint="if no program uses the line, remove the lock file and try again")
            if holder and _alive(holder):
                raise UnavailableError(
                    f"{self.device} is busy: {describe_pid(holder)} holds it (lock {self.path})",
                    where=self.label, hint="wait for that session to end, or end it; the line is never shared")
            with contextlib.suppress(FileNotFoundError):  # stale: its program is gone
                os.unlink(self.path)
        raise UnavailableError(f"cannot take the lock {self.path} for {self.device}: it keeps changing",
                               where=self.label, hint="another program is taking the line right now")

    def release(self) -> None:
        if self.held and self.path is not None:
            self.held = False
            if _read_pid(self.path) == os.getpid():
                with contextlib.suppress(OSError):
                    os.unlink(self.path)


def _pty_master_holders(index: int) -> set[int]:
    pids = set()
    for fdinfo in Path("/proc").glob("[0-9]*/fdinfo/*"):
        try:
            if "tty-index:" not in (text := fdinfo.read_text()):
                continue
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("tty-index:") and line.split(":", 1)[1].strip() == str(index):
                pids.add(int(fdinfo.parts[2]))
    return pids


def _with_descendants(pids: set[int]) -> set[int]:
    parents: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(status.parts[2])] = int(status.read_text().rsplit(")", 1)[1].split()[1])
    out = set(pids)
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in out and pid not in out:
                out.add(pid)
                grew = True
    return out


def other_holders(fd: int) -> list[int]:
    """PIDs (besides ours) with this character device open, the far end of a pty not counted."""
    rdev = os.fstat(fd).st_rdev
    me = os.getpid()
    found = set()
    for link in Path("/proc").glob("[0-9]*/fd/*"):
        pid = int(link.parts[2])
        if pid == me:
            continue
        try:
            st = link.stat()
        except OSError:
            continue
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == rdev:
            found.add(pid)
    if found and os.major(rdev) in _PTY_SLAVE_MAJORS:
        found -= _with_descendants(_pty_master_holders(os.minor(rdev) + 256 * (os.major(rdev) - 136)))
    return sorted(found)


def claim_exclusive(fd: int, device: str, label: str) -> None:
    """Refuse a line someone else has open or set exclusive; then set TIOCEXCL ourselves.

    Raises:
        UnavailableError: the line is in use.
    """
    import fcntl

    buf = bytearray(4)
    with contextlib.suppress(OSError):
        fcntl.ioctl(fd, TIOCGEXCL, buf)
    holders = other_holders(fd)
    if holders:
        who = ", ".join(describe_pid(p) for p in holders)
        how = "opened it exclusively" if int.from_bytes(buf, "little") else "has it open"
        raise UnavailableError(f"{device} is busy: {who} {how}", where=label,
                               hint="wait for that program to let go of the line, or stop it; "
                               "the line is never shared")
    try:
        fcntl.ioctl(fd, TIOCEXCL)
    except OSError as exc:
        raise UnavailableError(f"cannot open {device} exclusively: {exc.strerror}", where=label) from exc


def release_exclusive(fd: int) -> None:
    import fcntl

    with contextlib.suppress(OSError):
        fcntl.ioctl(fd, TIOCNXCL)


def busy_reason(device: str) -> str:
    """For EBUSY at open: who has the line (as far as we can see)."""
    try:
        rdev = os.stat(device).st_rdev
    except OSError:
        return "a program this user cannot see"
    holders = []
    for link in Path("/proc").glob("[0-9]*/fd/*"):
        with contextlib.suppress(OSError, ValueError):
            st = link.stat()
            if stat.S_ISCHR(st.st_mode) and st.st_rdev == rdev and int(link.parts[2]) != os.getpid():
                holders.append(int(link.parts[2]))
    return ", ".join(describe_pid(p) for p in sorted(set(holders))) or "a program this user cannot see"
