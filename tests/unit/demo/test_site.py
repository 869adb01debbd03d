from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from oob_console.demo.site import TIMELINE, DemoSite
from oob_console.services.status.service import devices_probe


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


def test_the_demo_routers_answer_and_the_devices_line_probes_at_most_every_30s(people_site: DemoSite) -> None:
    app = people_site.services
    probe = devices_probe(app.devices, timeout=2)
    first = probe()
    assert (first.state, first.summary) == ("ok", "3 of 3 answer on SSH")
    probes = len(app.audit.show(action="inventory.probe"))
    assert probe() == first and len(app.audit.show(action="inventory.probe")) == probes  # cached, not re-audited
    assert people_site.routers is not None
    people_site.routers.stop()
    down = devices_probe(app.devices, timeout=2)()
    assert down.state == "fail" and down.summary.startswith("0 of 3 answer on SSH; not bb1.sjc1, bb2.sjc1, edge1")


def test_a_killed_demo_is_cleaned_up_by_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGKILL leaves the directory (private keys included); the next demo removes it, and only it."""
    import os
    import signal
    import subprocess
    import sys

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    child = subprocess.Popen([sys.executable, "-c",
                              "import tempfile, time; from oob_console.demo.site import DemoSite\n"
                              f"tempfile.tempdir = {str(tmp_path)!r}\n"
                              "d = DemoSite().__enter__(); print(d.root, flush=True); time.sleep(60)"],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    killed = Path(child.stdout.readline().strip())
    assert (killed / "site" / "keys" / "demo_ed25519").exists()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with DemoSite(keep=True) as kept:
        assert not killed.exists() and kept.stale_removed == [killed]
    with DemoSite() as demo:
        assert kept.root.exists() and demo.stale_removed == []  # a kept site is kept
    assert list(tmp_path.iterdir()) == [kept.root]
