"""Exec by parsed command: the escapes of issue 18, tried over a real SSH session, are refused.

Each escape is sent by the real OpenSSH client with a software security key of an
admin (the strongest role); nothing is started (no second server listens), nothing
is written (no site, no key file), and every refusal is in the audit log.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from oob_console.wiring import Services
from tests.lab.oob_server import ServerThread, Store, relax_backoff
from tests.lab.softsk import SoftDevice
from tests.lab.sshd import SshClient

pytestmark = pytest.mark.lab


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def store(site: Path) -> Store:
    relax_backoff(site)
    return Store(site)


@pytest.fixture
def server(site: Path, store: Store) -> Iterator[ServerThread]:
    srv = ServerThread(site).start()
    yield srv
    srv.stop()


def test_exec_escapes_are_refused_and_nothing_runs(server: ServerThread, store: Store, site: Path,
                                                   soft_device: SoftDevice, tmp_path: Path) -> None:
    client = SshClient(server.port, server.known_hosts(tmp_path / "known_hosts"), soft_device, user="oob")
    key = soft_device.enroll("alice", verify_required=True)
    store.add("alice", key, roles=("admin", "operator", "approver"), verify_required=True)
    soft_device.set("alice", uv="auto")  # admins verify with a PIN ([auth] uv_roles)
    port = free_port()
    home, softkey, pub = tmp_path / "evil-site", tmp_path / "evil.key", tmp_path / "probe.pub"
    pub.write_text("not a key\n")
    escapes = [
        ("oob", "--", "--json", "serve", "--listen", "127.0.0.1", "--port", str(port)),
        ("oob", "--json", "serve", "--listen", "127.0.0.1", "--port", str(port)),
        ("oob", "--json", "init", "--home", str(home)),
        ("audit", "show", "--conf", "/etc/passwd"),
        ("audit", "show", "--config=/etc/passwd"),
        ("oob", "--config", "/etc/passwd", "audit", "show"),
        ("audit", "show", "--log", "/etc/passwd"),
        ("softkey", "init", str(softkey)),
        ("softkey", "ssh-keygen", "-f", str(softkey)),
        ("key", "add-ssh", str(pub), "--user", "alice"),
    ]
    for escape in escapes:
        out = client.ssh(key, *escape)
        assert out.returncode == 7, (escape, out.returncode, out.stderr)
        assert "over SSH" in out.stderr, (escape, out.stderr)
    assert not listening(port)
    assert not home.exists() and not softkey.exists()
    app = Services.from_config(str(site / "config.toml"))
    refused = [e for e in app.audit.show(action="ssh.exec") if e["outcome"] == "refused"]
    assert len(refused) == len(escapes)
    assert all(e["actor"] == "user:alice" and "over SSH" in e["details"]["reason"] for e in refused)
    assert not [e for e in app.audit.show(action="ssh.exec") if e["outcome"] == "ok"]
    # the same engineer's allowed commands still run
    assert client.whoami(key)["actor"] == "user:alice"

