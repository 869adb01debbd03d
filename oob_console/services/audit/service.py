"""Recording and reading the audit log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from oob_console.core.audit.chain import Problem, SignatureCheck, VerifyReport
from oob_console.core.audit.seal import Anchor, anchor_of
from oob_console.errors import ConflictError, IntegrityError, StorageError, UsageError
from oob_console.services.audit.ports import AuditLog

T = TypeVar("T")


@dataclass
class AuditService:
    log: AuditLog
    actor: str
    check_signature: SignatureCheck | None = None
    trusted_keys: frozenset[str] | None = None
    site: str = ""
    on_host: bool = True  # the site's own log (its sealing key is here to compare), not a copy (--log)

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

    def verify(self, *, verify_key: str | None = None, anchors: tuple[Anchor, ...] = ()) -> VerifyReport:
        """Verify the chain (and, on the host, that the sealing key is the one the log certified).

        ``verify_key``: the verification key kept off the host; ``anchors``: heads
        witnessed off the host. A problem raises IntegrityError naming the first bad line.
        """
        state = self.log.seal_state() if self.on_host else None
        if self.on_host and not self.log.exists() and (verify_key or (state and state.get("last_seal"))):
            raise IntegrityError(
                "the audit log is gone" + (" but this site has been sealing it" if state else ""),
                where="audit log", hint="it was deleted: restore it from a copy, or 'oob audit acknowledge-reset'",
                details={"reason": "log deleted"},
            )
        report = self.log.verify(check_signature=self.check_signature, trusted_keys=self.trusted_keys,
                                 verify_key=verify_key, anchors=anchors)
        if report.problem is None and self.on_host:
            report.problem = _host_problem(report, state)
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

    def head(self) -> tuple[Anchor, int]:
        """The current head as an anchor to witness off the host, and the seq of the last seal."""
        last = self.log.last_entry()
        if last is None:
            raise StorageError("the audit log is empty", where="audit log", hint="run 'oob init'")
        state = self.log.seal_state()
        seal = (state or {}).get("last_seal") or {}
        return anchor_of(self.site, int(last["seq"]), str(last["hash"])), int(seal.get("seq", 0))

    def start_sealing(self, reason: str) -> dict[str, Any]:
        """Seal an existing unsealed log from here on (its older entries stay an unsealed era)."""
        if self.log.seal_state() is not None:
            raise ConflictError("this audit log is already sealed", where="audit log",
                                hint="after a reset use 'oob audit acknowledge-reset'")
        return self.log.start_sealing(actor=self.actor, site=self.site, reset=None if not reason else
                                      {"reason": reason, "kind": "sealing started on an existing log"})

    def acknowledge_reset(self, reason: str, *, stamp: str) -> tuple[dict[str, Any], str | None]:
        """After a reset: keep the broken log aside, start a new sealed chain whose genesis records why.

        Returns the genesis (its verification key must be given out again) and
        where the old log went. Refuses when no reset is detected.
        """
        if not reason.strip():
            raise UsageError("say why the reset is acceptable", where="--reason")
        state = self.log.seal_state()
        found = self.log.reset_problem()
        if found is None:
            raise ConflictError("the audit log was not reset: nothing to acknowledge", where="audit log",
                                hint="'oob audit verify --verify-key KEY' checks it")
        moved = self.log.move_aside(f"reset-{stamp}")
        previous = {k: state.get(k) for k in ("verify_key", "epoch", "last_seal")} if state else None
        genesis = self.log.start_sealing(actor=self.actor, site=self.site, reset={
            "reason": reason, "found": found, "previous": previous, "old_log_moved_to": moved,
        })
        return genesis, moved

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


def _host_problem(report: VerifyReport, state: dict[str, Any] | None) -> Problem | None:
    """The host's sealing key must be the one the log's last seal certified."""
    at = report.last_seq
    if report.genesis_seq is None:
        if state is not None and state.get("last_seal"):
            return Problem(0, None, "the site's sealing key has sealed a log, but this log has no genesis: "
                                    "it was replaced or emptied")
        return None
    if state is None:
        return Problem(0, at, "the audit sealing key is missing while the log is sealed: it was deleted")
    if "damaged" in state:
        return Problem(0, at, str(state["damaged"]))
    if state.get("verify_key") != report.verify_key:
        return Problem(0, report.genesis_seq, "the site's sealing key belongs to another chain "
                                               "(the log or the key was replaced)")
    if report.current_key not in (state.get("public_key"), state.get("pending_public")):
        return Problem(0, at, f"the sealing key on this host is not epoch {report.epoch}'s key certified by "
                              "the last seal: it was replaced")
    seal = state.get("last_seal") or {}
    if isinstance(seal.get("seq"), int) and seal["seq"] > report.last_seq:
        return Problem(0, at, f"the log ends at seq {report.last_seq}, but this site sealed seq {seal['seq']}: "
                              "entries were cut from the end")
    return None
