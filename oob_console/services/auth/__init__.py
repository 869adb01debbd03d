"""Who may act: users and keys, logins (local and over SSH), approvals and quorum, fleet bundles.

Front ends import this feature's services and value types from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.services import lazy_exports

if TYPE_CHECKING:
    from oob_console.services.auth.approvals import ApprovalService, IntentView
    from oob_console.services.auth.credentials import CredentialService
    from oob_console.services.auth.login import LoginService
    from oob_console.services.auth.ssh_login import MAX_REFUSALS, LoginAttempt, SshLoginService, describe_key
    from oob_console.services.auth.store_sync import StoreSyncService

__all__ = [
    "MAX_REFUSALS",
    "ApprovalService",
    "CredentialService",
    "IntentView",
    "LoginAttempt",
    "LoginService",
    "SshLoginService",
    "StoreSyncService",
    "describe_key",
]

# Imported on first use: the config loader imports this feature's settings, not its services.
__getattr__ = lazy_exports(__name__, {
    "MAX_REFUSALS": "ssh_login",
    "ApprovalService": "approvals",
    "CredentialService": "credentials",
    "IntentView": "approvals",
    "LoginAttempt": "ssh_login",
    "LoginService": "login",
    "SshLoginService": "ssh_login",
    "StoreSyncService": "store_sync",
    "describe_key": "ssh_login",
})
