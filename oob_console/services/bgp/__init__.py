"""Emergency BGP: plan, approve, announce, withdraw and confirm routes toward the upstreams.

Front ends import this feature's services and value types from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.services import lazy_exports

if TYPE_CHECKING:
    from oob_console.services.bgp.ports import ApprovalStatus, IntentRecord
    from oob_console.services.bgp.service import (
        BgpService,
        BgpStatus,
        Execution,
        OpenIntent,
        RouteStatus,
        StageCallback,
    )

__all__ = [
    "ApprovalStatus",
    "BgpService",
    "BgpStatus",
    "Execution",
    "IntentRecord",
    "OpenIntent",
    "RouteStatus",
    "StageCallback",
]

# Imported on first use: the config loader imports this feature's settings, not its services.
__getattr__ = lazy_exports(__name__, {
    "ApprovalStatus": "ports",
    "BgpService": "service",
    "BgpStatus": "service",
    "Execution": "service",
    "IntentRecord": "ports",
    "OpenIntent": "service",
    "RouteStatus": "service",
    "StageCallback": "service",
})
