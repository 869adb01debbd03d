"""The files oob-console ships for the host (package data under oob_console/host_files/)."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from oob_console.services.host.layout import ShippedFile


class PackageHostFiles:
    """Reads host_files/ from the installed package: what a wheel carries is all setup can install."""

    def __init__(self, package: str = "oob_console") -> None:
        self._package = package

    def all(self) -> list[ShippedFile]:
        base = resources.files(self._package) / "host_files"
        out: list[ShippedFile] = []
        self._walk(base, "", out)
        return sorted(out, key=lambda f: f.name)

    def _walk(self, node: Traversable, prefix: str, out: list[ShippedFile]) -> None:
        for child in node.iterdir():
            name = f"{prefix}{child.name}"
            if child.is_dir():
                if child.name != "__pycache__":
                    self._walk(child, name + "/", out)
            else:
                out.append(ShippedFile(name=name, data=child.read_bytes(), source=str(child)))
