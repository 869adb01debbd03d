"""A small, fixed site for TUI tests: same runbooks, same audit entries, same clock, every run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from oob_console.services.status.service import StatusItem
from oob_console.tui.app import ConsoleApp, build_app
from oob_console.tui.profile import choose_profile
from oob_console.wiring import Services, init_site
from tests.tui.people import people_site  # noqa: F401 - a fixture for this directory

RUNBOOKS = {
    "bgp/withdraw": "# Withdraw an emergency prefix\n\nWhen the lease must end early:\n\n"
                    "1. Check the lease with `oob bgp status`.\n2. Withdraw the prefix.\n3. Confirm upstream.\n",
    "console": "# Reach a router console\n\nUse the console server port named in the inventory.\n",
    "drill": "# Quarterly break-glass drill\n\nRun every recovery path end to end.\n",
}
NOTES = ("15:40 backbone down, DNS withdrawn", "15:52 starting backbone recovery at SJC1")


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio (anyio's pytest plugin, already installed with httpx)."""
    return "asyncio"


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """A site in ./site (relative, so no tmp path shows on screen) with a fixed audit clock."""
    monkeypatch.chdir(tmp_path)
    minutes = iter(range(60))
    monkeypatch.setattr("oob_console.adapters.audit_jsonl.utc_now",
                        lambda: f"2026-11-21T15:{next(minutes):02d}:00.000000Z")
    init_site(Path("site"), name="sjc1")
    for name, text in RUNBOOKS.items():
        path = Path("site/runbooks") / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    app = Services.from_config("site/config.toml", actor="user:alice")
    for note in NOTES:
        app.audit.note(note)
    # Doctor judges this host (its resolvers, routes, mounts): what it finds differs between machines,
    # and a snapshot must not. Its own line is tested in tests/unit/services/test_status.py.
    app.status.probes["doctor"] = lambda: StatusItem("doctor", "Doctor", "ok", "(fixed in TUI tests)")
    yield app


def make_app(services: Services, *, low_bandwidth: bool, login: bool | None = None) -> ConsoleApp:
    term = "vt100" if low_bandwidth else "xterm-256color"
    return build_app(services, choose_profile(term=term, tty=None), login=login)


async def settle(pilot: Pilot[None]) -> None:
    """Let service workers finish and their results be drawn (results can start more workers)."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
