"""Intents and quorum approvals (``app.approvals``): a dangerous action runs only with fresh signatures.

API::

    request(by, action, params, *, lifetime=None) -> IntentView
                                    create an intent (canonical bytes, ID, hash) that collects approvals
    request_drill(by, note="") -> IntentView
                                    a harmless "drill" intent: approving it practises the flow, and when
                                    its quorum is met it completes as a no-op
    get(intent_id) -> IntentView    by short ID or full hash (NotFoundError)
    list(include_closed=False) -> list[IntentView]
    canonical(intent_id) -> bytes   the exact bytes approvers sign (``oob intent show``)
    approve_local(intent_id, prompt) -> IntentView
                                    CTAP2 getAssertion on a key here, challenge = SHA-256(canonical bytes)
    approve_assertion(intent_id, assertion) -> IntentView
    approve_sshsig(intent_id, sshsig) -> IntentView
                                    an ``ssh-keygen -Y sign -n <[auth] sshsig_namespace>`` signature over
                                    the canonical bytes, made with an enrolled sk key
    cancel(by, intent_id) -> IntentView
    claim(intent_id, *, action, by) -> Intent
                                    for the service that executes the action: atomically moves an approved,
                                    unexpired intent of exactly that action to "executing" (once, ever),
                                    re-counting only approvals whose user is still active, holds a role that
                                    may approve, and whose key is not revoked
    finish(intent_id, *, ok, result, by) -> IntentView
                                    record the outcome ("executed" or "failed")

An approval must: verify against an active enrolled key of an active user,
carry user presence (and user verification where the class or the key
requires it), have a counter above the last one any *approval* by that key
carried (approvals and logins are separate monotonic streams: a remote
approver signs, then logs in over SSH to submit, so the login's counter is
already past the signature's; replay stays impossible through the intent's
nonce and one approval per person), come
from a user not yet among the approvers (one approval per person, whatever
the key), from a user with a role the class allows, and not from the
requester unless the class sets ``requester_counts``. The intent must be open
and unexpired. Every approval, refusal and state change is audited, with the
approver as the actor. Refusals are AuthError (exit 5), state conflicts
(expired, executed, cancelled) ConflictError (exit 9).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from oob_console.core.auth import sshsig
from oob_console.core.auth.credentials import FIDO2, SSH_SK, Credential, User
from oob_console.core.auth.identity import Identity
from oob_console.core.auth.intents import (
    CLOSED,
    EXECUTED,
    EXECUTING,
    FAILED,
    OPEN,
    Approval,
    Intent,
    IntentError,
    QuorumRule,
    approval_refusal,
    new_intent,
    quorum_status,
)
from oob_console.core.auth.webauthn import KeyAssertion, check_assertion, signed_bytes, uv_request
from oob_console.errors import AuthError, ConflictError, RefusedError, UsageError
from oob_console.services.audit.service import AuditService
from oob_console.services.auth.credentials import stamp
from oob_console.services.auth.ports import (
    Clock,
    CredentialRepo,
    IntentRepo,
    KeyDevice,
    Prompt,
    SignatureCheck,
    StoredIntentView,
)
from oob_console.services.auth.settings import ApprovalsConfig, AuthConfig

DRILL = "drill"


@dataclass(frozen=True)
class IntentView:
    intent: Intent
    state: str  # pending | approved | expired | executing | executed | failed | cancelled
    have: int
    need: int
    approvers: tuple[str, ...]
    rule: str
    approvals: tuple[Approval, ...]
    result: dict[str, Any]

    @property
    def id(self) -> str:
        return self.intent.id

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.intent.summary(), "state": self.state, "approvals_have": self.have,
            "approvals_need": self.need, "approvers": list(self.approvers), "class": self.rule,
            "approvals": [a.__dict__ for a in self.approvals], "result": self.result,
        }


@dataclass
class ApprovalService:
    intents: IntentRepo
    creds: CredentialRepo
    audit: AuditService
    keys: Callable[[], KeyDevice]
    verify: SignatureCheck
    auth: AuthConfig
    policy: ApprovalsConfig
    site: str
    now: Clock
    # The notify hook (NotifyService.auto): tells the outside world an approval is wanted or was given.
    notice: Callable[..., object] | None = None

    def _notice(self, event: str, view: IntentView, text: str) -> None:
        if self.notice is not None:
            level = "info" if view.intent.action == DRILL else "warning"
            self.notice(event, text, severity=level,
                        details={"intent": view.id, "action": view.intent.action, "have": view.have,
                                 "need": view.need, "state": view.state})

    # rules -------------------------------------------------------------------
    def rule(self, action: str) -> QuorumRule:
        return self.policy.rule(action)

    def _view(self, stored: StoredIntentView) -> IntentView:
        intent = stored.intent
        rule = self.rule(intent.action)
        status = quorum_status(intent, rule, stored.approvals, stored_state=stored.state, now=self.now())
        return IntentView(intent, status.state, status.have, status.need, status.approvers, rule.name,
                          stored.approvals, stored.result)

    # reading -----------------------------------------------------------------
    def get(self, intent_id: str) -> IntentView:
        return self._view(self.intents.get(intent_id))

    def canonical(self, intent_id: str) -> bytes:
        return self.intents.get(intent_id).intent.canonical

    def list(self, include_closed: bool = False) -> list[IntentView]:
        views = [self._view(s) for s in self.intents.list_intents()]
        return views if include_closed else [v for v in views if v.state in ("pending", "approved")]

    # requesting --------------------------------------------------------------
    def request(self, by: Identity, action: str, params: dict[str, Any], *,
                lifetime: timedelta | None = None) -> IntentView:
        """Raises: UsageError (bad action/params/lifetime), StorageError, AuditWriteError."""
        longest = self.policy.max_lifetime.timedelta
        life = lifetime or self.policy.lifetime.timedelta
        if life > longest:
            raise UsageError(f"an intent may live at most {self.policy.max_lifetime}",
                             hint="[approvals] max_lifetime in the config")
        for _ in range(3):  # a 40-bit ID collision is unlikely; a new nonce fixes it
            try:
                intent = new_intent(action=action, params=params, requester=by.actor, site=self.site,
                                    now=self.now(), lifetime=life, nonce=os.urandom(16).hex())
            except IntentError as exc:
                raise UsageError(str(exc)) from None
            details = {**intent.summary(), "class": self.rule(action).name}
            try:
                self.audit.record_then("intent.request", intent.id, details,
                                       partial(self.intents.add, intent, stamp(self.now)), actor=by.actor)
            except ConflictError:
                continue
            view = self.get(intent.id)
            self._notice("approval-requested", view, f"approval wanted: {action} (intent {view.id}, requested by "
                                                     f"{by.actor}); {view.need} approvals needed")
            return view
        raise ConflictError("could not allocate an intent ID")

    def request_drill(self, by: Identity, note: str = "", lifetime: timedelta | None = None) -> IntentView:
        return self.request(by, DRILL, {"note": note, "effect": "none: a drill only practises approvals"},
                            lifetime=lifetime)

    # approving ---------------------------------------------------------------
    def _approver(self, intent: Intent, cred: Credential | None, what: str) -> tuple[Credential, User]:
        if cred is None:
            raise self._refused(intent, None, f"{what} is not enrolled here")
        if not cred.active:
            raise self._refused(intent, cred.user, f"{what} ({cred.key_id}) was revoked at {cred.revoked}")
        if cred.software and not self.auth.allow_software_keys:
            raise self._refused(intent, cred.user, f"{what} is a SOFTWARE key and this site does not allow them")
        user = self.creds.get_user(cred.user)
        if user is None or not user.active:
            raise self._refused(intent, cred.user, f"user {cred.user!r} is disabled")
        return cred, user

    def _refused(self, intent: Intent, user: str | None, reason: str) -> AuthError:
        # The process's actor records a refusal; ``user`` is only who the key claimed to be.
        self.audit.record("intent.approve", intent.id, "refused", {"reason": reason, "claimed_user": user})
        return AuthError(f"approval refused: {reason}", details={"intent": intent.id})

    def _admit(self, stored: StoredIntentView, user: User, cred: Credential, *, user_verified: bool,
               counter: int, method: str, evidence: bytes) -> IntentView:
        intent = stored.intent
        rule = self.rule(intent.action)
        reason = approval_refusal(intent, rule, stored.approvals, approver=user.name,
                                  approver_roles=frozenset(user.roles), user_verified=user_verified,
                                  stored_state=stored.state, now=self.now())
        if reason:
            # The signature verified: this user did act, and policy said no.
            self.audit.record("intent.approve", intent.id, "refused", {"reason": reason}, actor=f"user:{user.name}")
            closed = stored.state in CLOSED or intent.expired(self.now())
            raise (ConflictError if closed else AuthError)(f"approval refused: {reason}")
        at = stamp(self.now)
        if not self.creds.advance_counter(cred.key_id, counter, at, stream="approval",
                                          allow_zero=self.auth.allow_zero_counter):
            raise self._refused(intent, user.name, "signature counter already used (a replay) or key revoked")
        approval = Approval(user.name, cred.key_id, method, user_verified, at)
        self.audit.record_then(
            "intent.approve", intent.id, {"key_id": cred.key_id, "method": method, "user_verified": user_verified,
                                          "counter": counter, "hash": intent.hash},
            lambda: self.intents.add_approval(intent.id, approval, counter=counter, evidence=evidence),
            actor=f"user:{user.name}",
        )
        view = self.get(intent.id)
        self._notice("approval-given", view, f"{user.name} approved {intent.action} (intent {view.id}): "
                                             f"{view.have} of {view.need}" + (", quorum met" if view.have >= view.need
                                                                              else ""))
        if view.state == "approved" and intent.action == DRILL:
            drill_by = Identity.local("oob:drill")
            self.claim(intent.id, action=DRILL, by=drill_by)
            view = self.finish(intent.id, ok=True, result={"effect": "none (drill)"}, by=drill_by)
        return view

    def approve_local(self, intent_id: str, prompt: Prompt, *, user: str | None = None) -> IntentView:
        """Ask a key attached to this host to sign the intent (any enrolled user's key, or only ``user``'s)."""
        stored = self.intents.get(intent_id)
        rule = self.rule(stored.intent.action)
        users = {u.name for u in self.creds.list_users()
                 if u.active and set(u.roles) & rule.roles and user in (None, u.name)}
        allow = [c for c in self.creds.list_credentials() if c.kind == FIDO2 and c.active and c.user in users]
        if not allow:
            who = f"{user}, who may approve this," if user else "a user who may approve this"
            raise AuthError(f"no enrolled key of {who}", hint="enroll one with 'oob key enroll'")
        assertion = self.keys().get_assertion(
            rp_id=self.auth.rp_id, challenge=stored.intent.challenge, allow=[c.credential_id for c in allow],
            user_verification=uv_request(rule.require_uv, any(c.uv_required for c in allow)),
            touch=prompt.touch, pin=prompt.pin,
        )
        return self.approve_assertion(intent_id, assertion)

    def approve_assertion(self, intent_id: str, assertion: KeyAssertion) -> IntentView:
        stored = self.intents.get(intent_id)
        intent = stored.intent
        cred, user = self._approver(intent, self.creds.by_credential_id(assertion.credential_id), "this key")
        rule = self.rule(intent.action)
        check = check_assertion(assertion.auth_data, assertion.client_data_json, rp_id=self.auth.rp_id,
                                challenge=intent.challenge, require_uv=rule.require_uv or cred.uv_required,
                                last_counter=None,  # the approval stream's counter is checked atomically in _admit
                                allow_zero_counter=self.auth.allow_zero_counter)
        reasons = list(check.reasons)
        if not self.verify(cred.alg, cred.public_key, signed_bytes(assertion.auth_data, assertion.client_data_json),
                           assertion.signature):
            reasons.insert(0, "the signature does not verify with the enrolled key (tampered or forged)")
        if reasons or check.auth is None:
            raise self._refused(intent, user.name, "; ".join(reasons))
        evidence = json.dumps({
            "auth_data": base64.b64encode(assertion.auth_data).decode(),
            "client_data_json": base64.b64encode(assertion.client_data_json).decode(),
            "signature": base64.b64encode(assertion.signature).decode(),
        }, sort_keys=True).encode()
        return self._admit(stored, user, cred, user_verified=check.auth.user_verified, counter=check.auth.counter,
                           method="fido2", evidence=evidence)

    def approve_sshsig(self, intent_id: str, signature: bytes) -> IntentView:
        stored = self.intents.get(intent_id)
        intent = stored.intent
        try:
            sig = sshsig.parse(signature)
        except sshsig.SshsigError as exc:
            raise self._refused(intent, None, f"not a usable SSH signature: {exc}") from None
        if sig.namespace != self.auth.sshsig_namespace:
            raise self._refused(intent, None, f"signature namespace is {sig.namespace!r}, not "
                                f"{self.auth.sshsig_namespace!r} (sign with: ssh-keygen -Y sign -n "
                                f"{self.auth.sshsig_namespace})")
        if not sig.key.is_sk:
            raise self._refused(intent, None, f"signed with a {sig.key.key_type} key, not a security key (sk-...)")
        cred, user = self._approver(intent, self.creds.by_ssh_blob(sig.key.blob), f"SSH key {sig.key.fingerprint}")
        if cred.kind != SSH_SK:
            raise self._refused(intent, user.name, "not an SSH security key")
        rule = self.rule(intent.action)
        wrapped = sshsig.wrapped_message(sig.namespace, intent.canonical, sig.hash_alg)  # reserved: empty, as OpenSSH
        reasons = list(sshsig.check_sk_signature(
            sig.signature, require_touch=True, require_verify=rule.require_uv or cred.uv_required,
            last_counter=None,  # the approval stream's counter is checked atomically in _admit
            allow_zero_counter=self.auth.allow_zero_counter).reasons)
        if not self.verify(sig.key.alg, sig.key.public, sshsig.verification_input(sig.key, sig.signature, wrapped),
                           sig.signature.sig):
            reasons.insert(0, f"the signature does not verify over intent {intent.id}'s bytes "
                           "(signed other bytes, or tampered)")
        if reasons:
            raise self._refused(intent, user.name, "; ".join(reasons))
        return self._admit(stored, user, cred, user_verified=sig.signature.user_verified,
                           counter=sig.signature.counter, method="sshsig", evidence=signature)

    # lifecycle ---------------------------------------------------------------
    def _move(self, event: str, intent_id: str, details: dict[str, Any], *, from_state: str, to_state: str,
              by: Identity, result: dict[str, Any] | None = None) -> None:
        """Audit, then compare-and-set the state; raises ConflictError (audited) if it was not ``from_state``."""
        at = stamp(self.now)

        def apply() -> None:
            if not self.intents.transition(intent_id, from_state=from_state, to_state=to_state, at=at, result=result):
                raise ConflictError(f"intent {intent_id} is no longer {from_state}")

        self.audit.record_then(event, intent_id, details, apply, actor=by.actor)

    def cancel(self, by: Identity, intent_id: str) -> IntentView:
        view = self.get(intent_id)
        if by.actor != view.intent.requester and not by.can_administer:
            raise AuthError(f"{by.actor} may not cancel an intent requested by {view.intent.requester}")
        if view.state not in ("pending", "approved", "expired"):
            raise ConflictError(f"intent {view.id} is {view.state}; only an open intent can be cancelled")
        self._move("intent.cancel", view.id, {}, from_state=OPEN, to_state="cancelled", by=by)
        return self.get(view.id)

    def claim(self, intent_id: str, *, action: str, by: Identity) -> Intent:
        """Start executing an approved intent, once.

        Raises:
            RefusedError: not approved (quorum not met with currently valid approvers), expired, for
                another action, or already executing/executed (fail closed).
        """
        stored = self.intents.get(intent_id)
        intent = stored.intent
        if intent.action != action:
            raise RefusedError(f"intent {intent.id} is for {intent.action!r}, not {action!r}")
        rule = self.rule(action)
        valid = tuple(a for a in stored.approvals if self._still_valid(a, rule))
        status = quorum_status(intent, rule, valid, stored_state=stored.state, now=self.now())
        if status.state != "approved":
            self.audit.record("intent.execute", intent.id, "refused",
                              {"action": action, "reason": f"{status.state} ({status.have} of {status.need})"},
                              actor=by.actor)
            raise RefusedError(
                f"intent {intent.id} is {status.state} ({status.have} of {status.need} valid approvals); not run",
                hint=f"approvers run 'oob approve {intent.id}'" if status.state == "pending" else None,
            )
        # Compare-and-set first, then audit: of any number of concurrent claims exactly one moves the
        # intent and writes the one "ok" execute entry; the others are audited as refused. Nothing has
        # run yet (the caller acts after this returns), and a failed audit write moves the intent back.
        at = stamp(self.now)
        details = {"action": action, "approvers": list(status.approvers), "hash": intent.hash}
        if not self.intents.transition(intent.id, from_state=OPEN, to_state=EXECUTING, at=at):
            reason = "already claimed: it runs at most once"
            self.audit.record("intent.execute", intent.id, "refused", {**details, "reason": reason}, actor=by.actor)
            raise RefusedError(f"intent {intent.id} was already claimed; it runs at most once")
        try:
            self.audit.record("intent.execute", intent.id, "ok", details, actor=by.actor)
        except BaseException:
            self.intents.transition(intent.id, from_state=EXECUTING, to_state=OPEN, at=at)
            raise
        return intent

    def finish(self, intent_id: str, *, ok: bool, result: dict[str, Any], by: Identity) -> IntentView:
        to_state = EXECUTED if ok else FAILED
        self._move("intent.finish", intent_id, {"state": to_state, "result": result}, from_state=EXECUTING,
                   to_state=to_state, by=by, result=result)
        return self.get(intent_id)

    def _still_valid(self, approval: Approval, rule: QuorumRule) -> bool:
        user = self.creds.get_user(approval.user)
        cred = self.creds.get_credential(approval.key_id)
        return (user is not None and user.active and bool(set(user.roles) & rule.roles)
                and cred is not None and cred.active)
