"""Hostile numbers and structures get one error line, never a traceback (issue 18, item 6).

Three surfaces, fuzzed with hypothesis: the CLI's arguments (in-process ``main``
on a real site), the config loader and the inventory loader. Values are the
classes the issue names: huge and negative numbers, huge durations, NaN and
infinities, NUL and control characters, deep nesting; CI runs a few hundred
examples per surface (``OOB_FUZZ_EXAMPLES`` raises it for a deep run).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oob_console.adapters.inventory_toml import parse_inventory
from oob_console.cli.main import main
from oob_console.config import Config, parse_config
from oob_console.errors import EXIT_BUG, ConfigError

EXAMPLES = int(os.environ.get("OOB_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                              HealthCheck.function_scoped_fixture])

NUMBERISH = st.one_of(
    st.integers(-10**30, 10**30).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "-1", "0", "-0", "0x10", "1_000", "9" * 5000, "٣", "1.5"]),
)
DURATIONISH = st.one_of(
    st.integers(0, 10**25).flatmap(lambda n: st.sampled_from([f"{n}s", f"{n}m", f"{n}h", f"{n}d", f"{n}w"])),
    st.text(alphabet="0123456789smhdw ", max_size=30),
)
TEXTISH = st.one_of(st.text(max_size=40), st.sampled_from(["\x00", "a\x00b", "\x1b]52;c;eA==\x07", "\u202e", "-",
                                                           "--", "../../../../etc/passwd", "/" * 300]))
HOSTILE = st.one_of(NUMBERISH, DURATIONISH, TEXTISH)

TEMPLATES: list[tuple[str, ...]] = [
    ("audit", "show", "--since", "V"), ("audit", "show", "--limit", "V"), ("audit", "show", "--actor", "V"),
    ("audit", "verify", "--log", "V"), ("intent", "request", "drill", "--lifetime", "V", "--note", "V"),
    ("intent", "show", "V"), ("intent", "status", "V"), ("intent", "list"), ("sessions", "play", "V", "--speed", "V"),
    ("sessions", "play", "V", "--idle-limit", "V"), ("inventory", "show", "V"), ("inventory", "list", "--timeout", "V"),
    ("backup", "diff", "V", "--from", "V"), ("backup", "show", "V"), ("run", "V", "--timeout", "V", "--", "show x"),
    ("run", "--all", "--concurrency", "V", "--", "show x"), ("runbooks", "search", "V"), ("runbooks", "show", "V"),
    ("note", "V"), ("guard", "check", "--platform", "V", "V"), ("key", "list", "--user", "V"),
    ("user", "add", "V", "--role", "V"), ("drill", "report", "--last", "V"), ("bgp", "show", "V"),
    ("key", "revoke", "V"), ("user", "unlock", "V"), ("config", "check"), ("--json", "audit", "show", "--limit", "V"),
]


@pytest.fixture(scope="module")
def fuzz_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from oob_console.wiring import init_site

    home = tmp_path_factory.mktemp("fuzz") / "site"
    init_site(home, name="fuzz")
    return home


@FUZZ
@given(st.sampled_from(TEMPLATES), st.lists(HOSTILE, min_size=4, max_size=4))
def test_cli_arguments(fuzz_site: Path, template: tuple[str, ...], values: list[str]) -> None:
    it = iter(values)
    argv = [next(it) if word == "V" else word for word in template]
    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get("OOB_HOME")
    os.environ["OOB_HOME"] = str(fuzz_site)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                contextlib.suppress(SystemExit):  # --help/--version exit as argparse does
            code = main(argv)
    finally:
        if old is None:
            os.environ.pop("OOB_HOME", None)
        else:
            os.environ["OOB_HOME"] = old
    assert "Traceback" not in err.getvalue(), (argv, err.getvalue()[-2000:])
    assert code != EXIT_BUG, argv
    lines = [line for line in err.getvalue().splitlines() if line.startswith("error:")]
    assert len(lines) <= 1, (argv, err.getvalue())


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string (\\uXXXX escapes included)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


SCALARS = st.one_of(
    st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=30), st.sampled_from(["a\x00b", "9999999999999999999d", "1000000000000w", "-5s", ""]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
DEEP = st.one_of(st.integers(1, 3000), st.sampled_from([999, 1000, 5000, 20000])).map(lambda d: "[" * d + "]" * d)


def _sections() -> list[tuple[str, str]]:
    out = []
    for section in dataclasses.fields(Config):
        tp = section.type if isinstance(section.type, type) else section.default_factory  # type: ignore[misc]
        if dataclasses.is_dataclass(tp):
            out += [(section.name, f.name) for f in dataclasses.fields(tp)]  # type: ignore[arg-type]
    return out


SECTION_KEYS = _sections()


@FUZZ
@given(st.sampled_from(SECTION_KEYS), st.one_of(VALUES.map(toml_value), DEEP))
def test_config_loader(tmp_path: Path, key: tuple[str, str], value: str) -> None:
    section, name = key
    text = f"[{section}]\n{name} = {value}\n"
    with contextlib.suppress(ConfigError):
        parse_config(text, tmp_path / "config.toml")


DEVICE_KEYS = ["name", "platform", "host", "port", "username", "key_file", "password", "host_keys", "site", "role",
               "transport", "console", "links", "bgp", "tags", "cli"]


@FUZZ
@given(st.sampled_from(DEVICE_KEYS), st.one_of(VALUES.map(toml_value), DEEP))
def test_inventory_loader(key: str, value: str) -> None:
    base = {"name": '"r1"', "platform": '"ios"', "host": '"127.0.0.1"'}
    base[key] = value
    text = "[[devices]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items())
    with contextlib.suppress(ConfigError):
        parse_inventory(text, "inventory.toml")
