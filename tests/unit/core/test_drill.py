from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.config import parse_toml_model
from oob_console.core.drill import KINDS, Plan, StepResult, build_report, default_plan, render_markdown, verdict
from oob_console.errors import ConfigError


def r(status: str, kind: str = "comms") -> StepResult:
    return StepResult(kind, "t", status, 0.1, "d")  # type: ignore[arg-type]


@pytest.mark.parametrize(("statuses", "want"), [
    (["pass", "pass"], "pass"), (["pass", "fail", "missing"], "fail"), (["pass", "missing"], "incomplete"),
    (["pass", "skipped"], "incomplete"), ([], "planned"), (["planned", "planned"], "planned"),
])
def test_verdict(statuses: list[str], want: str) -> None:
    assert verdict([r(s) for s in statuses]) == want


def test_default_plan_has_every_kind_once() -> None:
    assert [s.kind for s in default_plan().steps] == list(KINDS)


def test_plan_files_are_strict(tmp_path: Path) -> None:
    plan = parse_toml_model(Plan, 'name = "q4"\n[[steps]]\nkind = "comms"\ntargets = ["matrix"]\ntimeout = 30\n',
                            tmp_path / "p.toml")
    assert plan.steps[0].targets == ("matrix",) and plan.steps[0].timeout == 30
    with pytest.raises(ConfigError) as info:
        parse_toml_model(Plan, '[[steps]]\nkind = "coffee"\n', tmp_path / "p.toml")
    assert info.value.where is not None and info.value.where.endswith(":2 key steps[0].kind")
    with pytest.raises(ConfigError):
        parse_toml_model(Plan, 'name = "empty"\n', tmp_path / "p.toml")


def test_report_and_markdown() -> None:
    plan = Plan("q4", (*default_plan().steps[:2], default_plan().steps[-2]))
    results = [StepResult("doctor", "this host", "pass", 0.2504, "0 critical"),
               StepResult("uplink", "192.0.2.1:443", "fail", 10.0, "no answer | timeout"),
               StepResult("comms", "matrix", "pass", 0.5, "delivered")]
    report = build_report(drill_id="drill-20261121T080000Z", site="sjc1", actor="local:root", plan=plan,
                          plan_source="built in", started=1_790_000_000.0, finished=1_790_000_011.0,
                          results=results, needs={"keys": "not here", "uplink": "never shown: it ran"})
    assert report["verdict"] == "fail" and report["counts"] == {"pass": 2, "fail": 1, "skipped": 0, "missing": 0}
    assert report["missing"] == {} and "keys" in report["not_in_plan"]
    md = render_markdown(report)
    assert md.startswith("# Break-glass drill, site sjc1: FAIL\n")
    assert "| 2 | uplink | 192.0.2.1:443 | fail | 10.00 s | no answer \\| timeout |" in md
    assert "| 1 | doctor | this host | pass | 250.4 ms | 0 critical |" in md
    assert "## Failed" in md and "## Not in this plan" in md and "- keys: " in md
