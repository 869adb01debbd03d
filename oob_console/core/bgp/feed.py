"""What a second upstream's feed says about the first: evidence from a session that receives routes.

Upstream A took our prefix and passed it on when the prefix comes back to us on
upstream B's session with A's AS in the AS path and our origin at its end. The
feed can only prove, never refuse: B may not carry A's routes at all, may prefer
another path, or may filter us, so absence is not a refusal (the watcher treats
a feed's ``False`` as "cannot tell" for an announcement).
"""

from __future__ import annotations

from collections.abc import Sequence


def format_path(path: Sequence[int]) -> str:
    return " ".join(str(a) for a in path) or "(empty)"


def feed_verdict(prefix: str, origin_as: int, via_as: int, feed: str, path: Sequence[int] | None
                 ) -> tuple[bool, str]:
    """Whether ``feed`` shows ``prefix`` from ``origin_as`` through ``via_as``, and the evidence.

    ``path`` is the AS path of ``prefix`` as received on the feed's session (None: not received). The
    trailing ASes equal to ``origin_as`` (our own AS and its prepends) are ours: ``via_as`` must appear
    before them, so a prepend of ours never passes for the upstream.
    """
    if path is None:
        return False, f"not on {feed}'s feed"
    shown = format_path(path)
    if not path or path[-1] != origin_as:
        return False, f"on {feed}'s feed only with another origin (path {shown})"
    end = len(path)
    while end and path[end - 1] == origin_as:
        end -= 1
    if via_as not in path[:end]:
        return False, f"on {feed}'s feed, but not through AS{via_as} (path {shown})"
    return True, f"seen on {feed}'s feed (path {shown})"
