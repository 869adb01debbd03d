"""Ports of the credential, login and approval services (implemented by adapters, wired in bootstrap)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from oob_console.core.auth.credentials import Credential, LoginState, LoginToken, User
from oob_console.core.auth.intents import Approval, Intent
from oob_console.core.auth.webauthn import KeyAssertion, Registration

Clock = Callable[[], datetime]
# (alg, raw public key, message, signature) -> valid?  (adapters.sk_verify.verify_signature)
SignatureCheck = Callable[[str, bytes, bytes, bytes], bool]


class Prompt(Protocol):
    """How a service talks to the person holding the key (terminal, TUI, nothing in tests)."""

    def touch(self) -> None:
        """Tell the person to touch their key now."""
        ...

    def pin(self) -> str | None:
        """The key's PIN, asked for only when the key needs it (None: cancel). Never logged."""
        ...


class KeyDevice(Protocol):
    """Security keys attached to this host (adapters.fido2_keys.Fido2Keys)."""

    def make_credential(
        self, *, rp_id: str, user_name: str, display_name: str, challenge: bytes, user_verification: bool,
        exclude: Sequence[bytes], algorithms: Sequence[str], touch: Callable[[], None],
        pin: Callable[[], str | None],
    ) -> Registration:
        """CTAP2 makeCredential.

        Raises:
            UnavailableError: no key attached.
            AuthError: the key refused, wrong PIN, timeout, bad attestation.
        """
        ...

    def get_assertion(
        self, *, rp_id: str, challenge: bytes, allow: Sequence[bytes], user_verification: str,
        touch: Callable[[], None], pin: Callable[[], str | None],
    ) -> KeyAssertion:
        """CTAP2 getAssertion over ``allow``; ``user_verification``: required | preferred | discouraged.

        Raises:
            UnavailableError: no key attached.
            AuthError: no attached key holds an allowed credential, or the key refused.
        """
        ...


class CredentialRepo(Protocol):
    """Users, credentials, login failures, sessions, bundle state (adapters.credential_store)."""

    def add_user(self, user: User) -> None:
        """Raises: ConflictError (name taken), StorageError."""
        ...

    def get_user(self, name: str) -> User | None: ...

    def list_users(self) -> list[User]: ...

    def set_user_active(self, name: str, active: bool, at: str) -> None:
        """Raises: NotFoundError, StorageError."""
        ...

    def add_credential(self, cred: Credential) -> None:
        """Raises: ConflictError (already enrolled), StorageError."""
        ...

    def get_credential(self, key_id: str) -> Credential | None: ...

    def find_credentials(self, prefix: str) -> list[Credential]: ...

    def by_credential_id(self, credential_id: bytes) -> Credential | None: ...

    def by_ssh_blob(self, blob: bytes) -> Credential | None: ...

    def list_credentials(self, user: str | None = None) -> list[Credential]: ...

    def revoke_credential(self, key_id: str, at: str) -> None:
        """Raises: ConflictError (not active), StorageError."""
        ...

    def advance_counter(self, key_id: str, counter: int, at: str, *, stream: str = "login",
                        allow_zero: bool = False) -> bool:
        """Atomically store ``counter`` if it is higher than the last one in ``stream``; False if not.

        Streams: "login" and "approval". Each must strictly increase on its own.
        """
        ...

    def login_state(self, user: str) -> LoginState: ...

    def record_failure(self, user: str, at: str, lock_after: int) -> LoginState: ...

    def clear_failures(self, user: str) -> LoginState: ...

    def add_login(self, s: LoginToken) -> None: ...

    def get_login(self, token_hash: str) -> LoginToken | None: ...

    def delete_login(self, token_hash: str) -> bool: ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def apply_bundle(
        self, *, serial: int, users: Sequence[User], credentials: Sequence[Credential], at: str
    ) -> dict[str, int]:
        """All or nothing.

        Raises:
            ConflictError: serial not newer than the last imported one.
            StorageError: the store cannot be written (nothing changed).
        """
        ...


class StoredIntentView(Protocol):
    """An intent as stored: its bytes (parsed), state, execution result and approvals."""

    @property
    def intent(self) -> Intent: ...

    @property
    def state(self) -> str: ...

    @property
    def result(self) -> dict[str, Any]: ...

    @property
    def updated(self) -> str: ...

    @property
    def approvals(self) -> tuple[Approval, ...]: ...


class IntentRepo(Protocol):
    """Intents and approvals (adapters.intent_store)."""

    def add(self, intent: Intent, at: str) -> None:
        """Raises: ConflictError (ID collision), StorageError."""
        ...

    def get(self, intent_id: str) -> StoredIntentView:
        """Raises: NotFoundError, IntegrityError (stored bytes damaged)."""
        ...

    def list_intents(self, *, states: Sequence[str] | None = None, limit: int = 200) -> Sequence[StoredIntentView]:
        ...

    def add_approval(self, intent_id: str, approval: Approval, *, counter: int | None, evidence: bytes) -> None:
        """Raises: ConflictError (same user again, or intent not open)."""
        ...

    def transition(self, intent_id: str, *, from_state: str, to_state: str, at: str,
                   result: dict[str, Any] | None = None) -> bool: ...
