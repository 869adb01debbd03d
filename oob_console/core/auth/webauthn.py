"""Checking a FIDO2 (WebAuthn) assertion offline, as pure bytes.

A key's assertion is ``authenticatorData || signature``; the key signed
``authenticatorData || SHA256(clientDataJSON)``. Authenticator data starts
``SHA256(rp_id) (32) || flags (1) || counter (uint32 big-endian)``. The client
data is JSON naming the ``type`` (``webauthn.get``/``webauthn.create``), the
base64url ``challenge`` and the ``origin``.

:func:`check_assertion` applies every rule except the signature arithmetic,
which an adapter does over :func:`signed_bytes`. Python-fido2's server does
not check the sign counter; we do: it must move strictly forward.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from dataclasses import dataclass

from oob_console.core.auth.cbor_shape import CborShapeError, is_map, item_end

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40
FLAG_ED = 0x80
GET = "webauthn.get"
CREATE = "webauthn.create"


class AuthDataError(ValueError):
    """Authenticator data too short to hold its fixed fields."""


class KeyFlags:
    """The flags byte every security-key signature carries (WebAuthn and SSH sk alike)."""

    flags: int

    @property
    def user_present(self) -> bool:
        return bool(self.flags & FLAG_UP)

    @property
    def user_verified(self) -> bool:
        return bool(self.flags & FLAG_UV)


@dataclass(frozen=True)
class AuthData(KeyFlags):
    rp_id_hash: bytes
    flags: int
    counter: int


def parse_auth_data(data: bytes) -> AuthData:
    """The fixed head of authenticator data.

    Raises:
        AuthDataError: fewer than 37 bytes.
    """
    if len(data) < 37:
        raise AuthDataError(f"authenticator data is {len(data)} bytes, at least 37 expected")
    counter: int = struct.unpack(">I", data[33:37])[0]
    return AuthData(data[:32], data[32], counter)


COUNTER_MAX = 0xFFFFFFFF


def counter_problem(counter: int, last: int | None, *, allow_zero: bool) -> str | None:
    """Why a signature counter is refused, or None. One rule for FIDO2 and SSH sk keys, logins and approvals.

    ``last`` is the highest counter accepted before in this stream (None: never
    used, or checked elsewhere atomically). A key whose counter is always 0 has no
    counter at all (WebAuthn allows it): clone detection is impossible for it, so
    it is accepted only by site policy (``[auth] allow_zero_counter``), and then
    0 after 0 is not a replay. A key that ever counted cannot go back to 0.
    A counter at its maximum can never move forward again: refused loudly, not
    accepted once and then every later login refused as a "replay".
    """
    if counter == 0 and not last:
        if allow_zero:
            return None
        return ("the key has no signature counter (it always signs 0), so a clone of it cannot be detected; "
                "such keys are accepted only with [auth] allow_zero_counter = true")
    if counter >= COUNTER_MAX:
        return ("the key's signature counter is at its maximum (0xffffffff) and can never move forward again: "
                "revoke this key and enrol it again (after a reset) or enrol another")
    if last is not None and counter <= last:
        return f"sign counter {counter} does not move forward from {last} (a replay, or a cloned key)"
    return None


def auth_data_shape_problem(data: bytes, *, registration: bool) -> str | None:
    """Why the bytes after the fixed 37 are not what the flags announce, or None.

    An assertion carries no attested credential data (AT clear); a registration
    carries it (AT set: AAGUID, credential ID length and ID, a COSE key map).
    Extensions (ED) are one CBOR map. Nothing may follow.
    """
    flags, pos = data[32], 37
    if bool(flags & FLAG_AT) != registration:
        return ("attested credential data flag " + ("missing in a registration" if registration
                                                    else "set in an assertion"))
    try:
        if registration:
            if len(data) < pos + 18:
                return "authenticator data ends inside the attested credential data"
            id_len = struct.unpack(">H", data[pos + 16:pos + 18])[0]
            pos += 18 + id_len
            if not is_map(data, pos):
                return "attested credential data has no COSE key map"
            pos = item_end(data, pos)
        if flags & FLAG_ED:
            if not is_map(data, pos):
                return "extensions flag set but no extensions map follows"
            pos = item_end(data, pos)
    except CborShapeError as exc:
        return f"authenticator data: {exc}"
    if pos != len(data):
        return f"authenticator data has {len(data) - pos} trailing bytes after what its flags announce"
    return None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def origin_for(rp_id: str) -> str:
    """The origin our client data names: keys on this host act for ``https://<rp_id>``."""
    return f"https://{rp_id}"


