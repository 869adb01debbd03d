"""The [bgp] config section: documented example parses; mistakes name the key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.config import load_config
from oob_console.wiring.bgp import bgp_settings
from tests.unit.test_config import _err

REPO = Path(__file__).resolve().parents[2]


def test_example_bgp_section_becomes_policy_and_settings() -> None:
    cfg = load_config(str(REPO / "config.example.toml")).config.bgp
    assert set(cfg.upstreams) == {"isp-a", "edge-router", "cloudflare", "aws"}
    settings = bgp_settings(cfg)
    assert settings.policy.local_as == 64500
    assert settings.policy.owned[0].origin_as == 64500 and settings.policy.owned[0].max_length == 24
    assert settings.policy.upstreams["aws"].provisioned == ("203.0.113.0/24",)
    assert settings.upstreams["cloudflare"].deadline["advertised"] == 900
    assert settings.default_lease == 4 * 3600 and settings.approvals_required == 2


@pytest.mark.parametrize(("text", "key", "line", "message"), [
    ('[bgp]\nlocal_as = 1\n[bgp.upstreams.a]\nbackend = "aws"\n', "bgp.upstreams.a.backend", 4, "needs its [aws]"),
    ('[bgp.upstreams.a]\nbackend = "exabgp"\n[bgp.upstreams.a.session]\npeer_address = "x"\npeer_as = 1\n'
     'local_address = "192.0.2.1"\n', "bgp.upstreams.a.session.peer_address", 4, "not an IP address"),
    ('[bgp]\nlocal_as = 1\nmax_lease = "forever"\n', "bgp.max_lease", 3, "not a duration"),
    ('[[bgp.owned]]\nprefix = "203.0.113.7/24"\n', "bgp.owned[0].prefix", 2, "host bits"),
    ('[bgp]\ndefault_upstreams = ["x"]\n', "bgp.default_upstreams", 2, "not in [bgp.upstreams]"),
    ('[bgp.upstreams.a]\nbackend = "cloudflare"\n[bgp.upstreams.a.cloudflare]\naccount_id = "x"\n'
     'api_token = "hunter2"\n', "bgp.upstreams.a.cloudflare.api_token", 5, "never written inline"),
])
def test_mistakes_point_at_key_and_line(text: str, key: str, line: int, message: str, tmp_path: Path) -> None:
    err = _err(text, tmp_path)
    assert err.where is not None and err.where.endswith(f":{line} key {key}"), err.where
    assert message in err.message


def test_upstreams_need_local_as(tmp_path: Path) -> None:
    err = _err('[bgp.upstreams.a]\nbackend = "aws"\n[bgp.upstreams.a.aws]\nregion = "x"\n'
               'access_key_id = "env:A"\nsecret_access_key = "env:B"\n', tmp_path)
    assert "local_as" in (err.where or "") and "required" in err.message


def test_two_sessions_to_one_peer_address_are_refused(tmp_path: Path) -> None:
    session = 'backend = "exabgp"\n[bgp.upstreams.{n}.session]\npeer_address = "198.51.100.1"\npeer_as = 1\n' \
              'local_address = "198.51.100.2"\n'
    text = "[bgp]\nlocal_as = 2\n" + "".join(f"[bgp.upstreams.{n}]\n" + session.format(n=n) for n in ("a", "b"))
    err = _err(text, tmp_path)
    assert "also upstream a's" in err.message and "bgp.upstreams.b.session.peer_address" in (err.where or "")


def _two_sessions(feeds_a: str, extra: str = "") -> str:
    session = '[bgp.upstreams.{n}.session]\npeer_address = "198.51.100.{i}"\npeer_as = 6450{i}\n' \
              'local_address = "198.51.100.9"\n'
    return ("[bgp]\nlocal_as = 64500\n"
            f'[bgp.upstreams.a]\nbackend = "exabgp"\nfeeds = {feeds_a}\n' + session.format(n="a", i=1)
            + '[bgp.upstreams.b]\nbackend = "exabgp"\n' + session.format(n="b", i=2) + extra)


@pytest.mark.parametrize(("feeds", "extra", "message"), [
    ('["a"]', "", "cannot confirm itself"),
    ('["c"]', "", "'c' is not one of our ExaBGP upstreams"),
    ('["c"]', '[bgp.upstreams.c]\nbackend = "aws"\n[bgp.upstreams.c.aws]\nregion = "x"\n'
     'access_key_id = "env:A"\nsecret_access_key = "env:B"\n', "'c' is not one of our ExaBGP upstreams"),
])
def test_a_feed_must_be_another_of_our_sessions(feeds: str, extra: str, message: str, tmp_path: Path) -> None:
    err = _err(_two_sessions(feeds, extra), tmp_path)
    assert message in err.message and "bgp.upstreams.a.feeds[0]" in err.message + (err.where or "")


def test_a_feed_counts_as_a_confirmation_source_and_its_session_receives(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(_two_sessions('["b"]'))
    cfg = load_config(str(path)).config.bgp
    assert cfg.unconfirmable() == ["b"] and cfg.feed_sessions() == ["b"]
