"""The [guard] config section and the approval classes of the guard's intents.

Light on purpose (dataclasses and their checks): the config loader imports
this without importing the guard.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from oob_console.core.timefmt import Duration
from oob_console.services.auth.settings import ApprovalClass, ApprovalsConfig

LINK_KINDS = ("backbone", "access", "peering", "upstream", "mgmt", "other")


@dataclass(frozen=True)
class GuardConfig:
    """The command guard's thresholds (see config.example.toml [guard])."""

    link_share: float = field(default=0.5, metadata={"min": 0.01, "max": 1.0})
    backbone_share: float = field(default=0.2, metadata={"min": 0.01, "max": 1.0})
    session_share: float = field(default=0.5, metadata={"min": 0.01, "max": 1.0})
    lag_member_share: float = field(default=1.0, metadata={"min": 0.01, "max": 1.0})
    critical_link_kinds: tuple[str, ...] = ("backbone", "upstream", "peering")
    backbone_roles: tuple[str, ...] = ("backbone", "core")
    max_interfaces_down: int = field(default=3, metadata={"min": 0, "max": 100_000})
    checker_timeout: Duration = field(default=Duration.parse("2s"),
                                      metadata={"min": 0.05, "max": 60.0, "seconds": True})
    corpus: str = "guard_corpus"
    # The OOB host's own addresses (as the devices see them) and extra console login users: the
    # configuration model checks a management filter or login change still lets them in. Empty: any
    # narrowing of a management filter is judged dangerous (it cannot tell).
    oob_addresses: tuple[str, ...] = ()
    login_users: tuple[str, ...] = ()

    def validate(self) -> None:
        import ipaddress

        for addr in self.oob_addresses:
            try:
                ipaddress.ip_address(addr)
            except ValueError:
                raise ValueError(f"oob_addresses: {addr!r} is not an IP address") from None
        unknown = [k for k in self.critical_link_kinds if k not in LINK_KINDS]
        if unknown:
            raise ValueError(f"critical_link_kinds: unknown kind(s) {', '.join(unknown)} "
                             f"(known: {', '.join(LINK_KINDS)})")


# The approval classes of the guard's intents, for a site whose [approvals.classes] does not name them
# (nor a shorter prefix of them): a change is the operator's own fresh touch; a dangerous command needs
# two distinct approvers.
GUARD_APPROVAL_CLASSES = {
    "command.change": ApprovalClass(quorum=1, roles=("operator", "approver", "admin"), requester_counts=True),
    "command.dangerous": ApprovalClass(quorum=2, roles=("approver", "admin"), requester_counts=True),
}


def with_guard_classes(approvals: ApprovalsConfig) -> ApprovalsConfig:
    """``approvals`` plus the guard's classes wherever the site did not configure its own."""
    extra = {name: cls for name, cls in GUARD_APPROVAL_CLASSES.items()
             if not any(name == c or name.startswith(c + ".") for c in approvals.classes)}
    return replace(approvals, classes={**extra, **approvals.classes})
