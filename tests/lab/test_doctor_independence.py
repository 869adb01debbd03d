"""Doctor proves independence, in the namespace lab with production blackholed.

For each shared-fate case: doctor flags it critical with its path; after the
fix, doctor passes and the emergency story still works with production dark
(paging over the OOB uplink, a login to `oob serve` from the OOB side). The
host's configuration doctor reads (/etc, /run) is a fixture below
``OOB_DOCTOR_ROOT``; routes and addresses are the lab namespace's own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.comms_servers import write_channel_config
from tests.lab.netns import (
    CONSOLE_OOB,
    OOB_GW,
    OOB_RESOLVER,
    PROD_RESOLVER,
    PROD_SERVICE,
    PRODUCTION_TOML,
    REPO,
    NetnsLab,
    netns_lab,
)
from tests.lab.oob_server import Store, relax_backoff
from tests.lab.softsk import SoftDevice
from tests.lab.sshd import ssh_command

pytestmark = pytest.mark.lab

CONSOLE_PROD = "10.77.2.2"  # the console's own address on the production side
OOB_ENTRY = "ForceCommand /opt/oob-console/.venv/bin/oob ssh-entry --config /var/lib/oob-console/config.toml\n"


@pytest.fixture
def lab() -> Iterator[NetnsLab]:
    with netns_lab() as net:
        yield net


def put(root: Path, rel: str, text: str) -> None:
    path = root / rel.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def blackhole_production(lab: NetnsLab) -> None:
    """Production goes silently dark: its side stops answering; the console's routes stay as they were."""
    subprocess.run(["ip", "-n", lab.prod, "link", "set", "pr0", "down"], check=True, timeout=20)


