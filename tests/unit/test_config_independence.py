"""The production, doctor, comms and drill config sections refuse what they cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.config import parse_config
from oob_console.errors import ConfigError


def _err(text: str, tmp_path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path / "c.toml")
    return info.value


@pytest.mark.parametrize(("text", "key", "words"), [
    ('[production]\nprefixes = ["10.0.0.0/33"]\n', "production.prefixes[0]", "not an IP prefix"),
    ("[production]\nasns = [0]\n", "production.asns[0]", "not an AS number"),
    ('[production]\ninterfaces = ["eth 0"]\n', "production.interfaces[0]", "not an interface"),
    ('[doctor]\ndata_max_age = "soon"\n', "doctor.data_max_age", "not a duration"),
    ('[[doctor.endpoints]]\nname = "a"\nhost = "h"\n[[doctor.endpoints]]\nname = "a"\nhost = "i"\n',
     "doctor.endpoints", "unique"),
    ('[comms]\nexpire_after = "1 day"\n', "comms.expire_after", "not a duration"),
    ('[comms]\nauto = ["coffee"]\n', "comms.auto[0]", "not one of"),
    ('[[comms.channels]]\nname = "s"\nkind = "slack"\nurl = "https://hooks.slack.com/x"\n',
     "comms.channels[0].url_ref", "itself a secret"),
    ('[[comms.channels]]\nname = "m"\nkind = "matrix"\nurl = "https://hs"\nroom = "#alias:hs"\n'
     'secret = "env:T"\n', "comms.channels[0].room", "room id"),
    ('[[comms.channels]]\nname = "m"\nkind = "matrix"\nurl = "https://hs"\nroom = "!r:hs"\n',
     "comms.channels[0].secret", "access token"),
    ('[[comms.channels]]\nname = "p"\nkind = "pagerduty"\n', "comms.channels[0].secret", "routing key"),
    ('[[comms.channels]]\nname = "p"\nkind = "pagerduty"\nsecret = "RK123"\n', "comms.channels[0].secret",
     "never written inline"),
    ('[[comms.channels]]\nname = "w"\nkind = "webhook"\nurl = "ftp://x"\n', "comms.channels[0].url", "http(s)"),
    ('[[comms.channels]]\nname = "w"\nkind = "webhook"\n', "comms.channels[0].url", "needs"),
    ('[[comms.channels]]\nname = "W"\nkind = "webhook"\nurl = "http://x"\n', "comms.channels[0].name", "lower"),
    ('[[comms.channels]]\nname = "w"\nkind = "fax"\n', "comms.channels[0].kind", "expected one of"),
    ('[drill]\nuplink = ["example.net"]\n', "drill.uplink[0]", "HOST:PORT"),
    ('[[doctor.endpoints]]\nname = "a"\nhost = "http://x/"\n', "doctor.endpoints[0].host", "not an address"),
])
def test_bad_values_name_the_key(text: str, key: str, words: str, tmp_path: Path) -> None:
    err = _err(text, tmp_path)
    assert err.where is not None and err.where.endswith(f"key {key}"), err.where
    assert words in err.message + (err.hint or "")


def test_a_webhook_may_keep_its_url_secret(tmp_path: Path) -> None:
    cfg = parse_config('[[comms.channels]]\nname = "w"\nkind = "webhook"\nurl_ref = "env:HOOK"\n',
                       tmp_path / "c.toml")
    assert str(cfg.comms.channels[0].url_ref) == "env:HOOK"
