"""Public keys that prove nothing: Ed25519 points of small order (pure arithmetic).

An Ed25519 public key A whose order divides 8 (the identity, the point of
order 2, and the points of order 4 and 8) makes cofactorless verification
``[S]B == R + [H(R, A, M)]A`` trivially satisfiable: with A the identity,
R = identity and S = 0 verify over every message, and the other small-order
points give the same after a few tries. OpenSSL (and OpenSSH) accept such
keys, so a key like that, once enrolled, lets *anyone* who knows it forge its
owner's logins and approvals, with any flags and counter. We refuse them, and
encodings that are not canonical or not on the curve.

P-256 has cofactor 1 and ``cryptography`` checks its points, so only Ed25519
needs this.
"""

from __future__ import annotations

_P = 2**255 - 19
_D = -121665 * pow(121666, -1, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_IDENTITY = (0, 1)


def _decode(public: bytes) -> tuple[int, int] | None:
    """The affine point (x, y) of an RFC 8032 encoding, or None if it is not a canonical curve point."""
    if len(public) != 32:
        return None
    value = int.from_bytes(public, "little")
    sign, y = value >> 255, value & ((1 << 255) - 1)
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, -1, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return x, y


def _double(point: tuple[int, int]) -> tuple[int, int]:
    # The complete twisted Edwards addition law (a = -1) applied to a point and itself.
    x, y = point
    t = _D * x * x * y * y % _P
    return (2 * x * y * pow(1 + t, -1, _P) % _P, (y * y + x * x) * pow(1 - t, -1, _P) % _P)


def ed25519_key_problem(public: bytes) -> str | None:
    """Why ``public`` must not be trusted as an Ed25519 key, or None for a usable key."""
    point = _decode(public)
    if point is None:
        return "not a canonical Ed25519 point"
    for _ in range(3):
        point = _double(point)
    if point == _IDENTITY:
        return "a small-order Ed25519 point (any signature would verify with it)"
    return None


def key_problem(alg: str, public: bytes) -> str | None:
    """Why a raw public key of ``alg`` ("ed25519" or "es256") is unusable, or None."""
    return ed25519_key_problem(public) if alg == "ed25519" else None