def uv_request(required: bool, wanted: bool) -> str:
    """What to ask a key for: "required", "preferred" (verify if the key can) or "discouraged".

    When several credentials could answer and only some require user
    verification, "preferred" makes a key with a PIN verify; the check after
    the assertion still enforces each credential's own requirement.
    """
    return "required" if required else "preferred" if wanted else "discouraged"


def signed_bytes(auth_data: bytes, client_data_json: bytes) -> bytes:
    return auth_data + hashlib.sha256(client_data_json).digest()


@dataclass(frozen=True)
class AssertionCheck:
    """The outcome of :func:`check_assertion`: ``reasons`` empty means every rule passed."""

    reasons: tuple[str, ...]
    auth: AuthData | None

    @property
    def ok(self) -> bool:
        return not self.reasons


def check_client_data(
    client_data_json: bytes, *, expected_type: str, challenge: bytes, origin: str
) -> list[str]:
    """Reasons the client data is not what we asked the key to sign."""
    try:
        data = json.loads(client_data_json)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return ["client data is not JSON"]
    if not isinstance(data, dict):
        return ["client data is not a JSON object"]
    reasons = []
    if data.get("type") != expected_type:
        reasons.append(f"client data type is {data.get('type')!r}, expected {expected_type!r}")
    if data.get("challenge") != b64url(challenge):
        reasons.append("challenge does not match (a replayed or foreign assertion)")
    if data.get("origin") != origin:
        reasons.append(f"origin is {data.get('origin')!r}, expected {origin!r}")
    if data.get("crossOrigin") is True:
        reasons.append("cross-origin assertion")
    return reasons


def check_assertion(
    auth_data: bytes,
    client_data_json: bytes,
    *,
    rp_id: str,
    challenge: bytes,
    require_uv: bool,
    last_counter: int | None,
    expected_type: str = GET,
    allow_zero_counter: bool = False,
) -> AssertionCheck:
    """Every rule for an assertion except the signature itself.

    ``last_counter`` is the highest counter accepted before for this
    credential (None: never used, or moved forward atomically by the caller);
    the zero-counter and maximum rules apply always (:func:`counter_problem`).
    """
    try:
        auth = parse_auth_data(auth_data)
    except AuthDataError as exc:
        return AssertionCheck((str(exc),), None)
    reasons = check_client_data(
        client_data_json, expected_type=expected_type, challenge=challenge, origin=origin_for(rp_id)
    )
    shape = auth_data_shape_problem(auth_data, registration=expected_type == CREATE)
    if shape:
        reasons.append(shape)
    if auth.rp_id_hash != hashlib.sha256(rp_id.encode("utf-8")).digest():
        reasons.append(f"assertion is for another RP ID (not {rp_id!r})")
    if not auth.user_present:
        reasons.append("the key was not touched (user-present flag missing)")
    if require_uv and not auth.user_verified:
        reasons.append("user verification (PIN/biometric) required but the key did not verify the user")
    problem = counter_problem(auth.counter, last_counter, allow_zero=allow_zero_counter)
    if problem:
        reasons.append(problem)
    return AssertionCheck(tuple(reasons), auth)


@dataclass(frozen=True)
class Registration:
    """What a key returned for makeCredential, already split by the key adapter."""

    credential_id: bytes
    alg: str  # "ed25519" or "es256"
    public_key: bytes  # raw
    attested_data: bytes  # the attested credential data as returned
    auth_data: bytes
    client_data_json: bytes
    aaguid: str
    attestation: str  # for people: format, type, certificate subject
    software: bool  # made by oob-console's software authenticator


@dataclass(frozen=True)
class KeyAssertion:
    """What a key returned for getAssertion."""

    credential_id: bytes
    auth_data: bytes
    client_data_json: bytes
    signature: bytes
