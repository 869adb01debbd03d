"""Small-order Ed25519 public keys are refused: every signature would verify with them (pure)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from oob_console.core.auth.weak_keys import ed25519_key_problem, key_problem

ORDER_8 = ("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
           "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")


def _with_sign(hex_point: str) -> bytes:
    raw = bytearray.fromhex(hex_point)
    raw[31] |= 0x80
    return bytes(raw)


SMALL_ORDER = [
    bytes([1]) + bytes(31),  # the identity (order 1)
    bytes(32),  # (sqrt(-1), 0): order 4
    _with_sign("00" * 32),  # its negation
    bytes.fromhex("ec" + "ff" * 30 + "7f"),  # y = p - 1: order 2
    *(bytes.fromhex(h) for h in ORDER_8),
    *(_with_sign(h) for h in ORDER_8),
]
NOT_CANONICAL = [
    bytes.fromhex("ed" + "ff" * 30 + "7f"),  # y = p
    bytes.fromhex("ee" + "ff" * 30 + "7f"),  # y = p + 1
    _with_sign("01" + "00" * 31),  # the identity with x "negative": x = 0 has no sign
]


@pytest.mark.parametrize("public", SMALL_ORDER, ids=lambda b: b.hex()[:8])
def test_small_order_points_are_refused(public: bytes) -> None:
    assert "small-order" in (ed25519_key_problem(public) or "")
    assert key_problem("ed25519", public)


@pytest.mark.parametrize("public", NOT_CANONICAL, ids=lambda b: b.hex()[:8])
def test_non_canonical_encodings_are_refused(public: bytes) -> None:
    assert ed25519_key_problem(public) == "not a canonical Ed25519 point"


@settings(max_examples=50)
@given(st.binary(min_size=32, max_size=32))
def test_real_keys_are_accepted(seed: bytes) -> None:
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert ed25519_key_problem(public) is None


@given(st.binary(max_size=40))
def test_any_bytes_get_an_answer_never_an_exception(public: bytes) -> None:
    problem = ed25519_key_problem(public)
    assert problem is None or isinstance(problem, str)
    if len(public) != 32:
        assert problem == "not a canonical Ed25519 point"


def test_p256_keys_are_left_to_the_library() -> None:
    assert key_problem("es256", b"\x04" + bytes(64)) is None
