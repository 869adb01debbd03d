"""A SOFTWARE security key for tests and demos: real CTAP2 over CTAPHID, never a hardware key.

No USB key exists on a test machine, so this module plays one, speaking the
real protocol: python-fido2's own ``CtapHidDevice`` frames requests into
64-byte CTAPHID packets, :class:`SoftHidConnection` reassembles them, and
:class:`SoftAuthenticator` answers the CBOR commands ``getInfo``,
``makeCredential``, ``getAssertion``, ``clientPIN`` (PIN protocols 1 and 2:
getRetries, getKeyAgreement, setPIN, getPinToken, getPinUvAuthTokenUsingPin)
and ``selection``, with ES256 and EdDSA credentials, real signatures and a
signature counter. Anything that drives a real key through python-fido2
(``Fido2Client``, ``Ctap2``, asyncssh's sk support) can drive this one.

Like many real keys it keeps no credentials: a credential ID is the private
key sealed (AES-256-GCM) under the key's master secret, bound to the RP ID
hash. Its state (master secret, counter, PIN hash and retries, attestation
key) is one JSON file, 0600, written atomically under a lock, so separate
``oob`` processes share one "key".

It is never a silent fallback: oob-console uses it only when ``OOB_SOFT_KEY``
names its state file *and* the site sets ``[auth] allow_software_keys =
true``. Credentials it makes carry its own AAGUID (:data:`SOFT_AAGUID`, the
ASCII ``oob-soft-key-v1!``) and a packed attestation certificate whose
organisation says ``oob-console SOFTWARE authenticator``, so the store marks
them ``software`` and refuses them on sites that do not allow software keys.
"""

from __future__ import annotations

import base64
import datetime
import fcntl
import hashlib
import hmac
import json
import os
import struct
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fido2 import cbor
from fido2.ctap import CtapError
from fido2.ctap2.base import Ctap2
from fido2.ctap2.pin import ClientPin, PinProtocol, PinProtocolV1, PinProtocolV2
from fido2.hid import CAPABILITY, CTAPHID, CtapHidDevice
from fido2.hid.base import CtapHidConnection, HidDescriptor
from fido2.utils import int2bytes

from oob_console.adapters.atomic_file import replace_file
from oob_console.core.auth.credentials import SOFT_AAGUID, SOFT_ATTESTATION_ORG
from oob_console.errors import StorageError

STATE_FORMAT = "oob-console-soft-authenticator/v1"
PRODUCT = "oob-console SOFTWARE key (test/demo only, not hardware)"
PIN_RETRIES = 8
ERR = CtapError.ERR
_CRED_MAGIC = b"OOBS\x01"
_OID_AAGUID = x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4")
_PERM_MC, _PERM_GA = 0x01, 0x02


class _Fail(Exception):
    """A CTAP2 error status to answer with."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _attestation(aaguid: bytes) -> tuple[bytes, bytes]:
    """A self-signed packed-attestation certificate that says what this is (PEM key, DER cert)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "XX"),
        x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, SOFT_ATTESTATION_ORG),
        x509.NameAttribute(x509.NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation"),
        x509.NameAttribute(x509.NameOID.COMMON_NAME, "oob-console soft key - NOT A HARDWARE KEY"),
    ])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.UnrecognizedExtension(_OID_AAGUID, b"\x04\x10" + aaguid), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return pem, cert.public_bytes(serialization.Encoding.DER)


def create_state(path: Path, *, zero_counter: bool = False) -> None:
    """Write a new soft key's state file (0600); refuses to replace an existing one.

    ``zero_counter``: a key without a signature counter (it always signs 0), as
    WebAuthn allows; for testing the ``[auth] allow_zero_counter`` policy.
    """
    pem, der = _attestation(SOFT_AAGUID)
    state = {
        "format": STATE_FORMAT,
        "warning": "SOFTWARE authenticator for tests and demos. It is NOT a hardware security key.",
        "master": base64.b64encode(os.urandom(32)).decode(),
        "counter": 0, "pin_hash": None, "pin_retries": PIN_RETRIES,
        "attestation_key": pem.decode(), "attestation_cert": base64.b64encode(der).decode(),
        "zero_counter": zero_counter,
    }
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise StorageError("a soft key state file exists already", where=str(path)) from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1)
        f.flush()
        os.fsync(f.fileno())


