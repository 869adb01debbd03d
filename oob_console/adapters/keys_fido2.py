"""Security keys attached to this host, through python-fido2 (CTAP2 over USB HID).

:class:`Fido2Keys` is the ``KeyDevice`` port: makeCredential and
getAssertion through ``Fido2Client`` (which does PIN/UV negotiation), with the
client data naming ``https://<rp_id>``. It returns plain values
(:class:`Registration`, :class:`KeyAssertion`); *checking* them is the login
and approval services' job. Attestation statements are verified here
(python-fido2's verifiers) because only this library can parse them.

Which devices it talks to is a function given by bootstrap: the USB HID keys
on this host, or (tests and demos, explicitly allowed) the software key.
Every python-fido2 error is translated into ``oob_console.errors`` in
:func:`_translate`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NoReturn

from cryptography import x509
from fido2.attestation.base import Attestation, InvalidAttestation
from fido2.client import ClientError, DefaultClientDataCollector, Fido2Client, PinRequiredError, UserInteraction
from fido2.ctap import CtapDevice, CtapError
from fido2.ctap2.pin import ClientPin
from fido2.hid import CtapHidDevice
from fido2.webauthn import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialCreationOptions,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialParameters,
    PublicKeyCredentialRequestOptions,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from oob_console.core.auth.credentials import SOFT_AAGUID, SOFT_ATTESTATION_ORG
from oob_console.core.auth.webauthn import KeyAssertion, Registration, origin_for
from oob_console.errors import AuthError, UnavailableError

COSE_ALG = {"es256": -7, "ed25519": -8}
DeviceSource = Callable[[], list[CtapDevice]]


def hid_devices() -> list[CtapDevice]:
    """The FIDO HID devices attached to this host.

    Raises:
        UnavailableError: the HID subsystem cannot be read.
    """
    try:
        return list(CtapHidDevice.list_devices())
    except OSError as exc:
        raise UnavailableError(f"cannot list USB security keys: {exc}", hint="check /dev/hidraw* permissions") from None


class _Prompts(UserInteraction):
    def __init__(self, touch: Callable[[], None], pin: Callable[[], str | None]) -> None:
        self._touch, self._pin = touch, pin

    def prompt_up(self) -> None:
        self._touch()

    def request_pin(self, permissions: ClientPin.PERMISSION, rp_id: str | None) -> str | None:
        return self._pin()

    def request_uv(self, permissions: ClientPin.PERMISSION, rp_id: str | None) -> bool:
        return True


def _translate(exc: Exception, what: str) -> NoReturn:
    """The one place python-fido2's errors become ours."""
    cause = getattr(exc, "cause", None)
    code = cause.code if isinstance(cause, CtapError) else exc.code if isinstance(exc, CtapError) else None
    E = CtapError.ERR
    if isinstance(exc, PinRequiredError):
        raise AuthError(f"{what}: the key needs its PIN", hint="enter it at the prompt, or give --pin") from None
    if code == E.PIN_INVALID:
        raise AuthError(f"{what}: wrong PIN", hint="the key allows only a few wrong PINs before it blocks") from None
    if code in (E.PIN_BLOCKED, E.PIN_AUTH_BLOCKED):
        raise AuthError(f"{what}: the key's PIN is blocked", hint="remove and re-insert it, or reset the key") from None
    if code == E.CREDENTIAL_EXCLUDED:
        raise AuthError(f"{what}: this key is already enrolled here (for this or another user)",
                        hint="one key per person: see 'oob key list'") from None
    if code == E.OPERATION_DENIED:
        raise AuthError(f"{what}: the user declined on the key") from None
    if isinstance(exc, ClientError) and exc.code == ClientError.ERR.TIMEOUT:
        raise AuthError(f"{what}: nobody touched the key in time", hint="touch the key when it blinks") from None
    if isinstance(exc, ClientError) and exc.code == ClientError.ERR.CONFIGURATION_UNSUPPORTED:
        raise AuthError(
            f"{what}: the key cannot do what is required ({exc.cause})",
            hint="user verification needs a PIN set on the key (e.g. 'ykman fido access change-pin')",
        ) from None
    raise AuthError(f"{what}: the key refused ({exc!r})") from None


def _describe_attestation(fmt: str, statement: dict[str, Any]) -> tuple[str, bool]:
    """(description for people, made-by-the-soft-authenticator?) from an attestation statement."""
    x5c = statement.get("x5c") or []
    if not x5c:
        return (f"{fmt} (self)" if fmt != "none" else "none"), False
    cert = x509.load_der_x509_certificate(x5c[0])
    orgs = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    return f"{fmt} basic: {cert.subject.rfc4514_string()}", any(o.value == SOFT_ATTESTATION_ORG for o in orgs)


def _uv(wanted: str, options: Mapping[str, Any]) -> UserVerificationRequirement:
    if wanted == "required":
        return UserVerificationRequirement.REQUIRED
    if wanted == "preferred" and any(options.get(k) for k in ("clientPin", "uv", "bioEnroll")):
        return UserVerificationRequirement.REQUIRED
    return UserVerificationRequirement.DISCOURAGED


