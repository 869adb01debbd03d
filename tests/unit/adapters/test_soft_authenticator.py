"""The software security key speaks real CTAP2 through python-fido2's own client and HID framing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fido2.client import DefaultClientDataCollector, Fido2Client, UserInteraction
from fido2.ctap import CtapError
from fido2.ctap2.base import Ctap2
from fido2.ctap2.pin import ClientPin
from fido2.hid import CtapHidDevice
from fido2.server import Fido2Server
from fido2.webauthn import (
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialUserEntity,
    UserVerificationRequirement,
)

from oob_console.adapters.keys_fido2 import Fido2Keys
from oob_console.adapters.keys_software import PIN_RETRIES, create, open_device
from oob_console.core.auth.credentials import SOFT_AAGUID
from oob_console.errors import AuthError, UnavailableError


class _Pin(UserInteraction):
    def __init__(self, pin: str | None) -> None:
        self.pin = pin

    def request_pin(self, permissions: ClientPin.PERMISSION, rp_id: str | None) -> str | None:
        return self.pin


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "key.softkey"
    create(path, pin="123456")
    return path


@pytest.mark.parametrize("alg", [-7, -8])
def test_register_and_authenticate_through_fido2_client_and_server(key: Path, alg: int) -> None:
    device = open_device(key)
    assert isinstance(device, CtapHidDevice)  # the real HID framing, with our packets behind it
    client = Fido2Client(device, DefaultClientDataCollector("https://oob-console"), user_interaction=_Pin("123456"))
    server = Fido2Server(PublicKeyCredentialRpEntity(name="t", id="oob-console"))
    options, state = server.register_begin(PublicKeyCredentialUserEntity(name="alice", id=b"a"),
                                           user_verification=UserVerificationRequirement.REQUIRED)
    public = dict(options.public_key)
    public["pubKeyCredParams"] = [{"type": "public-key", "alg": alg}]
    reg = client.make_credential(public)
    auth = server.register_complete(state, reg)
    assert auth.credential_data is not None and bytes(auth.credential_data.aaguid) == SOFT_AAGUID
    assert auth.credential_data.public_key[3] == alg
    options, state = server.authenticate_begin([auth.credential_data],
                                               user_verification=UserVerificationRequirement.REQUIRED)
    response = client.get_assertion(options.public_key).get_response(0)
    server.authenticate_complete(state, [auth.credential_data], response)
    assert response.response.authenticator_data.is_user_verified()


def test_counter_persists_and_rises_across_processes(key: Path) -> None:
    counters = []
    keys = Fido2Keys(lambda: [open_device(key)])
    reg = keys.make_credential(rp_id="oob-console", user_name="a", display_name="A", challenge=b"c" * 32,
                               user_verification=False, exclude=[], algorithms=["ed25519"],
                               touch=lambda: None, pin=lambda: None)
    for _ in range(3):  # a fresh device object each time: state comes from the file, as in separate CLI runs
        a = Fido2Keys(lambda: [open_device(key)]).get_assertion(
            rp_id="oob-console", challenge=b"x" * 32, allow=[reg.credential_id], user_verification="discouraged",
            touch=lambda: None, pin=lambda: None)
        counters.append(int.from_bytes(a.auth_data[33:37], "big"))
    assert counters == sorted(set(counters)) and reg.software and reg.alg == "ed25519"


def test_credentials_are_bound_to_their_rp_id(key: Path) -> None:
    ctap = Ctap2(open_device(key))
    made = ctap.make_credential(b"h" * 32, {"id": "oob-console", "name": "x"}, {"id": b"u", "name": "u"},
                                [{"type": "public-key", "alg": -7}])
    cred_id = made.auth_data.credential_data.credential_id  # type: ignore[union-attr]
    with pytest.raises(CtapError) as err:
        ctap.get_assertion("evil.example", b"h" * 32, [{"type": "public-key", "id": cred_id}])
    assert err.value.code == CtapError.ERR.NO_CREDENTIALS


def test_wrong_pins_count_down_and_block(key: Path) -> None:
    ctap = Ctap2(open_device(key))
    pin = ClientPin(ctap)
    for left in range(PIN_RETRIES - 1, 0, -1):
        with pytest.raises(CtapError) as err:
            pin.get_pin_token("000000")
        assert err.value.code == CtapError.ERR.PIN_INVALID and pin.get_pin_retries()[0] == left
    with pytest.raises(CtapError) as err:
        pin.get_pin_token("000000")
    assert err.value.code == CtapError.ERR.PIN_BLOCKED
    with pytest.raises(CtapError):
        pin.get_pin_token("123456")  # even the right PIN, once blocked


def test_adapter_translates_a_wrong_pin_and_no_key(key: Path) -> None:
    keys = Fido2Keys(lambda: [open_device(key)])
    with pytest.raises(AuthError, match="wrong PIN"):
        keys.make_credential(rp_id="oob-console", user_name="a", display_name="A", challenge=b"c" * 32,
                             user_verification=True, exclude=[], algorithms=["es256"], touch=lambda: None,
                             pin=lambda: "999999")
    with pytest.raises(UnavailableError, match="no security key is attached"):
        Fido2Keys(lambda: []).get_assertion(rp_id="oob-console", challenge=b"c" * 32, allow=[b"x"],
                                            user_verification="discouraged", touch=lambda: None, pin=lambda: None)


def test_declined_presence_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k"
    create(path)
    keys = Fido2Keys(lambda: [open_device(path, presence=lambda: False)])
    with pytest.raises(AuthError, match="declined"):
        keys.make_credential(rp_id="oob-console", user_name="a", display_name="A",
                             challenge=hashlib.sha256(b"c").digest(), user_verification=False, exclude=[],
                             algorithms=["es256"], touch=lambda: None, pin=lambda: None)
