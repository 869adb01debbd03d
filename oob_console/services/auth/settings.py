"""The [auth], [approvals] and [fleet] config sections, as the auth services receive them.

Light on purpose (dataclasses and their checks, ``core`` only): the config
loader imports this without importing the auth services.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from oob_console.core.timefmt import Duration

if TYPE_CHECKING:
    from oob_console.core.auth.intents import QuorumRule

DEFAULT_CLASS = "default"  # the rule name of [approvals.default]


def _check_roles(name: str, roles: tuple[str, ...]) -> None:
    from oob_console.core.auth.identity import ROLES

    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"{name}: unknown role(s) {unknown}; roles are {', '.join(ROLES)}")


@dataclass(frozen=True)
class AuthConfig:
    """Read by the credential, login, bundle and approval services (keys, login, lockout, sessions)."""

    rp_id: str = "oob-console"
    allow_software_keys: bool = False
    allow_zero_counter: bool = False  # keys whose signature counter is always 0 (no clone detection for them)
    uv_roles: tuple[str, ...] = ("admin",)
    algorithms: tuple[str, ...] = ("es256", "ed25519")
    touch_timeout: int = field(default=30, metadata={"min": 1, "max": 600})
    backoff: Duration = field(default=Duration.parse("2s"), metadata={"min": 1})
    backoff_max: Duration = field(default=Duration.parse("5m"), metadata={"min": 1})
    lockout_after: int = field(default=10, metadata={"min": 0, "max": 1000})
    session_lifetime: Duration = field(default=Duration.parse("12h"), metadata={"min": 1})
    idle_lock: Duration = field(default=Duration.parse("15m"), metadata={"min": 0, "max": 86400})
    sshsig_namespace: str = "oob-console"

    def validate(self) -> None:
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?", self.rp_id):
            raise ValueError("rp_id: a lowercase host-like name such as 'oob-console' or 'oob.example.net'")
        _check_roles("uv_roles", self.uv_roles)
        if not self.algorithms or any(a not in ("es256", "ed25519") for a in self.algorithms):
            raise ValueError("algorithms: a non-empty list of 'es256' and/or 'ed25519'")
        if not re.fullmatch(r"[A-Za-z0-9@._-]{1,64}", self.sshsig_namespace):
            raise ValueError("sshsig_namespace: letters, digits and @._- (what ssh-keygen -Y sign -n takes)")


@dataclass(frozen=True)
class ApprovalClass:
    quorum: int = field(default=2, metadata={"min": 1, "max": 20})
    roles: tuple[str, ...] = ("approver",)
    requester_counts: bool = False
    require_uv: bool = False

    def validate(self) -> None:
        _check_roles("roles", self.roles)
        if not self.roles:
            raise ValueError("roles: at least one role must be able to approve")

    def rule(self, name: str) -> QuorumRule:
        from oob_console.core.auth.intents import QuorumRule  # not at import: it pulls in hashlib and json

        return QuorumRule(name, self.quorum, frozenset(self.roles), self.requester_counts, self.require_uv)


@dataclass(frozen=True)
class ApprovalsConfig:
    """Read by the approval service and the guard gate: quorum per action class, intent lifetimes.

    ``default`` is the class of every action no entry of ``classes`` (an action prefix) covers;
    a class *named* ``default`` would be a second spelling of it, so it is refused.
    """

    lifetime: Duration = field(default=Duration.parse("30m"), metadata={"min": 1})
    max_lifetime: Duration = field(default=Duration.parse("24h"), metadata={"min": 1})
    default: ApprovalClass = field(default_factory=ApprovalClass)
    classes: dict[str, ApprovalClass] = field(default_factory=dict)

    def validate(self) -> None:
        for name in self.classes:
            if name == DEFAULT_CLASS:
                raise ValueError(f"classes.{name}: the class of every other action is [approvals.default]; "
                                 "write it there")
            if not re.fullmatch(r"[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*", name):
                raise ValueError(f"classes.{name}: class names are action prefixes like 'bgp' or 'bgp.announce'")

    def rules(self) -> Mapping[str, QuorumRule]:
        """Every class as a quorum rule, ``[approvals.default]`` under the name ``default``."""
        return {**{name: c.rule(name) for name, c in self.classes.items()},
                DEFAULT_CLASS: self.default.rule(DEFAULT_CLASS)}

    def rule(self, action: str) -> QuorumRule:
        """The rule of the longest class that is a dotted prefix of ``action``, else the default."""
        from oob_console.core.auth.intents import rule_for

        return rule_for(action, self.rules())


@dataclass(frozen=True)
class FleetConfig:
    """Read by the bundle service: who may sign the user/key bundles this host imports."""

    bundle_signers: tuple[str, ...] = ()
    bundle_namespace: str = "oob-console-bundle"

    def validate(self) -> None:
        from oob_console.core.auth.ssh_wire import WireError, parse_authorized_key

        for i, line in enumerate(self.bundle_signers):
            try:
                parse_authorized_key(line)
            except WireError as exc:
                raise ValueError(f"bundle_signers[{i}]: {exc}") from None
