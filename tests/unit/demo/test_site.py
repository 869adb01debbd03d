from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from oob_console.demo.site import TIMELINE, DemoSite


def test_the_demo_site_has_runbooks_and_a_timeline_and_leaves_nothing(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with DemoSite() as demo:
        app = demo.services
        assert demo.home.is_relative_to(tmp_path)
        assert {rb.name for rb in app.runbooks.all()} >= {"backbone-down", "router-console"}
        notes = [e["details"]["text"] for e in app.audit.show(action="note")]
        assert notes == list(TIMELINE)
        users = {u.name: u.roles for u in app.credentials.list_users()}
        assert users == {"alice": ("operator",), "bob": ("approver",), "carol": ("approver",)}
        keys = app.credentials.list_keys()
        assert len(keys) == 3  # every demo key is software, and says so
        assert all(k.software or "SOFTWARE" in k.label for k in keys)
        assert app.audit.verify().entries > 3
    assert list(tmp_path.iterdir()) == []


def test_an_error_inside_still_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(KeyboardInterrupt), DemoSite():
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_keep_keeps_the_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with DemoSite(keep=True) as demo:
        home = demo.home
    assert (home / "config.toml").is_file()
