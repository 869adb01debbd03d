"""The safe-open helper: symlinks, other users' bits and unsafe directories are refused with one error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oob_console.adapters.files_safe import (
    UnsafeFileError,
    check_private,
    open_private,
    read_private,
    write_private_atomic,
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    d = tmp_path / "site"
    d.mkdir(mode=0o700)
    return d


def test_private_file_opens_and_is_created_0600(home: Path) -> None:
    fd = open_private(home / "a.log", os.O_RDWR | os.O_APPEND, create=True)
    os.close(fd)
    assert (home / "a.log").stat().st_mode & 0o777 == 0o600
    write_private_atomic(home / "k", b"secret")
    assert read_private(home / "k") == b"secret" and (home / "k").stat().st_mode & 0o777 == 0o600


def test_symlinked_file_is_refused(home: Path) -> None:
    (home / "real").write_bytes(b"x")
    (home / "real").chmod(0o600)
    (home / "link").symlink_to(home / "real")
    with pytest.raises(UnsafeFileError, match="symlink"):
        open_private(home / "link", os.O_RDONLY)
    with pytest.raises(UnsafeFileError, match="symlink"):
        check_private(home / "link")
    with pytest.raises(UnsafeFileError, match="symlink"):
        write_private_atomic(home / "link", b"y")
    assert (home / "real").read_bytes() == b"x"


@pytest.mark.parametrize("mode", [0o640, 0o620, 0o604, 0o602])
def test_file_other_users_can_read_or_write_is_refused(home: Path, mode: int) -> None:
    (home / "f").write_bytes(b"x")
    (home / "f").chmod(mode)
    with pytest.raises(UnsafeFileError, match="other users can read or write"):
        open_private(home / "f", os.O_RDONLY)
    with pytest.raises(UnsafeFileError):
        check_private(home / "f")


def test_group_writable_or_symlinked_directory_is_refused(home: Path, tmp_path: Path) -> None:
    (home / "f").write_bytes(b"x")
    (home / "f").chmod(0o600)
    home.chmod(0o770)
    with pytest.raises(UnsafeFileError, match="directory writable by group or other"):
        open_private(home / "f", os.O_RDONLY)
    home.chmod(0o700)
    (tmp_path / "alias").symlink_to(home)
    with pytest.raises(UnsafeFileError, match="directory on the path is a symlink"):
        open_private(tmp_path / "alias" / "f", os.O_RDONLY)
    fd = open_private(home / "f", os.O_RDONLY)
    os.close(fd)


def test_root_trusts_a_site_owned_by_its_service_account_but_no_one_else(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("ROOT-ONLY CASE NOT RUN: needs root to chown to another account")
    site = tmp_path / "site"
    site.mkdir(mode=0o700)
    (site / "audit.jsonl").write_bytes(b"x")
    (site / "audit.jsonl").chmod(0o600)
    os.chown(site, 12345, 12345)
    os.chown(site / "audit.jsonl", 12345, 12345)
    assert read_private(site / "audit.jsonl") == b"x"  # sudo oob ... on the service's own site
    stray = tmp_path / "stray.key"  # another account's file in a directory that is not its own
    stray.write_bytes(b"y")
    stray.chmod(0o600)
    os.chown(stray, 12345, 12345)
    with pytest.raises(UnsafeFileError, match="owned by uid 12345"):
        read_private(stray)
