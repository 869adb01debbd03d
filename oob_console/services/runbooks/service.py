"""Reading and searching the offline runbooks."""

from __future__ import annotations

from dataclasses import dataclass

from oob_console.core.runbooks import Hit, Runbook, search
from oob_console.errors import NotFoundError
from oob_console.services.runbooks.ports import RunbookSource


@dataclass
class RunbookService:
    source: RunbookSource

    @property
    def location(self) -> str:
        return self.source.location

    def all(self) -> list[Runbook]:
        """Every runbook, by name (NotFoundError when the folder is missing)."""
        return self.source.load()

    def search(self, query: str) -> list[Hit]:
        """Runbooks matching every word of ``query``, best first; all of them for an empty query."""
        return search(self.source.load(), query)

    def get(self, name: str) -> Runbook:
        for rb in self.source.load():
            if rb.name == name:
                return rb
        raise NotFoundError(f"no runbook named {name!r}", where=self.location,
                            hint="list them with 'oob runbooks search'")
