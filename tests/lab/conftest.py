"""Fixtures for lab tests: the software security key provider and its devices."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab.softsk import SoftDevice, build_provider, build_reason


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
