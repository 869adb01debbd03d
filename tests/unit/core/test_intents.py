"""Intents: canonical bytes, IDs, quorum rules (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oob_console.core.auth.intents import (
    Approval,
    Intent,
    IntentError,
    QuorumRule,
    approval_refusal,
    new_intent,
    parse_intent,
    quorum_status,
    rule_for,
)

NOW = datetime(2026, 11, 21, 15, 52, 7, 123456, tzinfo=UTC)
NONCE = "0" * 31 + "1"
RULE = QuorumRule("default", 2, frozenset({"approver"}))


def make(action: str = "bgp.announce", params: dict[str, object] | None = None, requester: str = "user:alice",
         lifetime: timedelta = timedelta(minutes=30)) -> Intent:
    return new_intent(action=action, params=params if params is not None else {"prefix": "203.0.113.0/24"},
                      requester=requester, site="sjc1", now=NOW, lifetime=lifetime, nonce=NONCE)


def test_canonical_bytes_are_sorted_json_plus_one_newline() -> None:
    intent = make()
    assert intent.canonical.endswith(b"}\n") and intent.canonical.count(b"\n") == 1
    data = json.loads(intent.canonical)
    assert list(data) == sorted(data)
    assert data["created"] == "2026-11-21T15:52:07Z" and data["expires"] == "2026-11-21T16:22:07Z"
    assert len(intent.id) == 8 and intent.id == intent.id.lower() and len(intent.hash) == 64
    assert intent.challenge == bytes.fromhex(intent.hash)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(params=st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_any_json_params_round_trip_exactly(params: dict[str, object]) -> None:
    intent = make(params=params)
    again = parse_intent(intent.canonical)
    assert again == intent and again.hash == intent.hash and dict(again.params) == params


@pytest.mark.parametrize("mangle", [
    lambda b: b[:-1],  # no final newline
    lambda b: b + b"\n",
    lambda b: json.dumps(json.loads(b), indent=1).encode() + b"\n",  # same JSON, not canonical
    lambda b: b.replace(b'"format"', b'"extra":1,"format"'),
    lambda b: b.replace(b'"nonce":"', b'"nonce":"x'),
    lambda b: b"[]\n",
    lambda b: b"\xff\n",
])
def test_anything_but_the_exact_canonical_form_is_rejected(mangle: object) -> None:
    with pytest.raises(IntentError):
        parse_intent(mangle(make().canonical))  # type: ignore[operator]


@pytest.mark.parametrize(("action", "lifetime"), [("BGP", timedelta(minutes=1)), ("bgp..x", timedelta(minutes=1)),
                                                  ("drill", timedelta(0))])
def test_bad_action_names_and_lifetimes_are_refused(action: str, lifetime: timedelta) -> None:
    with pytest.raises(IntentError):
        make(action=action, lifetime=lifetime)


def test_rule_for_takes_the_longest_dotted_prefix() -> None:
    rules = {"default": RULE, "bgp": QuorumRule("bgp", 3, frozenset({"admin"})),
             "bgp.withdraw": QuorumRule("bgp.withdraw", 1, frozenset({"approver"}))}
    assert rule_for("bgp.withdraw", rules).name == "bgp.withdraw"
    assert rule_for("bgp.announce", rules).name == "bgp"
    assert rule_for("bgpx", rules).name == "default"
    assert rule_for("drill", rules).name == "default"


def approval(user: str, uv: bool = False) -> Approval:
    return Approval(user, f"key-{user}", "sshsig", uv, "t")


def test_quorum_counts_distinct_users_and_not_the_requester_by_default() -> None:
    intent = make()
    status = quorum_status(intent, RULE, [approval("bob"), approval("bob"), approval("alice")],
                           stored_state="open", now=NOW)
    assert (status.state, status.have, status.approvers) == ("pending", 1, ("bob",))
    status = quorum_status(intent, RULE, [approval("bob"), approval("carol")], stored_state="open", now=NOW)
    assert status.approved
    late = NOW + timedelta(hours=1)
    assert quorum_status(intent, RULE, [approval("bob"), approval("carol")], stored_state="open", now=late).state \
        == "expired"
    assert quorum_status(intent, RULE, [], stored_state="executed", now=late).state == "executed"


def test_approval_refusals() -> None:
    intent = make()
    roles = frozenset({"approver"})

    def refusal(**kw: object) -> str | None:
        args: dict[str, object] = {"approver": "bob", "approver_roles": roles, "user_verified": False,
                                   "stored_state": "open", "now": NOW}
        args.update(kw)
        return approval_refusal(intent, RULE, [approval("carol")], **args)  # type: ignore[arg-type]

    assert refusal() is None
    assert "already approved" in (refusal(approver="carol") or "")
    assert "requested this intent" in (refusal(approver="alice") or "")
    assert "lacks a role" in (refusal(approver_roles=frozenset({"operator"})) or "")
    assert "expired" in (refusal(now=NOW + timedelta(minutes=31)) or "")
    assert "already executed" in (refusal(stored_state="executed") or "")
    strict = QuorumRule("s", 1, roles, require_uv=True)
    assert "user verification" in (approval_refusal(intent, strict, [], approver="bob", approver_roles=roles,
                                                    user_verified=False, stored_state="open", now=NOW) or "")
    selfok = QuorumRule("s", 2, roles, requester_counts=True)
    assert approval_refusal(intent, selfok, [], approver="alice", approver_roles=roles, user_verified=False,
                            stored_state="open", now=NOW) is None
