"""Who may act: users and keys, logins (local and over SSH), approvals and quorum, fleet bundles.

Front ends import this feature's services and value types from here."""

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
