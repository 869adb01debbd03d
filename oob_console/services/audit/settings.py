"""The [audit] config section, as the audit log's wiring receives it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AuditConfig:
    checkpoint_every: int = field(default=1000, metadata={"min": 0, "max": 10_000_000})
    signing_key: str = "audit-signing.key"
