"""Print the README's doctor and drill reports, produced from the labs.

Run as root: ``.venv/bin/python -m tests.lab.independence_demo``.

- doctor: the namespace lab of tests/lab/netns.py (a console namespace with an
  OOB path and a production path), with one webhook routed through production;
- drill: the loopback site of tests/lab/drill_site.py (real sshd+FRR routers,
  three kinds of console, ExaBGP peering with BIRD, comms endpoints, an enrolled
  software key).

Everything is removed afterwards.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from oob_console.wiring import init_site
from tests.lab.comms_servers import write_channel_config
from tests.lab.drill_site import DrillSite
from tests.lab.netns import OOB_GW, OOB_RESOLVER, PROD_SERVICE, PRODUCTION_TOML, NetnsLab
from tests.lab.routers import write_inventory


def show(args: tuple[str, ...], out_err: tuple[str, str, int]) -> None:
    out, err, code = out_err
    print(f"$ oob {' '.join(args)}")
    print(err + out, end="")
    print(f"(exit {code})\n")


def doctor_demo(tmp: Path) -> None:
    lab = NetnsLab().up()
    try:
        home = tmp / "sjc1"
        init_site(home, name="sjc1")
        base = lab.comms_server(tmp)
        (home / "runbooks" / "withdraw-drill-prefix.md").write_text("# withdraw the drill prefix\n")
        write_inventory(home / "inventory.toml", [])
        cfg = home / "config.toml"
        cfg.write_text(cfg.read_text() + PRODUCTION_TOML + write_channel_config(home, base, timeout=2.0)
                       + f'\n[drill]\nuplink = ["{base.removeprefix("http://")}"]\n'
                       + f'\n[[comms.channels]]\nname = "status-page"\nkind = "webhook"\n'
                         f'url = "http://{PROD_SERVICE}:8080/hook"\n')
        host = tmp / "host"  # the host's configuration doctor reads: a fixture, not this machine's /etc
        (host / "etc" / "chrony").mkdir(parents=True)
        (host / "etc" / "resolv.conf").write_text(f"nameserver {OOB_RESOLVER}\n")
        (host / "etc" / "chrony" / "chrony.conf").write_text(f"server {OOB_GW} iburst\n")
        done = lab.run_oob("doctor", home=home, env={"OOB_DOCTOR_ROOT": str(host)})
        show(("doctor",), (done.stdout, done.stderr, done.returncode))
    finally:
        lab.close()


def drill_demo(tmp: Path) -> None:
    with DrillSite(tmp, tmp / "sjc1") as lab:
        for args in (("drill", "run"), ("drill", "report")):
            done = lab.oob(*args, timeout=300)
            show(args, (done.stdout, done.stderr, done.returncode))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="oob-doctor-") as tmp:
        doctor_demo(Path(tmp))
    with tempfile.TemporaryDirectory(prefix="oob-drill-") as tmp:
        drill_demo(Path(tmp))


if __name__ == "__main__":
    main()
