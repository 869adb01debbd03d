"""systemd units through systemctl; under another root with ``systemctl --root`` (no daemon)."""

from __future__ import annotations

import subprocess

from oob_console.errors import StorageError

TIMEOUT = 60.0


class SystemctlUnits:
    def __init__(self, root: str = "/") -> None:
        self._root = root
        self._live = root == "/"

    def _systemctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv = ["systemctl", *(() if self._live else ("--root", self._root)), *args]
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)  # noqa: S603
        except FileNotFoundError as exc:
            raise StorageError("systemctl is not installed", where="systemctl",
                               hint="oob host setup needs systemd") from exc
        except subprocess.TimeoutExpired as exc:
            raise StorageError(f"systemctl did not finish in {TIMEOUT:.0f} s", where=" ".join(argv)) from exc

    def is_enabled(self, unit: str) -> bool:
        proc = self._systemctl("is-enabled", "--quiet", unit)
        return proc.returncode == 0

    def enable(self, units: list[str]) -> None:
        proc = self._systemctl("enable", *units)
        if proc.returncode != 0:
            detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            raise StorageError(f"systemctl enable failed: {detail}", where=" ".join(units))

    def reload(self) -> None:
        """Make systemd and udev read what was written. Under another root there is no daemon to tell."""
        if not self._live:
            return
        self._systemctl("daemon-reload")
        for argv in (["udevadm", "control", "--reload"], ["udevadm", "trigger", "--subsystem-match=hidraw"]):
            try:
                subprocess.run(argv, capture_output=True, timeout=TIMEOUT, check=False)  # noqa: S603
            except (FileNotFoundError, subprocess.TimeoutExpired):
                pass  # no udev (a container): the rule applies at the next boot; check still sees it
