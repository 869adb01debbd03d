"""The quorum for BGP intents: the credential store's approvals behind the BGP ``Approvals`` port.

A BGP intent's payload becomes the ``params`` of an approvals intent with the
action ``bgp.announce`` / ``bgp.withdraw`` (our own live announcement) /
``bgp.withdraw-other``, whose ID is the BGP intent's ID (one intent, one ID), so approvers sign its exact bytes
(``oob intent show TICKET | ssh-keygen -Y sign ...`` or a key on the host) and
the ``[approvals]`` class ``bgp`` sets the quorum, the roles and whether a PIN
is needed. ``claim`` makes an approved intent run at most once, re-checking
that every approver is still valid.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from oob_console.core.auth.identity import Identity
from oob_console.errors import RefusedError
from oob_console.services.auth.approvals import ApprovalService
from oob_console.services.bgp.ports import ApprovalStatus

# The approvals store's actions of BGP intents: announcing, withdrawing our own live announcement
# (its own class, one approver by default), and withdrawing anything else (the bgp class).
BGP_ACTIONS = ("bgp.announce", "bgp.withdraw", "bgp.withdraw-other")


class QuorumApprovals:
    def __init__(self, approvals: ApprovalService, identity: Identity) -> None:
        self.approvals = approvals
        self.identity = identity

    def open(self, *, action: str, params: dict[str, Any], lifetime: float) -> str:
        return self.approvals.request(self.identity, action, params, lifetime=timedelta(seconds=lifetime)).id

    def status(self, ticket: str) -> ApprovalStatus:
        view = self.approvals.get(ticket)
        return ApprovalStatus(ticket, view.state, view.have, view.need, view.approvers,
                              f"{view.have} of {view.need} approvals (class {view.rule})")

    def resolve(self, ref: str) -> str:
        return self.approvals.get(ref).id

    def claim(self, ticket: str) -> dict[str, Any]:
        view = self.approvals.get(ticket)
        if view.intent.action not in BGP_ACTIONS:
            raise RefusedError(f"intent {ticket} is a {view.intent.action} intent, not a BGP one")
        intent = self.approvals.claim(ticket, action=view.intent.action, by=self.identity)
        return dict(intent.params)

    def finish(self, ticket: str, *, ok: bool, result: dict[str, Any]) -> None:
        self.approvals.finish(ticket, ok=ok, result=result, by=self.identity)

    def cancel(self, ticket: str) -> None:
        self.approvals.cancel(self.identity, ticket)
