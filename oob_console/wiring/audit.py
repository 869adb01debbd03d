"""Wiring of the audit log: the JSON Lines file, its signing key, the service."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from oob_console.services.audit import AuditService

if TYPE_CHECKING:
    from oob_console.wiring.services import Services


def build_audit(services: Services) -> AuditService:
    from oob_console.adapters.audit_jsonl import AuditFile
    from oob_console.adapters.audit_key_ed25519 import AuditKey, check_signature

    cfg = services.loaded.config.audit
    key_path = services.path(cfg.signing_key)
    key = AuditKey(key_path) if key_path.exists() else None
    log = AuditFile(
        services.path(services.loaded.config.paths.audit_log),
        checkpoint_every=cfg.checkpoint_every,
        signer=key.sign if key else None,
    )
    trusted = frozenset({key.public_key}) if key else None
    return AuditService(log, services.identity.actor, check_signature=check_signature, trusted_keys=trusted)


def build_audit_of_file(log: Path, *, trusted_keys: frozenset[str] | None = None) -> AuditService:
    """Any audit log file, with no site (``oob audit verify|show --log``): for reading and verifying it.

    ``trusted_keys``: the audit public keys whose checkpoint signatures count as verified.
    """
    from oob_console.adapters.audit_jsonl import AuditFile
    from oob_console.adapters.audit_key_ed25519 import check_signature

    return AuditService(AuditFile(log), actor="", check_signature=check_signature, trusted_keys=trusted_keys)
