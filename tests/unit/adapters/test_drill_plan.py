from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.adapters.drill_plan_toml import load_plan
from oob_console.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]


def test_the_example_plan_loads() -> None:
    plan = load_plan(REPO / "deploy" / "drill.example.toml")
    assert plan.name == "Q4 break-glass drill"
    assert [s.kind for s in plan.steps] == ["doctor", "uplink", "comms", "freshness"]
    assert plan.steps[2].targets == () and plan.steps[2].timeout == 30  # every channel the site has


def test_the_example_plan_runs_on_a_fresh_site(tmp_path: Path) -> None:
    """It names nothing a new site lacks (channels, targets): the drill runs, nothing is refused."""
    from oob_console.wiring import init_site
    from tests.conftest import run_oob

    init_site(tmp_path / "site", name="fresh")
    done = run_oob("drill", "run", "--plan", str(REPO / "deploy" / "drill.example.toml"), "--json",
                   home=tmp_path / "site", timeout=120)
    assert done.returncode in (0, 1), done.stderr  # a drill may fail its checks; never a config error
    assert "error:" not in done.stderr, done.stderr


def test_a_missing_or_bad_plan_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_plan(tmp_path / "none.toml")
    assert info.value.where == str(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[steps]]\nkind = "doctor"\nretries = 3\n')
    with pytest.raises(ConfigError) as info:
        load_plan(bad)
    assert info.value.where == f"{bad}:3 key steps[0].retries"
