"""Recording and reading the audit log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from oob_console.core.audit.chain import SignatureCheck, VerifyReport
from oob_console.errors import IntegrityError
from oob_console.services.audit.ports import AuditLog

T = TypeVar("T")


@dataclass
class AuditService:
    log: AuditLog
    actor: str
    check_signature: SignatureCheck | None = None
    trusted_keys: frozenset[str] | None = None

    def record(
        self,
        action: str,
        target: str = "",
        outcome: str = "ok",
        details: Mapping[str, Any] | None = None,
        actor: str | None = None,
    ) -> dict[str, Any]:
        """Record one event durably; raises AuditWriteError (the action must not run).

        ``actor`` overrides the service's actor for this entry (an approver whose
        key signed, a user logging in), so the log names who really acted.
        """
        return self.log.append(
            actor=actor or self.actor, action=action, target=target, outcome=outcome, details=details
        )

    def record_then(
        self,
        action: str,
        target: str,
        details: Mapping[str, Any],
        apply: Callable[[], T],
        actor: str | None = None,
    ) -> T:
        """Audit a change first (no audit entry, no change), then make it; a failed change is audited too."""
        self.record(action, target, "ok", details, actor=actor)
        try:
            return apply()
        except Exception as exc:
            self.record(action, target, "failed", {"error": str(exc)}, actor=actor)
            raise

    def note(self, text: str) -> dict[str, Any]:
        return self.record("note", details={"text": text})

    def verify(self) -> VerifyReport:
        """Verify the chain; a broken chain raises IntegrityError naming the first bad line."""
        report = self.log.verify(check_signature=self.check_signature, trusted_keys=self.trusted_keys)
        if report.problem is not None:
            p = report.problem
            where = f"line {p.line}" + (f", seq {p.seq}" if p.seq is not None else "")
            raise IntegrityError(
                f"audit chain broken: {p.reason}",
                where=where,
                hint="keep the file as evidence; entries after this point cannot be trusted",
                details={"line": p.line, "seq": p.seq, "reason": p.reason, "verified_entries": report.entries},
            )
        return report

    def show(
        self,
        *,
        since: datetime | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Entries matching every given filter, oldest first (the last ``limit`` of them)."""
        cutoff = since.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if since else None
        out = [
            e
            for e in self.log.entries()
            if (cutoff is None or e.get("time", "") >= cutoff)
            and (actor is None or e.get("actor") == actor)
            and (action is None or str(e.get("action", "")).startswith(action))
        ]
        return out[-limit:] if limit else out
