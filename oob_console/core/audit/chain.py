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
- ``audit.checkpoint`` (the unsealed era, before sealing began): an Ed25519
  signature by the host's audit key over (seq, hash) of the entry before it.
- ``audit.genesis`` and ``audit.seal``: forward-secure sealing (see ``seal``):
  from the genesis on, a seal must follow at most ``checkpoint_every`` entries
  and ``checkpoint_interval`` seconds after the previous one, and each seal is
  checked against the key the previous seal certified. Signature checking is
  passed in as a function so this module stays pure.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from oob_console.core.audit.seal import GENESIS_ACTION, SEAL_ACTION, Anchor, seal_message, time_after
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
    rb',"target":' + _STR + rb',"time":"([^"\\]*)"}\n'
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
    # sealing (from the genesis on)
    genesis_seq: int | None = None
    site: str = ""
    verify_key: str = ""  # as the genesis names it
    key_checked: bool = False  # the genesis key was the verification key given to verify
    every: int = 0
    interval: float = 0.0
    reset: dict[str, Any] | None = None  # the genesis records an acknowledged reset
    seals_verified: int = 0
    seals_unchecked: int = 0
    sealed_through: int = 0  # last seq a seal covers
    last_seal_seq: int = 0  # the seal entry's own seq
    last_seal_time: str = ""
    current_key: str = ""  # the key the last seal certified: the host's sealing key now
    idle_seals: int = 0
    anchors_matched: list[int] = field(default_factory=list)

    @property
    def epoch(self) -> int:
        return self.seals_verified + self.seals_unchecked

    @property
    def unsealed_before(self) -> int:
        """Entries 1..this were written before sealing began (0: sealed from the start)."""
        return 0 if self.genesis_seq is None else self.genesis_seq - 1

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
    verify_key: str | None = None,
    anchors: Iterable[Anchor] = (),
) -> VerifyReport:
    """Verify an audit log given as its raw lines (each ending in ``\\n`` but the last).

    ``verify_key``: the site's verification key (kept off the host); the
    genesis must name it and every seal must chain from it. ``anchors``: heads
    witnessed off the host; the log must contain each of them.
    Stops at the first problem: everything after a break is unverifiable.
    """
    report = VerifyReport()
    wanted = {a.seq: a.hash_prefix for a in anchors}
    sealed = False
    deadline = b""  # entries after the last seal must be no later than this (b"" = no limit)
    gap_limit = 0  # ... and have a seq no higher than this (the last seal's seq + checkpoint_every)
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
                claimed, prev, seq_text, time_text = match.groups()
                seq = int(seq_text)
                bad = _link_problem(report, seq, prev.decode())
                if bad:
                    report.problem = Problem(lineno, seq, bad)
                    return report
                body = raw[:cut] + raw[cut + _HASH_MEMBER_LEN : -1]
                if hashlib.sha256(body).hexdigest().encode() != claimed:
                    report.problem = Problem(lineno, seq, "hash does not match the entry's content (entry edited)")
                    return report
                if sealed and (seq > gap_limit or (deadline and time_text > deadline)):
                    report.problem = Problem(lineno, seq, _seal_gap(report, seq, time_text, deadline) or "")
                    return report
                if wanted and seq in wanted:
                    bad = _anchor_problem(report, seq, claimed.decode(), wanted)
                    if bad:
                        report.problem = Problem(lineno, seq, bad)
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
        action = parsed["action"]
        reason = None
        if action == CHECKPOINT_ACTION:
            reason = _check_checkpoint(parsed, report, check_signature, trusted_keys)
        elif action == GENESIS_ACTION:
            reason = _genesis(parsed, report, verify_key)
            sealed = reason is None
            gap_limit = seq  # the genesis is sealed at once
        elif action == SEAL_ACTION and sealed:
            reason = _check_seal(parsed, report, check_signature)
            gap_limit = seq + report.every
            if reason is None and report.interval > 0:
                deadline = time_after(parsed["time"], report.interval).encode()
        elif sealed:  # a torn-tail record is written before the idle seal: the count binds it, not the clock
            reason = _seal_gap(report, seq, parsed["time"].encode(), deadline if action != TORN_ACTION else b"")
        if reason is None and wanted and seq in wanted:
            reason = _anchor_problem(report, seq, parsed["hash"], wanted)
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
    report.problem = _end_problem(report, lineno, verify_key, wanted)
    return report


