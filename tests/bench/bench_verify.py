"""Benchmark: offline verification of key assertions and SSHSIG approvals (goal: >= 1,000/s each).

Run: .venv/bin/python tests/bench/bench_verify.py [--seconds N]

Measures exactly the checks login and approvals run, on real signatures
made by the software authenticator (CTAP2 through python-fido2):

- assertion: parse authenticator data and client data, RP ID hash, challenge,
  origin, flags, counter (core.webauthn.check_assertion) plus the signature
  (adapters.sk_verify.verify_signature);
- SSHSIG: parse the armored file, namespace, wrap the message, flags and
  counter (core.sshsig) plus the signature.

Not included: the SQLite counter update and the fsynced audit entry that a
real login/approval also does (those are bounded by the disk, not the CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
from oob_console.adapters.keys_fido2 import Fido2Keys
from oob_console.adapters.keys_software import create, open_device
from oob_console.adapters.signatures_cryptography import verify_signature
from oob_console.core.auth import sshsig
from oob_console.core.auth.webauthn import check_assertion, signed_bytes

SAMPLES = 64
RP = "oob-console"


def rate(fn: Callable[[int], None], seconds: float) -> tuple[float, float]:
    """(per wall-clock second, per CPU second of this process): the second ignores other load."""
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(100):
            fn(n)
            n += 1
    return n / elapsed, n / max(time.process_time() - cpu, 1e-9)


def assertion_bench(key: Path, alg: str, seconds: float) -> tuple[float, float]:
    keys = Fido2Keys(lambda: [open_device(key)])
    reg = keys.make_credential(rp_id=RP, user_name="bench", display_name="bench", challenge=os.urandom(32),
                               user_verification=False, exclude=[], algorithms=[alg], touch=lambda: None,
                               pin=lambda: None)
    samples = []
    for _ in range(SAMPLES):
        challenge = os.urandom(32)
        a = keys.get_assertion(rp_id=RP, challenge=challenge, allow=[reg.credential_id],
                               user_verification="discouraged", touch=lambda: None, pin=lambda: None)
        samples.append((challenge, a, int.from_bytes(a.auth_data[33:37], "big") - 1))

    def one(i: int) -> None:
        challenge, a, last = samples[i % SAMPLES]
        check = check_assertion(a.auth_data, a.client_data_json, rp_id=RP, challenge=challenge, require_uv=False,
                                last_counter=last)
        ok = verify_signature(reg.alg, reg.public_key, signed_bytes(a.auth_data, a.client_data_json), a.signature)
        if not (check.ok and ok):
            raise SystemExit(f"benchmark sample failed to verify: {check.reasons}")

    return rate(one, seconds)


def sshsig_bench(key: Path, alg: str, seconds: float) -> tuple[float, float]:
    device = open_device(key)
    sk = ssh_sk_keys.enroll(device, alg=alg)
    samples = []
    for i in range(SAMPLES):
        message = json.dumps({"action": "bench", "n": i}).encode() + b"\n"
        samples.append((message, ssh_sk_keys.sign_sshsig(device, sk, message, "oob-console")))

    def one(i: int) -> None:
        message, armored = samples[i % SAMPLES]
        sig = sshsig.parse(armored)
        if sig.namespace != "oob-console" or sig.key.blob != sk.key.blob:
            raise SystemExit("benchmark sample has the wrong namespace or key")
        wrapped = sshsig.wrapped_message(sig.namespace, message, sig.hash_alg, sig.reserved)
        check = sshsig.check_sk_signature(sig.signature, last_counter=sig.signature.counter - 1)
        ok = verify_signature(sig.key.alg, sig.key.public, sshsig.verification_input(sig.key, sig.signature, wrapped),
                              sig.signature.sig)
        if not (check.ok and ok):
            raise SystemExit("benchmark SSHSIG failed to verify")

    return rate(one, seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "bench.softkey"
        create(key)
        for alg in ("es256", "ed25519"):
            rows.append((f"FIDO2 assertion verify ({alg})", assertion_bench(key, alg, args.seconds)))
        for alg in ("ed25519", "es256"):
            name = "sk-ssh-ed25519" if alg == "ed25519" else "sk-ecdsa-sha2-nistp256"
            rows.append((f"SSHSIG approval verify ({name})", sshsig_bench(key, alg, args.seconds)))
    print(f"{'what':<46} {'per second':>11} {'per CPU s':>10}  goal 1,000/s")
    worst = min(wall for _, (wall, _cpu) in rows)
    for what, (wall, cpu) in rows:
        print(f"{what:<46} {wall:>11,.0f} {cpu:>10,.0f}  {'ok' if wall >= 1000 else 'BELOW GOAL'}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.seconds:g}s per row; a shared machine "
          "is noisy: compare runs, not digits)")
    return 0 if worst >= 1000 else 1


if __name__ == "__main__":
    raise SystemExit(main())