class Fido2Keys:
    """CTAP2 to the keys ``devices()`` returns, one at a time, each with ``timeout`` seconds for a touch."""

    def __init__(self, devices: DeviceSource, *, timeout: float = 30.0) -> None:
        self.devices = devices
        self.timeout = timeout

    def _client(self, device: CtapDevice, rp_id: str, touch: Callable[[], None],
                pin: Callable[[], str | None]) -> Fido2Client:
        origin = origin_for(rp_id)
        collector = DefaultClientDataCollector(origin, verify=lambda rp, o: o == origin_for(rp))
        return Fido2Client(device, collector, user_interaction=_Prompts(touch, pin))

    @contextlib.contextmanager
    def _each_device(self) -> Iterator[list[CtapDevice]]:
        devices = self.devices()
        if not devices:
            raise UnavailableError("no security key is attached to this host", hint="plug one in and retry")
        try:
            yield devices
        finally:
            for d in devices:
                with contextlib.suppress(OSError):
                    d.close()

    def make_credential(
        self, *, rp_id: str, user_name: str, display_name: str, challenge: bytes, user_verification: bool,
        exclude: Sequence[bytes], algorithms: Sequence[str], touch: Callable[[], None],
        pin: Callable[[], str | None],
    ) -> Registration:
        """CTAP2 makeCredential on the first attached key.

        Raises:
            UnavailableError: no key attached.
            AuthError: the key refused, wrong PIN, timeout, invalid attestation.
        """
        options = PublicKeyCredentialCreationOptions(
            rp=PublicKeyCredentialRpEntity(name="oob-console", id=rp_id),
            user=PublicKeyCredentialUserEntity(name=user_name, id=os.urandom(16), display_name=display_name),
            challenge=challenge,
            pub_key_cred_params=[
                PublicKeyCredentialParameters(type=PublicKeyCredentialType.PUBLIC_KEY, alg=COSE_ALG[a])
                for a in algorithms
            ],
            timeout=int(self.timeout * 1000),
            exclude_credentials=[
                PublicKeyCredentialDescriptor(type=PublicKeyCredentialType.PUBLIC_KEY, id=c) for c in exclude
            ],
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.DISCOURAGED,
                user_verification=UserVerificationRequirement.REQUIRED if user_verification
                else UserVerificationRequirement.DISCOURAGED,
            ),
            attestation=AttestationConveyancePreference.DIRECT,
        )
        with self._each_device() as devices:
            try:
                result = self._client(devices[0], rp_id, touch, pin).make_credential(options)
            except (ClientError, CtapError) as exc:
                _translate(exc, "enrollment failed")
            att = result.response.attestation_object
            client_data = result.response.client_data
            try:
                Attestation.for_type(att.fmt)().verify(att.att_stmt, att.auth_data, client_data.hash)
            except (InvalidAttestation, ValueError, TypeError) as exc:
                raise AuthError(f"the key's attestation does not verify: {exc}") from None
            cred = att.auth_data.credential_data
            if cred is None:
                raise AuthError("the key returned no credential")
            cose = cred.public_key
            cose_alg = cose.get(3)
            alg = next((name for name, number in COSE_ALG.items() if number == cose_alg), None)
            if alg is None:
                raise AuthError(f"the key made a credential with an unsupported algorithm ({cose_alg})")
            public = cose[-2] if alg == "ed25519" else b"\x04" + cose[-2] + cose[-3]
            described, soft_cert = _describe_attestation(att.fmt, dict(att.att_stmt))
            return Registration(
                credential_id=bytes(cred.credential_id), alg=alg, public_key=bytes(public),
                attested_data=bytes(cred), auth_data=bytes(att.auth_data), client_data_json=bytes(client_data),
                aaguid=str(cred.aaguid), attestation=described,
                software=bytes(cred.aaguid) == SOFT_AAGUID or soft_cert,
            )

    def get_assertion(
        self, *, rp_id: str, challenge: bytes, allow: Sequence[bytes], user_verification: str,
        touch: Callable[[], None], pin: Callable[[], str | None],
    ) -> KeyAssertion:
        """CTAP2 getAssertion with ``allow`` on each attached key until one holds a credential.

        ``user_verification`` is "required", "discouraged", or "preferred": verify
        the user when the key has a PIN (or built-in UV) set up, else only touch.

        Raises:
            UnavailableError: no key attached.
            AuthError: no attached key holds an allowed credential, or the key refused.
        """
        with self._each_device() as devices:
            for device in devices:
                try:
                    client = self._client(device, rp_id, touch, pin)
                    options = PublicKeyCredentialRequestOptions(
                        challenge=challenge, timeout=int(self.timeout * 1000), rp_id=rp_id,
                        allow_credentials=[
                            PublicKeyCredentialDescriptor(type=PublicKeyCredentialType.PUBLIC_KEY, id=c)
                            for c in allow
                        ],
                        user_verification=_uv(user_verification, client.info.options),
                    )
                    response = client.get_assertion(options).get_response(0)
                except (ClientError, CtapError) as exc:
                    if isinstance(exc, ClientError) and exc.code == ClientError.ERR.DEVICE_INELIGIBLE:
                        continue
                    _translate(exc, "the key did not sign")
                return KeyAssertion(
                    credential_id=bytes(response.raw_id),
                    auth_data=bytes(response.response.authenticator_data),
                    client_data_json=bytes(response.response.client_data),
                    signature=bytes(response.response.signature),
                )
        raise AuthError("no attached key holds a credential enrolled for this", hint="use the key you enrolled")
