"""Ports of the drill: where reports go, and what a kind of step must offer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from oob_console.core.drill import PlanStep, Step, StepStatus


@dataclass(frozen=True)
class Outcome:
    """What running one step found (its time is measured by the runner)."""

    status: StepStatus
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


class Operator(Protocol):
    """The person running the drill (terminal or TUI): told what happens, touches keys, types PINs."""

    def say(self, text: str) -> None:
        """Show one line to the person."""
        ...

    def touch(self) -> None:
        """Tell the person to touch the key now."""
        ...

    def pin(self) -> str | None:
        """The key's PIN, asked only when the key needs it (None: cancel). Never logged."""
        ...


class StepKind(Protocol):
    """One kind of recovery path: which targets it has, and how to drill one."""

    kind: str

    def targets(self, spec: PlanStep) -> list[str]:
        """The targets to drill (``spec.targets`` narrows them); reads config only, touches nothing.

        Raises:
            NotFoundError: ``spec.targets`` names something not configured.
        """
        ...

    def run(self, step: Step, operator: Operator | None) -> Outcome:
        """Drill one target (``operator``: the person at the console, None when unattended).

        Expected failures come back as ``fail`` outcomes.

        Raises:
            AuditWriteError: the step's own actions could not be audited.
        """
        ...


class ReportStore(Protocol):
    def write(self, name: str, markdown: str, data: dict[str, Any]) -> list[str]:
        """Write ``name.md`` and ``name.json`` (0600, atomically); return their paths.

        Raises:
            StorageError: not written.
        """
        ...

    def names(self) -> list[str]:
        """Report names, oldest first.

        Raises:
            StorageError: the folder cannot be read.
        """
        ...

    def read(self, name: str) -> tuple[str, dict[str, Any]]:
        """The Markdown and JSON of one report.

        Raises:
            NotFoundError: no such report.
            StorageError: it cannot be read or is not JSON.
        """
        ...
