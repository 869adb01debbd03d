"""`oob init --production` and `oob doctor --strict/--root`: honest when nothing is declared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import run_oob


def findings(out: str, group: str) -> list[dict[str, Any]]:
    report = json.loads(out)["result"]
    return [f for g in report["groups"] if g["group"] == group for f in g["findings"]]


def test_a_site_without_production_says_it_could_not_judge_and_strict_fails(tmp_path: Path) -> None:
    home, root = tmp_path / "site", tmp_path / "root"
    root.mkdir()
    init = run_oob("init", "--home", str(home), input="")  # not a terminal: nothing is asked
    assert init.returncode == 0 and "production not declared" in init.stdout
    out = run_oob("doctor", "--json", "--root", str(root), home=home)
    assert out.returncode == 0, out.stderr
    (blind,) = findings(out.stdout, "production")
    assert blind["level"] == "warning" and blind["subject"] == "could not judge shared fate"
    strict = run_oob("doctor", "--strict", "--root", str(root), home=home)
    assert strict.returncode == 21 and "could not judge shared fate" in strict.stdout


def test_init_records_production_and_doctor_judges_against_it(tmp_path: Path) -> None:
    home, root = tmp_path / "site", tmp_path / "root"
    (root / "etc" / "chrony").mkdir(parents=True)
    (root / "etc" / "chrony" / "chrony.conf").write_text("server 10.20.0.123 iburst\n")
    init = run_oob("init", "--home", str(home), "--production", "10.20.0.0/16", "--production-asn", "64500",
                   "--production-interface", "prod0")
    assert init.returncode == 0, init.stderr
    assert "production 10.20.0.0/16, AS64500, prod0" in init.stdout
    out = run_oob("doctor", "--json", "--root", str(root), home=home)
    assert not findings(out.stdout, "production")
    (ntp,) = findings(out.stdout, "ntp")  # the time source is in production: critical, whatever its route
    assert ntp["level"] == "critical" and "10.20.0.123 is in production prefix 10.20.0.0/16" in ntp["problem"]
    assert out.returncode == 20
    bad = run_oob("init", "--home", str(tmp_path / "other"), "--production", "10.0.0.0/33")
    assert bad.returncode == 3 and "10.0.0.0/33" in bad.stderr and not (tmp_path / "other").exists()


def test_init_asks_for_production_only_on_a_terminal(tmp_path: Path) -> None:
    import os
    import sys

    from tests.lab.pty_client import run_on_pty

    home = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if k != "OOB_HOME"}
    run = run_on_pty([sys.executable, "-m", "oob_console", "init", "--home", str(home)], env,
                     marker=b"production prefixes", keys=b"10.20.0.0/16 2001:db8:20::/48\nAS64500\nprod0\n",
                     timeout=60)
    assert run.exit_status == 0, run.output.decode(errors="replace")
    assert b"What is production?" in run.output
    text = (home / "config.toml").read_text()
    assert 'prefixes = ["10.20.0.0/16", "2001:db8:20::/48"]' in text and "asns = [64500]" in text
    assert 'interfaces = ["prod0"]' in text
