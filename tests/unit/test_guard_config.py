"""The [guard] config section: documented in config.example.toml, strict, mapped to the policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.config import GuardConfig, LoadedConfig, parse_config
from oob_console.core.guard import GuardPolicy
from oob_console.errors import ConfigError
from oob_console.wiring import build_guard

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_the_example_documents_every_guard_key_with_its_default() -> None:
    text = EXAMPLE.read_text()
    config = parse_config(text, EXAMPLE)
    assert config.guard == GuardConfig()
    for key in GuardConfig.__dataclass_fields__:
        assert f"\n{key} = " in text.split("[guard]", 1)[1], key


def test_the_policy_is_built_from_the_config(tmp_path: Path) -> None:
    text = "[guard]\nlink_share = 0.3\nbackbone_share = 0.1\nsession_share = 0.4\nlag_member_share = 0.5\n" \
           'critical_link_kinds = ["backbone"]\nbackbone_roles = ["p"]\nmax_interfaces_down = 7\n' \
           "checker_timeout = 0.5\n"
    path = tmp_path / "config.toml"
    svc = build_guard(LoadedConfig(parse_config(text, path), path))
    assert svc.policy == GuardPolicy(0.3, 0.1, 0.4, 0.5, ("backbone",), ("p",), 7)
    assert svc.checker_timeout == 0.5


@pytest.mark.parametrize(("value", "seconds"), [("0.5", 0.5), ("3", 3.0), ('"3s"', 3.0)])
def test_checker_timeout_takes_seconds_as_before_or_a_duration(value: str, seconds: float) -> None:
    guard = parse_config(f"[guard]\nchecker_timeout = {value}\n", Path("c.toml")).guard
    assert guard.checker_timeout.seconds == seconds and str(guard.checker_timeout) == value.strip('"')


@pytest.mark.parametrize(("text", "message"), [
    ("[guard]\nlink_share = 0\n", "at least 0.01"),
    ("[guard]\nchecker_timeout = 0.01\n", "at least 0.05"),
    ("[guard]\ncritical_link_kinds = [\"core\"]\n", "unknown kind"),
    ("[guard]\nthreshold = 1\n", "unknown key"),
    ("[guard]\nchecker_timeout = \"2 seconds\"\n", "not a duration"),
    ("[guard]\nchecker_timeout = true\n", "expected a duration"),
    ("[guard]\nchecker_timeout = \"500ms\"\n", "not a duration"),
])
def test_bad_values_are_rejected_with_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("c.toml"))
    assert message in str(info.value) and "c.toml:2" in str(info.value)
