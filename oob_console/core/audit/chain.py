"""The audit log's hash chain: building entries and verifying a sequence of lines.

One entry is one line of canonical JSON with the keys ``seq time actor action
target outcome details prev hash``. ``hash`` is SHA-256 over the canonical JSON
of the entry without ``hash``; ``prev`` is the previous entry's ``hash`` (64
zeros for the first). The file adapter does the I/O; this module only decides.

Two kinds of special entry keep the chain honest about crashes and tampering:

- ``audit.torn-tail``: a writer found the file ending in a torn line (a crash
  mid-write). It does not drop or overwrite those bytes: it terminates the torn
  line and appends this entry, which lists each torn line's length and SHA-256
  and chains to the last intact entry. Verification accepts a torn line only
  when the very next entry accounts for it this way, and reports it.
- ``audit.checkpoint``: an Ed25519 signature by the host's audit key over
  (seq, hash) of the entry before it. Signature checking is passed in as a
  function so this module stays pure.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from oob_console.core.canonical import canonical_bytes, sha256_hex

GENESIS = "0" * 64
TORN_ACTION = "audit.torn-tail"
CHECKPOINT_ACTION = "audit.checkpoint"
FIELDS = ("action", "actor", "details", "hash", "outcome", "prev", "seq", "target", "time")
_STR_FIELDS = ("action", "actor", "hash", "outcome", "prev", "target", "time")

# Fast path. A canonical line has sorted keys, so after its top-level `"hash"`
# member come only `outcome prev seq target time`, all strings or an integer
# (strings cannot hold an unescaped quote, so rfind finds the real member).
# Removing `,"hash":"<64 hex>"` from the bytes leaves exactly the canonical JSON
# the writer hashed: no need to parse and re-serialise the entry (5x slower).
_HASH_MEMBER = b',"hash":"'
_HASH_MEMBER_LEN = len(_HASH_MEMBER) + 64 + 1
_STR = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_TAIL = re.compile(
    rb',"hash":"([0-9a-f]{64})","outcome":' + _STR + rb',"prev":"([0-9a-f]{64})","seq":(0|[1-9][0-9]*)'
    rb',"target":' + _STR + rb',"time":' + _STR + rb"}\n"
)
_PLAIN_HEAD = b'{"action":"'
_SPECIAL_HEAD = b'{"action":"audit.'

# (public_key_b64, message, signature_b64) -> valid?
SignatureCheck = Callable[[str, bytes, str], bool]


def checkpoint_message(seq: int, entry_hash: str) -> bytes:
    """The bytes an audit checkpoint signs (domain-separated)."""
    return f"oob-console audit checkpoint v1\n{seq}\n{entry_hash}\n".encode()


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of ``entry`` without its ``hash``."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return sha256_hex(canonical_bytes(body))


def build_entry(
    *,
    seq: int,
    time: str,
    actor: str,
    action: str,
    target: str,
    outcome: str,
    details: Mapping[str, Any],
    prev: str,
) -> tuple[dict[str, Any], bytes]:
    """Return the entry and its line (canonical JSON plus ``\\n``).

    Raises:
        ValueError: ``details`` is not JSON-serialisable.
    """
    entry: dict[str, Any] = {
        "seq": seq,
        "time": time,
        "actor": actor,
        "action": action,
        "target": target,
        "outcome": outcome,
        "details": dict(details),
        "prev": prev,
    }
    entry["hash"] = sha256_hex(canonical_bytes(entry))
    return entry, canonical_bytes(entry) + b"\n"


@dataclass
class Problem:
    line: int
    seq: int | None
    reason: str


@dataclass
class VerifyReport:
    entries: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    problem: Problem | None = None
    torn_recovered: list[int] = field(default_factory=list)  # line numbers
    checkpoints_verified: int = 0
    checkpoints_unchecked: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


def _parse(raw: bytes) -> dict[str, Any] | str:
    """The entry, or a reason why this line is not one."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return "not valid JSON"
    if not isinstance(value, dict):
        return "not a JSON object"
    if len(value) != len(FIELDS) or any(k not in value for k in FIELDS):
        return f"fields are {sorted(value)}, expected {list(FIELDS)}"
    for key in _STR_FIELDS:
        if not isinstance(value[key], str):
            return f"field {key!r} is not a string"
    if type(value["seq"]) is not int:
        return "field 'seq' is not an integer"
    if not isinstance(value["details"], dict):
        return "field 'details' is not an object"
    return value


