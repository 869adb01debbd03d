from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.conftest import run_oob


def test_init_host_key_once_then_never_again(site: Path) -> None:
    out = run_oob("serve", "--init-host-key", "--json", home=site)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)["result"]
    key = site / "ssh_host_ed25519_key"
    assert result["path"] == str(key) and result["fingerprint"].startswith("SHA256:")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_bytes()
    again = run_oob("serve", "--init-host-key", home=site)
    assert again.returncode == 9 and "a host key already exists" in again.stderr
    assert key.read_bytes() == before
    audit = run_oob("audit", "show", "--action", "ssh.host-key", "--json", home=site)
    assert [e["details"]["fingerprint"] for e in json.loads(audit.stdout)["result"]] == [result["fingerprint"]]


def test_serve_without_a_host_key_says_how_to_make_one(site: Path) -> None:
    out = run_oob("serve", home=site)
    assert out.returncode == 3
    assert "the SSH host key does not exist" in out.stderr and "oob serve --init-host-key" in out.stderr


def test_serve_refuses_a_host_key_others_can_read(site: Path) -> None:
    assert run_oob("serve", "--init-host-key", home=site).returncode == 0
    (site / "ssh_host_ed25519_key").chmod(0o644)
    out = run_oob("serve", home=site)
    assert out.returncode == 3 and "chmod 600" in out.stderr
