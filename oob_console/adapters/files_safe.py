"""Opening private files (audit log, audit keys, credential store) so nobody else can swap or read them.

One small API, one error (:class:`UnsafeFileError`, a ``StorageError``, exit 11):

- :func:`check_parents` — every directory from ``/`` down to the file's own
  directory may be changed only by us or root: each is owned by us or root, is
  not writable by group/other (a root-owned sticky directory such as ``/tmp`` is
  allowed: others cannot rename our entries there), and is not a symlink (give
  the real path: a link is one more thing an intruder could re-point).
- :func:`open_private` — ``os.open`` with ``O_NOFOLLOW`` after :func:`check_parents`;
  the opened file must be a regular file owned by us with no group/other bits
  (created ``0600`` when ``create``). Returns the fd.
- :func:`check_private` — the same checks for a path another library opens
  itself (SQLite): the file, if it exists, must not be a symlink and must be ours, 0600.
- :func:`write_private_atomic` — replace a private file's content all at once
  (temporary file, fsync, rename, fsync of the directory): never half-written.

The doctor uses the same checks to report unsafe state before it matters.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from oob_console.errors import StorageError


class UnsafeFileError(StorageError):
    """A private file or one of its directories could be read, swapped or redirected by another user."""


def _refuse(path: Path, what: str, fix: str) -> UnsafeFileError:
    return UnsafeFileError(f"refusing an unsafe file: {what}", where=str(path), hint=fix)


def _trusted(path: str | Path) -> tuple[int, ...]:
    """Who may own a private file and its directories: us and root. Root acting on a site owned by its
    service account (``sudo oob ...`` on a host `oob host setup` made) trusts that account too: it is the
    site's writer, and nobody else may write there."""
    uid = os.geteuid()
    if uid != 0:
        return (uid, 0)
    try:
        return (0, os.lstat(os.path.dirname(os.path.abspath(path))).st_uid)
    except OSError:
        return (0,)


def _dir_problem(path: Path, st: os.stat_result, uid: int, trusted: tuple[int, ...]) -> tuple[str, str] | None:
    if st.st_uid not in trusted:
        return f"directory owned by uid {st.st_uid}, not by us or root", f"chown {uid} {path}"
    writable = st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if writable and not (st.st_mode & stat.S_ISVTX and st.st_uid == 0):
        return "directory writable by group or other", f"chmod go-w {path}"
    return None


def check_parents(path: Path) -> None:
    """Refuse ``path`` when any directory above it could be changed or redirected by another user.

    Raises:
        UnsafeFileError: which directory, why, and the command that fixes it.
    """
    uid = os.geteuid()
    trusted = _trusted(path)
    parent = os.path.dirname(os.path.abspath(path))
    current = ""
    for part in parent.split(os.sep)[1:]:  # plain strings: this runs on every audit append
        if not part:
            continue
        current = f"{current}{os.sep}{part}"
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            return  # created later by us (mkdir 0700); nothing below can exist yet
        if stat.S_ISLNK(st.st_mode):
            raise _refuse(Path(current), "a directory on the path is a symlink",
                          f"use the real path: {Path(current).resolve()}")
        problem = (_dir_problem(Path(current), st, uid, trusted)
                   if st.st_uid not in trusted or st.st_mode & 0o022 else None)
        if problem:
            raise _refuse(Path(current), *problem)


def _check_fd(path: Path, fd: int) -> None:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, "not a regular file", "move it aside; it is not what oob-console wrote")
    if st.st_uid not in ((os.geteuid(),) if os.geteuid() else _trusted(path)):
        raise _refuse(path, f"file owned by uid {st.st_uid}, not by us", f"chown {os.geteuid()} {path}")
    if st.st_mode & 0o077:
        raise _refuse(path, f"file mode {stat.S_IMODE(st.st_mode):04o}: other users can read or write it",
                      f"chmod 600 {path}, and find out who changed it")


def open_private(path: Path, flags: int, *, create: bool = False) -> int:
    """Open a private file safely; returns the fd (the caller closes it).

    ``flags``: ``os.O_RDONLY``, ``os.O_RDWR | os.O_APPEND`` … (``O_NOFOLLOW`` and
    ``O_CLOEXEC`` are added; ``O_CREAT`` too when ``create``, mode 0600).

    Raises:
        UnsafeFileError: a symlink, another user's file, group/other bits, an unsafe directory.
        FileNotFoundError: the file does not exist and ``create`` is false.
        OSError: any other failure to open.
    """
    check_parents(path)
    flags |= os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW: the file itself is a symlink
            raise _refuse(path, "the file is a symlink", "replace the link with the real file") from None
        raise
    try:
        _check_fd(path, fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_private(path: Path) -> None:
    """Check a private file another library will open (SQLite); a missing file passes (it is created 0600).

    Raises:
        UnsafeFileError: as :func:`open_private`.
    """
    check_parents(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(path, "the file is a symlink", "replace the link with the real file")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        _check_fd(path, fd)
    finally:
        os.close(fd)


def read_private(path: Path) -> bytes:
    """The whole content of a private file (see :func:`open_private`)."""
    fd = open_private(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def write_private_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` (0600) in one rename; fsync file and directory.

    Raises:
        UnsafeFileError: the directory is unsafe, or ``path`` is a symlink or another user's file.
        OSError: the write failed (the old content is still in place).
    """
    check_parents(path)
    if path.is_symlink():
        raise _refuse(path, "the file is a symlink", "replace the link with the real file")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
