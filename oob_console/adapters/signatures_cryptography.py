"""Signature arithmetic for security keys and SSH keys (cryptography).

One function answers one question: does ``signature`` verify over ``message``
for this raw public key? Ed25519 keys are 32 raw bytes and verify the message
itself; P-256 keys are 65-byte uncompressed points and verify a DER ECDSA
signature over SHA-256 of the message (COSE ES256, ``ecdsa-sha2-nistp256``).
Loaded keys are cached, because the same few keys verify again and again.
A small-order Ed25519 key (see ``core.weak_keys``) never verifies anything.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from oob_console.core.auth.weak_keys import key_problem

_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


@lru_cache(maxsize=1024)
def _load(alg: str, public: bytes) -> Ed25519PublicKey | ec.EllipticCurvePublicKey:
    problem = key_problem(alg, public)
    if problem:
        raise ValueError(problem)
    if alg == "ed25519":
        return Ed25519PublicKey.from_public_bytes(public)
    if alg == "es256":
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    raise ValueError(f"unsupported algorithm {alg!r}")


def verify_signature(alg: str, public: bytes, message: bytes, signature: bytes) -> bool:
    """True if ``signature`` is valid; False for a bad signature or an unusable key."""
    try:
        key = _load(alg, public)
        if isinstance(key, Ed25519PublicKey):
            key.verify(signature, message)
        else:
            key.verify(signature, message, _ECDSA_SHA256)
    except (InvalidSignature, ValueError):
        return False
    return True
