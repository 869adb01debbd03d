"""Intents: an action bound to its exact content, and the quorum rules over approvals of it.

An intent's **canonical bytes** are the canonical JSON (sorted keys, no
spaces, UTF-8) of::

    {"format": "oob-console/intent/v1", "site": ..., "action": "bgp.announce",
     "params": {...}, "requester": "user:alice", "nonce": "<32 hex>",
     "created": "2026-11-21T15:52:00Z", "expires": "2026-11-21T16:22:00Z"}

followed by one newline (so ``oob intent show ID > file`` and an editor keep
the bytes exact). The **hash** is SHA-256 hex over those bytes, the **ID** the
first 40 bits of the hash in lowercase base32 (8 characters, easy to read out
over a phone). An approval signs exactly the canonical bytes: a WebAuthn
assertion whose challenge is the SHA-256 digest, or an SSHSIG over the bytes.

Quorum: each action falls in a **class** (the longest dotted prefix of the
action named in the policy, else ``default``) with a quorum size, the roles
that may approve, whether the requester may approve their own intent, and
whether approvals need user verification.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from oob_console.core.canonical import canonical_bytes

FORMAT = "oob-console/intent/v1"
FIELDS = ("action", "created", "expires", "format", "nonce", "params", "requester", "site")
ACTION = re.compile(r"[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*")
ID = re.compile(r"[a-z2-7]{8}")
NONCE = re.compile(r"[0-9a-f]{32}")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_BYTES = 64 * 1024

# Stored lifecycle; "pending", "approved" and "expired" are derived from "open".
OPEN, EXECUTING, EXECUTED, FAILED, CANCELLED = "open", "executing", "executed", "failed", "cancelled"
CLOSED = (EXECUTING, EXECUTED, FAILED, CANCELLED)


class IntentError(ValueError):
    """Bytes that are not a well-formed canonical intent, or bad intent input."""


def format_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def short_id(hash_hex: str) -> str:
    return base64.b32encode(bytes.fromhex(hash_hex)[:5]).decode().lower()


@dataclass(frozen=True)
class Intent:
    canonical: bytes
    action: str
    params: Mapping[str, Any]
    requester: str
    nonce: str
    created: datetime
    expires: datetime
    site: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.canonical).hexdigest()

    @property
    def id(self) -> str:
        return short_id(self.hash)

    @property
    def challenge(self) -> bytes:
        """The WebAuthn challenge a local-key approval signs: the digest of the canonical bytes."""
        return hashlib.sha256(self.canonical).digest()

    @property
    def requester_user(self) -> str | None:
        """The person who asked: a store user (``user:NAME``) or a local account (``local:NAME``).

        A local account and a store user of the same name are taken to be the same
        person (fail closed): ``local:root`` cannot have store user ``root`` approve
        their own intent where the class does not let requesters approve.
        """
        kind, _, name = self.requester.partition(":")
        return name if kind in ("user", "local") and name else None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id, "hash": self.hash, "action": self.action, "params": dict(self.params),
            "requester": self.requester, "created": format_time(self.created),
            "expires": format_time(self.expires), "site": self.site, "nonce": self.nonce,
        }


def new_intent(
    *,
    action: str,
    params: Mapping[str, Any],
    requester: str,
    site: str,
    now: datetime,
    lifetime: timedelta,
    nonce: str,
) -> Intent:
    """Build an intent (the caller supplies time and a random nonce: this module does no I/O).

    Raises:
        IntentError: a bad action name, lifetime or nonce, or params that are not JSON.
    """
    if not ACTION.fullmatch(action):
        raise IntentError(f"action {action!r} is not a dotted lowercase name like 'bgp.announce'")
    if lifetime <= timedelta(0):
        raise IntentError("an intent's lifetime must be positive")
    if not NONCE.fullmatch(nonce):
        raise IntentError("nonce must be 32 lowercase hex characters")
    created = now.replace(microsecond=0)
    body = {
        "format": FORMAT, "site": site, "action": action, "params": dict(params), "requester": requester,
        "nonce": nonce, "created": format_time(created), "expires": format_time(created + lifetime),
    }
    try:
        raw = canonical_bytes(body) + b"\n"
    except ValueError as exc:
        raise IntentError(f"params are not plain JSON: {exc}") from None
    if len(raw) > MAX_BYTES:
        raise IntentError(f"intent is {len(raw)} bytes; at most {MAX_BYTES}")
    return parse_intent(raw)


def parse_intent(raw: bytes) -> Intent:
    """Parse and validate canonical intent bytes (exactly as :func:`new_intent` makes them).

    Raises:
        IntentError: not canonical, missing or extra fields, wrong types.
    """
    if len(raw) > MAX_BYTES or not raw.endswith(b"\n"):
        raise IntentError("intent bytes must be canonical JSON ending in one newline")
    try:
        data = json.loads(raw[:-1])
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise IntentError("intent is not JSON (or nested too deeply)") from None
    if not isinstance(data, dict) or tuple(sorted(data)) != FIELDS:
        raise IntentError(f"intent fields must be exactly {', '.join(FIELDS)}")
    if data["format"] != FORMAT:
        raise IntentError(f"intent format {data['format']!r} is not {FORMAT!r}")
    for key in ("action", "requester", "nonce", "created", "expires", "site"):
        if not isinstance(data[key], str):
            raise IntentError(f"intent field {key!r} is not a string")
    if not isinstance(data["params"], dict):
        raise IntentError("intent params are not an object")
    try:
        canonical = canonical_bytes(data) + b"\n"
    except ValueError as exc:
        raise IntentError(f"intent is not plain JSON: {exc}") from None
    if canonical != raw:
        raise IntentError("intent bytes are not in canonical form")
    if not ACTION.fullmatch(data["action"]) or not NONCE.fullmatch(data["nonce"]):
        raise IntentError("intent action or nonce is malformed")
    try:
        created, expires = parse_time(data["created"]), parse_time(data["expires"])
    except ValueError:
        raise IntentError("intent times are not YYYY-MM-DDTHH:MM:SSZ") from None
    if expires <= created:
        raise IntentError("intent expires before it was created")
    return Intent(raw, data["action"], data["params"], data["requester"], data["nonce"], created, expires,
                  data["site"])


@dataclass(frozen=True)
class QuorumRule:
    name: str
    quorum: int
    roles: frozenset[str]
    requester_counts: bool = False
    require_uv: bool = False


def rule_for(action: str, rules: Mapping[str, QuorumRule]) -> QuorumRule:
    """The rule of the longest dotted prefix of ``action`` present in ``rules``, else ``default``.

    Raises:
        KeyError: neither a prefix nor ``default`` is present.
    """
    parts = action.split(".")
    for n in range(len(parts), 0, -1):
        rule = rules.get(".".join(parts[:n]))
        if rule is not None:
            return rule
    return rules["default"]


@dataclass(frozen=True)
class Approval:
    user: str
    key_id: str
    method: str  # "fido2" (a key on this host) or "sshsig"
    user_verified: bool
    at: str


@dataclass(frozen=True)
class QuorumStatus:
    state: str  # pending | approved | expired | executing | executed | failed | cancelled
    have: int
    need: int
    approvers: tuple[str, ...]
    rule: str

    @property
    def approved(self) -> bool:
        return self.state == "approved"


def counted(intent: Intent, rule: QuorumRule, approvals: Sequence[Approval]) -> tuple[str, ...]:
    """The distinct users whose approvals count toward the quorum."""
    users: list[str] = []
    for a in approvals:
        if a.user in users or (a.user == intent.requester_user and not rule.requester_counts):
            continue
        if rule.require_uv and not a.user_verified:
            continue
        users.append(a.user)
    return tuple(users)


def quorum_status(
    intent: Intent, rule: QuorumRule, approvals: Sequence[Approval], *, stored_state: str, now: datetime
) -> QuorumStatus:
    users = counted(intent, rule, approvals)
    if stored_state in CLOSED:
        state = stored_state
    elif intent.expired(now):
        state = "expired"
    else:
        state = "approved" if len(users) >= rule.quorum else "pending"
    return QuorumStatus(state, len(users), rule.quorum, users, rule.name)


def approval_refusal(
    intent: Intent,
    rule: QuorumRule,
    approvals: Sequence[Approval],
    *,
    approver: str,
    approver_roles: frozenset[str],
    user_verified: bool,
    stored_state: str,
    now: datetime,
) -> str | None:
    """Why this approval may not be added, or None. Signature checks happen before this."""
    if stored_state in CLOSED:
        return f"intent {intent.id} is already {stored_state}; approvals are closed"
    if intent.expired(now):
        return f"intent {intent.id} expired at {format_time(intent.expires)}"
    if approver == intent.requester_user and not rule.requester_counts:
        return f"{approver} requested this intent and policy class {rule.name!r} does not let a requester approve"
    if any(a.user == approver for a in approvals):
        return f"{approver} has already approved this intent (one approval per person, whatever the key)"
    if not approver_roles & rule.roles:
        return f"{approver} lacks a role that may approve class {rule.name!r} (needs one of {sorted(rule.roles)})"
    if rule.require_uv and not user_verified:
        return f"class {rule.name!r} requires user verification (PIN/biometric) on the approving key"
    return None
