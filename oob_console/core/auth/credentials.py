"""Users and their public credentials, as values (the store keeps them; services decide).

Two kinds of credential exist:

- ``fido2``: a credential made by CTAP2 makeCredential on a key attached to
  an OOB host (``oob key enroll``), used for local login and local-key
  approvals. Keeps the attested credential data, the RP ID, whether user
  verification is required, the AAGUID/attestation and the sign counter.
- ``ssh-sk``: an OpenSSH security-key public key (``sk-ssh-ed25519@openssh.com``
  or ``sk-ecdsa-sha2-nistp256@openssh.com``) made on an engineer's laptop,
  used for SSH login and SSHSIG approvals, with the authorized_keys options
  ``verify-required`` / ``no-touch-required`` and the last counter seen.

``key_id`` names a credential to people: ``fido2:<16 base64url chars>`` (from
the credential ID) or the OpenSSH fingerprint ``SHA256:...``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from oob_console.core.auth.ssh_wire import SshPublicKey, parse_public_blob

FIDO2 = "fido2"
SSH_SK = "ssh-sk"
LOCAL = "local"
BUNDLE = "bundle"
# What oob-console's software authenticator (adapters/soft_authenticator.py) puts in
# every credential it makes, so a software credential is never mistaken for hardware.
SOFT_AAGUID = b"oob-soft-key-v1!"
SOFT_ATTESTATION_ORG = "oob-console SOFTWARE authenticator"


def fido2_key_id(credential_id: bytes) -> str:
    digest = hashlib.sha256(credential_id).digest()
    return "fido2:" + base64.urlsafe_b64encode(digest).decode()[:16]


@dataclass(frozen=True)
class User:
    name: str
    display_name: str
    roles: tuple[str, ...]
    active: bool = True
    origin: str = LOCAL  # "local" (made on this host) or "bundle" (from a signed fleet bundle)
    created: str = ""
    updated: str = ""

    def public(self) -> dict[str, object]:
        return {"name": self.name, "display_name": self.display_name, "roles": list(self.roles),
                "active": self.active, "origin": self.origin, "created": self.created, "updated": self.updated}


# The FIDO application of every SSH sk key oob-console's software authenticator makes
# (`oob softkey ssh-keygen`): it is part of the public key and of everything the key
# signs, so it cannot be removed without making another key. A key made by some
# other software is indistinguishable from hardware without attestation.
SOFTWARE_SK_APPLICATION = "ssh:oob-softkey"


def is_software_sk_application(application: str) -> bool:
    return application == SOFTWARE_SK_APPLICATION or application.startswith(SOFTWARE_SK_APPLICATION + ":")


@dataclass(frozen=True)
class Credential:
    key_id: str
    kind: str  # FIDO2 or SSH_SK
    user: str
    alg: str  # "ed25519" or "es256"
    public_key: bytes  # raw (32-byte Ed25519, 65-byte P-256 point)
    rp_id: str  # FIDO2 RP ID, or the sk key's application ("ssh:")
    credential_id: bytes = b""  # FIDO2 credential ID (key handle); empty for ssh-sk
    attested_data: bytes = b""  # FIDO2 attested credential data as the key returned it
    ssh_blob: bytes = b""  # ssh-sk public key blob
    uv_required: bool = False  # FIDO2: UV at login; ssh-sk: the verify-required option
    no_touch_required: bool = False  # ssh-sk option: accept signatures without a touch
    counter: int | None = None  # highest counter accepted so far; None: never used
    software: bool = False  # made by oob-console's software authenticator (test/demo only)
    aaguid: str = ""
    attestation: str = ""  # what the key's attestation said, for people
    label: str = ""
    origin: str = LOCAL
    created: str = ""
    last_used: str | None = None
    revoked: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None

    def ssh_key(self) -> SshPublicKey:
        return parse_public_blob(self.ssh_blob)

    @property
    def counterless(self) -> bool:
        """The key has only ever signed counter 0: it has no counter, and a clone of it cannot be detected."""
        return self.counter == 0

    def with_counter(self, counter: int, at: str) -> Credential:
        return replace(self, counter=counter, last_used=at)

    def public(self) -> dict[str, object]:
        """What `oob key list --json` shows and a fleet bundle carries (no secrets exist here)."""
        out: dict[str, object] = {
            "key_id": self.key_id, "kind": self.kind, "user": self.user, "alg": self.alg,
            "rp_id": self.rp_id, "uv_required": self.uv_required, "counter": self.counter,
            "software": self.software, "label": self.label, "origin": self.origin, "created": self.created,
            "last_used": self.last_used, "revoked": self.revoked, "counterless": self.counterless,
        }
        if self.kind == SSH_SK:
            out["no_touch_required"] = self.no_touch_required
            out["openssh"] = self.ssh_key().openssh()
        else:
            out["aaguid"] = self.aaguid
            out["attestation"] = self.attestation
        return out


@dataclass(frozen=True)
class LoginState:
    user: str
    failures: int = 0
    last_failure: str | None = None
    locked_at: str | None = None

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


def login_wait(state: LoginState, now: datetime, *, backoff: timedelta, backoff_max: timedelta) -> float:
    """Seconds before the next login attempt is allowed (0: now).

    After the n-th consecutive failure the wait is ``backoff * 2**(n-1)``,
    capped at ``backoff_max``, counted from the last failure.
    """
    if state.failures == 0 or state.last_failure is None:
        return 0.0
    delay = min(backoff * (2 ** min(state.failures - 1, 30)), backoff_max)
    last = datetime.fromisoformat(state.last_failure.replace("Z", "+00:00"))
    return float(max(0.0, (last + delay - now).total_seconds()))


@dataclass(frozen=True)
class LoginToken:
    """What `oob login` (or an SSH login to the console) hands out: a bearer token, stored only as its hash."""

    token_hash: str
    user: str
    key_id: str
    method: str
    user_verified: bool
    created: str
    expires: str
