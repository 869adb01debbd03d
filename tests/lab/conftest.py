"""Fixtures for lab tests: real routers (see tests/lab/routers.py) and a site whose inventory points at them;
the software security key provider and its devices (see tests/lab/softsk.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.oob_server import Store, relax_backoff
from tests.lab.routers import RouterLab, lab_unavailable
from tests.lab.softsk import SoftAgent, SoftDevice, build_provider, build_reason


@pytest.fixture
def router_lab(tmp_path: Path) -> Iterator[RouterLab]:
    """A RouterLab whose routers are stopped when the test ends; skips loudly if sshd/FRR cannot run."""
    reason = lab_unavailable()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")
    with RouterLab(tmp_path) as lab:
        yield lab


@pytest.fixture(scope="session")
def sk_provider(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The software SecurityKeyProvider, compiled once per run into a temp dir."""
    reason = build_reason()
    if reason:
        pytest.skip(f"LAB TEST NOT RUN: cannot build the software security key: {reason}")
    return build_provider(tmp_path_factory.mktemp("softsk"))


@pytest.fixture
def soft_device(tmp_path: Path, sk_provider: Path) -> SoftDevice:
    """A fresh software authenticator (its own credential directory)."""
    return SoftDevice(tmp_path / "softsk", sk_provider)


@pytest.fixture
def soft_agent(soft_device: SoftDevice) -> Iterator[SoftAgent]:
    """A real ssh-agent holding keys of ``soft_device``: how asyncssh clients use them."""
    agent = SoftAgent(soft_device)
    yield agent
    agent.stop()


@pytest.fixture
def alice_in_agent(site: Path, soft_device: SoftDevice, soft_agent: SoftAgent) -> Store:
    """The site's store with operator alice, whose software key is in ``soft_agent``."""
    relax_backoff(site)
    store = Store(site)
    key = soft_device.enroll("alice")
    soft_agent.add(key)
    store.add("alice", key)
    return store
