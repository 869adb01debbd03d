"""Runbooks from a folder of Markdown files on the console host."""

from __future__ import annotations

from pathlib import Path

from oob_console.core.runbooks import Runbook, make_runbook
from oob_console.errors import NotFoundError, StorageError

# A runbook is a page of prose, not a data dump; a bigger file is a mistake.
MAX_RUNBOOK_BYTES = 1_000_000


class RunbookFolder:
    """Every ``*.md`` under ``path`` (hidden files and folders skipped), read on each call."""

    def __init__(self, path: Path, *, shown_as: str | None = None) -> None:
        self.path = path
        self.shown_as = shown_as or str(path)

    @property
    def location(self) -> str:
        """The folder as the config names it (relative to the site's home when configured so)."""
        return self.shown_as

    def load(self) -> list[Runbook]:
        """Read every runbook, sorted by name.

        Raises:
            NotFoundError: the folder does not exist.
            StorageError: the folder or a file cannot be read, or a file is too big or not UTF-8.
        """
        if not self.path.is_dir():
            raise NotFoundError(
                "the runbooks folder does not exist",
                where=str(self.path),
                hint="create it and copy your Markdown runbooks into it (paths.runbooks in the config)",
            )
        out: list[Runbook] = []
        try:
            files = sorted(self.path.rglob("*.md"))
        except OSError as exc:
            raise StorageError(f"cannot list runbooks: {exc.strerror}", where=str(self.path)) from exc
        for file in files:
            rel = file.relative_to(self.path)
            if any(part.startswith(".") for part in rel.parts) or not file.is_file():
                continue
            out.append(make_runbook(rel.with_suffix("").as_posix(), self._read(file)))
        return out

    def _read(self, file: Path) -> str:
        try:
            if file.stat().st_size > MAX_RUNBOOK_BYTES:
                raise StorageError(
                    f"runbook is larger than {MAX_RUNBOOK_BYTES // 1000} kB", where=str(file),
                    hint="split it into several runbooks",
                )
            return file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise StorageError("runbook is not UTF-8 text", where=str(file), hint="save it as UTF-8") from exc
        except OSError as exc:
            raise StorageError(f"cannot read runbook: {exc.strerror}", where=str(file)) from exc
