"""The quorum for BGP intents: the credential store's approvals behind the BGP ``Approvals`` port.

A BGP intent's payload becomes the ``params`` of an approvals intent with the
action ``bgp.announce`` / ``bgp.withdraw``, so approvers sign its exact bytes
(``oob intent show TICKET | ssh-keygen -Y sign ...`` or a key on the host) and
the ``[approvals]`` class ``bgp`` sets the quorum, the roles and whether a PIN
is needed. ``claim`` makes an approved intent run at most once, re-checking
that every approver is still valid.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from oob_console.core.auth.identity import Identity
from oob_console.services.auth.approvals import ApprovalService
from oob_console.services.bgp.ports import ApprovalStatus


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

    def claim(self, ticket: str, *, action: str) -> None:
        self.approvals.claim(ticket, action=action, by=self.identity)

    def finish(self, ticket: str, *, ok: bool, result: dict[str, Any]) -> None:
        self.approvals.finish(ticket, ok=ok, result=result, by=self.identity)

    def cancel(self, ticket: str) -> None:
        self.approvals.cancel(self.identity, ticket)