def verify_lines(
    lines: Iterable[bytes],
    *,
    check_signature: SignatureCheck | None = None,
    trusted_keys: frozenset[str] | None = None,
) -> VerifyReport:
    """Verify an audit log given as its raw lines (each ending in ``\\n`` but the last).

    Stops at the first problem: everything after a break is unverifiable.
    """
    report = VerifyReport()
    pending_torn: list[tuple[int, bytes]] = []  # (line number, raw bytes without \n)
    lineno = 0
    for lineno, raw in enumerate(lines, start=1):
        if not raw.endswith(b"\n"):
            report.problem = Problem(
                lineno, None, "truncated last line (a crash mid-write, or the file was cut)"
            )
            return report
        if not pending_torn and raw.startswith(_PLAIN_HEAD) and not raw.startswith(_SPECIAL_HEAD):
            cut = raw.rfind(_HASH_MEMBER)
            match = _TAIL.fullmatch(raw, cut) if cut > 0 else None
            if match is not None:
                claimed, prev, seq_text = match.groups()
                seq = int(seq_text)
                bad = _link_problem(report, seq, prev.decode())
                if bad:
                    report.problem = Problem(lineno, seq, bad)
                    return report
                body = raw[:cut] + raw[cut + _HASH_MEMBER_LEN : -1]
                if hashlib.sha256(body).hexdigest().encode() != claimed:
                    report.problem = Problem(lineno, seq, "hash does not match the entry's content (entry edited)")
                    return report
                report.entries += 1
                report.last_seq = seq
                report.last_hash = claimed.decode()
                continue
        body = raw[:-1]
        parsed = _parse(body)
        if isinstance(parsed, str):
            pending_torn.append((lineno, body))
            continue
        seq = parsed["seq"]
        if pending_torn:
            expected = [{"length": len(t), "sha256": hashlib.sha256(t).hexdigest()} for _, t in pending_torn]
            if parsed["action"] != TORN_ACTION or parsed["details"].get("torn") != expected:
                report.problem = Problem(
                    pending_torn[0][0], None, "unreadable line, not accounted for as a torn write (edited?)"
                )
                return report
            report.torn_recovered.extend(n for n, _ in pending_torn)
            pending_torn = []
        bad = _link_problem(report, seq, parsed["prev"])
        if bad:
            report.problem = Problem(lineno, seq, bad)
            return report
        if entry_hash(parsed) != parsed["hash"]:
            report.problem = Problem(lineno, seq, "hash does not match the entry's content (entry edited)")
            return report
        if canonical_bytes(parsed) != body:
            report.problem = Problem(lineno, seq, "entry is not in canonical form (line rewritten)")
            return report
        if parsed["action"] == CHECKPOINT_ACTION:
            reason = _check_checkpoint(parsed, report, check_signature, trusted_keys)
            if reason:
                report.problem = Problem(lineno, seq, reason)
                return report
        report.entries += 1
        report.last_seq = seq
        report.last_hash = parsed["hash"]
    if pending_torn:
        report.problem = Problem(
            pending_torn[0][0], None, "unreadable final line (a torn write; the next append records it)"
        )
    return report


def _link_problem(report: VerifyReport, seq: int, prev: str) -> str | None:
    if seq != report.last_seq + 1:
        return f"seq {seq} follows seq {report.last_seq} (line deleted or reordered)"
    if prev != report.last_hash:
        return "prev does not match the previous entry's hash (line deleted, inserted or reordered)"
    return None


def _check_checkpoint(
    entry: dict[str, Any],
    report: VerifyReport,
    check_signature: SignatureCheck | None,
    trusted_keys: frozenset[str] | None,
) -> str | None:
    det = entry["details"]
    if det.get("covers_seq") != report.last_seq or det.get("covers_hash") != report.last_hash:
        return "checkpoint does not cover the entry before it"
    key, sig = det.get("public_key"), det.get("signature")
    if not isinstance(key, str) or not isinstance(sig, str):
        return "checkpoint has no public_key/signature"
    if check_signature is None:
        report.checkpoints_unchecked += 1
        return None
    if trusted_keys is not None and key not in trusted_keys:
        return "checkpoint signed by a key that is not this site's audit key"
    if not check_signature(key, checkpoint_message(report.last_seq, report.last_hash), sig):
        return "checkpoint signature is invalid"
    if trusted_keys is None:
        report.checkpoints_unchecked += 1
    else:
        report.checkpoints_verified += 1
    return None