def doctor(lab: NetnsLab, site: Path, root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = lab.run_oob("doctor", "--json", *args, home=site, env={"OOB_DOCTOR_ROOT": str(root)}, timeout=60)
    assert out.stdout, out.stderr
    return out.returncode, json.loads(out.stdout)["result"]


def by_subject(report: dict[str, Any], group: str) -> dict[str, dict[str, str]]:
    return {f["subject"]: f for g in report["groups"] if g["group"] == group for f in g["findings"]}


def host_with_every_fate_shared(root: Path) -> None:
    """A host whose stub resolver, time source, sshd and serial console all depend on production."""
    put(root, "/etc/resolv.conf", "nameserver 127.0.0.53\n")  # systemd-resolved's stub
    put(root, "/run/systemd/resolve/resolv.conf", f"nameserver {PROD_RESOLVER}\n")  # ...forwarding to production
    put(root, "/etc/chrony/chrony.conf", f"server {PROD_SERVICE} iburst\n")
    put(root, "/etc/ssh/sshd_config", f"ListenAddress {CONSOLE_PROD}\n")
    put(root, "/etc/ssh/sshd_config.d/oob-console.conf", "Match User oob\n    " + OOB_ENTRY)
    put(root, "/lib/systemd/system/serial-getty@.service",
        "[Service]\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --keep-baud 115200,57600,38400,9600 %I $TERM\n")


def fix_the_host(root: Path) -> None:
    """The fixes an engineer makes from doctor's report."""
    put(root, "/run/systemd/resolve/resolv.conf", f"nameserver {OOB_RESOLVER}\n")
    put(root, "/etc/chrony/chrony.conf", f"server {OOB_GW} iburst\n")
    put(root, "/etc/ssh/sshd_config", f"ListenAddress {CONSOLE_OOB}\n")
    put(root, "/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service", "")
    drop_in = (REPO / "deploy/systemd/serial-getty@.service.d/oob-console.conf").read_text()
    put(root, "/etc/systemd/system/serial-getty@ttyS0.service.d/oob-console.conf", drop_in)


def configure(site: Path, base: str, listen: str) -> None:
    cfg = site / "config.toml"
    comms = write_channel_config(site, base, timeout=2.0, channels=("webhook",))
    cfg.write_text(cfg.read_text() + PRODUCTION_TOML + comms
                   + f'\n[server]\nlisten = "{listen}"\n\n[doctor]\nserial_ttys = ["ttyS0"]\n')


def set_listen(site: Path, listen: str) -> None:
    cfg = site / "config.toml"
    cfg.write_text(re.sub(r'listen = "[^"]*"', f'listen = "{listen}"', cfg.read_text()))


def test_each_shared_fate_is_critical_with_its_path_and_after_the_fix_the_console_works_dark(
        lab: NetnsLab, site: Path, tmp_path: Path, soft_device: SoftDevice) -> None:
    root = tmp_path / "host"
    host_with_every_fate_shared(root)
    base = lab.comms_server(tmp_path)
    configure(site, base, CONSOLE_PROD)
    blackhole_production(lab)

    code, report = doctor(lab, site, root)
    assert code == 20
    resolvers = by_subject(report, "resolvers")
    (resolver,) = resolvers.values()
    assert resolver["level"] == "critical" and f"{PROD_RESOLVER} via 10.77.2.1 dev prod0" in resolver["path"]
    assert "production interface prod0" in resolver["problem"]
    (ntp,) = by_subject(report, "ntp").values()
    assert ntp["level"] == "critical" and ntp["path"].startswith(f"{PROD_SERVICE} via 10.77.2.1 dev prod0")
    door = by_subject(report, "front door")
    assert door["oob serve"]["level"] == "critical" and door["oob serve"]["path"] == f"{CONSOLE_PROD}:2222 on prod0"
    assert "production prefix 10.77.2.0/24" in door["oob serve"]["problem"]
    sshd = door[f"sshd ListenAddress ({root}/etc/ssh/sshd_config)"]
    assert sshd["level"] == "critical" and sshd["path"] == f"{CONSOLE_PROD}:22 on prod0"
    getty = door["serial console ttyS0"]
    assert getty["level"] == "critical" and getty["check"] == "getty.disabled"

    fix_the_host(root)
    code, report = doctor(lab, site, root)
    assert code == 20  # the getty now runs the console, but [server] listen is still on production
    assert by_subject(report, "front door")["serial console ttyS0"]["level"] == "ok"
    set_listen(site, CONSOLE_OOB)
    code, report = doctor(lab, site, root, "--strict")
    crit = [f for g in report["groups"] for f in g["findings"] if f["level"] == "critical"]
    assert not crit and code in (0, 21), crit
    assert by_subject(report, "resolvers")[f"{OOB_RESOLVER}:53"]["path"].endswith("dev oob0 src 10.77.1.2")
    assert by_subject(report, "ntp")[f"{OOB_GW}:123"]["level"] == "ok"

    # the emergency story, production still dark: paging goes out over the OOB uplink ...
    sent = lab.run_oob("notify", "--wait", "10s", "send", "SJC1 backbone down: working it from the OOB console",
                       home=site, timeout=60)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert list(lab.comms_received()["hook_deliveries"].values()) == [1]  # delivered once, over the OOB side
    # ... and an engineer on the OOB side logs in to `oob serve` through the front door doctor judged
    front_door_login(lab, site, tmp_path, soft_device)


def front_door_login(lab: NetnsLab, site: Path, tmp_path: Path, soft_device: SoftDevice) -> None:
    relax_backoff(site)
    assert lab.run_oob("serve", "--init-host-key", home=site).returncode == 0
    key = soft_device.enroll("alice")
    Store(site).add("alice", key)
    env = {**os.environ, "OOB_HOME": str(site), "PYTHONPATH": str(REPO)}
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(var, None)
    serve = subprocess.Popen(lab.exec(lab.console, sys.executable, "-m", "oob_console", "serve", "--port", "0"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert serve.stdout is not None
        line = serve.stdout.readline()
        match = re.match(rf"oob serve: listening on {re.escape(CONSOLE_OOB)}:(\d+)", line)
        assert match, line + (serve.stderr.read() if serve.poll() is not None and serve.stderr else "")
        port = int(match.group(1))
        public = (site / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        known = tmp_path / "known_hosts"
        known.write_text(f"[{CONSOLE_OOB}]:{port} {' '.join(public)}\n")
        cmd = ssh_command(port, known, user="oob", identity=key.private, provider=soft_device.provider)
        cmd[-1] = f"oob@{CONSOLE_OOB}"
        client_env = soft_device.env()
        client_env.pop("SSH_AUTH_SOCK", None)
        out = subprocess.run(lab.exec(lab.upstream, *cmd, "whoami --json"), capture_output=True, text=True,
                             env=client_env, timeout=60, stdin=subprocess.DEVNULL)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["result"]["actor"] == "user:alice"  # in over the OOB path, production dark
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.communicate(timeout=20)


def test_a_local_stub_forwarding_into_production_is_followed(lab: NetnsLab, site: Path, tmp_path: Path) -> None:
    root = tmp_path / "host"
    put(root, "/etc/resolv.conf", "nameserver 127.0.0.1\n")  # dnsmasq on loopback
    put(root, "/etc/dnsmasq.d/upstream.conf", f"no-resolv\nserver={PROD_RESOLVER}\n")
    cfg = site / "config.toml"
    cfg.write_text(cfg.read_text() + PRODUCTION_TOML + '\n[[doctor.endpoints]]\nname = "lg"\nhost = "lg.example"\n'
                                                      'port = 443\n')
    blackhole_production(lab)
    code, report = doctor(lab, site, root)
    assert code == 20
    (resolver,) = by_subject(report, "resolvers").values()
    assert resolver["level"] == "critical" and "dev prod0" in resolver["path"]
    dns = by_subject(report, "endpoints")["lg (lg.example:443) needs DNS"]
    assert dns["level"] == "critical" and "the resolvers' path crosses production" in dns["problem"]
    put(root, "/etc/dnsmasq.d/upstream.conf", f"no-resolv\nserver={OOB_RESOLVER}\n")
    (resolver,) = by_subject(doctor(lab, site, root)[1], "resolvers").values()
    assert resolver["level"] == "ok" and resolver["subject"] == f"{OOB_RESOLVER}:53"


def test_unbound_and_unreadable_stubs_are_reported_not_passed(lab: NetnsLab, site: Path, tmp_path: Path) -> None:
    root = tmp_path / "host"
    put(root, "/etc/resolv.conf", "nameserver 127.0.0.1\n")
    put(root, "/etc/unbound/unbound.conf", "server:\n  interface: 127.0.0.1\n")
    cfg = site / "config.toml"
    cfg.write_text(cfg.read_text() + PRODUCTION_TOML)
    _, report = doctor(lab, site, root)
    gather = [f["problem"] for f in by_subject(report, "doctor").values()]
    assert any("unbound has no forward-zone" in p for p in gather), report
    shutil.rmtree(root / "etc" / "unbound")
    _, report = doctor(lab, site, root)
    assert any("whose upstreams were not found" in f["problem"] for f in by_subject(report, "doctor").values())
