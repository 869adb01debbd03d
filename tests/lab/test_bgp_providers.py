"""Provider backends end to end: the CLI against local servers speaking Cloudflare's and AWS's APIs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import run_oob
from tests.lab.bgp_site import PREFIX, bgp_site
from tests.lab.provider_apis import AwsEc2Api, CloudflareApi

pytestmark = pytest.mark.lab
ENV = {"OOB_TEST_CF_TOKEN": "cf-token-123", "OOB_TEST_AWS_KEY": "AKIDLAB", "OOB_TEST_AWS_SECRET": "lab/secret+key"}


def cloudflare_toml(url: str) -> str:
    return f"""
[bgp.upstreams.cf]
backend = "cloudflare"
allow_bogons = true
provisioned = ["{PREFIX}"]
origin_as = 64500
advertise_timeout = "5s"

[bgp.upstreams.cf.cloudflare]
account_id = "acct0123"
api_token = "env:OOB_TEST_CF_TOKEN"
api_url = "{url}/client/v4"
timeout = "5s"
"""


def aws_toml(url: str) -> str:
    return f"""
[bgp.upstreams.aws]
backend = "aws"
allow_bogons = true
provisioned = ["{PREFIX}"]
advertise_timeout = "8s"

[bgp.upstreams.aws.aws]
region = "us-east-1"
access_key_id = "env:OOB_TEST_AWS_KEY"
secret_access_key = "env:OOB_TEST_AWS_SECRET"
endpoint = "{url}"
timeout = "5s"
"""


def stages(out_json: str) -> dict[tuple[str, str], str]:
    result = json.loads(out_json)["result"]["execution"]
    return {(r["upstream"], s["name"]): s["state"] for r in result["routes"] for s in r["stages"]}


def test_cloudflare_advertise_and_withdraw_with_prepend(tmp_path: Path) -> None:
    with CloudflareApi(account="acct0123", token=ENV["OOB_TEST_CF_TOKEN"], cidr=PREFIX) as cf:
        home = tmp_path / "site"
        bgp_site(home, cloudflare_toml(cf.url))
        out = run_oob("bgp", "announce", PREFIX, "--prepend", "2", "--json", home=home, env=ENV)
        assert out.returncode == 10, out.stdout + out.stderr  # Cloudflare's own status is not the Internet's
        assert stages(out.stdout) == {("cf", "accepted"): "done", ("cf", "advertised"): "done",
                                      ("cf", "visible"): "unconfirmed"}
        assert cf.bgp["on_demand"]["advertised"] is True and cf.bgp["asn_prepend_count"] == 2
        patch = next(s for s in cf.seen if s.method == "PATCH")
        assert patch.body == {"on_demand": {"advertised": True}, "asn_prepend_count": 2}
        assert patch.path == "/client/v4/accounts/acct0123/addressing/prefixes/pfx0123/bgp/prefixes/bgp0123"

        out = run_oob("bgp", "withdraw", PREFIX, "--json", home=home, env=ENV)
        assert out.returncode == 10, out.stdout + out.stderr
        assert cf.bgp["on_demand"]["advertised"] is False


def test_cloudflare_throttling_is_retried_after_retry_after(tmp_path: Path) -> None:
    with CloudflareApi(account="acct0123", token=ENV["OOB_TEST_CF_TOKEN"], cidr=PREFIX) as cf:
        home = tmp_path / "site"
        bgp_site(home, cloudflare_toml(cf.url))
        cf.throttle = 2
        start = time.monotonic()
        out = run_oob("bgp", "announce", PREFIX, "--no-confirm", home=home, env=ENV)
        assert out.returncode == 0, out.stdout + out.stderr
        assert [s.status for s in cf.seen[:3]] == [429, 429, 200]
        assert cf.seen[2].at - cf.seen[0].at >= 1.9  # waited Retry-After: 1 twice
        assert time.monotonic() - start < 30
        assert cf.bgp["on_demand"]["advertised"] is True


def test_cloudflare_refused_token_fails_the_stage_not_the_console(tmp_path: Path) -> None:
    with CloudflareApi(account="acct0123", token="the-real-one", cidr=PREFIX) as cf:
        home = tmp_path / "site"
        bgp_site(home, cloudflare_toml(cf.url))
        out = run_oob("bgp", "announce", PREFIX, home=home, env=ENV)
        assert out.returncode == 8, out.stdout + out.stderr
        assert "taken by our speaker     FAILED" in out.stdout
        assert "Cloudflare refused the API token (HTTP 403)" in out.stdout
        assert ENV["OOB_TEST_CF_TOKEN"] not in (home / "audit.jsonl").read_text()  # never a secret in the log
        assert cf.bgp["on_demand"]["advertised"] is False


def test_aws_waits_for_advertised_state_and_respects_one_call_per_10s(tmp_path: Path) -> None:
    with AwsEc2Api(access_key=ENV["OOB_TEST_AWS_KEY"], secret_key=ENV["OOB_TEST_AWS_SECRET"], cidr=PREFIX,
                   propagation=1.0) as aws:
        home = tmp_path / "site"
        bgp_site(home, aws_toml(aws.url))
        out = run_oob("bgp", "announce", PREFIX, "--json", home=home, env=ENV)
        assert out.returncode == 10, out.stdout + out.stderr  # no confirmation source: UNCONFIRMED
        assert stages(out.stdout)[("aws", "advertised")] == "done"
        assert aws.state() == "advertised"
        plan = run_oob("bgp", "plan", "withdraw", PREFIX, home=home, env=ENV)
        assert plan.returncode == 0 and "the console waits for it" in plan.stdout
        out = run_oob("bgp", "withdraw", PREFIX, "--json", home=home, env=ENV)
        assert out.returncode == 10, out.stdout + out.stderr
        changes = [s for s in aws.seen if s.body.get("Action") in ("AdvertiseByoipCidr", "WithdrawByoipCidr")]
        assert [c.body["Action"] for c in changes] == ["AdvertiseByoipCidr", "WithdrawByoipCidr"]
        assert changes[1].at - changes[0].at >= 10.0
        assert aws.limited == 0 and aws.state() == "provisioned"


def test_aws_wrong_secret_is_an_auth_failure(tmp_path: Path) -> None:
    with AwsEc2Api(access_key=ENV["OOB_TEST_AWS_KEY"], secret_key="another", cidr=PREFIX) as aws:
        home = tmp_path / "site"
        bgp_site(home, aws_toml(aws.url))
        out = run_oob("bgp", "announce", PREFIX, home=home, env=ENV)
        assert out.returncode == 8
        assert "AWS refused the credentials: AuthFailure" in out.stdout
        assert aws.target == "provisioned"


def test_provider_refuses_anything_but_the_provisioned_cidr(tmp_path: Path) -> None:
    home = tmp_path / "site"
    bgp_site(home, aws_toml("http://127.0.0.1:9"), owned=[("203.0.113.0/24", 24), ("198.51.100.0/24", 24)])
    out = run_oob("bgp", "announce", "198.51.100.0/24", home=home, env=ENV)
    assert out.returncode == 7
    assert "advertises only its provisioned prefixes exactly" in out.stderr


def test_unwritable_audit_log_means_nothing_is_sent(tmp_path: Path) -> None:
    with CloudflareApi(account="acct0123", token=ENV["OOB_TEST_CF_TOKEN"], cidr=PREFIX) as cf:
        home = tmp_path / "site"
        bgp_site(home, cloudflare_toml(cf.url))
        audit = home / "audit.jsonl"
        audit.unlink()
        audit.mkdir()  # the audit log cannot be written (even by root)
        out = run_oob("bgp", "announce", PREFIX, home=home, env=ENV)
        assert out.returncode == 11, out.stdout + out.stderr
        assert "cannot write the audit log" in out.stderr
        assert not any(s.method == "PATCH" for s in cf.seen) and cf.bgp["on_demand"]["advertised"] is False
