"""``oob serve`` as an operator (or systemd) runs it: the real CLI process, stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_oob
from tests.lab.oob_server import Store, relax_backoff
from tests.lab.softsk import SoftDevice
from tests.lab.sshd import SshClient

pytestmark = pytest.mark.lab


def test_oob_serve_runs_until_sigterm(site: Path, soft_device: SoftDevice, tmp_path: Path) -> None:
    relax_backoff(site)
    assert run_oob("serve", "--init-host-key", home=site).returncode == 0
    key = soft_device.enroll("alice")
    Store(site).add("alice", key)
    env = {**os.environ, "OOB_HOME": str(site)}
    proc = subprocess.Popen([sys.executable, "-m", "oob_console", "serve", "--listen", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.match(r"oob serve: listening on 127\.0\.0\.1:(\d+) \(host key (SHA256:\S+)\)", line)
        assert match, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        port = int(match.group(1))
        public = (site / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        known = tmp_path / "known_hosts"
        known.write_text(f"[127.0.0.1]:{port} {' '.join(public)}\n")
        me = SshClient(port, known, soft_device, user="oob").whoami(key)
        assert me["actor"] == "user:alice"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    actions = [e["action"] for e in json.loads(run_oob("audit", "show", "--json", home=site).stdout)["result"]]
    assert actions.index("ssh.serve.start") < actions.index("ssh.login") < actions.index("ssh.serve.stop")
