"""`oob shell`'s run command against real routers: the same guarded, audited run as `oob run`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from oob_console.shell.session import LineShell
from oob_console.wiring import Services
from tests.lab.routers import RouterLab, write_inventory

pytestmark = pytest.mark.lab


def test_run_in_line_mode(site: Path, router_lab: RouterLab) -> None:
    r1, r2 = router_lab.router("r1"), router_lab.router("r2")
    r2.stop_sshd()
    write_inventory(site / "inventory.toml", [r1.device_entry(site="sjc1"), r2.device_entry(site="sjc1")])
    services = Services.from_config(str(site / "config.toml"), actor="test:alice")
    out = io.StringIO()
    commands = ("run site:sjc1 -- show version\nrun r1 -- clear bgp *\nrun r1\nrun -- show version\n"
                "run intent:nope r1 -- show version\nq\n")
    assert LineShell(services, io.StringIO(commands), out).run() == 0
    text = out.getvalue()
    lines = text.splitlines()
    assert "running 'show version' on 2 devices..." in text
    assert any(line.split()[:2] == ["r1", "ok"] and "FRRouting 8" in line for line in lines)
    assert any(line.split()[:2] == ["r2", "UNREACHABLE"] for line in lines)
    assert "2 devices: 1 ok, 1 unreachable" in text and "guard: read-only" in text
    assert "READ-ONLY - frr on r1, r2: runs as it is" in text  # the guard's verdict before anything is sent
    assert "DANGEROUS - frr on r1: needs 2 fresh hardware-key approval(s)" in text
    assert "- line 1 `clear bgp *`: hard-resets every BGP session" in text
    assert "error: dangerous: not sent" in text
    assert "error: run wants TARGETS -- COMMAND" in text
    assert "error: no devices: name them" in text
    assert text.count("guard: read-only") == 2  # an intent is ignored when the guard finds nothing to approve
    assert all(len(line) < 80 for line in lines)
    actions = [e["action"] for e in services.audit.show(action="run.")]
    assert actions == ["run.start", "run.finish", "run.refused", "run.start", "run.finish"]
