"""Canonical JSON: the exact bytes that are hashed and signed.

Sorted keys, no insignificant whitespace, UTF-8, no NaN/Infinity. Two equal
values always give the same bytes, so a hash or signature over them is stable.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_bytes(value: Any) -> bytes:
    """Serialise ``value`` canonically.

    Raises:
        ValueError: ``value`` holds a float NaN/Infinity or a non-JSON type, or is nested too deeply.
    """
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except TypeError as exc:
        raise ValueError(f"not JSON-serialisable: {exc}") from exc
    except RecursionError:
        raise ValueError("nested too deeply") from None
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
