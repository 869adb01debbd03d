"""Durations and instants as operators type them: ``90s``, ``15m``, ``4h``, ``2d``, ISO 8601."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


# The longest duration anything accepts: far beyond any lease, lifetime or window, and short
# enough that now + it (or now - it) is a date every clock and timestamp can hold.
MAX_DURATION_SECONDS = 100 * 365 * 86400


def parse_duration(text: str) -> timedelta:
    """``4h``, ``1h30m``, ``90s``, at most 100 years. Raises ValueError otherwise."""
    compact = text.strip().lower()
    pos, total = 0, 0
    for m in _DURATION.finditer(compact):
        if m.start() != pos:
            break
        digits = m.group(1).lstrip("0") or "0"
        if len(digits) > 12:
            raise ValueError(f"{text[:40]!r} is longer than 100 years")
        total += int(digits) * _UNITS[m.group(2)]
        pos = m.end()
    if not compact or pos != len(compact):
        raise ValueError(f"{text[:40]!r} is not a duration (like 90s, 15m, 4h, 2d, 1h30m)")
    if total > MAX_DURATION_SECONDS:
        raise ValueError(f"{text[:40]!r} is longer than 100 years")
    return timedelta(seconds=total)


_SECONDS = re.compile(r"\d+(\.\d+)?")


@dataclass(frozen=True)
class Duration:
    """A length of time from the config: ``.seconds`` is its length, ``str()`` the text the operator wrote.

    Two durations are equal when they are equally long (``"5m" == "300s"``). One read from a bare
    number (``connect_timeout = 30.0``, where a key took seconds before) keeps that number as its text.
    """

    seconds: float
    text: str = field(compare=False)

    @classmethod
    def parse(cls, text: str) -> Duration:
        """``4h``, ``1h30m``, ``90s``. Raises ValueError otherwise."""
        return cls(parse_duration(text).total_seconds(), text)

    @classmethod
    def of_seconds(cls, seconds: float) -> Duration:
        """A bare number of seconds, as a key that took numbers reads one.

        Raises:
            ValueError: longer than 100 years.
        """
        value = float(seconds)
        if value > MAX_DURATION_SECONDS:  # negative and nan are refused by each key's limits (core.schema)
            raise ValueError(f"{seconds!r} seconds is longer than 100 years")
        return cls(value, repr(seconds))

    @property
    def timedelta(self) -> _dt.timedelta:
        return _dt.timedelta(seconds=self.seconds)

    @property
    def is_number(self) -> bool:
        """Written as a bare number of seconds (TOML writes it back as one)."""
        return bool(_SECONDS.fullmatch(self.text))

    def __str__(self) -> str:
        return self.text


def parse_since(text: str, now: datetime) -> datetime:
    """An ISO 8601 instant (naive means UTC) or a duration back from ``now``."""
    try:
        return now - parse_duration(text)
    except ValueError as exc:
        if "longer than" in str(exc):  # a duration, but too long: say so, not "neither"
            raise
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is neither a duration (4h) nor an ISO time (2026-11-21T15:52)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
