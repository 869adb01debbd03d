"""A three-namespace lab: a console host with an OOB path and a production path.

    OOB upstream [oobu-ID]       console host [oobc-ID]            production [oobp-ID]
    up0 10.77.1.1/24     <--  oob0 10.77.1.2    prod0 10.77.2.2  -->  pr0 10.77.2.1/24
        10.77.1.53/24         default via 10.77.1.1                   lo 10.78.0.53, 10.78.5.5
                              10.78.0.0/16 via 10.77.2.1

The console namespace's /etc/resolv.conf and /etc/hosts come from
/etc/netns/oobc-ID/ (``ip netns exec`` bind-mounts them). Production is
10.77.2.0/24 + 10.78.0.0/16 on interface prod0, AS 64500. Only namespaces the
lab creates are touched; everything is removed by ``close()``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_oob

REPO = Path(__file__).resolve().parents[2]
OOB_GW, OOB_RESOLVER, CONSOLE_OOB = "10.77.1.1", "10.77.1.53", "10.77.1.2"
PROD_GW, PROD_RESOLVER, PROD_SERVICE = "10.77.2.1", "10.78.0.53", "10.78.5.5"
PRODUCTION_TOML = """
[production]
prefixes = ["10.77.2.0/24", "10.78.0.0/16"]
asns = [64500]
interfaces = ["prod0"]
"""


def skip_unless_netns() -> None:
    if os.geteuid() != 0:
        pytest.skip("LAB NOT RUN: network namespaces need root (CI runs as root)")
    if shutil.which("ip") is None:
        pytest.skip("LAB NOT RUN: iproute2 'ip' is not installed (deploy/dev installs it)")


def enroll_software_key(site: Path, key: Path) -> None:
    """A user with a (software) security key: what `oob key enroll` does with a USB key plugged in."""
    assert run_oob("user", "add", "alice", "--role", "approver", home=site).returncode == 0
    assert run_oob("softkey", "init", str(key)).returncode == 0
    done = run_oob("key", "enroll", "--user", "alice", home=site, env={"OOB_SOFT_KEY": str(key)})
    assert done.returncode == 0, done.stderr


@contextmanager
def netns_lab() -> Iterator[NetnsLab]:
    """The lab, up for the duration; skips loudly where namespaces cannot be made."""
    skip_unless_netns()
    lab = NetnsLab().up()
    try:
        yield lab
    finally:
        lab.close()


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=20)


class NetnsLab:
    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        self.console, self.upstream, self.prod = f"oobc-{tag}", f"oobu-{tag}", f"oobp-{tag}"
        self.etc = Path("/etc/netns") / self.console
        self._procs: list[subprocess.Popen[bytes]] = []
        self.comms_record: Path | None = None

    def up(self) -> NetnsLab:
        for ns in (self.console, self.upstream, self.prod):
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", self.console, "link", "add", "oob0", "type", "veth", "peer", "name", "up0", "netns", self.upstream)
        _ip("-n", self.console, "link", "add", "prod0", "type", "veth", "peer", "name", "pr0", "netns", self.prod)
        for ns, dev, addrs in ((self.console, "oob0", [f"{CONSOLE_OOB}/24"]),
                               (self.console, "prod0", ["10.77.2.2/24"]),
                               (self.upstream, "up0", [f"{OOB_GW}/24", f"{OOB_RESOLVER}/24"]),
                               (self.prod, "pr0", [f"{PROD_GW}/24"])):
            for addr in addrs:
                _ip("-n", ns, "addr", "add", addr, "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
        for addr in (PROD_RESOLVER, PROD_SERVICE):
            _ip("-n", self.prod, "addr", "add", f"{addr}/32", "dev", "lo")
        _ip("-n", self.console, "route", "add", "default", "via", OOB_GW, "dev", "oob0")
        _ip("-n", self.console, "route", "add", "10.78.0.0/16", "via", PROD_GW, "dev", "prod0")
        _ip("-n", self.prod, "route", "add", "10.77.1.0/24", "via", "10.77.2.2")
        self.etc.mkdir(parents=True, exist_ok=True)
        self.resolver(OOB_RESOLVER)
        (self.etc / "hosts").write_text("127.0.0.1 localhost\n")
        return self

    def resolver(self, address: str) -> None:
        (self.etc / "resolv.conf").write_text(f"nameserver {address}\n")

    def pin_host(self, name: str, address: str) -> None:
        with (self.etc / "hosts").open("a") as f:
            f.write(f"{address} {name}\n")

    def exec(self, ns: str, *argv: str) -> list[str]:
        return ["ip", "netns", "exec", ns, *argv]

    def run_oob(self, *args: str, home: Path, timeout: float = 120,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """The real CLI inside the console namespace."""
        env = {**os.environ, "OOB_HOME": str(home), "PYTHONPATH": str(REPO), **(env or {})}
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(var, None)
        return subprocess.run(self.exec(self.console, sys.executable, "-m", "oob_console", *args),
                              capture_output=True, text=True, env=env, timeout=timeout, check=False)

    def comms_server(self, tmp: Path) -> str:
        """A comms endpoint (tests.lab.comms_servers) on the OOB side; returns its base URL."""
        portfile = tmp / f"comms-port-{self.upstream}"
        with open(tmp / f"comms-{self.upstream}.log", "wb") as log:  # the server's errors, if any
            proc = subprocess.Popen(self.exec(self.upstream, sys.executable, "-m", "tests.lab.comms_servers", OOB_GW,
                                              str(portfile)), cwd=REPO, stdout=log, stderr=log)
        self._procs.append(proc)
        deadline = time.monotonic() + 20
        while not portfile.exists() or not portfile.read_text().strip():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the comms server in the OOB namespace did not start")
            time.sleep(0.05)
        self.comms_record = Path(f"{portfile}.json")
        return f"http://{OOB_GW}:{int(portfile.read_text())}"

    def comms_received(self) -> dict[str, Any]:
        """What the OOB-side comms server has processed so far."""
        if self.comms_record is None or not self.comms_record.exists():
            return {}
        return json.loads(self.comms_record.read_text())  # type: ignore[no-any-return]

    def close(self) -> None:
        for proc in self._procs:
            proc.kill()
            proc.wait(timeout=10)
        for ns in (self.console, self.upstream, self.prod):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False, timeout=20)
        shutil.rmtree(self.etc, ignore_errors=True)