def _cose(private: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> dict[int, Any]:
    """The COSE_Key map of the public half (RFC 9053: OKP/Ed25519 or EC2/P-256)."""
    if isinstance(private, Ed25519PrivateKey):
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {1: 1, 3: -8, -1: 6, -2: raw}
    pn = private.public_key().public_numbers()
    return {1: 2, 3: -7, -1: 1, -2: int2bytes(pn.x, 32), -3: int2bytes(pn.y, 32)}


def _sign(private: Ed25519PrivateKey | ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    if isinstance(private, Ed25519PrivateKey):
        return private.sign(data)
    return private.sign(data, ec.ECDSA(hashes.SHA256()))


class SoftAuthenticator:
    """The CTAP2 command processor behind :class:`SoftHidConnection`.

    ``presence`` answers "did the user touch the key?" (default: yes, at once).
    """

    def __init__(self, path: Path, *, presence: Callable[[], bool] = lambda: True) -> None:
        self.path = path
        self.presence = presence
        # Set by the HID framing while a command runs: announces "waiting for a touch" (a keepalive).
        self.waiting_for_touch: Callable[[], None] | None = None
        self._lock_path = path.with_name(f".{path.name}.lock")
        self._agreement: ec.EllipticCurvePrivateKey | None = None
        self._token: bytes | None = None
        self._token_perms = 0
        self._token_rp: str | None = None
        if not path.exists():
            create_state(path)

    # state ------------------------------------------------------------------
    @contextmanager
    def _state(self) -> Iterator[dict[str, Any]]:
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                state = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise StorageError(f"cannot read the soft key state: {exc}", where=str(self.path)) from None
            if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
                raise StorageError("not a soft key state file", where=str(self.path))
            before = dict(state)
            try:
                yield state
            finally:  # a refusal can change state too (a wrong PIN costs a retry)
                if state != before:
                    replace_file(self.path, json.dumps(state, indent=1).encode())
        finally:
            os.close(fd)

    def _master(self, state: Mapping[str, Any]) -> bytes:
        return base64.b64decode(state["master"])

    # credential IDs ---------------------------------------------------------
    def _seal(self, state: Mapping[str, Any], rp_hash: bytes, alg: int, raw: bytes) -> bytes:
        nonce = os.urandom(12)
        sealed = AESGCM(self._master(state)).encrypt(nonce, bytes([alg & 0xFF]) + raw, rp_hash)
        return _CRED_MAGIC + nonce + sealed

    def _unseal(
        self, state: Mapping[str, Any], rp_hash: bytes, cred_id: bytes
    ) -> Ed25519PrivateKey | ec.EllipticCurvePrivateKey | None:
        if not cred_id.startswith(_CRED_MAGIC) or len(cred_id) < len(_CRED_MAGIC) + 12 + 17:
            return None
        body = cred_id[len(_CRED_MAGIC):]
        try:
            plain = AESGCM(self._master(state)).decrypt(body[:12], body[12:], rp_hash)
        except InvalidTag:
            return None  # another key's credential, or one for another RP
        if plain[0] == (-8 & 0xFF):
            return Ed25519PrivateKey.from_private_bytes(plain[1:])
        return ec.derive_private_key(int.from_bytes(plain[1:], "big"), ec.SECP256R1())

    def unwrap_credential(
        self, credential_id: bytes, rp_id: str
    ) -> Ed25519PrivateKey | ec.EllipticCurvePrivateKey | None:
        """The private key inside a credential ID: only for tests that forge what a broken key would send."""
        with self._state() as state:
            return self._unseal(state, hashlib.sha256(rp_id.encode()).digest(), credential_id)

    # CTAP2 ------------------------------------------------------------------
    def process(self, request: bytes) -> bytes:
        """One CTAPHID_CBOR request (command byte + CBOR) to its response (status + CBOR)."""
        if not request:
            return bytes([ERR.INVALID_LENGTH])
        cmd, body = request[0], request[1:]
        try:
            params = cbor.decode(body) if body else {}
            if not isinstance(params, dict):
                raise _Fail(ERR.CBOR_UNEXPECTED_TYPE)
            handler = {0x04: self._get_info, 0x01: self._make_credential, 0x02: self._get_assertion,
                       0x06: self._client_pin, 0x0B: self._selection}.get(cmd)
            if handler is None:
                raise _Fail(ERR.INVALID_COMMAND)
            result = handler(params)
        except _Fail as fail:
            return bytes([fail.code])
        except (ValueError, KeyError, TypeError):
            return bytes([ERR.INVALID_CBOR])
        return b"\x00" + (cbor.encode(result) if result else b"")

    def _get_info(self, _: Mapping[int, Any]) -> dict[int, Any]:
        with self._state() as state:
            pin_set = state["pin_hash"] is not None
        return {
            1: ["FIDO_2_0", "FIDO_2_1"], 2: [], 3: SOFT_AAGUID,
            4: {"rk": False, "up": True, "plat": False, "clientPin": pin_set, "pinUvAuthToken": True,
                "makeCredUvNotRqd": True},
            5: 1200, 6: [2, 1], 7: 8, 8: 128, 9: ["usb"],
            10: [{"alg": -7, "type": "public-key"}, {"alg": -8, "type": "public-key"}],
        }

    def _protocol(self, version: Any) -> PinProtocol:
        if version == 1:
            return PinProtocolV1()
        if version == 2:
            return PinProtocolV2()
        raise _Fail(ERR.INVALID_PARAMETER)

    def _check_pin_auth(self, params: Mapping[int, Any], auth_key: int, proto_key: int, client_data_hash: bytes,
                        permission: int, rp_id: str, pin_set: bool) -> bool:
        """Validate pinUvAuthParam; True when the user was verified."""
        pin_auth = params.get(auth_key)
        if pin_auth is None:
            return False
        if pin_auth == b"":  # a platform asking "is a PIN set?" (authenticator selection)
            raise _Fail(ERR.PIN_INVALID if pin_set else ERR.PIN_NOT_SET)
        proto = self._protocol(params.get(proto_key))
        if self._token is None:
            raise _Fail(ERR.PIN_AUTH_INVALID)
        expected = proto.authenticate(self._token, client_data_hash)
        if not hmac.compare_digest(expected, pin_auth):
            raise _Fail(ERR.PIN_AUTH_INVALID)
        if self._token_perms and not self._token_perms & permission:
            raise _Fail(ERR.PIN_AUTH_INVALID)
        if self._token_rp not in (None, rp_id):
            raise _Fail(ERR.PIN_AUTH_INVALID)
        return True

    def _touch(self) -> None:
        if self.waiting_for_touch is not None:
            self.waiting_for_touch()
        if not self.presence():
            raise _Fail(ERR.OPERATION_DENIED)

    def _make_credential(self, p: Mapping[int, Any]) -> dict[int, Any]:
        client_data_hash, rp, key_params = p[1], p[2], p[4]
        options = p.get(7) or {}
        if options.get("rk"):
            raise _Fail(ERR.UNSUPPORTED_OPTION)
        if options.get("uv"):
            raise _Fail(ERR.INVALID_OPTION)  # no built-in UV: the platform must use the PIN
        rp_id = rp["id"]
        rp_hash = hashlib.sha256(rp_id.encode()).digest()
        with self._state() as state:
            uv = self._check_pin_auth(p, 8, 9, client_data_hash, _PERM_MC, rp_id, state["pin_hash"] is not None)
            for desc in p.get(5) or []:
                if self._unseal(state, rp_hash, desc["id"]) is not None:
                    self._touch()
                    raise _Fail(ERR.CREDENTIAL_EXCLUDED)
            alg = next((kp["alg"] for kp in key_params if kp.get("alg") in (-7, -8)), None)
            if alg is None:
                raise _Fail(ERR.UNSUPPORTED_ALGORITHM)
            private: Ed25519PrivateKey | ec.EllipticCurvePrivateKey
            if alg == -8:
                private = Ed25519PrivateKey.generate()
                raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                            serialization.NoEncryption())
            else:
                private = ec.generate_private_key(ec.SECP256R1())
                raw = int2bytes(private.private_numbers().private_value, 32)
            cred_id = self._seal(state, rp_hash, alg, raw)
            self._touch()
            state["counter"] = 0 if state.get("zero_counter") else state["counter"] + 1
            flags = 0x01 | 0x40 | (0x04 if uv else 0)
            attested = SOFT_AAGUID + struct.pack(">H", len(cred_id)) + cred_id + cbor.encode(_cose(private))
            auth_data = rp_hash + bytes([flags]) + struct.pack(">I", state["counter"]) + attested
            att_key = serialization.load_pem_private_key(state["attestation_key"].encode(), None)
            assert isinstance(att_key, ec.EllipticCurvePrivateKey)  # noqa: S101 - we wrote it
            sig = att_key.sign(auth_data + client_data_hash, ec.ECDSA(hashes.SHA256()))
            x5c = [base64.b64decode(state["attestation_cert"])]
        return {1: "packed", 2: auth_data, 3: {"alg": -7, "sig": sig, "x5c": x5c}}

    def _get_assertion(self, p: Mapping[int, Any]) -> dict[int, Any]:
        rp_id, client_data_hash = p[1], p[2]
        options = p.get(5) or {}
        if options.get("uv"):
            raise _Fail(ERR.INVALID_OPTION)
        up = options.get("up", True)
        rp_hash = hashlib.sha256(rp_id.encode()).digest()
        with self._state() as state:
            uv = self._check_pin_auth(p, 6, 7, client_data_hash, _PERM_GA, rp_id, state["pin_hash"] is not None)
            for desc in p.get(3) or []:
                private = self._unseal(state, rp_hash, desc["id"])
                if private is not None:
                    break
            else:
                raise _Fail(ERR.NO_CREDENTIALS)
            if up:
                self._touch()
            state["counter"] = 0 if state.get("zero_counter") else state["counter"] + 1
            flags = (0x01 if up else 0) | (0x04 if uv else 0)
            auth_data = rp_hash + bytes([flags]) + struct.pack(">I", state["counter"])
            signature = _sign(private, auth_data + client_data_hash)
        return {1: {"type": "public-key", "id": desc["id"]}, 2: auth_data, 3: signature}

    def _selection(self, _: Mapping[int, Any]) -> dict[int, Any]:
        self._touch()
        return {}

    def _client_pin(self, p: Mapping[int, Any]) -> dict[int, Any]:
        sub = p.get(2)
        if sub == 0x01:  # getPINRetries
            with self._state() as state:
                return {3: state["pin_retries"]}
        proto = self._protocol(p.get(1))
        if sub == 0x02:  # getKeyAgreement
            if self._agreement is None:
                self._agreement = ec.generate_private_key(ec.SECP256R1())
            pn = self._agreement.public_key().public_numbers()
            return {1: {1: 2, 3: -25, -1: 1, -2: int2bytes(pn.x, 32), -3: int2bytes(pn.y, 32)}}
        shared = self._shared(proto, p.get(3))
        with self._state() as state:
            if sub == 0x03:  # setPIN
                if state["pin_hash"] is not None:
                    raise _Fail(ERR.NOT_ALLOWED)
                new_pin_enc = p[5]
                if not hmac.compare_digest(proto.authenticate(shared, new_pin_enc), p[4]):
                    raise _Fail(ERR.PIN_AUTH_INVALID)
                padded = proto.decrypt(shared, new_pin_enc)
                pin = padded.rstrip(b"\0")
                if len(padded) < 64 or len(pin) < 4:
                    raise _Fail(ERR.PIN_POLICY_VIOLATION)
                state["pin_hash"] = hashlib.sha256(pin).digest()[:16].hex()
                state["pin_retries"] = PIN_RETRIES
                return {}
            if sub in (0x05, 0x09):  # getPinToken, getPinUvAuthTokenUsingPinWithPermissions
                if state["pin_hash"] is None:
                    raise _Fail(ERR.PIN_NOT_SET)
                if state["pin_retries"] <= 0:
                    raise _Fail(ERR.PIN_BLOCKED)
                pin_hash = proto.decrypt(shared, p[6])
                if not hmac.compare_digest(pin_hash, bytes.fromhex(state["pin_hash"])):
                    state["pin_retries"] -= 1
                    self._agreement = None  # a fresh key agreement after a wrong PIN, as the spec asks
                    raise _Fail(ERR.PIN_BLOCKED if state["pin_retries"] <= 0 else ERR.PIN_INVALID)
                state["pin_retries"] = PIN_RETRIES
                self._token = os.urandom(32)
                self._token_perms = p.get(9, 0) if sub == 0x09 else 0
                self._token_rp = p.get(10) if sub == 0x09 else None
                return {2: proto.encrypt(shared, self._token)}
        raise _Fail(ERR.INVALID_SUBCOMMAND)

    def _shared(self, proto: PinProtocol, peer: Any) -> bytes:
        if self._agreement is None or not isinstance(peer, dict):
            raise _Fail(ERR.MISSING_PARAMETER)
        point = ec.EllipticCurvePublicNumbers(
            int.from_bytes(peer[-2], "big"), int.from_bytes(peer[-3], "big"), ec.SECP256R1()
        ).public_key()
        z = self._agreement.exchange(ec.ECDH(), point)
        kdf: Callable[[bytes], bytes] = proto.kdf  # type: ignore[attr-defined]
        return kdf(z)


class SoftHidConnection(CtapHidConnection):
    """CTAPHID packet framing (64-byte reports) in front of a :class:`SoftAuthenticator`."""

    PACKET = 64

    def __init__(self, authenticator: SoftAuthenticator) -> None:
        self.authenticator = authenticator
        self._out: deque[bytes] = deque()
        self._next_cid = 0x0B0B0001
        self._partial: tuple[int, int, int, bytearray] | None = None  # channel, cmd, length, data
        self._seq = 0

    def close(self) -> None:
        self._out.clear()

    def write_packet(self, data: bytes) -> None:
        packet = bytes(data[: self.PACKET]).ljust(self.PACKET, b"\0")
        cid = struct.unpack_from(">I", packet)[0]
        if packet[4] & 0x80:  # initialisation packet
            cmd = packet[4] & 0x7F
            length = struct.unpack_from(">H", packet, 5)[0]
            if cmd == CTAPHID.CANCEL:
                return
            self._partial = (cid, cmd, length, bytearray(packet[7 : 7 + length]))
            self._seq = 0
        else:
            if self._partial is None or packet[4] != self._seq or self._partial[0] != cid:
                self._reply(cid, CTAPHID.ERROR, bytes([0x04]))  # ERR_INVALID_SEQ
                self._partial = None
                return
            self._seq += 1
            remaining = self._partial[2] - len(self._partial[3])
            self._partial[3].extend(packet[5 : 5 + remaining])
        if self._partial is not None and len(self._partial[3]) >= self._partial[2]:
            cid, cmd, _, payload = self._partial
            self._partial = None
            self._dispatch(cid, cmd, bytes(payload))

    def _dispatch(self, cid: int, cmd: int, payload: bytes) -> None:
        if cmd == CTAPHID.INIT:
            new_cid = self._next_cid
            self._next_cid += 1
            caps = CAPABILITY.WINK | CAPABILITY.CBOR | CAPABILITY.NMSG
            self._reply(cid, cmd, payload[:8] + struct.pack(">IBBBBB", new_cid, 2, 1, 0, 0, caps))
        elif cmd == CTAPHID.PING:
            self._reply(cid, cmd, payload)
        elif cmd == CTAPHID.WINK:
            self._reply(cid, cmd, b"")
        elif cmd == CTAPHID.CBOR:
            # As a hardware key does: a KEEPALIVE with status UPNEEDED before it waits for the touch.
            self.authenticator.waiting_for_touch = lambda: self._reply(cid, CTAPHID.KEEPALIVE, bytes([2]))
            try:
                self._reply(cid, cmd, self.authenticator.process(payload))
            finally:
                self.authenticator.waiting_for_touch = None
        else:
            self._reply(cid, CTAPHID.ERROR, bytes([0x01]))  # ERR_INVALID_CMD: no U2F/CTAP1 here

    def _reply(self, cid: int, cmd: int, data: bytes) -> None:
        header = struct.pack(">IBH", cid, 0x80 | cmd, len(data))
        first = self.PACKET - len(header)
        self._out.append((header + data[:first]).ljust(self.PACKET, b"\0"))
        rest, seq = data[first:], 0
        while rest:
            chunk, rest = rest[: self.PACKET - 5], rest[self.PACKET - 5 :]
            self._out.append((struct.pack(">IB", cid, seq) + chunk).ljust(self.PACKET, b"\0"))
            seq += 1

    def read_packet(self) -> bytes:
        if not self._out:
            raise OSError("soft key: read with no pending response")
        return self._out.popleft()


def open_device(path: Path, *, presence: Callable[[], bool] = lambda: True) -> CtapHidDevice:
    """The soft key at ``path`` (created if missing) as a python-fido2 HID device."""
    descriptor = HidDescriptor(f"oob-soft:{path}", 0, 0, SoftHidConnection.PACKET, SoftHidConnection.PACKET,
                               PRODUCT, None)
    return CtapHidDevice(descriptor, SoftHidConnection(SoftAuthenticator(path, presence=presence)))


def create(path: Path, *, pin: str | None = None, zero_counter: bool = False) -> None:
    """Make a new soft key at ``path``; set its PIN through CTAP2 clientPIN, as a platform would.

    Raises:
        StorageError: ``path`` exists already.
    """
    create_state(path, zero_counter=zero_counter)
    if pin:
        device = open_device(path)
        try:
            ClientPin(Ctap2(device)).set_pin(pin)
        finally:
            device.close()
