"""Forward-secure sealing of the audit log: the pure rules (messages, anchors, when a seal is due).

The scheme (after journald's Forward Secure Sealing, built from Ed25519):

- ``oob init`` makes the epoch-0 Ed25519 key pair. Its public half is the
  **verification key**, printed once and kept off the host. The log's first
  sealed entry, ``audit.genesis``, names the site, that key and the sealing
  policy, and is sealed at once.
- A **seal** (``audit.seal``) is an Ed25519 signature by the current epoch's
  key over (epoch, seq and hash of the entry before it, the *next* epoch's
  public key). Right after writing it the host replaces its key file with the
  next epoch's private key: the old private key is gone, so whoever takes the
  host later holds only keys of epochs that have not sealed anything yet.
- A verifier holding only the verification key walks the chain of seals:
  epoch 0's key is the verification key, each seal certifies the next key.
  Every entry up to the last seal is then proven as it stood when sealed.
- Seals must come at least every ``checkpoint_every`` entries and every
  ``checkpoint_interval`` seconds (the writer seals before an entry when the
  gap is longer, recording the idle time): dropping seals is itself proof.

What it cannot prove alone: entries after the last seal (at most
``checkpoint_every`` entries or ``checkpoint_interval`` of time), and a cut of the
log back to an earlier seal. An anchor (a head seen off the host) closes the second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

GENESIS_ACTION = "audit.genesis"
SEAL_ACTION = "audit.seal"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
ANCHOR_PREFIX = "oob-audit"
ANCHOR_HASH_HEX = 24  # 96 bits of the head's hash: short enough to paste, far too long to forge


def seal_message(epoch: int, covers_seq: int, covers_hash: str, next_key: str) -> bytes:
    """The bytes a seal signs (domain-separated)."""
    return f"oob-console audit seal v1\n{epoch}\n{covers_seq}\n{covers_hash}\n{next_key}\n".encode()


_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def parse_time(text: str) -> datetime | None:
    """A time in the log's format (UTC); None for anything else."""
    if not _TIME.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)  # 20x faster than strptime
    except ValueError:
        return None


def time_after(text: str, seconds: float) -> str:
    """``text`` plus ``seconds`` in the log's time format (compares as a string); '' if unparseable."""
    t = parse_time(text)
    return (t + timedelta(seconds=seconds)).strftime(TIME_FORMAT) if t else ""


def seal_due_before(now: str, last_seal_time: str, interval: float) -> float | None:
    """The idle seconds since the last seal when longer than ``interval`` (seal before writing), else None."""
    if interval <= 0:
        return None
    a, b = parse_time(now), parse_time(last_seal_time)
    if a is None or b is None:
        return None
    gap = (a - b).total_seconds()
    return gap if gap > interval else None


def seal_due_after(seq: int, last_seal_seq: int, every: int) -> bool:
    """Does the entry just written at ``seq`` need a seal after it?"""
    return every > 0 and seq - last_seal_seq >= every


@dataclass(frozen=True)
class Anchor:
    """A head of the log seen off the host: entry ``seq`` had a hash starting with ``hash_prefix``."""

    seq: int
    hash_prefix: str
    site: str = ""

    @property
    def code(self) -> str:
        return f"{ANCHOR_PREFIX}:{self.site}:{self.seq}:{self.hash_prefix}"


def anchor_of(site: str, seq: int, entry_hash: str) -> Anchor:
    return Anchor(seq, entry_hash[:ANCHOR_HASH_HEX], site)


_ANCHOR = re.compile(rf"{ANCHOR_PREFIX}:(.*):([1-9][0-9]*):([0-9a-f]{{{ANCHOR_HASH_HEX},64}})")


def parse_anchor(code: str) -> Anchor:
    """Raises ValueError with what a code looks like."""
    m = _ANCHOR.fullmatch(code.strip())
    if not m:
        raise ValueError(f"{code!r} is not an audit anchor (oob-audit:SITE:SEQ:HASH, from 'oob audit anchor')")
    return Anchor(int(m.group(2)), m.group(3), m.group(1))
