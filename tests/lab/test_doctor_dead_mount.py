"""A router's key_file on sshfs: doctor flags it, and a dead mount fails fast instead of hanging.

The issue's outage: the key sat on an sshfs mount served from production;
doctor said green, then `oob run` hung for 610 s in an unkillable kernel wait.
Here the mount is real (sshfs against a loopback sshd, tests/lab/sshfs_mount.py)
and is made dead by freezing its server; the FUSE connection is aborted on
teardown whatever happens, so CI cannot hang.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_oob
from tests.lab.netns import PRODUCTION_TOML
from tests.lab.routers import RouterLab, write_inventory
from tests.lab.sshfs_mount import SshfsMount

pytestmark = pytest.mark.lab

DEADLINE = 2.0


def filesystems(site: Path, root: Path) -> tuple[int, dict[str, dict[str, str]], float]:
    start = time.monotonic()
    out = run_oob("doctor", "--json", "--root", str(root), home=site, timeout=60)
    took = time.monotonic() - start
    report: dict[str, Any] = json.loads(out.stdout)["result"]
    found = {f["subject"]: f for g in report["groups"] if g["group"] == "filesystems" for f in g["findings"]}
    return out.returncode, found, took


def test_a_key_on_sshfs_is_critical_and_a_dead_mount_fails_within_the_deadline(
        site: Path, router_lab: RouterLab, tmp_path: Path) -> None:
    root = tmp_path / "host"
    root.mkdir()
    cfg = site / "config.toml"
    cfg.write_text(cfg.read_text() + PRODUCTION_TOML + f'\n[doctor]\nread_deadline = "{DEADLINE:g}s"\n')
    r1 = router_lab.router("r1")
    with SshfsMount(tmp_path / "sshfs") as fs:
        remote_key = fs.export / "r1_key"
        shutil.copy(r1.client_key, remote_key)
        remote_key.chmod(0o600)
        on_mount = fs.mountpoint / "r1_key"
        write_inventory(site / "inventory.toml", [r1.device_entry(key_file=str(on_mount))])

        code, found, _ = filesystems(site, root)
        key = found["key_file of device r1"]
        assert code == 20 and key["level"] == "critical" and key["check"] == "fs.network"
        assert key["path"].startswith(f"{on_mount} on {fs.mountpoint} (fuse.sshfs from root@127.0.0.1:")
        assert "network filesystem (fuse.sshfs)" in key["problem"] and "move" in key["fix"]
        # while the mount answers, the console still uses it (read by a child process, within the deadline)
        alive = run_oob("run", "--json", "r1", "--", "show version", home=site, timeout=60)
        assert alive.returncode == 0, alive.stdout + alive.stderr

        fs.freeze()  # the server behind the mount stops answering: any reader would block in D state
        # runbooks and drill reports there too: doctor must judge them without opening them
        text = cfg.read_text().replace('runbooks = "runbooks"', f'runbooks = "{fs.mountpoint}/runbooks"')
        cfg.write_text(text.replace('reports = "reports"', f'reports = "{fs.mountpoint}/reports"'))
        code, found, took = filesystems(site, root)
        assert code == 20 and found["key_file of device r1"]["level"] == "critical"
        assert found["runbooks"]["level"] == "critical" and found["reports"]["level"] == "critical"
        assert took < 30  # doctor never touches the dead mount itself
        cfg.write_text(text.replace(f'runbooks = "{fs.mountpoint}/runbooks"', 'runbooks = "runbooks"'))

        start = time.monotonic()
        dead = run_oob("run", "--json", "r1", "--", "show version", home=site, timeout=120)
        took = time.monotonic() - start
        body = json.loads(dead.stdout)
        text = json.dumps(body)
        assert dead.returncode != 0
        assert f"did not finish in {DEADLINE:g}s" in text and str(fs.mountpoint) in text, text
        assert took < DEADLINE + 8, took  # the deadline plus the CLI's start, never the transport's 610 s

        # the fix: the key on a local disk; the dead mount no longer matters
        local_key = site / "r1_key"
        shutil.copy(r1.client_key, local_key)
        local_key.chmod(0o600)
        write_inventory(site / "inventory.toml", [r1.device_entry(key_file=str(local_key))])
        fixed = run_oob("run", "--json", "r1", "--", "show version", home=site, timeout=60)
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        code, found, _ = filesystems(site, root)
        assert found["key_file of device r1"]["level"] == "ok"
        assert not [f for f in found.values() if f["level"] == "critical"], found
