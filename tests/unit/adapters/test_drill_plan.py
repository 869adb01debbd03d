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
    assert plan.steps[2].targets == ("matrix", "pagerduty") and plan.steps[2].timeout == 30


def test_a_missing_or_bad_plan_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_plan(tmp_path / "none.toml")
    assert info.value.where == str(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[steps]]\nkind = "doctor"\nretries = 3\n')
    with pytest.raises(ConfigError) as info:
        load_plan(bad)
    assert info.value.where == f"{bad}:3 key steps[0].retries"
