"""Wiring of who may act: the store, credentials, security keys, logins, approvals, fleet bundles."""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from oob_console.core.auth.identity import Identity
from oob_console.errors import RefusedError

if TYPE_CHECKING:
    from oob_console.adapters.credentials_sqlite import CredentialStore
    from oob_console.adapters.sk_keys_fido2 import SkKey as SkKey
    from oob_console.adapters.ssh_signer_cryptography import SshKeySigner
    from oob_console.adapters.store_sqlite import SqliteStore
    from oob_console.services.auth import (
        ApprovalService,
        CredentialService,
        LoginService,
        SshLoginService,
        StoreSyncService,
    )
    from oob_console.services.auth.ports import KeyDevice
    from oob_console.wiring.services import Services

# An `oob login` token: commands run with it act as that user (see services.auth.login).
SESSION_ENV = "OOB_SESSION"
# The state file of oob-console's SOFTWARE security key; used only if the site allows software keys.
SOFT_KEY_ENV = "OOB_SOFT_KEY"


def local_actor() -> str:
    """Who is acting when no hardware-key login has happened: the Unix account."""
    try:
        name = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        name = f"uid{os.getuid()}"
    return f"local:{name}"


def build_identity(services: Services) -> Identity:
    """Who acts: the identity handed in, else the user of ``$OOB_SESSION``, else the local account.

    Raises:
        AuthError: OOB_SESSION is set but unknown, expired, or its user or key is no longer valid
            (never a silent fall back to the local account).
    """
    from oob_console.services.auth.login import resume_login

    if services.authenticated is not None:
        return services.authenticated
    token = os.environ.get(SESSION_ENV)
    if token:
        return resume_login(services.credential_repo, token, services.clock())
    return Identity.local(services.actor)


def build_store(services: Services) -> SqliteStore:
    from oob_console.adapters.store_sqlite import SqliteStore

    return SqliteStore(services.path(services.loaded.config.paths.store))


def build_credential_repo(services: Services) -> CredentialStore:
    from oob_console.adapters.credentials_sqlite import CredentialStore

    return CredentialStore(services.store)


def build_key_device(services: Services) -> KeyDevice:
    """The security keys attached to this host; the software key only when selected AND allowed.

    Raises:
        RefusedError: OOB_SOFT_KEY is set on a site that does not allow software keys.
    """
    from oob_console.adapters.keys_fido2 import Fido2Keys, hid_devices

    auth = services.loaded.config.auth
    soft = os.environ.get(SOFT_KEY_ENV)
    if soft:
        if not auth.allow_software_keys:
            raise RefusedError(
                f"{SOFT_KEY_ENV} selects a SOFTWARE security key, and this site does not allow software keys",
                hint=f"unset {SOFT_KEY_ENV}; only demo/test sites set [auth] allow_software_keys = true",
            )
        from oob_console.adapters.keys_software import open_device

        # Several state files separated by ':' are several keys plugged in (the demo attaches two).
        paths = [Path(p) for p in soft.split(os.pathsep) if p]
        return Fido2Keys(lambda: [open_device(p) for p in paths], timeout=auth.touch_timeout)
    return Fido2Keys(hid_devices, timeout=auth.touch_timeout)


def build_credentials(services: Services) -> CredentialService:
    from oob_console.services.auth import CredentialService

    return CredentialService(services.credential_repo, services.audit, services.key_device,
                             services.loaded.config.auth, services.clock)


def build_login(services: Services) -> LoginService:
    from oob_console.adapters.signatures_cryptography import verify_signature
    from oob_console.services.auth import LoginService

    return LoginService(services.credential_repo, services.audit, services.key_device, verify_signature,
                        services.loaded.config.auth, services.clock)


def build_approvals(services: Services) -> ApprovalService:
    from oob_console.adapters.intents_sqlite import IntentStore
    from oob_console.adapters.signatures_cryptography import verify_signature
    from oob_console.services.auth import ApprovalService

    cfg = services.loaded.config
    return ApprovalService(IntentStore(services.store), services.credential_repo, services.audit,
                           services.key_device, verify_signature, cfg.auth, services.approval_classes,
                           cfg.site.name, services.clock, notice=services.notify.auto)


