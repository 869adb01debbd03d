"""Wiring of the audit log: the JSON Lines file, its sealing (and legacy checkpoint) key, the service."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from oob_console.services.audit import AuditService
from oob_console.services.audit.settings import seal_every

if TYPE_CHECKING:
    from oob_console.config import LoadedConfig
    from oob_console.wiring.services import Services


def build_audit(services: Services) -> AuditService:
    return build_site_audit(services.loaded, services.identity.actor)


def build_site_audit(loaded: LoadedConfig, actor: str) -> AuditService:
    """The audit service of a site for ``actor`` (``oob init`` writes the genesis with it, before any login)."""
    from oob_console.adapters.audit_jsonl import AuditFile
    from oob_console.adapters.audit_key_ed25519 import AuditKey, check_signature

    cfg = loaded.config.audit
    key_path = loaded.resolve(cfg.signing_key)
    key = AuditKey(key_path) if key_path.exists() else None
    log = AuditFile(
        loaded.resolve(loaded.config.paths.audit_log),
        checkpoint_every=seal_every(cfg),
        signer=key.sign if key else None,
        seal_key=loaded.resolve(cfg.sealing_key),
        checkpoint_interval=cfg.checkpoint_interval.seconds,
    )
    trusted = frozenset({key.public_key}) if key else None
    return AuditService(log, actor, check_signature=check_signature, trusted_keys=trusted,
                        site=loaded.config.site.name)


def build_audit_of_file(log: Path, *, trusted_keys: frozenset[str] | None = None) -> AuditService:
    """Any audit log file, with no site (``oob audit verify|show --log``): for reading and verifying it.

    ``trusted_keys``: the legacy audit public keys whose checkpoint signatures count as verified.
    A copy carries no sealing key: verify proves it with ``--verify-key`` and ``--anchor`` alone.
    """
    from oob_console.adapters.audit_jsonl import AuditFile
    from oob_console.adapters.audit_key_ed25519 import check_signature

    return AuditService(AuditFile(log, private=False), actor="", check_signature=check_signature,
                        trusted_keys=trusted_keys, on_host=False)
