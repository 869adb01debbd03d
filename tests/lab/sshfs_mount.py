"""An sshfs mount served by a loopback sshd, which the test can make dead (and always frees).

    with SshfsMount(tmp_path / "fs") as fs:    # fs.mountpoint is a fuse.sshfs mount of fs.export
        fs.freeze()                             # the server stops answering: readers would hang in D state

Freezing stops (SIGSTOP) the sshd and its per-connection children, so the TCP
connection stays open and sshfs waits: a dead network mount, as when the server
sits behind a production link that died. Teardown never waits on the mount: it
aborts the FUSE connection (/sys/fs/fuse/connections/N/abort, which fails every
pending and future request at once), unmounts lazily, then resumes and stops
the sshd; so a dead mount can never hang CI.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.lab.sshd import Sshd, host_key, sshd_reason, start_sshd


def sshfs_reason() -> str | None:
    if os.geteuid() != 0:
        return "FUSE mounts need root here (CI runs as root)"
    if not shutil.which("sshfs"):
        return "sshfs is not installed (apt-get install sshfs; deploy/dev installs it)"
    if not Path("/dev/fuse").exists():
        return "/dev/fuse does not exist (no FUSE in this kernel or container)"
    if not Path("/sys/fs/fuse/connections").is_dir():
        return "/sys/fs/fuse/connections is not mounted: stuck FUSE connections could not be aborted"
    return sshd_reason()


def skip_unless_sshfs() -> None:
    reason = sshfs_reason()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


class SshfsMount:
    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.export = workdir / "export"
        self.mountpoint = workdir / "mnt"
        self.sshd: Sshd | None = None
        self._frozen: list[int] = []

    def __enter__(self) -> SshfsMount:
        skip_unless_sshfs()
        self.export.mkdir(parents=True, exist_ok=True)
        self.mountpoint.mkdir(parents=True, exist_ok=True)
        key = self.dir / "client_key"
        host_key(key)  # an Ed25519 key pair: the client's this time
        authorized = self.dir / "authorized_keys"
        authorized.write_text(key.with_name("client_key.pub").read_text())
        self.sshd = start_sshd(self.dir / "sshd", ["Subsystem sftp internal-sftp", "PermitRootLogin yes",
                                                   f"AuthorizedKeysFile {authorized}"])
        known = self.sshd.known_hosts(self.dir / "known_hosts")
        subprocess.run(["sshfs", "-p", str(self.sshd.port), "-o", f"IdentityFile={key}", "-o", "BatchMode=yes",
                        "-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes",
                        "-o", "GlobalKnownHostsFile=/dev/null", "-F", "/dev/null",
                        f"root@127.0.0.1:{self.export}", str(self.mountpoint)],
                       check=True, capture_output=True, timeout=30)
        return self

    def connection(self) -> Path | None:
        """This mount's FUSE connection directory (named by the mount's device minor number)."""
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            fields = line.split()
            if fields[4] == str(self.mountpoint):
                return Path("/sys/fs/fuse/connections") / fields[2].split(":")[1]
        return None

    def freeze(self) -> None:
        """The server stops answering; the TCP connection stays open (a dead network path)."""
        assert self.sshd is not None
        self._frozen = _descendants(self.sshd.proc.pid)
        for pid in self._frozen:
            os.kill(pid, signal.SIGSTOP)

    def __exit__(self, *exc: object) -> None:
        conn = self.connection()
        if conn is not None and (conn / "abort").exists():
            (conn / "abort").write_text("1")  # every waiting reader gets ENOTCONN now
        subprocess.run(["fusermount", "-uz", str(self.mountpoint)], capture_output=True, timeout=20, check=False)
        for pid in self._frozen:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        if self.sshd is not None:
            self.sshd.stop()
