"""A whole site for the drill on loopback: routers, consoles, a BGP upstream, comms endpoints, a key.

    with DrillSite(tmp_path, tmp_path / "site") as lab:     # makes the site (OOB_HOME) itself
        out = lab.oob("drill", "run", "--json")

- routers r1, r2, r3: sshd + FRR vtysh (tests/lab/routers.py), each with pinned host keys;
- consoles: r1 behind an SSH console server (tests/lab/fault_ssh.py) on port "port5",
  r2 behind ser2net telnet, r3 on a local serial line (socat pty), each with a login prompt;
- comms: PagerDuty, Slack, Matrix and webhook endpoints (tests/lab/comms_servers.py);
- BGP: the console's ExaBGP speaker (``oob bgp speaker``) peering with a BIRD upstream on a
  loopback address, a looking glass over BIRD's RIB, ``bgp.drill_prefix`` 198.51.100.0/24
  (announced and withdrawn without a quorum; every other announcement needs two approvals);
- the uplink target is the comms server; alice has a (software) security key attached.

Everything runs on 127.0.0.1 with free ports and is stopped on exit.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_oob
from tests.lab.bgp_peers import BirdUpstream, LookingGlass, pair
from tests.lab.bgp_site import SpeakerProcess, bgp_site, upstream_toml
from tests.lab.comms_servers import CommsLab, write_channel_config
from tests.lab.consoles import Ser2net, SerialLine, consoles_unavailable
from tests.lab.fault_ssh import FaultServer
from tests.lab.netns import enroll_software_key
from tests.lab.routers import RouterLab, lab_unavailable, write_inventory
from tests.lab.softsk import SoftDevice, SoftKey

DRILL_PREFIX = "198.51.100.0/24"
SITE_TOML = """
[production]
prefixes = ["10.77.2.0/24", "10.78.0.0/16"]
asns = [64500]
interfaces = ["prod0"]

[auth]
allow_software_keys = true  # the lab has no USB security keys
"""


def skip_unless_drill_lab() -> None:
    reason = lab_unavailable() or consoles_unavailable()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")


class DrillSite:
    def __init__(self, tmp: Path, home: Path, sk_device: SoftDevice | None = None) -> None:
        """``sk_device``: the site's only engineer (carol) has an SSH sk key on it, and no FIDO2 key."""
        self.tmp, self.home = tmp, home
        self.key = tmp / "alice.softkey"
        self.sk_device = sk_device
        self.sk_key: SoftKey | None = None
        self._stack = contextlib.ExitStack()
        self.comms = CommsLab()

    def __enter__(self) -> DrillSite:
        stack = self._stack
        bird, console = pair(self.tmp / "bird", BirdUpstream)
        self.bird = bird
        stack.enter_context(bird)
        lg = stack.enter_context(LookingGlass(bird))
        bgp_site(self.home, upstream_toml("bird", bird, console, looking_glass="lab"), approvals=2,
                 looking_glass_url=lg.url, extra=f'drill_prefix = "{DRILL_PREFIX}"\n')
        cfg = self.home / "config.toml"
        cfg.write_text(cfg.read_text().replace('name = "bgplab"', 'name = "sjc1"', 1))
        routers = stack.enter_context(RouterLab(self.tmp))
        r1, r2, r3 = (routers.router(n) for n in ("r1", "r2", "r3"))
        self.routers = {r.name: r for r in (r1, r2, r3)}
        lines = self.lines = {r.name: SerialLine(r) for r in (r1, r2, r3)}
        for line in lines.values():
            stack.callback(line.stop)
        ser2net = Ser2net(self.tmp, {"r2": (lines["r2"].path, "telnet")})
        stack.callback(ser2net.stop)
        cs = stack.enter_context(FaultServer(self.tmp / "cs", console_lines={"port5": str(lines["r1"].path)}))
        write_inventory(
            self.home / "inventory.toml",
            [r1.device_entry(console={"kind": "ssh", "server": "cs1", "line": "port5"}),
             r2.device_entry(console={"kind": "telnet", "server": "127.0.0.1", "port": ser2net.ports["r2"]}),
             r3.device_entry(console={"kind": "serial", "line": str(lines["r3"].path), "baud": 115200})],
            [{"name": "cs1", "host": "127.0.0.1", "port": cs.port, "username": "alice",
              "key_file": str(cs.client_key), "host_keys": [cs.host_key_line]}],
        )
        self.comms.start()
        stack.callback(self.comms.stop)
        uplink = self.comms.base.removeprefix("http://")
        cfg.write_text(cfg.read_text() + SITE_TOML + write_channel_config(self.home, self.comms.base, timeout=2.0)
                       + f'\n[drill]\nuplink = ["{uplink}"]\nstep_timeout = 20.0\n')
        (self.home / "runbooks" / "withdraw-drill-prefix.md").write_text("# withdraw the drill prefix\n")
        if self.sk_device is None:
            enroll_software_key(self.home, self.key)
        else:
            self.sk_key = self.sk_device.enroll("carol")
            pub = self.tmp / "carol.pub"
            pub.write_text(self.sk_key.public_line + "\n")
            assert run_oob("user", "add", "carol", "--role", "approver", home=self.home).returncode == 0
            added = run_oob("key", "add-ssh", str(pub), "--user", "carol", home=self.home)
            assert added.returncode == 0, added.stderr
        self.speaker = stack.enter_context(SpeakerProcess(self.home))
        self.speaker.wait_sessions_up()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def sk_drill_approval(self) -> str:
        """Carol proves her sk key: she signs a drill intent with stock ssh-keygen and approves with it."""
        assert self.sk_device is not None and self.sk_key is not None
        made = self.oob("intent", "request", "drill", "--note", "quarterly drill", "--json")
        assert made.returncode == 0, made.stderr
        intent_id: str = json.loads(made.stdout)["result"]["id"]
        msg = self.tmp / f"{intent_id}.json"
        shown = self.oob("intent", "show", intent_id)
        assert shown.returncode == 0, shown.stderr
        msg.write_text(shown.stdout)
        subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "oob-console", "-f", str(self.sk_key.private), str(msg)],
                       check=True, capture_output=True, env=self.sk_device.env(), timeout=30,
                       stdin=subprocess.DEVNULL)
        approved = self.oob("approve", intent_id, "--sshsig", f"{msg}.sig")
        assert approved.returncode == 0, approved.stdout + approved.stderr
        return intent_id

    def oob(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        """The real CLI, with alice's key attached."""
        return run_oob(*args, home=self.home, env={"OOB_SOFT_KEY": str(self.key)}, **kw)
