"""Drill reports as files: ``<name>.md`` beside ``<name>.json`` in ``paths.reports``, 0600, atomic."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from oob_console.adapters.atomic_file import replace_file
from oob_console.errors import NotFoundError, StorageError

_NAME = re.compile(r"drill-\d{8}T\d{6}Z(?:-\d+)?")


class ReportFiles:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write(self, name: str, markdown: str, data: dict[str, Any]) -> list[str]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            paths = [self.folder / f"{name}.json", self.folder / f"{name}.md"]
            replace_file(paths[0], json.dumps(data, indent=2, sort_keys=True).encode() + b"\n")
            replace_file(paths[1], markdown.encode())
        except OSError as exc:
            raise StorageError(f"cannot write the drill report: {exc.strerror}",
                               where=str(exc.filename or self.folder),
                               hint="check paths.reports and its disk") from None
        return [str(p) for p in paths]

    def names(self) -> list[str]:
        try:
            found = [p.stem for p in self.folder.glob("drill-*.json") if _NAME.fullmatch(p.stem)]
        except OSError as exc:
            raise StorageError(f"cannot list drill reports: {exc.strerror}", where=str(self.folder)) from None
        return sorted(found)

    def read(self, name: str) -> tuple[str, dict[str, Any]]:
        if not _NAME.fullmatch(name):
            raise NotFoundError(f"no drill report {name!r}", where=str(self.folder),
                                hint="'oob drill report' lists them")
        try:
            data = json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))
            markdown = (self.folder / f"{name}.md").read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFoundError(f"no drill report {name!r}", where=str(self.folder),
                                hint="'oob drill report' lists them") from None
        except (OSError, ValueError) as exc:
            raise StorageError(f"cannot read drill report {name}: {exc}", where=str(self.folder)) from None
        if not isinstance(data, dict):
            raise StorageError(f"drill report {name} is not a JSON object", where=str(self.folder))
        return markdown, data
