"""A second upstream's feed as a confirmation source (the ``LookingGlass`` port, kind "feed").

Our prefix announced to upstream A, received back on our session with upstream
B, with A's AS in the path: A took it and propagated it. Weaker than A's own
view and public collectors (B's table is one network's opinion), and only ever
evidence for: B not carrying it proves nothing, so an announcement whose only
source is a silent feed ends UNCONFIRMED, never NOT ACCEPTED.
"""

from __future__ import annotations

from oob_console.core.bgp.feed import feed_verdict
from oob_console.errors import UnavailableError
from oob_console.services.bgp.ports import ReceivedRoutes


class FeedSource:
    def __init__(self, routes: ReceivedRoutes, feed: str, via_as: int) -> None:
        self.routes = routes
        self.feed = feed  # the upstream whose session receives the routes
        self.via_as = via_as  # the AS of the upstream this feed confirms

    def visible(self, prefix: str, origin_as: int) -> tuple[bool, str]:
        """Raises UnavailableError when the feed's session is not up (or nobody watches it): it cannot tell."""
        got = self.routes.received(self.feed, prefix)
        if not got.up:
            raise UnavailableError(f"{self.feed}'s session is {got.detail or 'down'}: its feed cannot tell")
        return feed_verdict(prefix, origin_as, self.via_as, self.feed, got.path)
