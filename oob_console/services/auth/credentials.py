"""Users and their keys: adding, enrolling, listing, disabling, revoking (``app.credentials``).

API (every method that changes something takes ``by``, the acting
:class:`~oob_console.core.auth.identity.Identity`, checks it may administer,
and records an audit entry before it reports done)::

    add_user(by, name, roles, display_name="") -> User
    get_user(name) -> User                      NotFoundError
    list_users() -> list[User]
    set_active(by, name, active) -> User        disable / enable
    unlock(by, name) -> LoginState              clear failed logins and a lockout (the state before)
    enroll(by, user, prompt, *, label="", uv=None, alg=None) -> Credential
                                                CTAP2 makeCredential on a key attached to this host
    add_ssh_key(by, user, line, *, verify_required=False, no_touch_required=False, label="") -> Credential
    list_keys(user=None) -> list[Credential]
    resolve_key(key_id_or_prefix) -> Credential NotFoundError / UsageError (ambiguous)
    revoke_key(by, key_id) -> Credential
    ssh_key_owner(key_blob) -> (User, Credential) | None
                                                for the SSH server's public-key check: an active
                                                ssh-sk key of an active user, else None

Enrollment asks the key for user verification (PIN) when ``uv`` is True or
one of the user's roles is in ``[auth] uv_roles``; the credential remembers it
and login then always requires it. Keys made by oob-console's software
authenticator are refused unless ``[auth] allow_software_keys = true``.
Only security-key SSH keys (``sk-...@openssh.com``) are accepted: a plain key
lives on a disk and proves nothing about a person being present.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from oob_console.core.auth.credentials import (
    FIDO2,
    LOCAL,
    SSH_SK,
    Credential,
    LoginState,
    User,
    fido2_key_id,
    is_software_sk_application,
)
from oob_console.core.auth.identity import ROLES, Identity, check_user_name
from oob_console.core.auth.ssh_wire import WireError, parse_authorized_key
from oob_console.core.auth.weak_keys import key_problem
from oob_console.core.auth.webauthn import CREATE, check_assertion
from oob_console.core.counting import counted
from oob_console.errors import AuthError, ConflictError, NotFoundError, RefusedError, UsageError
from oob_console.services.audit.service import AuditService
from oob_console.services.auth.ports import Clock, CredentialRepo, KeyDevice, Prompt
from oob_console.services.auth.settings import AuthConfig

SOFTWARE_REFUSED = RefusedError(
    "this is a SOFTWARE key (oob-console's test authenticator), and this site does not allow software keys",
    hint="use a hardware security key; only demo and test sites set [auth] allow_software_keys = true",
)


def stamp(clock: Clock) -> str:
    return clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def require_admin(by: Identity, what: str) -> None:
    if not by.can_administer:
        raise AuthError(f"{by.actor} may not {what}", hint="needs the admin role (or a local account on this host)")


KEY_PREFIX_MIN = 6  # characters of a key ID that pick one key
KEY_ID_KINDS = ("fido2:", "SHA256:")  # what key IDs start with (FIDO2 credentials, SSH security keys)


@dataclass
class CredentialService:
    repo: CredentialRepo
    audit: AuditService
    keys: Callable[[], KeyDevice]  # called only when a key is needed (selecting one may be refused)
    auth: AuthConfig
    now: Clock

    # users -----------------------------------------------------------------
    def get_user(self, name: str) -> User:
        user = self.repo.get_user(name)
        if user is None:
            raise NotFoundError(f"no user {name!r}", hint="see 'oob user list'")
        return user

    def list_users(self) -> list[User]:
        return self.repo.list_users()

    def add_user(self, by: Identity, name: str, roles: tuple[str, ...], display_name: str = "") -> User:
        require_admin(by, "add users")
        problem = check_user_name(name)
        if problem:
            raise UsageError(f"bad user name {name!r}: {problem}")
        unknown = [r for r in roles if r not in ROLES]
        if unknown or not roles:
            raise UsageError(f"roles must be one or more of {', '.join(ROLES)}", where=f"got {list(roles)}")
        at = stamp(self.now)
        user = User(name, display_name or name, tuple(dict.fromkeys(roles)), True, LOCAL, at, at)
        if self.repo.get_user(name) is not None:
            raise ConflictError(f"user {name!r} already exists", hint="pick another name")
        self._record(by, "user.add", name, user.public(), lambda: self.repo.add_user(user))
        return user

    def set_active(self, by: Identity, name: str, active: bool) -> User:
        require_admin(by, "disable or enable users")
        user = self.get_user(name)
        action = "user.enable" if active else "user.disable"
        self._record(by, action, name, {"was_active": user.active},
                     lambda: self.repo.set_user_active(name, active, stamp(self.now)))
        return self.get_user(name)

    def unlock(self, by: Identity, name: str) -> LoginState:
        require_admin(by, "clear lockouts")
        self.get_user(name)
        state = self.repo.login_state(name)
        self._record(by, "login.unlock", name, {"failures": state.failures, "locked_at": state.locked_at},
                     lambda: self.repo.clear_failures(name))
        return state

    # keys ------------------------------------------------------------------
    def list_keys(self, user: str | None = None) -> list[Credential]:
        if user is not None:
            self.get_user(user)
        return self.repo.list_credentials(user)

    def resolve_key(self, key_id: str) -> Credential:
        exact = self.repo.get_credential(key_id)
        if exact is not None:
            return exact
        if len(key_id) < KEY_PREFIX_MIN:
            raise UsageError(f"key ID {key_id!r} is too short to pick one key",
                             hint=f"give at least {KEY_PREFIX_MIN} characters of an ID from 'oob key list'")
        # An ID with or without its kind ("fido2:", "SHA256:"), as people copy it from the list.
        found = self.repo.find_credentials(key_id) or [
            c for kind in KEY_ID_KINDS for c in self.repo.find_credentials(kind + key_id)]
        if not found:
            raise NotFoundError(f"no key ID starts with {key_id!r}", hint="see 'oob key list' for the IDs")
        if len(found) > 1:
            raise UsageError(f"{key_id!r} matches {counted(len(found), 'key')}", hint="give more of the key ID")
        return found[0]

    def revoke_key(self, by: Identity, key_id: str) -> Credential:
        require_admin(by, "revoke keys")
        cred = self.resolve_key(key_id)
        self._record(by, "key.revoke", cred.key_id, {"user": cred.user, "kind": cred.kind},
                     lambda: self.repo.revoke_credential(cred.key_id, stamp(self.now)))
        return self.resolve_key(cred.key_id)

    def enroll(self, by: Identity, user_name: str, prompt: Prompt, *, label: str = "",
               uv: bool | None = None, alg: str | None = None) -> Credential:
        """CTAP2 makeCredential on a key attached to this host, verified, then stored.

        Raises:
            UnavailableError: no key attached.
            AuthError: the key refused, or its answer does not verify.
            RefusedError: a software key on a site that does not allow them.
        """
        require_admin(by, "enroll keys")
        user = self.get_user(user_name)
        if not user.active:
            raise RefusedError(f"user {user_name!r} is disabled", hint=f"'oob user enable {user_name}' first")
        need_uv = bool(uv) or bool(set(user.roles) & set(self.auth.uv_roles))
        challenge = os.urandom(32)
        # Every credential enrolled here, whoever's: a key that holds one refuses (CTAP2 excludeList), so
        # one physical key never stands for two users (one person would then count twice in a quorum).
        existing = [c.credential_id for c in self.repo.list_credentials() if c.kind == FIDO2]
        reg = self.keys().make_credential(
            rp_id=self.auth.rp_id, user_name=user.name, display_name=user.display_name, challenge=challenge,
            user_verification=need_uv, exclude=existing, algorithms=(alg,) if alg else self.auth.algorithms,
            touch=prompt.touch, pin=prompt.pin,
        )
        if reg.software and not self.auth.allow_software_keys:
            raise SOFTWARE_REFUSED
        check = check_assertion(reg.auth_data, reg.client_data_json, rp_id=self.auth.rp_id, challenge=challenge,
                                require_uv=need_uv, last_counter=None, expected_type=CREATE,
                                allow_zero_counter=self.auth.allow_zero_counter)
        if not check.ok or check.auth is None:
            raise AuthError(f"enrollment refused: {'; '.join(check.reasons)}")
        weak = key_problem(reg.alg, reg.public_key)
        if weak:
            raise AuthError(f"enrollment refused: the key's public key is {weak}")
        cred = Credential(
            key_id=fido2_key_id(reg.credential_id), kind=FIDO2, user=user.name, alg=reg.alg,
            public_key=reg.public_key, rp_id=self.auth.rp_id, credential_id=reg.credential_id,
            attested_data=reg.attested_data, uv_required=need_uv, counter=check.auth.counter,
            software=reg.software, aaguid=reg.aaguid, attestation=reg.attestation, label=label, origin=LOCAL,
            created=stamp(self.now),
        )
        self._record(by, "key.enroll", cred.key_id, cred.public(), lambda: self.repo.add_credential(cred))
        return cred

    def add_ssh_key(self, by: Identity, user_name: str, line: str, *, verify_required: bool = False,
                    no_touch_required: bool = False, label: str = "") -> Credential:
        """Register an OpenSSH security-key public key (options in the line are honoured too)."""
        require_admin(by, "add SSH keys")
        user = self.get_user(user_name)
        try:
            parsed = parse_authorized_key(line)
        except WireError as exc:
            raise UsageError(f"not a usable SSH public key: {exc}") from None
        key = parsed.key
        if not key.is_sk:
            raise RefusedError(
                f"{key.key_type} is not a security-key type",
                hint="make one on the laptop: ssh-keygen -t ed25519-sk (or ecdsa-sk) [-O verify-required]",
            )
        weak = key_problem(key.alg, key.public)
        if weak:
            raise RefusedError(f"refused: the key is {weak}", hint="make a new key with ssh-keygen -t ed25519-sk")
        software = is_software_sk_application(key.application)
        if software and not self.auth.allow_software_keys:
            raise SOFTWARE_REFUSED
        cred = Credential(
            key_id=key.fingerprint, kind=SSH_SK, user=user.name, alg=key.alg, public_key=key.public,
            rp_id=key.application, ssh_blob=key.blob,
            uv_required=verify_required or "verify-required" in parsed.options,
            no_touch_required=no_touch_required or "no-touch-required" in parsed.options,
            attestation="none (OpenSSH public key)", label=label or parsed.comment, origin=LOCAL, software=software,
            created=stamp(self.now),
        )
        if self.repo.get_credential(cred.key_id) is not None:
            raise ConflictError(f"key {cred.key_id} is already enrolled", hint="see 'oob key list'")
        self._record(by, "key.add-ssh", cred.key_id, cred.public(), lambda: self.repo.add_credential(cred))
        return cred

    def ssh_key_owner(self, key_blob: bytes) -> tuple[User, Credential] | None:
        cred = self.repo.by_ssh_blob(key_blob)
        if cred is None or not cred.active or cred.kind != SSH_SK:
            return None
        user = self.repo.get_user(cred.user)
        return (user, cred) if user is not None and user.active else None

    def _record(self, by: Identity, action: str, target: str, details: Mapping[str, Any],
                apply: Callable[[], object]) -> None:
        self.audit.record_then(action, target, details, apply, actor=by.actor)
