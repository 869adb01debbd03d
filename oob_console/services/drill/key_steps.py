"""The drill's ``keys`` step: each enrolled key signs a fresh challenge while its holder touches it.

A FIDO2 key attached to this host answers a CTAP2 getAssertion for exactly its
own credential; the answer is checked like a login (RP ID, challenge, user
presence, user verification where the key requires it, signature, a counter
that moves forward) but logs nobody in. The new counter is stored, so replay
protection stays exact. A key that cannot be tried here (no key attached,
nobody at the console) is reported ``skipped`` as untested: listed, never
hidden.

An SSH sk key is held by an engineer somewhere else, so its proof is the
approval path itself: within ``sk_window`` before the step, that key approved a
drill intent (``oob intent request drill``) with a signature made by stock
``ssh-keygen -Y sign``, checked at approval like any other (namespace, the
intent's exact bytes, touch, verification, a counter that moves forward). The
step passes for that key when such an approval exists and the key is still
enrolled; otherwise it is untested, with the commands that prove it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from oob_console.core.auth.credentials import FIDO2, Credential
from oob_console.core.auth.webauthn import check_assertion, signed_bytes, uv_request
from oob_console.core.drill import PlanStep, Step
from oob_console.errors import AuthError, NotFoundError, UnavailableError
from oob_console.services.auth.credentials import stamp
from oob_console.services.auth.ports import Clock, CredentialRepo, KeyDevice, SignatureCheck
from oob_console.services.auth.settings import AuthConfig
from oob_console.services.drill.ports import Operator, Outcome
from oob_console.services.drill.steps import narrow

NOT_ATTACHED = "no attached key holds"  # fido2_keys: the holder's key is not plugged in


@dataclass
class KeysStep:
    repo: CredentialRepo
    keys: Callable[[], KeyDevice]
    verify: SignatureCheck
    auth: AuthConfig
    now: Clock
    kind: str = "keys"
    drill_approvals: Callable[[], list[Any]] | None = None  # IntentViews of drill intents, closed ones too
    sk_window: float = 86400.0  # seconds: how recent an sk key's drill approval must be

    def _sk_proof(self, cred: Credential, who: str, data: dict[str, Any]) -> Outcome:
        how = ("prove it: 'oob intent request drill'; its holder signs the bytes of 'oob intent show ID' with "
               f"'ssh-keygen -Y sign -n {self.auth.sshsig_namespace} -f KEY' and runs 'oob approve ID --sshsig FILE' "
               f"(within {self.sk_window / 3600:g}h before the drill)")
        if self.drill_approvals is None:
            return Outcome("skipped", f"untested: {who} is an SSH security key held remotely; {how}", data)
        now = self.now()
        best: tuple[float, str] | None = None
        for view in self.drill_approvals():
            if view.intent.action != "drill":
                continue
            for a in view.approvals:
                if a.key_id != cred.key_id or a.method != "sshsig":
                    continue
                try:
                    at = datetime.strptime(a.at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
                except ValueError:
                    continue
                age = (now - at).total_seconds()
                if -300 <= age <= self.sk_window and (best is None or age < best[0]):
                    best = (age, view.id)
        if best is None:
            return Outcome("skipped", f"untested: {who} (SSH security key) signed no drill intent in the last "
                                      f"{self.sk_window / 3600:g}h; {how}", data)
        age, intent_id = best
        return Outcome("pass", f"{who} (SSH security key) signed drill intent {intent_id} {age / 60:.0f} min ago "
                               "with ssh-keygen -Y sign, verified like an approval",
                       {**data, "intent": intent_id, "age_seconds": round(age)})

    def _active(self) -> list[Credential]:
        users = {u.name for u in self.repo.list_users() if u.active}
        return [c for c in self.repo.list_credentials() if c.active and c.user in users]

    def targets(self, spec: PlanStep) -> list[str]:
        return narrow([c.key_id for c in self._active()], spec)

    def run(self, step: Step, operator: Operator | None = None) -> Outcome:
        cred = self.repo.get_credential(step.target)
        if cred is None or not cred.active:
            raise NotFoundError(f"key {step.target} is no longer enrolled")
        who = f"{cred.user}'s {'software ' if cred.software else ''}key"
        data = {"user": cred.user, "kind": cred.kind, "software": cred.software}
        if cred.kind != FIDO2:
            return self._sk_proof(cred, who, data)
        if operator is None:
            return Outcome("skipped", f"untested: nobody at the console to touch {who}", data)
        operator.say(f"keys: {cred.user}, touch your key {cred.key_id} now")
        challenge = os.urandom(32)
        try:
            assertion = self.keys().get_assertion(
                rp_id=self.auth.rp_id, challenge=challenge, allow=[cred.credential_id],
                user_verification=uv_request(cred.uv_required, False), touch=operator.touch, pin=operator.pin)
        except UnavailableError as exc:
            return Outcome("skipped", f"untested: {exc.message}", data)
        except AuthError as exc:
            if NOT_ATTACHED in exc.message:
                return Outcome("skipped", f"untested: {who} was not attached", data)
            raise
        check = check_assertion(assertion.auth_data, assertion.client_data_json, rp_id=self.auth.rp_id,
                                challenge=challenge, require_uv=cred.uv_required, last_counter=cred.counter)
        reasons = list(check.reasons)
        if not self.verify(cred.alg, cred.public_key, signed_bytes(assertion.auth_data, assertion.client_data_json),
                           assertion.signature):
            reasons.insert(0, "the signature does not verify with the enrolled key")
        if reasons or check.auth is None:
            return Outcome("fail", f"{who}: {'; '.join(reasons)}", data)
        if not self.repo.advance_counter(cred.key_id, check.auth.counter, stamp(self.now)):
            return Outcome("fail", f"{who}: sign counter already used (a replay), or the key was just revoked", data)
        uv = ", user verified" if check.auth.user_verified else ""
        return Outcome("pass", f"{who} signed (counter {check.auth.counter}{uv})",
                       {**data, "counter": check.auth.counter, "user_verified": check.auth.user_verified})
