from __future__ import annotations

import stat
from pathlib import Path

import pytest

from oob_console.errors import ConfigError, ConflictError
from oob_console.server.host_key import init_host_key, load_host_key


def test_created_once_0600_and_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "ssh_host_ed25519_key"
    made = init_host_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert made["public_key"].startswith("ssh-ed25519 ")
    assert (tmp_path / "ssh_host_ed25519_key.pub").read_text().split()[:2] == made["public_key"].split()[:2]
    before = path.read_bytes()
    with pytest.raises(ConflictError):
        init_host_key(path)
    assert path.read_bytes() == before
    assert load_host_key(path).get_fingerprint("sha256") == made["fingerprint"]
    assert not list(tmp_path.glob(".*tmp"))


def test_missing_or_readable_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k"
    with pytest.raises(ConfigError, match="does not exist") as info:
        load_host_key(path)
    assert info.value.hint and "--init-host-key" in info.value.hint
    init_host_key(path)
    path.chmod(0o644)  # what asyncssh itself would have written
    with pytest.raises(ConfigError, match="readable by others"):
        load_host_key(path)
