"""Counts in words: ``1 device``, ``2 devices``, ``1 entry``; every front end's text uses it."""

from __future__ import annotations

IRREGULAR = {"entry": "entries", "delivery": "deliveries", "match": "matches"}


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and the noun in the form that number takes (the last word of ``singular`` is the noun)."""
    if n == 1:
        return f"{n} {singular}"
    if plural is None:
        head, _, last = singular.rpartition(" ")
        plural = (f"{head} " if head else "") + IRREGULAR.get(last, last + "s")
    return f"{n} {plural}"
