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
