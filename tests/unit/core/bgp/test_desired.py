"""Desired state: leases and what a speaker must send."""

from __future__ import annotations

from oob_console.core.bgp.desired import RouteRow, expired, speaker_changes
from oob_console.core.bgp.intent import make_route

A = make_route("203.0.113.0/24", origin_as=64500)
B = make_route("198.51.100.0/24", origin_as=64500)


def row(route=A, desired="announced", gen=1, lease=None, upstream="u1"):  # type: ignore[no-untyped-def]
    return RouteRow(upstream, route.prefix, desired, route, "bgp-x", gen, 0.0, lease)


def test_fresh_speaker_reannounces_everything_live() -> None:
    rows = [row(), row(B, lease=100.0), row(B, upstream="u2", lease=10.0)]
    changes = speaker_changes(rows, {}, now=50.0)
    assert [(c.op, c.upstream, c.route.prefix) for c in changes] == [
        ("announce", "u1", A.prefix), ("announce", "u1", B.prefix)]


def test_changes_follow_generations() -> None:
    sent = {("u1", A.prefix): (1, A)}
    assert speaker_changes([row()], sent, 0) == []
    assert [c.op for c in speaker_changes([row(gen=2)], sent, 0)] == ["announce"]
    assert [c.op for c in speaker_changes([row(desired="withdrawn", gen=2)], sent, 0)] == ["withdraw"]
    assert speaker_changes([row(desired="withdrawn", gen=2)], {}, 0) == []


def test_expired_lease_is_withdrawn_even_before_anyone_marks_it() -> None:
    sent = {("u1", A.prefix): (1, A)}
    assert [c.op for c in speaker_changes([row(lease=10.0)], sent, now=10.0)] == ["withdraw"]
    assert [r.prefix for r in expired([row(lease=10.0), row(B, lease=11.0)], 10.0)] == [A.prefix]


def test_vanished_row_is_withdrawn() -> None:
    assert [c.op for c in speaker_changes([], {("u1", A.prefix): (3, A)}, 0)] == ["withdraw"]
