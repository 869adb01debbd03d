"""Logging in with a hardware key, offline, and carrying the result (``app.login``).

API::

    login(user, prompt) -> Identity          one call: begin + getAssertion on a key here + complete
    begin(user) -> LoginChallenge            refuses unknown/disabled/locked users and users in backoff
    complete(challenge, assertion) -> Identity
                                             checks the user again (disabled, locked, backoff: another
                                             process may have changed them), verifies offline; a
                                             failure counts toward backoff/lockout
    ssh_auth(user, key_blob, signed_data, signature_blob) -> Identity
                                             for the SSH server: checks an sk public-key signature the
                                             way OpenSSH's options say (touch, verify-required) plus a
                                             counter that must move forward, which no SSH server checks
    open_login(identity) -> str            a bearer token (only its SHA-256 is stored)
    resume(token) -> Identity                the identity behind a token, while it, the user and the
                                             key are still valid
    close_login(token) -> bool

How an identity travels: the CLI resolves ``OOB_SESSION`` (printed by ``oob
login``) into the acting identity, so ``OOB_SESSION=... oob approve ...`` acts
as that user. The SSH server, after ``ssh_auth``, calls ``open_login`` and
runs CLI commands with ``OOB_SESSION`` set (an invalid or expired token makes
the command fail, never fall back to the local account), or builds
``Services(loaded, authenticated=...)`` in-process.

Rules: the assertion must answer this login's fresh challenge, name our RP ID,
carry the user-present flag (and user-verified when the credential or one of
the user's roles requires it), verify against the enrolled public key, and
carry a sign counter strictly above the last one seen (python-fido2 does not
check it). After the n-th consecutive failure a user waits ``backoff *
2**(n-1)`` (at most ``backoff_max``); at ``lockout_after`` failures the user
is locked until an admin runs ``oob user unlock``. All of it is audited.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from oob_console.core.auth.credentials import FIDO2, SSH_SK, Credential, LoginToken, User, login_wait
from oob_console.core.auth.identity import Identity
from oob_console.core.auth.ssh_wire import WireError, parse_public_blob
from oob_console.core.auth.sshsig import SshsigError, check_sk_signature, parse_signature_blob, verification_input
from oob_console.core.auth.webauthn import KeyAssertion, check_assertion, signed_bytes, uv_request
from oob_console.errors import AuthError
from oob_console.services.audit.service import AuditService
from oob_console.services.auth.credentials import stamp
from oob_console.services.auth.ports import Clock, CredentialRepo, KeyDevice, Prompt, SignatureCheck
from oob_console.services.auth.settings import AuthConfig


@dataclass(frozen=True)
class LoginChallenge:
    user: str | None  # None: whoever's enrolled key answers
    challenge: bytes
    credentials: tuple[Credential, ...]
    user_verification: str  # what to ask the key: required | preferred | discouraged


@dataclass
class LoginService:
    repo: CredentialRepo
    audit: AuditService
    keys: Callable[[], KeyDevice]
    verify: SignatureCheck
    auth: AuthConfig
    now: Clock

    def _uv_for(self, user: User, cred: Credential) -> bool:
        return cred.uv_required or bool(set(user.roles) & set(self.auth.uv_roles))

    def _refuse(self, user: str, message: str, *, action: str = "login.refused", hint: str | None = None,
                **details: object) -> AuthError:
        # Refusals name the process's actor: nobody has proved to be ``user`` yet.
        self.audit.record(action, user, "refused", {"reason": message, **details})
        return AuthError(message, hint=hint)

    def _admit(self, user: User) -> None:
        """Refuse a disabled, locked or backing-off user (audited)."""
        if not user.active:
            raise self._refuse(user.name, f"user {user.name!r} is disabled")
        state = self.repo.login_state(user.name)
        if state.locked:
            raise self._refuse(
                user.name, f"user {user.name!r} is locked after {state.failures} failed logins (since "
                f"{state.locked_at})", hint=f"an admin runs 'oob user unlock {user.name}'",
            )
        wait = login_wait(state, self.now(), backoff=self.auth.backoff.timedelta,
                          backoff_max=self.auth.backoff_max.timedelta)
        if wait > 0:
            raise self._refuse(user.name, f"too many failed logins for {user.name!r}: wait {wait:.0f}s",
                               action="login.throttled", failures=state.failures)

    def _usable(self, creds: Sequence[Credential]) -> tuple[Credential, ...]:
        return tuple(c for c in creds if c.kind == FIDO2 and c.active
                     and (self.auth.allow_software_keys or not c.software))

    def begin(self, user_name: str | None) -> LoginChallenge:
        """Raises: AuthError (unknown, disabled, locked, throttled, no usable key)."""
        if user_name is not None:
            user = self.repo.get_user(user_name)
            if user is None:
                self.audit.record("login.refused", user_name, "refused", {"reason": "unknown user"})
                raise AuthError(f"no user {user_name!r}")
            self._admit(user)
            creds = self._usable(self.repo.list_credentials(user_name))
            if not creds:
                raise self._refuse(user.name, f"{user.name!r} has no usable enrolled key for local login",
                                   hint=f"an admin runs 'oob key enroll --user {user.name}'")
            uv = uv_request(bool(set(user.roles) & set(self.auth.uv_roles)), any(c.uv_required for c in creds))
        else:
            users = {u.name: u for u in self.repo.list_users() if u.active}
            creds = tuple(c for c in self._usable(self.repo.list_credentials()) if c.user in users)
            if not creds:
                raise AuthError("no enrolled keys for local login", hint="give --user, or enroll a key")
            uv = uv_request(False, any(self._uv_for(users[c.user], c) for c in creds))
        return LoginChallenge(user_name, os.urandom(32), creds, uv)

    def login(self, user_name: str | None, prompt: Prompt) -> Identity:
        challenge = self.begin(user_name)
        assertion = self.keys().get_assertion(
            rp_id=self.auth.rp_id, challenge=challenge.challenge,
            allow=[c.credential_id for c in challenge.credentials], user_verification=challenge.user_verification,
            touch=prompt.touch, pin=prompt.pin,
        )
        return self.complete(challenge, assertion)

    def _fail(self, user: str, reasons: Sequence[str], key_id: str | None) -> AuthError:
        at = stamp(self.now)
        state = self.repo.record_failure(user, at, self.auth.lockout_after)
        self.audit.record("login.failed", user, "refused",
                          {"reasons": list(reasons), "key_id": key_id, "failures": state.failures})
        if state.locked_at == at:  # this failure locked the user (whatever the count was before)
            self.audit.record("login.lockout", user, "locked", {"failures": state.failures})
        return AuthError(f"login refused: {'; '.join(reasons)}", details={"reasons": list(reasons)})

    def complete(self, challenge: LoginChallenge, assertion: KeyAssertion) -> Identity:
        """Verify the key's answer to ``challenge``.

        Raises:
            AuthError: anything wrong (counted as a failed login for the key's user).
        """
        cred = self.repo.by_credential_id(assertion.credential_id)
        allowed = {c.key_id for c in challenge.credentials}
        if cred is None or cred.key_id not in allowed:
            owner = challenge.user or (cred.user if cred else None)
            reason = "this key is not enrolled for that user (or is revoked)"
            if owner and self.repo.get_user(owner) is not None:
                raise self._fail(owner, [reason], cred.key_id if cred else None)
            raise AuthError(f"login refused: {reason}")
        user = self.repo.get_user(cred.user)
        if user is None:
            raise AuthError("login refused: the key's user is gone")
        if not cred.active:
            raise self._fail(user.name, [f"this key was revoked at {cred.revoked}"], cred.key_id)
        # Again, even if begin() admitted this user: they may have been disabled or locked (by another
        # process's failures) while the key waited for a touch.
        self._admit(user)
        require_uv = self._uv_for(user, cred)
        check = check_assertion(assertion.auth_data, assertion.client_data_json, rp_id=self.auth.rp_id,
                                challenge=challenge.challenge, require_uv=require_uv, last_counter=cred.counter,
                                allow_zero_counter=self.auth.allow_zero_counter)
        reasons = list(check.reasons)
        if not self.verify(cred.alg, cred.public_key, signed_bytes(assertion.auth_data, assertion.client_data_json),
                           assertion.signature):
            reasons.insert(0, "the signature does not verify with the enrolled key (tampered or forged)")
        if reasons or check.auth is None:
            raise self._fail(user.name, reasons, cred.key_id)
        at = stamp(self.now)
        if not self.repo.advance_counter(cred.key_id, check.auth.counter, at,
                                         allow_zero=self.auth.allow_zero_counter):
            raise self._fail(user.name, ["sign counter already used (a replay), or the key was just revoked"],
                             cred.key_id)
        identity = Identity.for_user(user.name, frozenset(user.roles), method="fido2", key_id=cred.key_id,
                                     user_verified=check.auth.user_verified, proven_at=self.now().timestamp())
        self.audit.record("login.ok", user.name, "ok", {"key_id": cred.key_id, "method": "fido2",
                          "user_verified": identity.user_verified, "counter": check.auth.counter},
                          actor=identity.actor)
        self.repo.clear_failures(user.name)
        return identity

    def ssh_auth(self, user_name: str, key_blob: bytes, signed_data: bytes, signature_blob: bytes) -> Identity:
        """Check an SSH public-key signature made by an enrolled sk key of ``user_name``.

        ``signed_data`` is what the client signed (for SSH user auth: the session
        ID and request, RFC 4252 section 7).

        Raises:
            AuthError: not this user's active sk key, bad signature, no touch,
                no verification where required, counter not forward, locked user.
        """
        user = self.repo.get_user(user_name)
        if user is None:
            raise AuthError(f"no user {user_name!r}")
        self._admit(user)
        cred = self.repo.by_ssh_blob(key_blob)
        if cred is None or cred.kind != SSH_SK or cred.user != user.name or not cred.active:
            raise self._fail(user.name, ["this SSH key is not an active key of this user"], None)
        if cred.software and not self.auth.allow_software_keys:
            raise self._fail(user.name, ["a SOFTWARE key, and this site does not allow software keys"], cred.key_id)
        try:
            key = parse_public_blob(key_blob)
            sig = parse_signature_blob(signature_blob, key)
        except (WireError, SshsigError) as exc:
            raise self._fail(user.name, [f"malformed signature: {exc}"], cred.key_id) from None
        reasons = list(check_sk_signature(
            sig, require_touch=not cred.no_touch_required, require_verify=self._uv_for(user, cred),
            last_counter=cred.counter, allow_zero_counter=self.auth.allow_zero_counter,
        ).reasons)
        if not self.verify(key.alg, key.public, verification_input(key, sig, signed_data), sig.sig):
            reasons.insert(0, "the signature does not verify with the enrolled key")
        if reasons:
            raise self._fail(user.name, reasons, cred.key_id)
        if not self.repo.advance_counter(cred.key_id, sig.counter, stamp(self.now),
                                         allow_zero=self.auth.allow_zero_counter):
            raise self._fail(user.name, ["signature counter already used (a replay)"], cred.key_id)
        identity = Identity.for_user(user.name, frozenset(user.roles), method="ssh-sk", key_id=cred.key_id,
                                     user_verified=sig.user_verified, proven_at=self.now().timestamp())
        self.audit.record("login.ok", user.name, "ok", {"key_id": cred.key_id, "method": "ssh-sk",
                          "user_verified": sig.user_verified, "counter": sig.counter}, actor=identity.actor)
        self.repo.clear_failures(user.name)
        return identity

    # sessions ---------------------------------------------------------------
    def open_login(self, identity: Identity) -> str:
        if identity.user is None or identity.key_id is None:
            raise AuthError("only a key-authenticated user can hold a session")
        token = secrets.token_urlsafe(32)
        now = self.now()
        expires = now + self.auth.session_lifetime.timedelta
        session = LoginToken(_hash(token), identity.user, identity.key_id, identity.method, identity.user_verified,
                          _iso(now), _iso(expires))
        self.audit.record_then("session.open", identity.user, {"expires": session.expires, "key_id": identity.key_id},
                               lambda: self.repo.add_login(session), actor=identity.actor)
        return token

    def resume(self, token: str) -> Identity:
        """Raises: AuthError (unknown, expired, user disabled, key revoked)."""
        return resume_login(self.repo, token, self.now())

    def close_login(self, token: str) -> bool:
        session = self.repo.get_login(_hash(token))
        if session is None:
            return False
        return self.audit.record_then("session.close", session.user, {},
                                      lambda: self.repo.delete_login(session.token_hash),
                                      actor=f"user:{session.user}")


def resume_login(repo: CredentialRepo, token: str, now: datetime) -> Identity:
    """The identity behind a session token (no audit needed: nothing changes).

    Raises:
        AuthError: unknown or closed, expired, user disabled, key revoked.
    """
    session = repo.get_login(_hash(token))
    hint = "run 'oob login' again (or unset OOB_SESSION)"
    if session is None:
        raise AuthError("the session in OOB_SESSION is unknown or was closed", hint=hint)
    if datetime.fromisoformat(session.expires.replace("Z", "+00:00")) <= now:
        raise AuthError(f"the session expired at {session.expires}", hint=hint)
    user = repo.get_user(session.user)
    cred = repo.get_credential(session.key_id)
    if user is None or not user.active:
        raise AuthError(f"user {session.user!r} is disabled; the session is void", hint=hint)
    if cred is None or not cred.active:
        raise AuthError("the key behind this session was revoked; the session is void", hint=hint)
    # The login was made with a touch (user presence is required at every login): it proves presence then.
    proven_at = datetime.fromisoformat(session.created.replace("Z", "+00:00")).timestamp()
    return Identity.for_user(user.name, frozenset(user.roles), method=session.method, key_id=session.key_id,
                             user_verified=session.user_verified, proven_at=proven_at)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

