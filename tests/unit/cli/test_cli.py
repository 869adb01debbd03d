"""The real `oob` command in a subprocess, as an operator runs it."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from oob_console import __version__
from tests.conftest import REPO, run_oob


def _one_line_error(proc: object) -> str:
    stderr = proc.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_version() -> None:
    proc = run_oob("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"oob-console {__version__}"


def test_config_check_on_the_example() -> None:
    proc = run_oob("config", "check", "--config", str(REPO / "config.example.toml"))
    assert proc.returncode == 0, proc.stderr
    assert "config ok" in proc.stdout


def test_broken_configs_give_one_line_with_file_and_key(tmp_path: Path) -> None:
    cases = {
        "type.toml": ("[audit]\ncheckpoint_every = 'x'\n", ":2 key audit.checkpoint_every"),
        "unknown.toml": ("[site]\nname = 'a'\ncolour = 'red'\n", ":3 key site.colour"),
        "syntax.toml": ("[site\nname = 'a'\n", ":1)"),
    }
    for name, (text, where) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        proc = run_oob("config", "check", "--config", str(path))
        assert proc.returncode == 3, proc.stderr
        line = _one_line_error(proc)
        assert str(path) in line and where in line, line


def test_init_note_verify_show(tmp_path: Path) -> None:
    home = tmp_path / "site"
    proc = run_oob("init", "--home", str(home), "--name", "sjc1", "--json")
    assert proc.returncode == 0, proc.stderr
    key = json.loads(proc.stdout)["result"]["verify_key"]
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("config.toml", "audit.jsonl", "audit-sealing.key"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    assert run_oob("note", "15:52 starting backbone recovery at SJC1", home=home).returncode == 0
    unproven = run_oob("audit", "verify", "--json", home=home)
    assert unproven.returncode == 12 and json.loads(unproven.stdout)["result"]["proven"] is False
    verify = run_oob("audit", "verify", "--json", "--verify-key", key, home=home)
    assert verify.returncode == 0
    result = json.loads(verify.stdout)
    # genesis, its seal, site.init, the note
    assert result["ok"] and result["result"]["entries"] == 4 and result["result"]["seals_verified"] == 1
    show = run_oob("audit", "show", "--json", "--action", "note", home=home)
    entries = json.loads(show.stdout)["result"]
    assert [e["details"]["text"] for e in entries] == ["15:52 starting backbone recovery at SJC1"]
    assert entries[0]["actor"].startswith("local:")
    # refuses to overwrite an existing site
    again = run_oob("init", "--home", str(home))
    assert again.returncode == 9
    _one_line_error(again)


def test_tampered_log_fails_verify_with_line_and_json(tmp_path: Path) -> None:
    home = tmp_path / "site"
    run_oob("init", "--home", str(home))
    for text in ("one", "two", "three"):
        run_oob("note", text, home=home)
    log = home / "audit.jsonl"
    log.write_bytes(log.read_bytes().replace(b'"two"', b'"TWO"'))
    proc = run_oob("audit", "verify", home=home)
    assert proc.returncode == 4
    assert "line 5, seq 5" in _one_line_error(proc)
    as_json = run_oob("audit", "verify", "--json", home=home)
    err = json.loads(as_json.stdout)
    assert err["ok"] is False and err["error"]["details"]["seq"] == 5
    # --log verifies a copy without any config
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(log.read_bytes())
    assert run_oob("audit", "verify", "--log", str(copy)).returncode == 4


def test_missing_config_and_usage_errors_are_one_line(tmp_path: Path) -> None:
    proc = run_oob("note", "x", home=tmp_path / "nowhere")
    assert proc.returncode == 3
    assert "OOB_HOME has no config.toml" in _one_line_error(proc)
    usage = run_oob("audit", "show", "--bogus")
    assert usage.returncode == 2
    _one_line_error(usage)
    as_json = run_oob("audit", "frobnicate", "--json")
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["error"]["type"] == "UsageError"


def test_audit_write_failure_stops_the_action(tmp_path: Path) -> None:
    home = tmp_path / "site"
    run_oob("init", "--home", str(home))
    config = home / "config.toml"
    config.write_text(config.read_text().replace('audit_log = "audit.jsonl"', 'audit_log = "/proc/nope/audit.jsonl"'))
    proc = run_oob("note", "x", home=home)
    assert proc.returncode == 11
    assert "not run" in _one_line_error(proc)


def test_demo_runs_and_leaves_nothing(tmp_path: Path) -> None:
    proc = run_oob("demo", "--json", env={"TMPDIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)["result"]
    assert result["entries"] >= 3  # notes plus what each area adds to the demo
    assert list(tmp_path.iterdir()) == []
