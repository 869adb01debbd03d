"""A site with people and software keys (the demo's: alice, bob, carol), for login and approval tests.

A directory's ``conftest.py`` imports it (``tests/tui``, ``tests/unit/shell``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from oob_console.demo.site import DemoSite
from oob_console.wiring import SOFT_KEY_ENV


@pytest.fixture
def people_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoSite]:
    """The demo site in ``tmp_path``, with alice's and bob's software keys attached to this host."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("OOB_SESSION", raising=False)
    with DemoSite() as site:
        monkeypatch.setenv(SOFT_KEY_ENV, os.pathsep.join(str(k) for k in site.people.at_the_host))
        yield site
