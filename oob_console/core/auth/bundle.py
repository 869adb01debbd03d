"""Fleet bundles: users and public credentials, signed, versioned, as pure bytes.

A bundle file is two parts::

    <canonical JSON payload>\\n
    -----BEGIN SSH SIGNATURE-----
    ...an SSHSIG over exactly the payload line, newline included...
    -----END SSH SIGNATURE-----

The payload is ``{"format": "oob-console-bundle/v1", "serial": N, "created":
..., "source_site": ..., "users": [...], "credentials": [...]}``. Nothing
secret is in it: public keys, credential IDs, roles. The split keeps it
checkable with stock OpenSSH (``head -1 bundle | ssh-keygen -Y verify ...``).
A file cut anywhere fails to split or to verify: a truncated bundle is never
half-applied.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from oob_console.core.audit.seal import parse_anchor
from oob_console.core.auth.credentials import BUNDLE, FIDO2, SSH_SK, Credential, User, fido2_key_id
from oob_console.core.auth.identity import ROLES, check_user_name
from oob_console.core.auth.ssh_wire import WireError, parse_public_blob
from oob_console.core.auth.sshsig import BEGIN, END
from oob_console.core.auth.weak_keys import key_problem
from oob_console.core.canonical import canonical_bytes

FORMAT = "oob-console-bundle/v1"
MAX_BYTES = 16 * 1024 * 1024


class BundleError(ValueError):
    """Not a well-formed bundle (truncated, edited, inconsistent)."""


@dataclass(frozen=True)
class BundleContent:
    serial: int
    created: str
    source_site: str
    users: tuple[User, ...]
    credentials: tuple[Credential, ...]
    audit_heads: tuple[str, ...] = ()  # audit anchors (``oob-audit:SITE:SEQ:HASH``) the source site vouches it saw


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise BundleError(f"{name} is not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BundleError(f"{name} is not valid base64") from None


def encode_payload(*, serial: int, created: str, source_site: str, users: Sequence[User],
                   credentials: Sequence[Credential], audit_heads: Sequence[str] = ()) -> bytes:
    body = {
        "format": FORMAT, "serial": serial, "created": created, "source_site": source_site,
        "users": [{"name": u.name, "display_name": u.display_name, "roles": list(u.roles), "active": u.active}
                  for u in users],
        "credentials": [{
            "key_id": c.key_id, "kind": c.kind, "user": c.user, "alg": c.alg, "public_key": _b64(c.public_key),
            "rp_id": c.rp_id, "credential_id": _b64(c.credential_id), "attested_data": _b64(c.attested_data),
            "ssh_blob": _b64(c.ssh_blob), "uv_required": c.uv_required, "no_touch_required": c.no_touch_required,
            "counter": c.counter, "software": c.software, "aaguid": c.aaguid, "attestation": c.attestation,
            "label": c.label, "created": c.created, "revoked": c.revoked,
        } for c in credentials],
    }
    if audit_heads:  # witnessed heads travel signed with the bundle (absent: the format as before)
        body["audit_heads"] = list(audit_heads)
    return canonical_bytes(body) + b"\n"


def split(data: bytes) -> tuple[bytes, bytes]:
    """(payload with its newline, armored signature).

    Raises:
        BundleError: too large, no signature, or cut short.
    """
    if len(data) > MAX_BYTES:
        raise BundleError(f"bundle is larger than {MAX_BYTES} bytes")
    marker = ("\n" + BEGIN).encode()
    cut = data.find(marker)
    if cut < 0:
        raise BundleError("no signature block (truncated, or not a bundle)")
    payload, signature = data[: cut + 1], data[cut + 1 :]
    if END.encode() not in signature:
        raise BundleError("the signature block is cut short (truncated file)")
    return payload, signature


def _user(v: Any) -> User:
    if not isinstance(v, dict) or set(v) != {"name", "display_name", "roles", "active"}:
        raise BundleError("a user entry has the wrong fields")
    name, roles = v["name"], v["roles"]
    if not isinstance(name, str) or check_user_name(name):
        raise BundleError(f"bad user name {name!r}")
    if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
        raise BundleError(f"user {name}: roles must be a non-empty list of {', '.join(ROLES)}")
    if not isinstance(v["display_name"], str) or not isinstance(v["active"], bool):
        raise BundleError(f"user {name}: display_name/active have the wrong type")
    return User(name, v["display_name"], tuple(roles), v["active"], BUNDLE)


_CRED_FIELDS = {"key_id", "kind", "user", "alg", "public_key", "rp_id", "credential_id", "attested_data",
                "ssh_blob", "uv_required", "no_touch_required", "counter", "software", "aaguid", "attestation",
                "label", "created", "revoked"}


def _credential(v: Any, users: set[str]) -> Credential:
    if not isinstance(v, dict) or set(v) != _CRED_FIELDS:
        raise BundleError("a credential entry has the wrong fields")
    key_id = v["key_id"]
    if not isinstance(v["user"], str) or v["user"] not in users:
        raise BundleError(f"key {key_id}: its user {v['user']!r} is not in the bundle")
    for name in ("uv_required", "no_touch_required", "software"):
        if not isinstance(v[name], bool):
            raise BundleError(f"key {key_id}: {name} is not true/false")
    for name in ("key_id", "rp_id", "aaguid", "attestation", "label", "created"):
        if not isinstance(v[name], str):
            raise BundleError(f"key {key_id}: {name} is not text")
    if v["counter"] is not None and (type(v["counter"]) is not int or v["counter"] < 0):
        raise BundleError(f"key {key_id}: counter is not a non-negative integer")
    if v["revoked"] is not None and not isinstance(v["revoked"], str):
        raise BundleError(f"key {key_id}: revoked is not a time")
    public, cred_id, attested, ssh_blob = (_unb64(v[n], f"key {key_id}: {n}") for n in (
        "public_key", "credential_id", "attested_data", "ssh_blob"))
    # Each kind carries only its own fields: the store finds keys by credential ID and by SSH blob.
    if v["kind"] == SSH_SK and (cred_id or attested):
        raise BundleError(f"key {key_id}: an SSH key with a FIDO2 credential ID or attested data")
    if v["kind"] == FIDO2 and ssh_blob:
        raise BundleError(f"key {key_id}: a FIDO2 credential with an SSH key blob")
    if v["kind"] == SSH_SK:
        try:
            key = parse_public_blob(ssh_blob)
        except WireError as exc:
            raise BundleError(f"key {key_id}: {exc}") from None
        if not key.is_sk or key.fingerprint != key_id or key.public != public or key.alg != v["alg"]:
            raise BundleError(f"key {key_id}: does not match its SSH public key")
    elif v["kind"] == FIDO2:
        if not cred_id or fido2_key_id(cred_id) != key_id:
            raise BundleError(f"key {key_id}: does not match its credential ID")
        if (v["alg"], len(public)) not in (("ed25519", 32), ("es256", 65)):
            raise BundleError(f"key {key_id}: public key does not fit algorithm {v['alg']!r}")
    else:
        raise BundleError(f"key {key_id}: unknown kind {v['kind']!r}")
    weak = key_problem(v["alg"], public)
    if weak:
        raise BundleError(f"key {key_id}: the public key is {weak}")
    return Credential(
        key_id=key_id, kind=v["kind"], user=v["user"], alg=v["alg"], public_key=public, rp_id=v["rp_id"],
        credential_id=cred_id, attested_data=attested,
        ssh_blob=ssh_blob, uv_required=v["uv_required"], no_touch_required=v["no_touch_required"],
        counter=v["counter"], software=v["software"], aaguid=v["aaguid"], attestation=v["attestation"],
        label=v["label"], origin=BUNDLE, created=v["created"], revoked=v["revoked"],
    )


def decode_payload(payload: bytes) -> BundleContent:
    """Parse and check the payload line.

    Raises:
        BundleError: not canonical JSON of the right shape, or inconsistent.
    """
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BundleError("the payload is not JSON (or nested too deeply)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleError(f"not an {FORMAT} payload")
    try:
        canonical = canonical_bytes(data) + b"\n"
    except ValueError as exc:
        raise BundleError(f"the payload is not plain JSON: {exc}") from None
    if canonical != payload:
        raise BundleError("the payload is not in canonical form (edited?)")
    serial = data.get("serial")
    if type(serial) is not int or serial < 1:
        raise BundleError("serial must be a positive integer")
    if not isinstance(data.get("users"), list) or not isinstance(data.get("credentials"), list):
        raise BundleError("users and credentials must be lists")
    users = tuple(_user(u) for u in data["users"])
    names = [u.name for u in users]
    if len(set(names)) != len(names):
        raise BundleError("a user appears twice")
    creds = tuple(_credential(c, set(names)) for c in data["credentials"])
    if len({c.key_id for c in creds}) != len(creds):
        raise BundleError("a key appears twice")
    heads = data.get("audit_heads", [])
    if not isinstance(heads, list) or not all(isinstance(h, str) for h in heads):
        raise BundleError("audit_heads must be a list of anchor codes")
    for head in heads:
        try:
            parse_anchor(head)
        except ValueError as exc:
            raise BundleError(str(exc)) from None
    return BundleContent(serial, str(data.get("created", "")), str(data.get("source_site", "")), users, creds,
                         tuple(heads))
