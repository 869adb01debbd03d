"""What a guard verdict requires before a command may be sent, and the record of it.

    read-only   runs as it is
    change      a fresh hardware-key touch by the operator: a single-approver intent
                (action ``command.change``) approved with the operator's own key
    dangerous   the quorum of the ``command.dangerous`` approval class ([approvals] in the config)

The intent binds the exact command: platform, target devices, the text and its
SHA-256, and the verdict with every checker's reasons. To send, a caller
presents the intent's ID; the gate judges the command again now (the inventory
or the thresholds may have changed since), checks the intent is for exactly
this command and at least this verdict, and claims it (once, with approvals
re-counted). The decision and its reasons, the intent and its approvers are
audited before anything is sent; an unwritable audit log stops the run.

Command runs (``services.runs``: ``oob run``, backups, and the TUI and line
shell through the same service) call :meth:`GuardGate.decide` and
:meth:`GuardGate.clearance`; nothing else decides whether a command is sent.

API::

    decide(by, text, *, platform=None, devices=(), inventory=None) -> Decision     judged and audited
    clearance(by, decision, *, intent_id=None, touch=None) -> Clearance
        RefusedError (exit 7) with the intent to approve (``details["intent"]``) when approvals are
        missing, including when the operator's touch could not approve a change
    clear(by, text, ...) -> Clearance       decide, then clearance
    finish(by, clearance, *, ok, result)    record the outcome on the intent and in the audit log
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from oob_console.core.auth.identity import Identity
from oob_console.core.devices.inventory import Inventory
from oob_console.core.guard import Decision, Verdict
from oob_console.errors import AuthError, RefusedError, UnavailableError
from oob_console.services.audit.service import AuditService
from oob_console.services.auth.approvals import ApprovalService, IntentView
from oob_console.services.auth.ports import Prompt
from oob_console.services.auth.settings import ApprovalsConfig
from oob_console.services.guard.service import GuardService

ACTIONS = {Verdict.CHANGE: "command.change", Verdict.DANGEROUS: "command.dangerous"}
_RANK = {action: verdict for verdict, action in ACTIONS.items()}


def requirement(verdict: Verdict, approvals: ApprovalsConfig) -> str:
    """What an operator must do before a command with this verdict is sent, in words."""
    if verdict is Verdict.READ_ONLY:
        return "runs as it is"
    rule = approvals.rule(ACTIONS[verdict])  # the rule the approval service applies
    if verdict is Verdict.CHANGE and rule.quorum == 1 and rule.requester_counts:
        return "needs a fresh hardware-key touch by the operator"
    who = "/".join(sorted(rule.roles))
    return (f"needs {rule.quorum} fresh hardware-key approval(s) from distinct {who} users "
            f"(class {rule.name})")


def binding(decision: Decision) -> dict[str, Any]:
    """The intent params: exactly what is approved."""
    return {"platform": decision.platform, "devices": sorted(decision.devices), "text": decision.text,
            "text_sha256": decision.text_sha256, "verdict": decision.verdict.label,
            "reasons": {r.checker: list(r.reasons) for r in decision.reports}}


@dataclass(frozen=True)
class Clearance:
    """Permission to send ``decision.text`` to ``decision.devices``."""

    decision: Decision
    intent_id: str | None = None
    approvers: tuple[str, ...] = ()


def why(decision: Decision) -> str:
    """The first reason of a checker that gave the verdict (what an operator reads first)."""
    return next((r.reasons[0] for r in decision.reports if r.verdict == decision.verdict and r.reasons),
                decision.verdict.label)


@dataclass
class GuardGate:
    guard: GuardService
    # Approvals are opened only when a verdict needs them: a read-only run never touches the store.
    approvals: Callable[[], ApprovalService]
    audit: AuditService
    classes: ApprovalsConfig  # the site's approval classes, the guard's own where the site has none

    def needs(self, verdict: Verdict) -> str:
        """What an operator must do before a command with ``verdict`` is sent, in words."""
        return requirement(verdict, self.classes)

    def decide(self, by: Identity, text: str, *, platform: str | None = None, devices: Sequence[str] = (),
               inventory: Inventory | None = None) -> Decision:
        """Judge the command (``inventory``: the caller's, else the guard's own) and audit the decision.

        Raises:
            NotFoundError, UsageError: see ``GuardService.request``.
            AuditWriteError: nothing was recorded, so nothing may be sent.
        """
        decision = self.guard.check(text, platform=platform, devices=devices, inventory=inventory)
        target = ",".join(decision.devices) or decision.platform
        self.audit.record("guard.decision", target, decision.verdict.label,
                          {**decision.to_json(), "text": decision.text}, actor=by.actor)
        return decision

    def clear(self, by: Identity, text: str, *, platform: str | None = None, devices: Sequence[str] = (),
              inventory: Inventory | None = None, intent_id: str | None = None,
              touch: Prompt | None = None) -> Clearance:
        """:meth:`decide`, then :meth:`clearance`."""
        decision = self.decide(by, text, platform=platform, devices=devices, inventory=inventory)
        return self.clearance(by, decision, intent_id=intent_id, touch=touch)

    def clearance(self, by: Identity, decision: Decision, *, intent_id: str | None = None,
                  touch: Prompt | None = None) -> Clearance:
        """Permission to send what ``decision`` judged, or a refusal.

        ``touch``: for a change, ask the operator's key attached to this host for the approval now.

        Raises:
            RefusedError: approvals are missing (the intent to approve is in ``details``; that includes a
                touch that did not approve a change), or the intent is not for this exact command, not
                approved, expired or already used.
            AuditWriteError: nothing was recorded, so nothing may be sent.
        """
        target = ",".join(decision.devices) or decision.platform
        if decision.verdict is Verdict.READ_ONLY:
            return Clearance(decision)
        if intent_id is None:
            view = self.approvals().request(by, ACTIONS[decision.verdict], binding(decision))
            if decision.verdict is Verdict.CHANGE and touch is not None:
                view = self._touch(by, view, touch)
            if view.state != "approved":
                raise RefusedError(
                    f"{decision.verdict.label}: not sent; intent {view.id} needs "
                    f"{view.need - view.have} more approval(s) ({requirement_of(view)}); {why(decision)}",
                    where=target, hint=f"approvers run 'oob approve {view.id}', then run the same command again "
                                       f"with the intent (oob run --intent {view.id} ...)",
                    details={"intent": view.id, "decision": decision.to_json()})
            intent_id = view.id
        return self._claim(by, decision, intent_id, target)

    def _touch(self, by: Identity, view: IntentView, touch: Prompt) -> IntentView:
        try:
            view = self.approvals().approve_local(view.id, touch, user=by.user)
        except (UnavailableError, AuthError) as exc:  # no key here, another's, a wrong PIN: not approved
            self.audit.record("guard.clear", view.id, "refused", {"reason": f"the touch failed: {exc.message}"},
                              actor=by.actor)
            raise RefusedError(
                f"change: not sent; the operator's touch did not approve intent {view.id}: {exc.message}",
                where=view.id, hint=f"touch your own enrolled key and run it again, or approve it with "
                                    f"'oob approve {view.id} --sshsig FILE' and run it again with the intent "
                                    f"{view.id}",
                details={"intent": view.id}) from None
        if by.user is not None and by.user not in view.approvers:
            self.audit.record("guard.clear", view.id, "refused", {"reason": "touched by another user's key",
                                                                   "approvers": list(view.approvers)},
                              actor=by.actor)
            raise RefusedError(f"a change needs {by.user}'s own key; the key touched belongs to "
                               f"{', '.join(view.approvers) or 'nobody counted'}", where=view.id,
                               details={"intent": view.id})
        return view

    def _claim(self, by: Identity, decision: Decision, intent_id: str, target: str) -> Clearance:
        approvals = self.approvals()
        view = approvals.get(intent_id)
        wrong = self._mismatch(view, decision)
        if wrong:
            self.audit.record("guard.clear", view.id, "refused", {"reason": wrong}, actor=by.actor)
            raise RefusedError(f"intent {view.id} does not cover this command: {wrong}", where=target,
                               hint="request a new intent for exactly this command")
        intent = approvals.claim(view.id, action=view.intent.action, by=by)
        approvers = approvals.get(intent.id).approvers
        self.audit.record("guard.clear", intent.id, "ok",
                          {"verdict": decision.verdict.label, "text_sha256": decision.text_sha256,
                           "devices": list(decision.devices), "approvers": list(approvers)}, actor=by.actor)
        return Clearance(decision, intent.id, approvers)

    @staticmethod
    def _mismatch(view: IntentView, decision: Decision) -> str | None:
        params = view.intent.params
        granted = _RANK.get(view.intent.action)
        if granted is None:
            return f"it is a {view.intent.action!r} intent, not a command's"
        if granted < decision.verdict:
            return f"it approves a {granted.label} command and this one is now judged {decision.verdict.label}"
        expected = binding(decision)
        for key in ("platform", "devices", "text_sha256", "text"):
            if params.get(key) != expected[key]:
                return f"its {key} differs"
        return None

    def finish(self, by: Identity, clearance: Clearance, *, ok: bool, result: dict[str, Any]) -> None:
        """Record the outcome of a cleared run (on its intent too, if it had one)."""
        decision = clearance.decision
        self.audit.record("guard.run", ",".join(decision.devices) or decision.platform, "ok" if ok else "failed",
                          {"intent": clearance.intent_id, "text_sha256": decision.text_sha256, "result": result},
                          actor=by.actor)
        if clearance.intent_id:
            self.approvals().finish(clearance.intent_id, ok=ok, result=result, by=by)


def requirement_of(view: IntentView) -> str:
    return f"class {view.rule}: {view.have} of {view.need}"
