"""A feed's evidence for the upstream it confirms: our origin at the end, that upstream's AS before it."""

from __future__ import annotations

import pytest

from oob_console.core.bgp.feed import feed_verdict

P = "203.0.113.0/24"


def test_through_the_upstream_with_our_origin_is_evidence() -> None:
    assert feed_verdict(P, 64500, 64501, "isp-b", (64502, 64501, 64500)) == (
        True, "seen on isp-b's feed (path 64502 64501 64500)")
    assert feed_verdict(P, 64500, 64501, "isp-b", (64502, 64510, 64501, 64500, 64500))[0]  # prepends are fine


@pytest.mark.parametrize(("path", "says"), [
    (None, "not on isp-b's feed"),
    ((64502, 64503, 64500), "not through AS64501"),  # it reached B some other way
    ((64502, 64501, 64999), "another origin"),  # a hijack or a leak, not ours
    ((64502, 64501), "another origin"),  # A originates it itself
    ((), "another origin"),
    ((64502, 64500, 64500), "not through AS64501"),
])
def test_anything_else_is_not_evidence(path: tuple[int, ...] | None, says: str) -> None:
    seen, detail = feed_verdict(P, 64500, 64501, "isp-b", path)
    assert seen is False and says in detail


def test_our_own_prepend_never_passes_for_the_upstream() -> None:
    # origin 64501 (a customer's AS we announce for) with the upstream's AS equal to it: only our part
    assert feed_verdict(P, 64501, 64501, "isp-b", (64502, 64501, 64501))[0] is False
