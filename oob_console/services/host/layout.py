"""Value types of the host feature: what the host should look like, what differs, what to change."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

ACCOUNT = "oob"
SITE_HOME = PurePosixPath("/var/lib/oob-console")  # = StateDirectory=oob-console of the units
ENV_FILE = PurePosixPath("/etc/oob-console/site.env")
UNIT_DIR = PurePosixPath("/etc/systemd/system")
UDEV_RULE = PurePosixPath("/etc/udev/rules.d/70-oob-console-fido.rules")
SSHD_SNIPPET = PurePosixPath("/etc/ssh/sshd_config.d/oob-console.conf")
# The `oob` every shipped file names; setup writes the path of the installed one instead.
SHIPPED_OOB = "/opt/oob-console/bin/oob"
UNITS = ("oob-serve.service", "oob-bgp-speaker.service", "oob-notify-flush.service", "oob-notify-flush.timer")
ENABLED = ("oob-serve.service", "oob-notify-flush.timer")
SERIAL_GROUP = "dialout"


@dataclass(frozen=True)
class ShippedFile:
    """One file of the package's host_files/ (``name`` relative to it), and where it is installed from."""

    name: str
    data: bytes
    source: str  # the file's path inside the installed package


@dataclass(frozen=True)
class HostLayout:
    """What ``oob host setup`` makes of a host. ``root`` is "/" or a directory standing in for it."""

    root: str
    site: str
    oob: str  # the installed `oob` the units and snippets run
    openssh: bool = False
    bgp: bool = False
    serial: tuple[str, ...] = ()

    def on_host(self, path: PurePosixPath) -> str:
        """``path`` of the host as a path here (under ``root``)."""
        return str(PurePosixPath(self.root) / path.relative_to("/"))


@dataclass(frozen=True)
class Change:
    """One change setup makes. ``kind``: account, group, site, mkdir, file, mode, owner, enable."""

    kind: str
    path: str  # on the host (not under root)
    detail: str
    source: str = ""  # for a file: where its content comes from (inside the installed package)
    data: bytes = b""
    mode: int = 0
    owner: str = ""
    site: str = ""  # for a site: its name

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "path": self.path, "detail": self.detail}
        if self.source:
            out["source"] = self.source
        if self.mode:
            out["mode"] = f"{self.mode:04o}"
        if self.owner:
            out["owner"] = self.owner
        return out


@dataclass(frozen=True)
class Finding:
    """A difference between the host and its layout: ``level`` error or warning, and the fix."""

    level: str
    path: str
    problem: str
    fix: str
    change: Change | None = None  # what setup does about it; None: setup cannot, a person must

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"level": self.level, "path": self.path, "problem": self.problem, "fix": self.fix}
        if self.change is not None:
            out["change"] = self.change.to_json()
        return out


@dataclass(frozen=True)
class HostReport:
    """The findings of one comparison (check), or the changes made (setup)."""

    root: str
    findings: tuple[Finding, ...] = ()
    applied: tuple[Change, ...] = field(default=())
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    @property
    def changes(self) -> tuple[Change, ...]:
        # one chown -R fixes any number of owners: each change once, in the order found
        return tuple(dict.fromkeys(f.change for f in self.findings if f.change is not None))

    def to_json(self) -> dict[str, Any]:
        return {"root": self.root, "ok": self.ok, "dry_run": self.dry_run,
                "findings": [f.to_json() for f in self.findings],
                "applied": [c.to_json() for c in self.applied]}
