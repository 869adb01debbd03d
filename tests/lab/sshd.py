"""A real OpenSSH ``sshd`` on 127.0.0.1, started and stopped by a test.

Own port (picked free), own host key, own config, ``UsePAM no``; stopped by
its PID. The OpenSSH client helpers here never read the developer's
``~/.ssh``: ``-F none``, a known_hosts file holding only this server's key.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.lab.softsk import SoftDevice, SoftKey

SSHD = "/usr/sbin/sshd"


def sshd_reason() -> str | None:
    """Why a real sshd cannot run here, or None."""
    if not Path(SSHD).exists():
        return "sshd is not installed (apt-get install openssh-server)"
    if os.geteuid() != 0:
        return "sshd needs root to run (privilege separation); run the lab tests as root"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def host_key(path: Path) -> str:
    """Create an Ed25519 host key; return its public line."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30)
    return path.with_name(path.name + ".pub").read_text().strip()


@dataclass
class Sshd:
    port: int
    proc: subprocess.Popen[bytes]
    host_public: str
    log: Path

    def known_hosts(self, path: Path) -> Path:
        key = " ".join(self.host_public.split()[:2])
        path.write_text(f"[127.0.0.1]:{self.port} {key}\n")
        return path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_sshd(workdir: Path, config_lines: Sequence[str], *, env: dict[str, str] | None = None,
               include: Path | None = None) -> Sshd:
    """Run ``sshd -D`` with the given extra config lines (they come first, so they win).

    ``include`` is appended last: a ``Match`` block runs to the end of the file.
    """
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # Debian's sshd refuses to start without it
    workdir.mkdir(parents=True, exist_ok=True)
    key = workdir / "ssh_host_ed25519_key"
    public = host_key(key)
    port = free_port()
    config = workdir / "sshd_config"
    config.write_text("\n".join([
        *config_lines,
        "ListenAddress 127.0.0.1",
        f"Port {port}",
        f"HostKey {key}",
        "PidFile none",
        "UsePAM no",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "LogLevel VERBOSE",
        *([f"Include {include}"] if include else []),
        "",
    ]))
    check = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise RuntimeError(f"sshd rejects the config: {check.stderr}")
    log = workdir / "sshd.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT,
                                env=env)
    try:
        wait_port(port)
    except OSError:
        proc.kill()
        raise RuntimeError(f"sshd did not start: {log.read_text()}") from None
    return Sshd(port, proc, public, log)


def ssh_command(port: int, known_hosts: Path, *, user: str, identity: Path | None = None,
                provider: Path | None = None, extra: Sequence[str] = ()) -> list[str]:
    """An ``ssh`` command line that reads nothing from the user's ~/.ssh."""
    # ssh keeps the first value given for an option: ``extra`` comes first so a test can override.
    cmd = [shutil.which("ssh") or "ssh", "-F", "none", *extra, "-p", str(port),
           "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
           "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=30", "-o", "LogLevel=ERROR"]
    if identity is not None:
        cmd += ["-i", str(identity)]
    if provider is not None:
        cmd += ["-o", f"SecurityKeyProvider={provider}"]
    return [*cmd, f"{user}@127.0.0.1"]


class SshClient:
    """The real ``ssh`` with a software security key, against one server on 127.0.0.1."""

    def __init__(self, port: int, known_hosts: Path, device: SoftDevice, *, user: str) -> None:
        self.port, self.known_hosts, self.device, self.user = port, known_hosts, device, user

    def ssh(self, key: SoftKey, *command: str, user: str | None = None,
            extra: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
        cmd = ssh_command(self.port, self.known_hosts, user=user or self.user, identity=key.private,
                          provider=self.device.provider, extra=extra)
        env = self.device.env()
        env.pop("SSH_AUTH_SOCK", None)  # never the developer's agent
        # ssh sends one command string; quote it as for a remote shell (the server splits it the same way)
        remote = [shlex.join(command)] if command else []
        return subprocess.run([*cmd, *remote], capture_output=True, text=True, env=env, timeout=60,
                              stdin=subprocess.DEVNULL)

    def whoami(self, key: SoftKey, *, user: str | None = None) -> dict[str, Any]:
        """``oob whoami --json`` over SSH: who the command ran as."""
        out = self.ssh(key, "whoami", "--json", user=user)
        assert out.returncode == 0, out.stderr
        result: dict[str, Any] = json.loads(out.stdout)["result"]
        return result
