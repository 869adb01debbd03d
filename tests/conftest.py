"""Fixtures every test shares.

An autouse fixture isolates each test from the developer's own site: OOB_HOME
is unset and XDG_CONFIG_HOME points into the test's tmp dir, so a real
/etc/oob-console or ~/.config/oob-console is never read or written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("OOB_HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    yield


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A fresh OOB_HOME made by the real `init_site`."""
    from oob_console.wiring import init_site

    home = tmp_path / "site"
    init_site(home, name="test")
    return home


def genesis_verify_key(home: Path) -> str:
    """The verification key the site's genesis names (what `oob init` printed), for tests of an intact log."""
    first = json.loads((home / "audit.jsonl").read_bytes().split(b"\n", 1)[0])
    assert first["action"] == "audit.genesis"
    return str(first["details"]["verify_key"])


def run_oob(*args: str, home: Path | None = None, input: str | bytes | None = None,
            env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess (as an operator would)."""
    full_env = dict(os.environ)
    full_env.pop("OOB_HOME", None)
    if home is not None:
        full_env["OOB_HOME"] = str(home)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "oob_console", *args],
        input=input, capture_output=True, text=True, env=full_env, timeout=timeout, check=False,
    )
