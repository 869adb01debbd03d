"""known_hosts as OpenSSH writes and reads it, against a real sshd on loopback.

The files are written by OpenSSH's own tools (``ssh-keyscan -H`` hashes the
names; ``ssh-keygen -s -h`` signs a host certificate that sshd presents), and
the pattern rules are checked against the real ``ssh`` client: for each
names field, ``ssh -o HostKeyAlias=NAME`` accepting or refusing the host is the
answer our matcher must give.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from oob_console.core.devices.hostkeys import names_match
from tests.conftest import run_oob
from tests.lab.routers import Router, RouterLab, write_inventory

pytestmark = pytest.mark.lab


def _entry(r1: Router) -> dict[str, object]:
    entry = r1.device_entry()
    entry.pop("host_keys")  # pinned only through the site's known_hosts file
    return entry


def _run(site: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_oob("run", *extra, "r1", "--", "show version", home=site)


def _openssh_accepts(r1: Router, known: Path, alias: str) -> bool:
    proc = subprocess.run(
        [shutil.which("ssh") or "ssh", "-F", "none", "-p", str(r1.port), "-o", f"UserKnownHostsFile={known}",
         "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
         "-o", f"HostKeyAlias={alias}", "-o", "IdentitiesOnly=yes", "-i", str(r1.client_key),
         "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", f"{r1.username}@127.0.0.1", "show version"],
        capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL)
    return proc.returncode == 0


def test_keyscan_hashed_file_and_patterns_as_openssh_reads_them(site: Path, router_lab: RouterLab,
                                                                tmp_path: Path) -> None:
    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [_entry(r1)])
    scan = subprocess.run(["ssh-keyscan", "-H", "-t", "ed25519", "-p", str(r1.port), "127.0.0.1"],
                          capture_output=True, text=True, timeout=30, check=True)
    hashed = [ln for ln in scan.stdout.splitlines() if ln.startswith("|1|")]
    assert hashed, scan.stdout
    (site / "known_hosts").write_text("\n".join([
        "# written by ssh-keyscan -H", *hashed,
        "*.unrelated.example ssh-dss AAAAB3NzaC1kc3MAAACBAP",  # unusable, but names another host
    ]) + "\n")
    assert _run(site).returncode == 0
    assert _run(site, "--transport", "paramiko").returncode == 0
    check = run_oob("inventory", "check", home=site)
    assert "known_hosts:3: this line cannot be used" in check.stdout and "ssh-dss" in check.stdout

    # patterns: what OpenSSH's own client accepts (HostKeyAlias is the name it looks up) is what we match
    key = r1.host_key_line
    cases = [("r1.sjc1.example", "*.sjc1.example"), ("r1.sjc1.example", "*.lax1.example"),
             ("r1.sjc1.example", "r?.sjc1.example"), ("r10.sjc1.example", "r?.sjc1.example"),
             ("r1.sjc1.example", "*.example,!r1.sjc1.example"), ("r2.sjc1.example", "*.example,!r1.sjc1.example"),
             ("r1.sjc1.example", "!r2.sjc1.example"), ("R1.SJC1.example", "r1.sjc1.EXAMPLE"),
             ("[10.0.0.4]:2222", "[10.0.0.*]:2222"), ("[10.0.0.4]:2222", "10.0.0.*"),
             ("10.0.0.4", "10.0.0.?"), ("10.0.0.44", "10.0.0.?")]
    disagreements = []
    for alias, field in cases:
        known = tmp_path / "kh"
        known.write_text(f"{field} {key}\n")
        theirs = _openssh_accepts(r1, known, alias)
        if theirs != names_match(field, alias.lower() if not alias.startswith("[") else alias):
            disagreements.append((alias, field, theirs))
    assert not disagreements
    assert sum(_openssh_accepts(r1, tmp_path / "kh", a) for a in ("10.0.0.44",)) == 0  # the oracle can say no


def test_cert_authority_revoked_and_unusable_lines(site: Path, router_lab: RouterLab, tmp_path: Path) -> None:
    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [_entry(r1)])
    ca = tmp_path / "host_ca"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lab-host-ca", "-f", str(ca)], check=True)
    subprocess.run(["ssh-keygen", "-q", "-s", str(ca), "-I", "r1-host", "-h", "-n", "127.0.0.1", "-V", "-5m:+1h",
                    str(r1.dir / "host_ed25519.pub")], check=True)
    r1.extra_sshd = [f"HostCertificate {r1.dir / 'host_ed25519-cert.pub'}"]
    r1.restart_sshd()
    ca_pub = " ".join((tmp_path / "host_ca.pub").read_text().split()[:2])
    (site / "known_hosts").write_text(f"@cert-authority [127.0.0.1]:*,127.0.0.1 {ca_pub}\n")
    assert _run(site).returncode == 0  # asyncssh checks the certificate against the CA
    para = _run(site, "--transport", "paramiko")
    out = para.stdout + para.stderr
    assert para.returncode != 0 and "only by @cert-authority" in out and "paramiko" in out
    assert r1.received()[-1:] == ["show version"] and len(r1.received()) == 1  # paramiko never logged in

    other_ca = tmp_path / "other_ca"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other_ca)], check=True)
    wrong = " ".join((tmp_path / "other_ca.pub").read_text().split()[:2])
    (site / "known_hosts").write_text(f"@cert-authority [127.0.0.1]:* {wrong}\n")
    assert _run(site).returncode != 0  # a certificate from a CA we do not trust is not trusted

    # @revoked wins over a plain pin of the same key
    (site / "known_hosts").write_text(f"[127.0.0.1]:{r1.port} {r1.host_key_line}\n"
                                      f"@revoked * {r1.host_key_line}\n")
    for engine in ("asyncssh", "paramiko"):
        revoked = _run(site, "--transport", engine)
        assert revoked.returncode != 0 and "revoked" in (revoked.stdout + revoked.stderr).lower(), engine

    # a line naming this endpoint that cannot be used refuses it (it may have been its pin), with the line
    (site / "known_hosts").write_text(f"[127.0.0.1]:{r1.port} {r1.host_key_line}\n"
                                      f"[127.0.0.1]:{r1.port} ssh-ed25519 bm90LWEta2V5\n")
    bad = _run(site, "--json")
    text = bad.stdout + bad.stderr
    assert bad.returncode != 0 and "known_hosts:2" in text and "cannot be used" in text, text
    assert "Traceback" not in text
    notes = json.loads(run_oob("inventory", "check", "--json", home=site).stdout)["result"]["notes"]
    assert any(n.startswith("r1: refused until fixed") for n in notes) and any(":2: this line" in n for n in notes)
