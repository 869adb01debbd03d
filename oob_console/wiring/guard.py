"""Wiring of the command guard: its policy from the config, the inventory it reads, the gate runs pass."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from oob_console.config import GuardConfig, LoadedConfig
from oob_console.services.guard import GuardService

if TYPE_CHECKING:
    from oob_console.services.guard import GuardGate
    from oob_console.wiring.services import Services


def build_guard(loaded: LoadedConfig | None, *, inventory: str | None = None) -> GuardService:
    """The command guard of a site, or with built-in thresholds when there is no site (``loaded`` None)."""
    from oob_console.adapters.backups_files import ConfigHistoryDir
    from oob_console.adapters.guard_corpus_toml import CorpusDirectory
    from oob_console.adapters.inventory_toml import InventoryFile
    from oob_console.core.guard import GuardPolicy

    cfg = loaded.config.guard if loaded else GuardConfig()
    policy = GuardPolicy(
        link_share=cfg.link_share, backbone_share=cfg.backbone_share, session_share=cfg.session_share,
        lag_member_share=cfg.lag_member_share, critical_link_kinds=cfg.critical_link_kinds,
        backbone_roles=cfg.backbone_roles, max_interfaces_down=cfg.max_interfaces_down,
        oob_addresses=cfg.oob_addresses, login_users=cfg.login_users,
    )
    if inventory:
        inventory_path: Path | None = Path(inventory)
    else:
        inventory_path = loaded.resolve(loaded.config.paths.inventory) if loaded else None
    backups = ConfigHistoryDir(loaded.resolve(loaded.config.paths.backups)) if loaded else None
    return GuardService(policy, InventoryFile(inventory_path), CorpusDirectory(loaded.base if loaded else None),
                        checker_timeout=cfg.checker_timeout.seconds, default_corpus=cfg.corpus, backups=backups)


def build_guard_gate(services: Services) -> GuardGate:
    from oob_console.services.guard import GuardGate

    return GuardGate(services.guard, lambda: services.approvals, services.audit, services.approval_classes)
