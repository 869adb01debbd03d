"""Last-known-good configs on disk: ``<paths.backups>/<device>/<UTC time>.cfg`` (0600, atomic;
the folders 0700: a router's config holds secrets and its topology).

A pull that equals the newest stored version is not stored again, so the
folder holds exactly the changes over time.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from oob_console.adapters.inventory_toml import write_atomic
from oob_console.errors import StorageError
from oob_console.services.devices.ports import ConfigVersion

_VERSION = re.compile(r"\d{8}T\d{6}(\.\d{6})?Z")


class ConfigHistoryDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)

    def _dir(self, device: str) -> Path:
        if "/" in device or device.startswith("."):
            raise StorageError(f"device name {device!r} cannot be a folder name", where=self.location)
        return self.path / device

    def versions(self, device: str) -> list[ConfigVersion]:
        folder = self._dir(device)
        if not folder.is_dir():
            return []
        out = []
        for p in sorted(folder.glob("*.cfg")):
            if not _VERSION.fullmatch(p.stem):
                continue
            data = p.read_bytes()
            out.append(ConfigVersion(device, p.stem, str(p), hashlib.sha256(data).hexdigest(), len(data)))
        return out

    def read(self, version: ConfigVersion) -> str:
        try:
            return Path(version.path).read_text(encoding="utf-8")
        except OSError as exc:
            raise StorageError(f"cannot read a stored config: {exc.strerror}", where=version.path) from exc

    def save(self, device: str, text: str) -> tuple[ConfigVersion, bool]:
        versions = self.versions(device)
        digest = hashlib.sha256(text.encode()).hexdigest()
        if versions and versions[-1].sha256 == digest:
            return versions[-1], False
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        folder = self._dir(device)
        try:
            for d in (self.path, folder):
                d.mkdir(mode=0o700, parents=True, exist_ok=True)
                d.chmod(0o700)  # also tightens a folder an older version created 0755
        except OSError as exc:
            raise StorageError(f"cannot create the backup folder: {exc.strerror}", where=str(folder)) from exc
        path = folder / f"{stamp}.cfg"
        write_atomic(path, text)
        return ConfigVersion(device, stamp, str(path), digest, len(text.encode())), True
