"""Lab routers: FRR's vtysh behind a real OpenSSH sshd on 127.0.0.1, started and stopped by the test.

Reusable by every issue that needs a router (device access, command guard,
the emergency-BGP router backend, drills)::

    from tests.lab.routers import RouterLab, lab_unavailable

    with RouterLab(tmp_path) as lab:
        r1 = lab.router("r1")                    # bgpd + sshd, ~0.2 s
        r1.vtysh("show running-config")          # ask FRR directly (not over SSH)
        r1.received()                            # every command that arrived as an SSH exec request
        entry = r1.device_entry()                # a dict for an inventory [[devices]] table
        write_inventory(site / "inventory.toml", [entry])

What one router is, and why (measured here; docs/development.md, "OpenSSH sshd"):

- ``bgpd -Z -S -P 0 -p 0 --vty_socket DIR``: vtysh only works against a running
  FRR daemon ("failed to connect to any daemons" otherwise). bgpd alone, without
  zebra (-Z), no BGP listener (-p 0), no telnet vty (-P 0), its vty socket in a
  private directory, is enough for ``show`` commands, ``configure terminal``,
  ``router bgp`` and ``show running-config``. Starts in well under 0.1 s.
- vtysh runs with ``--config_dir`` pointing at a private directory whose
  ``vtysh.conf`` sets ``hostname NAME``, so the prompt is ``NAME# `` (not the
  machine's hostname) and ``write memory`` writes there, never to /etc/frr.
- sshd: own config, own ed25519 host key, 127.0.0.1 and a free high port,
  ``UsePAM no``, keys only, ``StrictModes no`` (files under /tmp),
  ``MaxStartups`` wide for fan-out, ``ForceCommand`` a wrapper that runs
  ``vtysh -c "$SSH_ORIGINAL_COMMAND"`` for an exec request and interactive
  vtysh for a shell. Debian's sshd needs ``/run/sshd``; it is created if missing.
- The login is the user running the tests (root in CI), with ``SetEnv SHLVL=1``:
  bash then skips ~/.bashrc for ForceCommand (130 ms -> ~6 ms per command)
  without creating a system user.
- Faults: ``set_delay(s)`` makes every new session sleep first (a slow device),
  ``rotate_host_key()`` restarts sshd on the same port with a new key.

Everything runs from one temporary directory and is stopped by PID.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SSHD = "/usr/sbin/sshd"
BGPD = "/usr/lib/frr/bgpd"
VTYSH = "/usr/bin/vtysh"


def lab_unavailable() -> str | None:
    """Why lab routers cannot run here, or None."""
    for tool in (SSHD, BGPD, VTYSH, shutil.which("ssh-keygen")):
        if not tool or not os.access(tool, os.X_OK):
            return f"lab routers need {tool or 'ssh-keygen'} (apt-get install openssh-server frr; deploy/dev does it)"
    if os.geteuid() != 0 and not Path("/run/sshd").is_dir():
        return "sshd needs /run/sshd, which only root can create (CI runs as root)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.01)
    raise RuntimeError(f"lab: {what} did not happen within {timeout}s")


def keygen(path: Path, comment: str = "oob-lab") -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
                   check=True, capture_output=True)
    path.chmod(0o600)
    return path.with_suffix(".pub").read_text().strip()


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class Router:
    name: str
    dir: Path
    port: int
    username: str
    client_key: Path
    asn: int
    host: str = "127.0.0.1"
    host_key_line: str = ""
    log_level: str = "ERROR"  # sshd's; DEBUG1 logs each authentication request (see sshd_log)
    extra_sshd: list[str] = field(default_factory=list)  # more sshd_config lines (HostCertificate ...)
    _bgpd: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _sshd: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def vty_dir(self) -> Path:
        return self.dir / "vty"

    @property
    def config_dir(self) -> Path:
        return self.dir / "etc"

    def vtysh(self, *commands: str) -> str:
        """Run vtysh commands directly against this router's bgpd (bypassing SSH)."""
        args = [VTYSH, "--vty_socket", str(self.vty_dir), "--config_dir", str(self.config_dir)]
        for c in commands:
            args += ["-c", c]
        done = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
        return done.stdout + done.stderr

    def sshd_log(self) -> str:
        return (self.dir / "sshd.log").read_text(errors="replace")

    def received(self) -> list[str]:
        """Every command that reached this router as an SSH exec request, oldest first."""
        log = self.dir / "received"
        return log.read_text().split("\0")[:-1] if log.exists() else []

    def device_entry(self, name: str | None = None, **extra: Any) -> dict[str, Any]:
        """An inventory [[devices]] table reaching this router (``name`` lets many entries share it)."""
        entry: dict[str, Any] = {
            "name": name or self.name, "platform": "frr", "host": self.host, "port": self.port,
            "username": self.username, "key_file": str(self.client_key), "host_keys": [self.host_key_line],
        }
        entry.update(extra)
        return entry

    def set_delay(self, seconds: float | None) -> None:
        """Every new SSH session sleeps this long before vtysh starts (None: no delay)."""
        flag = self.dir / "delay"
        if seconds is None:
            flag.unlink(missing_ok=True)
        else:
            flag.write_text(f"{seconds}\n")

    def _start_bgpd(self) -> None:
        self.vty_dir.mkdir(exist_ok=True)
        conf = self.dir / "bgpd.conf"
        conf.write_text(f"hostname {self.name}\nrouter bgp {self.asn}\n bgp router-id 10.255.0.1\n"
                        " no bgp ebgp-requires-policy\n")
        log = open(self.dir / "bgpd.log", "ab")  # the child keeps it open
        self._bgpd = subprocess.Popen(
            [BGPD, "-f", str(conf), "-Z", "-S", "-P", "0", "-p", "0", "--vty_socket", str(self.vty_dir),
             "-i", str(self.dir / "bgpd.pid"), "--log", "stdout"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        wait_for(lambda: (self.vty_dir / "bgpd.vty").exists(), 10, f"bgpd of {self.name} to open its vty")

    def _write_sshd_files(self) -> Path:
        self.config_dir.mkdir(exist_ok=True)
        (self.config_dir / "vtysh.conf").write_text(f"hostname {self.name}\n")
        wrapper = self.dir / "vtysh-session"
        vtysh = f"{VTYSH} --vty_socket {self.vty_dir} --config_dir {self.config_dir} -H {self.dir / 'history'}"
        wrapper.write_text(
            "#!/bin/sh\n"
            f'[ -f {self.dir}/delay ] && sleep "$(cat {self.dir}/delay)"\n'
            'if [ -n "$SSH_ORIGINAL_COMMAND" ]; then\n'
            f'  printf "%s\\000" "$SSH_ORIGINAL_COMMAND" >> {self.dir}/received\n'  # NUL-separated: blocks have lines
            f'  exec {vtysh} -c "$SSH_ORIGINAL_COMMAND"\nfi\n'
            f"exec {vtysh}\n"
        )
        wrapper.chmod(0o755)
        conf = self.dir / "sshd_config"
        conf.write_text("\n".join([
            f"ListenAddress 127.0.0.1:{self.port}",
            f"HostKey {self.dir / 'host_ed25519'}",
            f"PidFile {self.dir / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.dir.parent / 'authorized_keys'}",
            "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes", "StrictModes no", "PermitRootLogin prohibit-password",
            "MaxStartups 1000:30:2000", "MaxSessions 100", "UseDNS no", f"LogLevel {self.log_level}",
            "X11Forwarding no", "AllowTcpForwarding no", "AllowAgentForwarding no", "PrintMotd no",
            "PermitTTY yes", "SetEnv SHLVL=1", f"ForceCommand {wrapper}", *self.extra_sshd, "",
        ]))
        return conf

    def _start_sshd(self) -> None:
        conf = self._write_sshd_files()
        for attempt in range(5):
            log = open(self.dir / "sshd.log", "ab")  # the child keeps it open
            self._sshd = subprocess.Popen([SSHD, "-D", "-f", str(conf), "-E", str(self.dir / "sshd.log")],
                                          stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            log.close()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and self._sshd.poll() is None and not listening(self.port):
                time.sleep(0.01)
            if self._sshd.poll() is None and listening(self.port):
                return
            self._sshd.kill()
            self._sshd.wait()
            if attempt < 4:  # someone took the port between free_port() and bind: take another
                self.port = free_port()
                conf = self._write_sshd_files()
        raise RuntimeError(f"lab: sshd for {self.name} did not start: {(self.dir / 'sshd.log').read_text()[-500:]}")

    def start(self) -> None:
        if not (self.dir / "host_ed25519").exists():
            self.host_key_line = " ".join(keygen(self.dir / "host_ed25519", f"{self.name}-host").split()[:2])
        self._start_bgpd()
        self._start_sshd()

    def rotate_host_key(self) -> str:
        """A new host key on the same address and port (as after a reinstall); returns the new key."""
        self._stop(self._sshd)
        for p in (self.dir / "host_ed25519", self.dir / "host_ed25519.pub"):
            p.unlink()
        self.host_key_line = " ".join(keygen(self.dir / "host_ed25519", f"{self.name}-host").split()[:2])
        self._start_sshd()
        return self.host_key_line

    def restart_sshd(self) -> None:
        """sshd again on the same port (after ``extra_sshd`` changed)."""
        self._stop(self._sshd)
        self._start_sshd()

    def stop_sshd(self) -> None:
        """Take SSH down (the device becomes unreachable) but keep FRR."""
        self._stop(self._sshd)
        self._sshd = None

    @staticmethod
    def _stop(proc: subprocess.Popen[bytes] | None) -> None:
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop(self) -> None:
        self._stop(self._sshd)
        self._stop(self._bgpd)


class RouterLab:
    """Owns a directory of routers and one client key authorised on all of them."""

    def __init__(self, root: Path) -> None:
        self.root = root / "routers"
        self.routers: list[Router] = []
        self.username = getpass.getuser()
        self.client_key = self.root / "client_ed25519"

    def __enter__(self) -> RouterLab:
        reason = lab_unavailable()
        if reason:
            raise RuntimeError(reason)
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "authorized_keys").write_text(keygen(self.client_key, "oob-lab-client") + "\n")
        return self

    def __exit__(self, *exc: object) -> None:
        for router in self.routers:
            router.stop()

    def router(self, name: str, *, asn: int = 64512, log_level: str = "ERROR") -> Router:
        rdir = self.root / name
        rdir.mkdir()
        router = Router(name, rdir, free_port(), self.username, self.client_key, asn, log_level=log_level)
        self.routers.append(router)
        router.start()
        return router


def write_inventory(path: Path, devices: list[dict[str, Any]],
                    console_servers: list[dict[str, Any]] | None = None) -> None:
    """Write an inventory the way the product writes one (validated first)."""
    from oob_console.core.devices.inventory import Inventory
    from oob_console.core.schema import load_dataclass
    from oob_console.core.toml_text import dump_toml

    inventory = load_dataclass(Inventory, {"devices": devices, "console_servers": console_servers or []})
    path.write_text(dump_toml(inventory, "lab inventory"))
