"""docs/operator/keys.md, run as written: every `oob` and `ssh-keygen` line of its sh blocks, in order,
with software keys standing in for the USB keys (a software FIDO2 key behind `OOB_SOFT_KEY` for
`oob key enroll`, the software SecurityKeyProvider for the real `ssh-keygen`). A line marked
``# refused: exit N`` must fail with exactly N; every other line must succeed.

Only what cannot exist here is replaced: `runuser -u oob --` (the test is the site's owner
already), the PIN typed at the prompt (sent on a real pseudo-terminal), and which key is plugged
in (the spare in the section that says so).
"""

from __future__ import annotations

import json
import os
import re
import select
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.lab.consoles import PtyProcess
from tests.lab.softsk import PIN, SoftDevice

pytestmark = pytest.mark.lab

DOC = Path(__file__).resolve().parents[2] / "docs" / "operator" / "keys.md"
PROMPT = b"PIN for the security key: "


def doc_steps() -> list[tuple[str, str]]:
    """(section title, shell line) of every line in the doc's ```sh blocks."""
    steps, section, inside = [], "", False
    for line in DOC.read_text().splitlines():
        if line.startswith("## ") and not inside:
            section = line[3:]
        elif line.strip() == "```sh":
            inside = True
        elif line.strip() == "```":
            inside = False
        elif inside and line.strip():
            steps.append((section, line.strip()))
    return steps


def run_on_terminal(argv: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    """Run on a pseudo-terminal; type the PIN whenever the command asks for it."""
    p = PtyProcess(argv, env)
    deadline = time.monotonic() + timeout
    while p.proc.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([p.master], [], [], 0.1)
        if ready:
            try:
                p.seen += os.read(p.master, 65536)
            except OSError:
                break
        if PROMPT in p.seen:
            p.seen = p.seen.replace(PROMPT, b"[pin]", 1)
            p.send(PIN + "\r")
    code = p.wait(timeout=max(1, deadline - time.monotonic()))
    return code, p.seen.decode(errors="replace")


def test_the_keys_walkthrough_runs_as_written(site: Path, soft_device: SoftDevice, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    config = site / "config.toml"
    text = config.read_text()
    assert "[auth]" not in text  # the starter config has no [auth]: add the one test-site setting
    config.write_text(text + "\n[auth]\nallow_software_keys = true  # software keys stand in for the USB keys\n")
    env = {**os.environ, "PIN_FOR_TEST": PIN}
    keys = {}
    for name in ("primary", "spare"):
        keys[name] = str(tmp_path / f"{name}.softkey")
        subprocess.run([sys.executable, "-m", "oob_console", "softkey", "init", keys[name], "--pin",
                        "env:PIN_FOR_TEST"], check=True, env=env, capture_output=True, timeout=60)
    work = tmp_path / "laptop"
    work.mkdir()
    monkeypatch.chdir(work)  # the .pub file is copied to the host: one directory plays both
    steps = doc_steps()
    assert sum("oob key enroll" in s for _, s in steps) >= 3 and any("ed25519-sk" in s for _, s in steps)
    listed: list[dict] = []  # type: ignore[type-arg]
    ran = 0
    for section, line in steps:
        command, _, comment = line.partition("  #")
        refused = re.search(r"refused: exit (\d+)", comment)
        want = int(refused.group(1)) if refused else 0
        argv = shlex.split(command)
        if argv[0] == "export":
            name, _, value = argv[1].partition("=")
            assert (name, value) == ("OOB_HOME", "/var/lib/oob-console")  # what host setup makes
            continue
        if argv[:4] == ["runuser", "-u", "oob", "--"]:
            argv = argv[4:]
        if argv[0] == "oob":
            if "KEY_ID" in argv:
                spare = next(k for k in listed if "spare" in k["label"])
                argv[argv.index("KEY_ID")] = spare["key_id"]
            plugged = keys["spare"] if "spare" in section.lower() else keys["primary"]
            run_env = {**os.environ, "OOB_HOME": str(site), "OOB_SOFT_KEY": plugged, "TERM": "vt100"}
            code, out = run_on_terminal([sys.executable, "-m", "oob_console", *argv[1:]], run_env)
            if "--json" in argv and argv[1:3] == ["key", "list"]:
                listed = json.loads(out[out.index("{"):])["result"]
        elif argv[0] == "ssh-keygen":
            proc = subprocess.run(argv, cwd=work, env=soft_device.env(), stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=60, start_new_session=True)
            code, out = proc.returncode, proc.stdout + proc.stderr
        else:
            raise AssertionError(f"keys.md shows a command this test does not know how to run: {line}")
        ran += 1
        assert code == want, f"{line}\n-> exit {code}, wanted {want}\n{out[-1500:]}"
        if refused:
            errors = [x for x in out.splitlines() if x.startswith("error: ")] if argv[0] == "oob" else ["-"]
            assert len(errors) == 1, out
    assert ran >= 10
    # what the walkthrough leaves behind: two hardware-style keys and an sk key, the spare revoked
    final = subprocess.run([sys.executable, "-m", "oob_console", "key", "list", "--user", "alice", "--json"],
                           env={**os.environ, "OOB_HOME": str(site)}, capture_output=True, text=True, timeout=60)
    mine = json.loads(final.stdout)["result"]
    assert len(mine) == 3, mine
    assert sorted(k["label"] for k in mine if k.get("revoked")) == ["alice yubikey 5c nano spare"]
    assert (work / "alice-sk.att").stat().st_size > 0  # ssh-keygen wrote the attestation the doc keeps
