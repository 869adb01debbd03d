"""A site wired for emergency BGP against lab upstreams, and its running supervisor.

``bgp_site`` writes a real site (``init_site``) with a ``[bgp]`` section whose
upstreams are the lab daemons of :mod:`tests.lab.bgp_peers`; ``SpeakerProcess``
runs the real ``oob bgp speaker`` in a subprocess and stops it by PID.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.lab.bgp_peers import Upstream

PREFIX = "203.0.113.0/24"
LOCAL_AS = 64500


def write_vrps(path: Path, roas: Sequence[tuple[str, int, int]], *, generated: float | None = None) -> Path:
    """An rpki-client style export: (prefix, max length, asn) entries."""
    built = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(generated if generated is not None else time.time()))
    doc = {"metadata": {"buildmachine": "lab", "buildtime": built},
           "roas": [{"asn": asn, "prefix": p, "maxLength": m, "ta": "lab", "expires": int(time.time()) + 86400}
                    for p, m, asn in roas]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def upstream_toml(name: str, up: Upstream, console: str, *, looking_glass: str = "",
                  advertise_timeout: str = "10s", visible_timeout: str = "20s", extra: str = "",
                  families: Sequence[str] = ("ipv4",), collectors: Sequence[str] = (),
                  visible_expected: str = "") -> str:
    lg = f'looking_glass = "{looking_glass}"\n' if looking_glass else ""
    if collectors:
        lg += f"collectors = {json.dumps(list(collectors))}\n"
    if visible_expected:
        lg += f'visible_expected = "{visible_expected}"\n'
    return f"""
[bgp.upstreams.{name}]
backend = "exabgp"
description = "lab {up.name}"
allow_bogons = true
{lg}advertise_timeout = "{advertise_timeout}"
visible_timeout = "{visible_timeout}"
{extra}
[bgp.upstreams.{name}.session]
peer_address = "{up.address}"
peer_as = {up.local_as}
local_address = "{console}"
port = {up.port}
hold_time = 30
families = {json.dumps(list(families))}
"""


def looking_glass_toml(name: str, url: str, **fields: str) -> str:
    """A [bgp.looking_glasses.NAME] table (``kind``, ``routes``, ``prefix_field``... as keyword arguments)."""
    extra = "".join(f'{k} = "{v}"\n' for k, v in fields.items())
    return f'\n[bgp.looking_glasses.{name}]\nurl = "{url}"\ntimeout = "2s"\n{extra}'


def bgp_site(home: Path, upstreams: str, *, approvals: int = 0, looking_glass_url: str = "",
             owned: Sequence[tuple[str, int]] = ((PREFIX, 24), ("198.51.100.0/24", 24)), extra: str = "",
             vrps: Sequence[tuple[str, int, int]] = ((PREFIX, 24, LOCAL_AS), ("198.51.100.0/24", 24, LOCAL_AS))
             ) -> Path:
    """A fresh site at ``home`` whose [bgp] section has ``upstreams`` (TOML from :func:`upstream_toml`)."""
    from oob_console.wiring import init_site

    init_site(home, name="bgplab")
    write_vrps(home / "rpki" / "vrps.json", vrps)
    blocks = "".join(f'\n[[bgp.owned]]\nprefix = "{p}"\nmax_length = {m}\n' for p, m in owned)
    lg = looking_glass_toml("lab", looking_glass_url) if looking_glass_url else ""
    config = home / "config.toml"
    config.write_text(config.read_text() + f"""
[bgp]
local_as = {LOCAL_AS}
approvals_required = {approvals}
default_lease = "1h"
{extra}
[bgp.speaker]
router_id = "192.0.2.250"
restart_delay = "0s"
{blocks}{lg}{upstreams}""")
    return config


QUORUM_CONFIG = """
[auth]
allow_software_keys = true

[approvals.classes.bgp]
quorum = 2
roles = ["approver"]
"""


def approvers(home: Path, monkeypatch: Any) -> Any:
    """Two approvers for a BGP site: bob with a key on the host, carol with an SSH sk key on her laptop.

    Real approvals through the credential store with oob-console's software
    CTAP2 keys (no USB key exists here). Returns the auth ``Lab``; a subprocess
    approves with bob's key given ``env={"OOB_SOFT_KEY": str(lab.keys["bob-key"])}``.
    """
    from oob_console.config import load_config
    from oob_console.wiring import Services
    from tests.unit.auth_lab import Clock, Lab

    config = home / "config.toml"
    config.write_text(config.read_text() + QUORUM_CONFIG)
    lab = Lab(home, Services(load_config(str(config)), actor="local:test"), Clock(), monkeypatch)
    lab.user("bob", "approver")
    lab.user("carol", "approver")
    lab.enroll("bob", "bob-key")
    lab.carol_sk = lab.ssh_key("carol", "carol-laptop")  # type: ignore[attr-defined]
    return lab


def carol_signs(lab: Any, ticket: str) -> bytes:
    """Carol's SSHSIG over the ticket's exact bytes (what `ssh-keygen -Y sign` makes on her laptop)."""
    return lab.sshsig("carol-laptop", lab.carol_sk, lab.app.approvals.canonical(ticket))  # type: ignore[no-any-return]


class SpeakerProcess:
    """``oob bgp speaker`` for a site, in a subprocess; ``stop()`` sends SIGTERM to its PID."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = home / "speaker.log"

    @property
    def socket(self) -> Path:
        return self.home / "run" / "bgp" / "control.sock"

    def start(self, timeout: float = 20) -> SpeakerProcess:
        env = dict(os.environ, OOB_HOME=str(self.home))
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "oob_console", "bgp", "speaker"], env=env,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"speaker exited: {self.log.read_text()[-3000:]}")
            if self.ping() and self.exabgp_pid():
                return self
            time.sleep(0.05)
        raise AssertionError(f"speaker did not come up: {self.log.read_text()[-3000:]}")

    def ping(self) -> dict[str, Any] | None:
        from oob_console.adapters.bgp.control_socket import call
        from oob_console.errors import UnavailableError

        try:
            return call(self.socket, {"op": "ping"}, timeout=2)
        except UnavailableError:
            return None

    def exabgp_pid(self) -> int | None:
        """The ExaBGP child of the speaker, found through /proc."""
        if self.proc is None:
            return None
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid and b"exabgp" in cmdline:
                return int(entry.name)
        return None

    def sessions(self) -> dict[str, str]:
        from oob_console.adapters.bgp.control_socket import call

        return {s["upstream"]: s["state"] for s in call(self.socket, {"op": "sessions"}, timeout=5)["sessions"]}

    def wait_sessions_up(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = self.sessions()
            if states and all(s == "up" for s in states.values()):
                return
            time.sleep(0.05)
        raise AssertionError(f"sessions not up: {self.sessions()}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def kill9(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None

    def __enter__(self) -> SpeakerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
