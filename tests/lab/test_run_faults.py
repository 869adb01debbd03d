"""Faults a real sshd cannot show on demand, from the in-process asyncssh server (tests/lab/fault_ssh.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_oob
from tests.lab.fault_ssh import FaultServer
from tests.lab.routers import write_inventory

pytestmark = pytest.mark.lab


def _results(proc: Any) -> dict[str, dict[str, Any]]:
    return {r["device"]: r for r in json.loads(proc.stdout)["result"]["results"]}


@pytest.mark.parametrize("transport", ["asyncssh", "paramiko"])
def test_connection_dropped_mid_command_is_reported_with_partial_output(site: Path, tmp_path: Path,
                                                                        transport: str) -> None:
    with FaultServer(tmp_path / "fault") as server:
        write_inventory(site / "inventory.toml", [server.device_entry("f1", transport=transport),
                                                  server.device_entry("f2", transport=transport)])
        proc = run_oob("run", "--json", "f1", "--", "show partial-then-drop", home=site)
        assert proc.returncode == 1
        r = _results(proc)["f1"]
        assert r["status"] == "dropped", r
        assert "dropped before the command finished" in r["error"]
        assert "partial line before the link died" in r["output"]
        assert r["exit_status"] is None
        ok = run_oob("run", "--json", "f2", "--", "show version", home=site)
        assert ok.returncode == 0 and _results(ok)["f2"]["output"] == "FaultOS 1.0\n"


@pytest.mark.parametrize("transport", ["asyncssh", "paramiko"])
def test_hung_command_times_out(site: Path, tmp_path: Path, transport: str) -> None:
    with FaultServer(tmp_path / "fault") as server:
        write_inventory(site / "inventory.toml", [server.device_entry("f1", transport=transport)])
        started = time.monotonic()
        proc = run_oob("run", "--json", "--timeout", "0.5", "f1", "--", "show hang", home=site)
        assert time.monotonic() - started < 4
        r = _results(proc)["f1"]
        assert r["status"] == "timeout" and "within 0.5s" in r["error"]


@pytest.mark.parametrize("transport", ["asyncssh", "paramiko"])
def test_password_login_from_a_secret_reference(site: Path, tmp_path: Path, transport: str) -> None:
    with FaultServer(tmp_path / "fault", password="pw-from-env") as server:
        secret = tmp_path / "pw"
        secret.write_text("wrong-password\n")
        secret.chmod(0o600)
        write_inventory(site / "inventory.toml", [
            server.device_entry("good", key_file="", password="env:FAULT_PW", transport=transport),
            server.device_entry("bad", key_file="", password=f"file:{secret}", transport=transport),
        ])
        proc = run_oob("run", "--json", "good", "bad", "--", "show version", home=site,
                       env={"FAULT_PW": "pw-from-env"})
        results = _results(proc)
        assert results["good"]["status"] == "ok", results["good"]
        assert results["bad"]["status"] == "auth" and "refused our credentials" in results["bad"]["error"]
        audit = (site / "audit.jsonl").read_text()
        assert "pw-from-env" not in audit and "wrong-password" not in audit
        unset = run_oob("run", "--json", "good", "--", "show version", home=site)
        r = _results(unset)["good"]
        assert r["status"] == "error" and "FAULT_PW is not set" in r["error"]