def _genesis(entry: dict[str, Any], report: VerifyReport, verify_key: str | None) -> str | None:
    det = entry["details"]
    if report.genesis_seq is not None:
        return (f"a second genesis (the first is seq {report.genesis_seq}): "
                "the chain was restarted inside the log")
    key, every, interval = det.get("verify_key"), det.get("checkpoint_every"), det.get("checkpoint_interval")
    if not isinstance(key, str) or type(every) is not int or not isinstance(interval, int | float) or every < 1:
        return "genesis lacks its verification key or sealing policy"
    if verify_key is not None and key != verify_key:
        return ("the genesis names another verification key: this log was restarted, replaced "
                "or reset since the key was given out")
    report.genesis_seq = entry["seq"]
    report.site = str(det.get("site", ""))
    report.verify_key = report.current_key = key
    report.key_checked = verify_key is not None
    report.every, report.interval = every, float(interval)
    report.reset = det.get("reset") if isinstance(det.get("reset"), dict) else None
    report.last_seal_seq = entry["seq"] - 1  # the genesis itself must be sealed at once
    report.last_seal_time = entry["time"]
    return None


def _seal_gap(report: VerifyReport, seq: int, time: bytes, deadline: bytes) -> str | None:
    if seq - report.last_seal_seq > report.every or report.genesis_seq == seq - 1:
        if report.genesis_seq == seq - 1:
            return "the genesis is not followed by its seal"
        return (f"no seal within {report.every} entries after seq {report.last_seal_seq} "
                "(checkpoint_every): seals were removed")
    if deadline and time > deadline:
        return (f"entry written more than {report.interval:g} s after the last seal (seq "
                f"{report.last_seal_seq}) without a seal before it (checkpoint_interval): seals were removed")
    return None


def _check_seal(entry: dict[str, Any], report: VerifyReport, check_signature: SignatureCheck | None) -> str | None:
    det = entry["details"]
    if det.get("covers_seq") != report.last_seq or det.get("covers_hash") != report.last_hash:
        return "seal does not cover the entry before it"
    if det.get("epoch") != report.epoch:
        return f"seal of epoch {det.get('epoch')} where epoch {report.epoch} was due (a seal was removed)"
    nxt, sig = det.get("next_key"), det.get("signature")
    if not isinstance(nxt, str) or not isinstance(sig, str):
        return "seal has no next_key/signature"
    message = seal_message(report.epoch, report.last_seq, report.last_hash, nxt)
    if check_signature is None:
        report.seals_unchecked += 1
    elif not check_signature(report.current_key, message, sig):
        return (f"seal of epoch {report.epoch} is not signed by that epoch's key: the entries "
                "before it were changed and re-sealed, or the seal forged")
    else:
        report.seals_verified += 1
    if isinstance(det.get("idle_seconds"), int | float):
        report.idle_seals += 1
    report.current_key = nxt
    report.sealed_through = report.last_seq
    report.last_seal_seq = entry["seq"]
    report.last_seal_time = entry["time"]
    return None


def _anchor_problem(report: VerifyReport, seq: int, entry_hash: str, wanted: dict[int, str]) -> str | None:
    if not entry_hash.startswith(wanted[seq]):
        return f"seq {seq} is not the head witnessed off the host (anchor {wanted[seq][:12]}…): the log was rewritten"
    report.anchors_matched.append(seq)
    return None


def _end_problem(report: VerifyReport, lineno: int, verify_key: str | None, wanted: dict[int, str]) -> Problem | None:
    if verify_key is not None and report.genesis_seq is None:
        return Problem(lineno, None, "no sealed genesis in the log (emptied, replaced, or never sealed): "
                                     "nothing in it is proven by the verification key")
    above = sorted(s for s in wanted if s > report.last_seq)
    if above:
        return Problem(lineno, None, f"the log ends at seq {report.last_seq}, below the head seq {above[-1]} "
                                     "witnessed off the host: entries were cut from the end")
    return None


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
