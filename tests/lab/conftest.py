"""Fixtures for lab tests: real routers (see tests/lab/routers.py) and a site whose inventory points at them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.routers import RouterLab, lab_unavailable


@pytest.fixture
def router_lab(tmp_path: Path) -> Iterator[RouterLab]:
    """A RouterLab whose routers are stopped when the test ends; skips loudly if sshd/FRR cannot run."""
    reason = lab_unavailable()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")
    with RouterLab(tmp_path) as lab:
        yield lab
