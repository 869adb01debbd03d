"""Durations in the config: one type, read from text (or seconds where a key took them), written back as typed."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from oob_console.config import CommsConfig, parse_config
from oob_console.core.schema import SchemaError, load_dataclass
from oob_console.core.timefmt import Duration
from oob_console.core.toml_text import dump_toml
from oob_console.errors import ConfigError


@dataclass(frozen=True)
class Timers:
    lease: Duration = Duration.parse("4h")
    timeout: Duration = field(default=Duration.parse("30s"), metadata={"min": 0.1, "max": 600, "seconds": True})
    positive: Duration = field(default=Duration.parse("1m"), metadata={"min": 1})
    optional: Duration | None = None


def test_a_duration_keeps_what_the_operator_wrote() -> None:
    d = Duration.parse("1h30m")
    assert (d.seconds, str(d), d.timedelta) == (5400.0, "1h30m", timedelta(minutes=90))
    assert Duration.parse("5m") == Duration.parse("300s") and hash(Duration.parse("5m")) == hash(Duration.parse("300s"))
    assert str(Duration.of_seconds(2.5)) == "2.5" and Duration.of_seconds(2.5).seconds == 2.5
    with pytest.raises(ValueError, match="not a duration"):
        Duration.parse("soon")


def test_the_loader_reads_text_and_seconds_only_where_a_key_took_numbers() -> None:
    t = load_dataclass(Timers, {"lease": "2h", "timeout": 12.5, "optional": "90s"})
    assert (t.lease.seconds, t.timeout.seconds, t.optional) == (7200.0, 12.5, Duration.parse("90s"))
    assert load_dataclass(Timers, {"timeout": "1m", "optional": ""}) == Timers(timeout=Duration.parse("60s"))


@pytest.mark.parametrize(("data", "key", "fragment"), [
    ({"lease": 3600}, "lease", "expected a duration"),  # a bare number here would be a guess at the unit
    ({"lease": "4 hours"}, "lease", "not a duration"),
    ({"timeout": 0.01}, "timeout", "at least 0.1s"),
    ({"timeout": "1h"}, "timeout", "at most 600s"),
    ({"timeout": -1}, "timeout", "0s or more"),
    ({"timeout": float("nan")}, "timeout", "0s or more"),
    ({"positive": "0s"}, "positive", "at least 1s"),
    ({"optional": 5}, "optional", "expected a duration"),
])
def test_bad_durations_name_the_key(data: dict[str, object], key: str, fragment: str) -> None:
    with pytest.raises(SchemaError) as info:
        load_dataclass(Timers, data)
    assert info.value.key == key and fragment in info.value.message, info.value


def test_a_bad_duration_in_the_config_is_one_line_with_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as info:
        parse_config('[site]\nname = "x"\n\n[bgp]\nmax_lease = "a day"\n', path)
    line = str(info.value)
    assert "\n" not in line and f"{path}:5 key bgp.max_lease" in line and "'a day' is not a duration" in line


def test_durations_that_took_seconds_still_take_them() -> None:
    comms = parse_config("[comms]\nconnect_timeout = 5\ntimeout = 2.5\nexpire_after = \"2d\"\n", Path("c")).comms
    assert (comms.connect_timeout.seconds, comms.timeout.seconds, comms.expire_after.seconds) == (5, 2.5, 172800)
    assert comms == CommsConfig(connect_timeout=Duration.parse("5s"), timeout=Duration.of_seconds(2.5),
                                expire_after=Duration.parse("48h"))


def test_toml_text_writes_a_duration_back_as_it_was_written() -> None:
    t = Timers(lease=Duration.parse("1h30m"), timeout=Duration.of_seconds(2.5), optional=Duration.parse("0s"))
    text = dump_toml(t)
    assert 'lease = "1h30m"' in text and "timeout = 2.5\n" in text and 'optional = "0s"' in text
    assert load_dataclass(Timers, tomllib.loads(text)) == t
    assert dump_toml(Timers()) == "\n"  # defaults are left out, as for every other type
