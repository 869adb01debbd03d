"""Emergency BGP: plan, approve, announce, withdraw and confirm routes toward the upstreams.

Front ends import this feature's services and value types from here."""

from oob_console.services.bgp.ports import ApprovalStatus, IntentRecord
from oob_console.services.bgp.service import BgpService, Execution, StageCallback

__all__ = ["ApprovalStatus", "BgpService", "Execution", "IntentRecord", "StageCallback"]
