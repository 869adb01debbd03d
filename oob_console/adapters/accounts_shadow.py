"""The account database through the shadow tools (useradd, usermod), under a root via --prefix.

Reads /etc/passwd and /etc/group as files (a system account is always local); writes only with
useradd/usermod, which lock the files and keep shadow in step. ``--prefix DIR`` makes both work
on DIR/etc without chroot, as ``oob host setup --root DIR`` needs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from oob_console.errors import StorageError
from oob_console.services.host.ports import Account

TIMEOUT = 30.0
NOLOGIN = "/usr/sbin/nologin"


class ShadowAccounts:
    def __init__(self, root: str = "/") -> None:
        self._root = Path(root)

    def _prefix(self) -> list[str]:
        return [] if str(self._root) == "/" else ["--prefix", str(self._root)]

    def _lines(self, name: str) -> list[list[str]]:
        path = self._root / "etc" / name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StorageError(f"cannot read {name}: {exc.strerror}", where=str(path)) from exc
        return [line.split(":") for line in text.splitlines() if line and not line.startswith("#")]

    def user(self, name: str) -> Account | None:
        for fields in self._lines("passwd"):
            if len(fields) >= 7 and fields[0] == name:
                return Account(name, int(fields[2]), int(fields[3]), fields[5], fields[6])
        return None

    def group_members(self, group: str) -> list[str] | None:
        for fields in self._lines("group"):
            if len(fields) >= 4 and fields[0] == group:
                return [m for m in fields[3].split(",") if m]
        return None

    def create_system_user(self, name: str, home: str) -> None:
        self._run(["useradd", "--system", *self._prefix(), "--home-dir", home, "--no-create-home",
                   "--shell", NOLOGIN, "--user-group", "--comment", "oob-console", name])

    def add_to_group(self, name: str, group: str) -> None:
        self._run(["usermod", *self._prefix(), "--append", "--groups", group, name])

    def _run(self, argv: list[str]) -> None:
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)  # noqa: S603
        except FileNotFoundError as exc:
            raise StorageError(f"{argv[0]} is not installed", where=argv[0],
                               hint="install the shadow tools (Debian: passwd)") from exc
        except subprocess.TimeoutExpired as exc:
            raise StorageError(f"{argv[0]} did not finish in {TIMEOUT:.0f} s", where=argv[0]) from exc
        if proc.returncode != 0:
            detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            raise StorageError(f"{argv[0]} failed: {detail}", where=" ".join(argv),
                               hint="run as root; see the message")