def build_ssh_login(services: Services) -> SshLoginService:
    from oob_console.core.auth.login_limits import FailureLimiter
    from oob_console.services.auth import SshLoginService

    cfg = services.loaded.config.server
    limiter = FailureLimiter(cfg.max_failures, cfg.failure_window, cfg.lockout)
    return SshLoginService(services.credentials, services.login, services.audit, limiter, cfg.login_user)


def build_store_sync(services: Services) -> StoreSyncService:
    from oob_console.adapters.signatures_cryptography import verify_signature
    from oob_console.services.auth import StoreSyncService

    cfg = services.loaded.config
    return StoreSyncService(services.credential_repo, services.audit, verify_signature, cfg.auth, cfg.fleet,
                            cfg.site.name, services.clock)


def bundle_signer(key_file: Path, passphrase: Callable[[], str | None]) -> SshKeySigner:
    """The private key that signs fleet bundles (``oob store export``); ``passphrase`` is asked only if needed.

    Raises:
        StorageError: the key file is unreadable.
        AuthError: the key is encrypted and the passphrase is missing or wrong.
        UsageError: not an Ed25519 or ECDSA P-256 key.
    """
    from oob_console.adapters.ssh_signer_cryptography import SshKeySigner

    return SshKeySigner(key_file, passphrase)


# oob-console's SOFTWARE security key on the approver's side, with no site (`oob softkey`, the demo's people):
# what a USB key and ssh-keygen do on a laptop. A console only accepts what it makes where the site allows it.

def create_software_key(state: Path, *, pin: str | None = None) -> None:
    """A new software key's state file at ``state``, with ``pin`` set through CTAP2 if given.

    Raises:
        StorageError: ``state`` exists already.
    """
    from oob_console.adapters.keys_software import create

    create(state, pin=pin)


def software_ssh_keygen(state: Path, *, alg: str = "ed25519", application: str = "ssh:", pin: str | None = None,
                        verify_required: bool = False, comment: str = "") -> SkKey:
    """An SSH sk key made on the software key at ``state`` (like ``ssh-keygen -t ed25519-sk``).

    Its application is always ``ssh:oob-softkey[:...]`` (core.auth.credentials), so
    ``oob key add-ssh`` knows it for a software key.

    Raises:
        AuthError: the key refused (wrong PIN, no PIN set but verify-required, ...).
        UsageError: ``verify_required`` without ``pin``.
    """
    from oob_console.adapters import sk_keys_fido2
    from oob_console.adapters.keys_software import open_device
    from oob_console.core.auth.credentials import SOFTWARE_SK_APPLICATION, is_software_sk_application

    if not is_software_sk_application(application):  # marked as software, whatever was asked
        rest = application.removeprefix("ssh:")
        application = SOFTWARE_SK_APPLICATION + (f":{rest}" if rest else "")
    device = open_device(state)
    try:
        return sk_keys_fido2.enroll(device, alg=alg, application=application, pin=pin,
                                    verify_required=verify_required, comment=comment)
    finally:
        device.close()


def software_sshsig(state: Path, sk: SkKey, message: bytes, namespace: str, *, pin: str | None = None) -> str:
    """``ssh-keygen -Y sign -n NAMESPACE`` with an sk key of the software key at ``state``: an armored SSHSIG.

    Raises:
        AuthError: the key refused (wrong PIN, not its key handle, ...).
    """
    from oob_console.adapters import sk_keys_fido2
    from oob_console.adapters.keys_software import open_device

    device = open_device(state)
    try:
        return sk_keys_fido2.sign_sshsig(device, sk, message, namespace, pin=pin)
    finally:
        device.close()


def write_sk_key_file(path: Path, sk: SkKey) -> None:
    """The OpenSSH private-key stub of ``sk`` (no secret in it, only the key handle); ``path`` must not exist.

    Raises:
        OSError: ``path`` exists or cannot be written.
    """
    from oob_console.adapters import sk_keys_fido2

    sk_keys_fido2.write_private(path, sk)


def read_sk_key_file(path: Path) -> SkKey:
    """The sk key in an OpenSSH private-key stub written by :func:`write_sk_key_file` (or ssh-keygen).

    Raises:
        StorageError: the file is unreadable.
        UsageError: not an unencrypted sk key stub.
    """
    from oob_console.adapters import sk_keys_fido2

    return sk_keys_fido2.read_private(path)
