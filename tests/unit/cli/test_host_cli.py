"""`oob host setup --root DIR` and `oob host check --root DIR` with the real useradd and systemctl.

DIR stands in for a fresh Debian host: a copy of this machine's account files. useradd and
usermod work on it with --prefix, systemctl with --root, exactly as on / (without a daemon).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_oob

PKG_FILES = Path(__file__).resolve().parents[3] / "oob_console" / "host_files"


@pytest.fixture
def host_root(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        pytest.skip("HOST TEST NOT RUN: oob host setup needs root (chown to the service account)")
    for tool in ("useradd", "usermod", "systemctl"):
        if not shutil.which(tool):
            pytest.skip(f"HOST TEST NOT RUN: {tool} is not installed")
    root = tmp_path / "host"
    (root / "etc").mkdir(parents=True)
    for name in ("passwd", "group", "shadow", "gshadow"):
        if Path("/etc", name).exists():
            shutil.copy2(Path("/etc", name), root / "etc" / name)
    return root


def _json(proc: subprocess.CompletedProcess[str]) -> dict:  # type: ignore[type-arg]
    return json.loads(proc.stdout)["result"]


def _snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    out = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        out[str(path.relative_to(root))] = (st.st_mode, st.st_mtime_ns, st.st_uid)
    return out


def test_setup_twice_changes_nothing_the_second_time_and_check_passes(host_root: Path) -> None:
    first = run_oob("host", "setup", "--site", "sjc1", "--root", str(host_root), "--serial", "ttyS0", "--json")
    assert first.returncode == 0, first.stderr
    kinds = {c["kind"] for c in _json(first)["applied"]}
    assert kinds == {"account", "group", "site", "file", "enable"}
    passwd = (host_root / "etc/passwd").read_text()
    line = next(x for x in passwd.splitlines() if x.startswith("oob:"))
    uid = int(line.split(":")[2])
    assert line.endswith(":/var/lib/oob-console:/usr/sbin/nologin")
    assert "oob" in next(x for x in (host_root / "etc/group").read_text().splitlines()
                         if x.startswith("dialout:")).split(":")[3].split(",")
    site = host_root / "var/lib/oob-console"
    assert (site.stat().st_mode & 0o777, site.stat().st_uid) == (0o700, uid)
    assert ((site / "config.toml").stat().st_mode & 0o777, (site / "config.toml").stat().st_uid) == (0o600, uid)
    assert 'name = "sjc1"' in (site / "config.toml").read_text()
    assert (host_root / "etc/oob-console/site.env").read_text().count("OOB_HOME=/var/lib/oob-console") == 1
    assert (host_root / "etc/udev/rules.d/70-oob-console-fido.rules").is_file()
    assert (host_root / "etc/systemd/system/multi-user.target.wants/oob-serve.service").is_symlink()
    assert (host_root / "etc/systemd/system/timers.target.wants/oob-notify-flush.timer").is_symlink()
    getty = host_root / "etc/systemd/system/serial-getty@ttyS0.service.d/oob-console.conf"
    assert "--config /var/lib/oob-console/config.toml tui" in getty.read_text()
    # every installed file runs the oob of this installation, none the shipped placeholder
    for unit in (host_root / "etc/systemd/system").glob("oob-*.service"):
        assert "/opt/oob-console/bin/oob" not in unit.read_text()
        assert "EnvironmentFile=/etc/oob-console/site.env" in unit.read_text()

    before = _snapshot(host_root)
    second = run_oob("host", "setup", "--site", "sjc1", "--root", str(host_root), "--serial", "ttyS0", "--json")
    assert second.returncode == 0, second.stderr
    assert _json(second)["applied"] == []
    assert _snapshot(host_root) == before  # not even a rewrite of the same bytes
    check = run_oob("host", "check", "--root", str(host_root))
    assert check.returncode == 0, check.stdout
    assert check.stdout.strip() == f"host check under {host_root}: ok"


def test_check_finds_each_kind_of_drift_and_setup_repairs_it(host_root: Path) -> None:
    assert run_oob("host", "setup", "--site", "sjc1", "--root", str(host_root)).returncode == 0
    site = host_root / "var/lib/oob-console"
    (site / "config.toml").chmod(0o644)                                            # a mode
    os.chown(site / "audit.jsonl", 0, 0)                                           # an owner
    unit = host_root / "etc/systemd/system/oob-serve.service"
    unit.write_text(unit.read_text().replace("ProtectSystem=strict", "ProtectSystem=no"))  # a file's content
    (host_root / "etc/udev/rules.d/70-oob-console-fido.rules").unlink()            # a missing file
    (host_root / "etc/systemd/system/timers.target.wants/oob-notify-flush.timer").unlink()  # not enabled
    group = host_root / "etc/group"
    group.write_text("\n".join(x.replace(":oob", ":") if x.startswith("dialout:") else x
                               for x in group.read_text().splitlines()) + "\n")   # a group membership
    check = run_oob("host", "check", "--root", str(host_root), "--json")
    assert check.returncode == 1
    found = {(f["path"], f["problem"].split(":")[0].split(" ")[0]) for f in _json(check)["findings"]}
    assert ("/var/lib/oob-console/config.toml", "mode") in found
    assert ("/var/lib/oob-console/audit.jsonl", "owned") in found
    assert ("/etc/systemd/system/oob-serve.service", "differs") in found
    assert ("/etc/udev/rules.d/70-oob-console-fido.rules", "missing") in found
    assert ("/etc/systemd/system/oob-notify-flush.timer", "not") in found
    assert ("/etc/group", "'oob'") in found
    fixed = run_oob("host", "setup", "--site", "sjc1", "--root", str(host_root))
    assert fixed.returncode == 0, fixed.stderr
    assert (unit.with_name(unit.name + ".prev")).read_text().count("ProtectSystem=no") == 1  # the edit is kept
    assert run_oob("host", "check", "--root", str(host_root)).returncode == 0


def test_dry_run_changes_nothing_and_every_file_comes_from_the_package(host_root: Path) -> None:
    before = _snapshot(host_root)
    dry = run_oob("host", "setup", "--site", "sjc1", "--root", str(host_root), "--openssh", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert _snapshot(host_root) == before
    changes = [f["change"] for f in _json(dry)["findings"] if "change" in f]
    files = [c for c in changes if c["kind"] == "file"]
    assert {c["path"] for c in files} >= {"/etc/ssh/sshd_config.d/oob-console.conf",
                                          "/etc/systemd/system/oob-bgp-speaker.service"}
    for c in files:
        assert Path(c["source"]).resolve().is_relative_to(PKG_FILES.resolve()), c
    text = run_oob("host", "setup", "--site", "sjc1", "--root", str(host_root), "--openssh", "--dry-run").stdout
    assert "(dry run: nothing changed)" in text and text.count("\n  file ") == len(files)


def test_a_different_site_already_there_is_refused_and_nothing_changes(host_root: Path) -> None:
    from oob_console.wiring import init_site

    init_site(host_root / "var/lib/oob-console", name="lax2")
    before = _snapshot(host_root)
    out = run_oob("host", "setup", "--site", "sjc1", "--root", str(host_root))
    assert out.returncode == 7
    assert out.stderr.count("\n") == 1 and "the site here is 'lax2', not 'sjc1'" in out.stderr
    assert _snapshot(host_root) == before


def test_a_site_made_before_the_account_is_adopted(host_root: Path) -> None:
    from oob_console.wiring import init_site

    init_site(host_root / "var/lib/oob-console", name="sjc1")  # `oob init` run as root, by hand
    out = run_oob("host", "setup", "--site", "sjc1", "--root", str(host_root), "--json")
    assert out.returncode == 0, out.stderr
    assert "owner" in {c["kind"] for c in _json(out)["applied"]}
    assert "site" not in {c["kind"] for c in _json(out)["applied"]}  # never re-made
    assert run_oob("host", "check", "--root", str(host_root)).returncode == 0


def test_an_oob_under_a_home_directory_is_refused(host_root: Path) -> None:
    from oob_console.errors import RefusedError
    from oob_console.services.host import HostLayout
    from oob_console.wiring.host import build_host

    layout = HostLayout(root=str(host_root), site="sjc1", oob="/root/.local/bin/oob")
    before = _snapshot(host_root)
    with pytest.raises(RefusedError, match="ProtectHome"):
        build_host(str(host_root)).setup(layout)
    assert _snapshot(host_root) == before


def test_bad_input_is_one_line() -> None:
    for args, code in ((("host", "setup", "--site", "a/b", "--dry-run"), 2),
                       (("host", "setup", "--site", "x", "--root", "/nonexistent/dir", "--dry-run"), 2),
                       (("host", "setup", "--site", "x", "--serial", "/dev/ttyS0", "--dry-run"), 2),
                       (("host", "files", "--show", "nope"), 2)):
        out = run_oob(*args)
        assert out.returncode == code, (args, out.stderr)
        assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1, out.stderr


def test_files_list_names_every_shipped_file() -> None:
    out = run_oob("host", "files", "--list", "--json")
    names = {f["name"] for f in json.loads(out.stdout)["result"]}
    shipped = {str(p.relative_to(PKG_FILES)) for p in PKG_FILES.rglob("*") if p.is_file()}
    assert names == shipped
    assert {"udev/70-oob-console-fido.rules", "systemd/oob-serve.service", "config.example.toml",
            "sshd_config.d/oob-console.conf", "systemd/serial-getty@.service.d/oob-console.conf"} <= names
    show = run_oob("host", "files", "--show", "udev/70-oob-console-fido.rules")
    assert 'ENV{ID_SECURITY_TOKEN}=="1", GROUP="oob", MODE="0660"' in show.stdout


def test_check_host_gives_doctor_the_same_findings_as_values(host_root: Path) -> None:
    from oob_console.services.host import Finding
    from oob_console.wiring.host import check_host

    report = check_host(str(host_root))
    assert not report.ok and all(isinstance(f, Finding) for f in report.findings)
    cli = _json(run_oob("host", "check", "--root", str(host_root), "--json"))
    assert [f.to_json() for f in report.findings] == cli["findings"]
    assert run_oob("host", "setup", "--site", "sjc1", "--root", str(host_root)).returncode == 0
    assert check_host(str(host_root)).findings == ()


def test_doctor_includes_the_host_check_of_a_site_host_setup_made(host_root: Path) -> None:
    assert run_oob("host", "setup", "--site", "sjc1", "--root", str(host_root)).returncode == 0
    site = host_root / "var/lib/oob-console"
    config = str(site / "config.toml")

    def host_findings() -> list[dict[str, str]]:
        proc = run_oob("--config", config, "doctor", "--root", str(host_root), "--json")
        groups = json.loads(proc.stdout)["result"]["groups"]
        return [f for g in groups if g["group"] == "host" for f in g["findings"]]

    assert not [f for f in host_findings() if f["path"] == "/var/lib/oob-console"]  # as set up
    site.chmod(0o755)  # drift: the site open to everyone
    drift = [f for f in host_findings() if f["path"] == "/var/lib/oob-console"]
    assert drift and drift[0]["level"] == "critical" and "mode 0755" in drift[0]["problem"], drift
    assert drift[0]["fix"] == "oob host setup" and drift[0]["check"] == "host check"
