"""Print a doctor report and a drill report from the namespace lab (the README's examples).

Run as root: ``.venv/bin/python -m tests.lab.independence_demo``. It builds the
lab of tests/lab/netns.py, a site whose comms channels live on the OOB side,
runs ``oob doctor`` (once with a webhook routed through production, once
clean) and ``oob drill run``, prints what they print, and removes everything.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from oob_console.bootstrap import init_site
from tests.lab.comms_servers import write_channel_config
from tests.lab.netns import PROD_SERVICE, PRODUCTION_TOML, NetnsLab, enroll_software_key


def show(title: str, lab: NetnsLab, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
    out = lab.run_oob(*args, home=home, env=env)
    print(f"$ oob {' '.join(args)}    # {title}")
    print(out.stderr + out.stdout, end="")
    print(f"(exit {out.returncode})\n")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="oob-demo-") as tmp:
        lab = NetnsLab().up()
        try:
            home = Path(tmp) / "sjc1"
            init_site(home, name="sjc1")
            base = lab.comms_server(Path(tmp))
            (home / "runbooks" / "withdraw-drill-prefix.md").write_text("# withdraw the drill prefix\n")
            cfg = home / "config.toml"
            clean = (cfg.read_text() + PRODUCTION_TOML + write_channel_config(home, base, timeout=2.0)
                     + f'\n[drill]\nuplink = ["{base.removeprefix("http://")}"]\nstep_timeout = 20.0\n'
                     + "\n[auth]\nallow_software_keys = true  # the lab has no USB keys\n")
            cfg.write_text(clean + f'\n[[comms.channels]]\nname = "status-page"\nkind = "webhook"\n'
                                   f'url = "http://{PROD_SERVICE}:8080/hook"\n')
            show("a webhook routed through production", lab, home, "doctor")
            cfg.write_text(clean)
            key = Path(tmp) / "alice.softkey"
            enroll_software_key(home, key)
            show("", lab, home, "drill", "run", env={"OOB_SOFT_KEY": str(key)})
            show("", lab, home, "drill", "report")
        finally:
            lab.close()


if __name__ == "__main__":
    sys.exit(main())
