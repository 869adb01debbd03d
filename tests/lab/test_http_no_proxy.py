"""No HTTP adapter goes through a proxy from the environment, checked on the wire.

Every proxy variable (upper and lower case) points at a TCP listener that
records each connection and answers nothing useful. The real CLI then drives
each HTTP adapter against its own local server: the NetBox importer, a
provider API (Cloudflare's and AWS's), the looking glass and the four
notification channels. Each request must reach its own server and the proxy
must see no connection at all. A control shows the trap is live: a default
httpx client in the same environment does connect to it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from tests.conftest import run_oob
from tests.lab.bgp_peers import LookingGlass, Route, Upstream
from tests.lab.bgp_site import LOCAL_AS, PREFIX, bgp_site
from tests.lab.comms_servers import CommsLab, write_channel_config
from tests.lab.netbox_api import TOKEN, NetBoxApi, serve_netbox
from tests.lab.provider_apis import AwsEc2Api, CloudflareApi

pytestmark = pytest.mark.lab

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
SECRETS = {"OOB_TEST_CF_TOKEN": "cf-token-123", "OOB_TEST_AWS_KEY": "AKIDLAB", "OOB_TEST_AWS_SECRET": "lab/secret"}


class ProxyTrap:
    """A "proxy" on 127.0.0.1:<free port>: records the first bytes of every connection, then hangs up."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            with conn:
                conn.settimeout(2)
                try:
                    first = conn.recv(200)
                except OSError:
                    first = b""
                self.connections.append(first or b"(connected, sent nothing)")

    def env(self) -> dict[str, str]:
        """Every proxy variable pointing here; nothing exempted by NO_PROXY."""
        return {**{var: f"http://127.0.0.1:{self.port}" for var in PROXY_VARS}, "NO_PROXY": "", "no_proxy": "",
                **SECRETS}

    def __enter__(self) -> ProxyTrap:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


@pytest.fixture
def trap() -> Iterator[ProxyTrap]:
    with ProxyTrap() as proxy:
        yield proxy


def test_the_trap_catches_a_client_that_trusts_the_environment(trap: ProxyTrap) -> None:
    code = "import httpx\ntry:\n    httpx.get('http://127.0.0.1:9/')\nexcept httpx.HTTPError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env=trap.env(), timeout=30, check=True)
    assert trap.connections and trap.connections[0].startswith(b"GET http://127.0.0.1:")


def test_netbox_import_goes_straight_to_netbox(site: Path, trap: ProxyTrap, tmp_path: Path) -> None:
    token = tmp_path / "netbox.token"
    token.write_text(TOKEN + "\n")
    token.chmod(0o600)
    with serve_netbox() as url:
        out = run_oob("inventory", "import", "netbox", "--url", url, "--token-file", str(token), "--json",
                      home=site, env=trap.env())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "r1" in json.loads(out.stdout)["result"]["added"]
    assert any(r.startswith("/api/dcim/devices/") for r in NetBoxApi.requests)
    assert any(r.startswith("/api/dcim/interfaces/") for r in NetBoxApi.requests)
    assert trap.connections == []


class CloudflareRib:
    """What a route collector behind Cloudflare sees: our prefix, while the API says it is advertised."""

    name = "cloudflare"
    local_as = 13335
    address = "192.0.2.13"

    def __init__(self, api: CloudflareApi) -> None:
        self.api = api

    def routes(self) -> dict[str, Route]:
        bgp = self.api.bgp
        return {bgp["cidr"]: Route(bgp["cidr"], [LOCAL_AS], self.address)} if bgp["on_demand"]["advertised"] else {}


def _stages(out_json: str) -> dict[tuple[str, str], str]:
    result = json.loads(out_json)["result"]["execution"]
    return {(r["upstream"], s["name"]): s["state"] for r in result["routes"] for s in r["stages"]}


def test_provider_apis_and_the_looking_glass_go_straight_to_them(tmp_path: Path, trap: ProxyTrap) -> None:
    with CloudflareApi(account="acct0123", token=SECRETS["OOB_TEST_CF_TOKEN"], cidr=PREFIX) as cf, \
            AwsEc2Api(access_key=SECRETS["OOB_TEST_AWS_KEY"], secret_key=SECRETS["OOB_TEST_AWS_SECRET"],
                      cidr=PREFIX, propagation=0.0) as aws, \
            LookingGlass(cast(Upstream, CloudflareRib(cf))) as lg:
        home = tmp_path / "site"
        bgp_site(home, f"""
[bgp.upstreams.cf]
backend = "cloudflare"
allow_bogons = true
provisioned = ["{PREFIX}"]
origin_as = {LOCAL_AS}
looking_glass = "lab"
advertise_timeout = "5s"
visible_timeout = "10s"

[bgp.upstreams.cf.cloudflare]
account_id = "acct0123"
api_token = "env:OOB_TEST_CF_TOKEN"
api_url = "{cf.url}/client/v4"
timeout = "5s"

[bgp.upstreams.aws]
backend = "aws"
allow_bogons = true
provisioned = ["{PREFIX}"]
advertise_timeout = "8s"
collectors = ["lab"]

[bgp.upstreams.aws.aws]
region = "us-east-1"
access_key_id = "env:OOB_TEST_AWS_KEY"
secret_access_key = "env:OOB_TEST_AWS_SECRET"
endpoint = "{aws.url}"
timeout = "5s"
""", looking_glass_url=lg.url)
        out = run_oob("bgp", "announce", PREFIX, "--json", home=home, env=trap.env())
        assert out.returncode == 0, out.stdout + out.stderr
        assert _stages(out.stdout) == {
            ("cf", "accepted"): "done", ("cf", "advertised"): "done", ("cf", "visible"): "done",
            ("aws", "accepted"): "done", ("aws", "advertised"): "done", ("aws", "visible"): "done"}
        assert any(s.method == "PATCH" for s in cf.seen) and cf.bgp["on_demand"]["advertised"] is True
        assert any(s.body.get("Action") == "AdvertiseByoipCidr" for s in aws.seen)
        assert lg.requests >= 1
    assert trap.connections == []


def test_notices_go_straight_to_every_channel(site: Path, trap: ProxyTrap) -> None:
    lab = CommsLab().start()
    try:
        cfg = site / "config.toml"
        cfg.write_text(cfg.read_text() + write_channel_config(site, lab.base, timeout=2.0))
        out = run_oob("notify", "backbone down", "--severity", "critical", "--json", home=site, env=trap.env())
        assert out.returncode == 0, out.stdout + out.stderr
        deliveries = json.loads(out.stdout)["result"]["deliveries"]
        assert {name: d["state"] for name, d in deliveries.items()} == {
            "pd": "delivered", "slack": "delivered", "matrix": "delivered", "hook": "delivered"}
        assert {r.kind for r in lab.requests} == {"pagerduty", "slack", "matrix", "webhook"}
    finally:
        lab.stop()
    assert trap.connections == []
