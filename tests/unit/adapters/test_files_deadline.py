"""Locating a file's filesystem without touching risky mounts, and reading with a deadline."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from oob_console.adapters.files_deadline import MountEntry, locate, read_bytes, risky
from oob_console.errors import DeadlineError, StorageError


def table(tmp: Path, fstype: str = "fuse.sshfs") -> list[MountEntry]:
    return [MountEntry("/", "ext4", "/dev/vda"), MountEntry(str(tmp / "net"), fstype, "ops@10.20.0.9:/keys")]


def test_risky_types() -> None:
    assert all(risky(t) for t in ("fuse.sshfs", "fuse", "nfs4", "cifs", "autofs", "fuse.rclone", "9p"))
    assert not any(risky(t) for t in ("ext4", "xfs", "tmpfs", "btrfs"))


def test_a_symlink_into_a_risky_mount_is_followed_without_touching_it(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    (tmp_path / "keys").mkdir()
    os.symlink(tmp_path / "net" / "r1", tmp_path / "keys" / "r1")  # local link -> the "sshfs" mount
    loc = locate(tmp_path / "keys" / "r1", table(tmp_path))
    assert loc.path == str(tmp_path / "net" / "r1") and loc.risky and loc.mount.fstype == "fuse.sshfs"
    local = locate(tmp_path / "keys" / "missing", table(tmp_path))
    assert not local.risky and local.mount.point == "/"
    auto = locate(tmp_path / "net" / "x", [MountEntry("/", "ext4", "d"), MountEntry(str(tmp_path), "autofs", "map"),
                                             MountEntry(str(tmp_path / "net"), "ext4", "/dev/sdb")])
    assert auto.risky and auto.automount == str(tmp_path) and auto.mount.fstype == "autofs"  # stops at the trigger


def test_a_file_on_a_risky_mount_is_read_by_a_child_within_the_deadline(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "key").write_bytes(b"secret bytes")
    assert read_bytes(tmp_path / "net" / "key", table=table(tmp_path)) == b"secret bytes"
    with pytest.raises(StorageError, match="No such file"):
        read_bytes(tmp_path / "net" / "gone", table=table(tmp_path))
    # a reader that never gets an answer (here a FIFO nobody writes; on a dead sshfs, the kernel)
    os.mkfifo(tmp_path / "net" / "stuck")
    start = time.monotonic()
    with pytest.raises(DeadlineError) as err:
        read_bytes(tmp_path / "net" / "stuck", deadline=0.5, what="key_file", table=table(tmp_path))
    assert time.monotonic() - start < 2.0
    assert "did not finish in 0.5s" in err.value.message and "fuse.sshfs ops@10.20.0.9:/keys" in err.value.message
    assert "fusermount -uz" in (err.value.hint or "")


def test_a_local_file_is_read_directly(tmp_path: Path) -> None:
    (tmp_path / "k").write_bytes(b"x")
    assert read_bytes(tmp_path / "k", table=table(tmp_path)) == b"x"
    with pytest.raises(StorageError, match="cannot read file"):
        read_bytes(tmp_path / "none", table=table(tmp_path))


def test_mode_and_bytes_on_a_risky_mount_and_locally(tmp_path: Path) -> None:
    from oob_console.adapters.files_deadline import mode_and_bytes

    (tmp_path / "net").mkdir()
    secret = tmp_path / "net" / "token"
    secret.write_text("s3cret\n")
    secret.chmod(0o640)
    assert mode_and_bytes(secret, table=table(tmp_path)) == (0o640, b"s3cret\n")  # through child processes
    assert mode_and_bytes(secret, table=[MountEntry("/", "ext4", "d")]) == (0o640, b"s3cret\n")
    os.mkfifo(tmp_path / "net" / "stuck")
    with pytest.raises(DeadlineError):
        mode_and_bytes(tmp_path / "net" / "stuck", deadline=0.5, table=table(tmp_path))
