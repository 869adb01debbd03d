"""Rate limiting and lockout of failed logins, as pure state over an injected clock.

A subject is whatever is being limited (``addr:203.0.113.7``, ``key:SHA256:...``).
``max_failures`` failures within ``window`` seconds lock the subject for
``lockout`` seconds. The state lives in the server process: a restart forgets
it (an attacker gains one window per restart, which a supervisor's restart
backoff bounds).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

_MAX_SUBJECTS = 10_000  # bounded memory under a scan from many addresses


@dataclass
class FailureLimiter:
    max_failures: int = 5
    window: float = 300.0
    lockout: float = 900.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)

    def locked_for(self, subject: str, now: float) -> float:
        """Seconds the subject stays locked (0 when it may try)."""
        until = self._locked_until.get(subject)
        if until is None:
            return 0.0
        if now >= until:
            del self._locked_until[subject]
            return 0.0
        return until - now

    def failure(self, subject: str, now: float) -> bool:
        """Count one failure; True when this one locks the subject."""
        if self.max_failures <= 0:
            return False
        times = self._failures.get(subject)
        if times is None:
            if len(self._failures) >= _MAX_SUBJECTS:
                self._prune(now)
            times = self._failures[subject] = deque()
        times.append(now)
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.max_failures and not self.locked_for(subject, now):
            self._locked_until[subject] = now + self.lockout
            times.clear()
            return True
        return False

    def success(self, subject: str) -> None:
        self._failures.pop(subject, None)

    def _prune(self, now: float) -> None:
        for subject in [s for s, t in self._failures.items() if not t or t[-1] <= now - self.window]:
            del self._failures[subject]
        while len(self._failures) >= _MAX_SUBJECTS:  # still full: forget the oldest
            del self._failures[next(iter(self._failures))]
