"""`oob doctor` on a real host: a console namespace with an OOB path and a production path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.netns import OOB_GW, PROD_RESOLVER, PROD_SERVICE, PRODUCTION_TOML, NetnsLab, netns_lab

pytestmark = pytest.mark.lab


@pytest.fixture
def lab() -> Iterator[NetnsLab]:
    with netns_lab() as net:
        yield net


def configure(site: Path, comms_host: str, extra: str = "") -> None:
    cfg = site / "config.toml"
    cfg.write_text(cfg.read_text() + PRODUCTION_TOML + f"""
[[comms.channels]]
name = "status"
kind = "webhook"
url = "http://{comms_host}:8080/hook"

[drill]
uplink = ["{OOB_GW}:8080"]
""" + extra)
    (site / "runbooks" / "bgp.md").write_text("# withdraw the drill prefix\n")


def doctor(lab: NetnsLab, site: Path, code: int) -> dict[str, Any]:
    out = lab.run_oob("doctor", "--json", home=site)
    assert out.returncode == code, out.stdout + out.stderr
    return json.loads(out.stdout)["result"]  # type: ignore[no-any-return]


def findings(report: dict[str, Any], group: str) -> list[dict[str, str]]:
    return [f for g in report["groups"] if g["group"] == group for f in g["findings"]]


def test_a_clean_config_passes(lab: NetnsLab, site: Path) -> None:
    configure(site, OOB_GW)
    report = doctor(lab, site, 0)
    assert report["counts"]["critical"] == 0
    (comms,) = findings(report, "comms")
    assert comms["level"] == "ok" and comms["path"] == f"{OOB_GW} dev oob0 src 10.77.1.2"
    (resolver,) = findings(report, "resolvers")
    assert resolver["level"] == "ok" and "dev oob0" in resolver["path"]
    assert [f["level"] for f in findings(report, "default route")] == ["ok"]
    assert {f["level"] for f in findings(report, "filesystems")} == {"ok"}


def test_a_comms_endpoint_routed_via_production_is_critical(lab: NetnsLab, site: Path) -> None:
    configure(site, PROD_SERVICE)
    report = doctor(lab, site, 20)
    (comms,) = findings(report, "comms")
    assert comms["level"] == "critical"
    assert comms["path"] == f"{PROD_SERVICE} via 10.77.2.1 dev prod0 src 10.77.2.2"
    assert "leaves through production interface prod0" in comms["problem"]
    assert "next hop 10.77.2.1 is in production prefix 10.77.2.0/24" in comms["problem"]
    assert comms["fix"].startswith(f"route {PROD_SERVICE} over the OOB uplink")
    text = lab.run_oob("doctor", home=site)
    assert text.returncode == 20 and "CRIT  status (10.78.5.5:8080)" in text.stdout


def test_a_resolver_via_production_is_critical_and_so_is_every_name_that_needs_it(lab: NetnsLab,
                                                                                 site: Path) -> None:
    configure(site, OOB_GW, """
[[doctor.endpoints]]
name = "looking-glass"
host = "lg.lab.example"
port = 443
""")
    lab.resolver(PROD_RESOLVER)
    report = doctor(lab, site, 20)
    (resolver,) = findings(report, "resolvers")
    assert resolver["level"] == "critical" and "production interface prod0" in resolver["problem"]
    dns = [f for f in findings(report, "endpoints") if f["subject"].endswith("needs DNS")]
    assert dns and dns[0]["level"] == "critical" and "crosses production" in dns[0]["problem"]
    # pinned in /etc/hosts, the name no longer needs DNS; the resolver itself is still flagged
    lab.pin_host("lg.lab.example", OOB_GW)
    report = doctor(lab, site, 20)
    assert [f["level"] for f in findings(report, "endpoints")] == ["ok"]
    lab.resolver(OOB_GW)
    doctor(lab, site, 0)


def test_production_asn_and_a_production_default_route(lab: NetnsLab, site: Path) -> None:
    configure(site, OOB_GW, f"""
[[doctor.endpoints]]
name = "upstream"
host = "{OOB_GW}"
kind = "bgp"
asn = 64500
""")
    report = doctor(lab, site, 20)
    (bgp,) = findings(report, "bgp")
    assert bgp["level"] == "critical" and "AS64500 is production's own AS" in bgp["problem"]
    subprocess.run(["ip", "-n", lab.console, "route", "replace", "default", "via", "10.77.2.1", "dev", "prod0"],
                   check=True)
    report = doctor(lab, site, 20)
    (default,) = findings(report, "default route")
    assert default["level"] == "warning" and "production interface prod0" in default["problem"]


def test_a_proxy_in_the_environment_is_reported_without_its_password(lab: NetnsLab, site: Path) -> None:
    configure(site, OOB_GW)
    env = {**os.environ, "OOB_HOME": str(site), "HTTPS_PROXY": f"http://ops:hunter2@{PROD_SERVICE}:3128"}
    res = subprocess.run(lab.exec(lab.console, sys.executable, "-m", "oob_console", "doctor", "--json"),
                         capture_output=True, text=True, env=env, check=False, timeout=60)
    assert res.returncode == 0, res.stderr  # a proxy is a warning: oob-console itself never uses one
    assert "hunter2" not in res.stdout + res.stderr
    (proxy,) = findings(json.loads(res.stdout)["result"], "proxies")
    assert proxy["level"] == "warning" and proxy["subject"] == f"HTTPS_PROXY ({PROD_SERVICE}:3128)"
    assert "never uses it" in proxy["problem"]
