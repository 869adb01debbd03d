"""The software security key works with the real OpenSSH tools, sshd included.

This proves the test tool itself: if these pass, a refusal seen elsewhere is
the server's decision, not a broken key.
"""

from __future__ import annotations

import base64
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.softsk import SoftDevice, SoftKey
from tests.lab.sshd import Sshd, ssh_command, sshd_reason, start_sshd

pytestmark = pytest.mark.lab


def _sign(device: SoftDevice, key: SoftKey, tmp_path: Path) -> bytes:
    msg = tmp_path / "msg"
    msg.write_text("announce 203.0.113.0/24\n")
    subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "oob-test", "-f", str(key.private), str(msg)],
                   check=True, capture_output=True, env=device.env(), timeout=30, stdin=subprocess.DEVNULL)
    return (tmp_path / "msg.sig").read_bytes()


def _sk_flags_counter(armored: bytes) -> tuple[int, int]:
    """flags and counter from an SSHSIG made by an sk key (the last 5 bytes of the signature)."""
    body = b"".join(line for line in armored.splitlines() if not line.startswith(b"-----"))
    blob = base64.b64decode(body)
    flags, counter = struct.unpack(">BI", blob[-5:])
    return flags, counter


@pytest.mark.parametrize("kind", ["ed25519-sk", "ecdsa-sk"])
def test_ssh_keygen_enrols_and_signs_with_the_software_key(soft_device: SoftDevice, tmp_path: Path,
                                                           kind: str) -> None:
    key = soft_device.enroll("alice", kind)
    assert key.public_line.startswith("sk-ssh-ed25519@openssh.com " if kind == "ed25519-sk"
                                      else "sk-ecdsa-sha2-nistp256@openssh.com ")
    sig = _sign(soft_device, key, tmp_path)
    allowed = tmp_path / "allowed"
    allowed.write_text(f"alice {key.openssh}\n")
    verify = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-n", "oob-test", "-f", str(allowed), "-I", "alice", "-s",
         str(tmp_path / "msg.sig")],
        input=(tmp_path / "msg").read_bytes(), capture_output=True, timeout=30,
    )
    assert verify.returncode == 0, verify.stderr
    assert _sk_flags_counter(sig) == (0x01, 1)  # touched, first use
    assert soft_device.counter("alice") == 1


def test_behaviour_changes_the_signed_flags_and_counter(soft_device: SoftDevice, tmp_path: Path) -> None:
    key = soft_device.enroll("bob")
    soft_device.set("bob", touch=False, uv="yes", counter=41)
    assert _sk_flags_counter(_sign(soft_device, key, tmp_path)) == (0x04, 42)
    (tmp_path / "msg.sig").unlink()
    soft_device.set("bob", touch=True, uv="no", counter=7)  # a cloned key replaying an old counter
    assert _sk_flags_counter(_sign(soft_device, key, tmp_path)) == (0x01, 8)


@pytest.fixture
def sshd_with_keys(tmp_path: Path, soft_device: SoftDevice) -> Iterator[tuple[Sshd, dict[str, SoftKey]]]:
    reason = sshd_reason()
    if reason:
        pytest.skip(f"LAB TEST NOT RUN: {reason}")
    keys = {
        "touch": soft_device.enroll("touch"),
        "ecdsa": soft_device.enroll("ecdsa", "ecdsa-sk"),
        "uv": soft_device.enroll("uv", verify_required=True),
        "notouch": soft_device.enroll("notouch", no_touch_required=True),
    }
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(
        f"{keys['touch'].openssh}\n{keys['ecdsa'].openssh}\n"
        f"verify-required {keys['uv'].openssh}\nno-touch-required {keys['notouch'].openssh}\n"
    )
    server = start_sshd(tmp_path / "sshd", [f"AuthorizedKeysFile {authorized}"])
    yield server, keys
    server.stop()


def _login(server: Sshd, device: SoftDevice, key: SoftKey, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    known = server.known_hosts(tmp_path / "known_hosts")
    cmd = ssh_command(server.port, known, user="root", identity=key.private, provider=device.provider)
    env = device.env()
    env.pop("SSH_AUTH_SOCK", None)
    return subprocess.run([*cmd, "echo logged-in"], capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL)


def test_real_ssh_against_real_sshd(sshd_with_keys: tuple[Sshd, dict[str, SoftKey]], soft_device: SoftDevice,
                                    tmp_path: Path) -> None:
    server, keys = sshd_with_keys
    for name in ("touch", "ecdsa", "uv", "notouch"):
        out = _login(server, soft_device, keys[name], tmp_path)
        assert out.returncode == 0 and out.stdout.strip() == "logged-in", (name, out.stderr)
    soft_device.set("touch", touch=False)
    assert _login(server, soft_device, keys["touch"], tmp_path).returncode == 255
    soft_device.set("uv", uv="no")  # the PIN is asked for, but the key does not verify the user
    assert _login(server, soft_device, keys["uv"], tmp_path).returncode == 255
    soft_device.set("notouch", touch=False)
    assert _login(server, soft_device, keys["notouch"], tmp_path).returncode == 0
    log = server.log.read_text()
    assert "user presence (authenticator touch) requirement not met" in log
    assert "user verification requirement not met" in log
