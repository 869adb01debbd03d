"""The line-mode shell over a real site, driven through its streams and through `oob shell`."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from oob_console.shell.session import LineShell
from oob_console.wiring import Services
from tests.conftest import REPO, run_oob


@pytest.fixture
def services(site: Path) -> Services:
    (site / "runbooks" / "bgp").mkdir()
    (site / "runbooks" / "bgp" / "withdraw.md").write_text(
        "# Withdraw an emergency prefix\n\n" + "".join(f"step {i}\n" for i in range(1, 41)), encoding="utf-8")
    (site / "runbooks" / "console.md").write_text("# Reach a router console\n\nUse the console server.\n",
                                                  encoding="utf-8")
    return Services.from_config(str(site / "config.toml"), actor="test:alice")


def session(services: Services, commands: str, *, height: int = 24, ascii_only: bool = False) -> str:
    out = io.StringIO()
    code = LineShell(services, io.StringIO(commands), out, height=height, ascii_only=ascii_only).run()
    assert code == 0
    return out.getvalue()


def test_starts_with_the_dashboard_and_the_menu(services: Services) -> None:
    text = session(services, "q\n")
    lines = text.splitlines()
    assert lines[:2] == ["oob-console shell | site test",
                         "no user with an enrolled key: nobody can log in; acting as test:alice"]
    assert any(line.startswith("Audit log") and "[ OK ]" in line for line in lines)
    assert any(line.startswith("Devices reachable") and "[WARN] no devices in" in line for line in lines)
    assert any(line.startswith("Last drill") and "[WARN] no passing drill on record" in line for line in lines)
    assert any(line.startswith("Upstream BGP") and "[ -- ] not configured: no [bgp.upstreams]" in line
               for line in lines)
    assert "1 dash  2 dev  3 ap  4 rb  5 log  6 note  7 verify  8 drill  9 help  q quit" in lines
    assert all(len(line) < 80 for line in lines)
    assert "\x1b" not in text


def test_runbooks_list_step_open_and_page(services: Services) -> None:
    text = session(services, "rb\nn\nn\np\n.\n\nq\nq\n")
    assert "2 runbooks in runbooks/" in text
    assert "1 Reach a router console (console)\n2 Withdraw an emergency prefix (bgp/withdraw)" in text
    assert "> 1 Reach a router console\n> 2 Withdraw an emergency prefix\n> 1 Reach a router console" in text
    assert "== Reach a router console (console.md) ==" in text
    long = session(services, "rb withdraw\n1\n\nq\nq\n", height=12)
    assert "-- 10/43 lines: Enter for more, q stops --" in long and "-- 20/43 lines" in long
    assert "step 17" in long and "step 18" not in long  # q stopped the pager


def test_audit_log_note_verify_and_filter(services: Services) -> None:
    text = session(services, "note 15:52 starting recovery\n5\n/recovery\n1\nv\nq\n")
    # `oob init` wrote the sealed genesis, its seal and site.init: the note is #4
    assert "noted as audit #4" in text
    assert "4 audit entries, newest first" in text
    assert re.search(r"\n1 #4 \d\d-\d\d \d\d:\d\d test:alice note 15:52 starting recovery\n", text)
    assert '"text": "15:52 starting recovery"' in text
    assert "audit chain intact: 4 entries, last #4" in text


def test_note_prompts_when_given_no_text(services: Services) -> None:
    assert "noted as audit #4" in session(services, "note\nfrom a prompt\nq\n")
    assert "no note written" in session(services, "note\n\nq\n")


def test_mistakes_are_one_line_and_the_session_goes_on(services: Services) -> None:
    text = session(services, "frobnicate\nrb\n9\nx\nhelp\nq\n")
    assert "unknown command 'frobnicate'; ? lists them" in text
    assert "no entry 9; the list has 2" in text
    assert "In a list: <number> opens" in text


def test_a_broken_chain_is_reported_not_raised(services: Services, site: Path) -> None:
    services.audit.note("one")
    log = site / "audit.jsonl"
    log.write_text(log.read_text().replace('"one"', '"two"'))
    text = session(services, "verify\nq\n")
    assert "audit chain BROKEN: audit chain broken" in text and "[FAIL]" in text


def test_ascii_only_output(services: Services, site: Path) -> None:
    (site / "runbooks" / "utf8.md").write_text("# Café — checks ✓\n", encoding="utf-8")
    text = session(services, "rb caf\nq\n", ascii_only=True)
    assert "Caf? - checks v" in text and text.isascii()


def test_end_of_input_ends_the_session(services: Services) -> None:
    assert session(services, "rb\n").endswith("> \n")


def test_oob_shell_from_the_command_line(site: Path) -> None:
    proc = run_oob("shell", home=site, input="note from the cli shell\nlog\nq\n")
    assert proc.returncode == 0, proc.stderr
    assert "noted as audit #4" in proc.stdout and "note from the cli shell" in proc.stdout
    entries = [json.loads(line) for line in (site / "audit.jsonl").read_text().splitlines()]
    assert entries[-1]["action"] == "note" and entries[-1]["details"]["text"] == "from the cli shell"


def test_shell_does_not_load_textual_or_rich() -> None:
    render = ", ".join(f"oob_console.render.{p.stem}" for p in sorted((REPO / "oob_console" / "render").glob("*.py"))
                       if p.stem != "__init__")
    code = f"import oob_console.shell.session, {render}, sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    loaded = {m.split(".")[0] for m in json.loads(out.stdout)}
    assert "textual" not in loaded and "rich" not in loaded


def test_a_scripted_shell_that_cannot_log_in_fails_instead_of_eating_commands(tmp_path: Path) -> None:
    """`printf 'log\\nq\\n' | oob shell` on a site with enrolled keys: one clear line, exit 5, nothing run."""
    from oob_console.demo.site import DemoSite

    with DemoSite() as demo:
        done = run_oob("shell", home=demo.home, input="log\nq\n")
    assert done.returncode == 5, (done.stdout, done.stderr)
    assert "not logged in, so nothing was run" in done.stderr and "Traceback" not in done.stderr


def test_ctrl_c_at_the_prompt_drops_the_line_and_the_shell_goes_on(services: Services) -> None:
    class Typed(io.StringIO):
        """The operator types half a line, presses Ctrl-C (SIGINT arrives in readline), then more."""

        def __init__(self) -> None:
            super().__init__("rb\nq\n")
            self.interrupted = False

        def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
            if not self.interrupted:
                self.interrupted = True
                raise KeyboardInterrupt
            return super().readline()

    out = io.StringIO()
    assert LineShell(services, Typed(), out, height=24).run() == 0
    text = out.getvalue()
    assert "^C (q quits)" in text and "Reach a router console" in text
