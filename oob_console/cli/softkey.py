"""`oob softkey init|ssh-keygen|sign`: oob-console's SOFTWARE security key, for tests, demos and drills.

These commands play the approver's side without hardware (what a USB key and
``ssh-keygen`` do on a laptop). They need no site. A console only accepts what
they make when its config sets ``[auth] allow_software_keys = true``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from oob_console.cli.base import Context, Output, command, group
from oob_console.cli.input_files import read_arg
from oob_console.cli.key_prompt import add_pin_option, prompt_from
from oob_console.errors import StorageError, UsageError
from oob_console.wiring import SOFT_KEY_ENV

WARNING = "SOFTWARE key: for tests and demos only, never a hardware key"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "softkey", "TEST/DEMO ONLY: a software security key (real CTAP2, no hardware)")
    p = command(inner, "init", cmd_init, "create a software key state file")
    p.add_argument("path", help=f"state file to create (then set {SOFT_KEY_ENV}=PATH to use it)")
    add_pin_option(p)
    p = command(inner, "ssh-keygen", cmd_ssh_keygen, "make an SSH sk key on it (like ssh-keygen -t ed25519-sk)")
    _key_option(p)
    p.add_argument("-f", dest="out", required=True, metavar="FILE", help="writes FILE (key stub) and FILE.pub")
    p.add_argument("-t", dest="type", choices=("ed25519-sk", "ecdsa-sk"), default="ed25519-sk")
    p.add_argument("-C", dest="comment", default="", help="comment")
    p.add_argument("--application", default="ssh:", help="FIDO application (default ssh:)")
    p.add_argument("--verify-required", action="store_true", help="signatures carry user verification (PIN)")
    add_pin_option(p)
    p = command(inner, "sign", cmd_sign, "make an SSHSIG (like ssh-keygen -Y sign) with an sk key stub")
    _key_option(p)
    p.add_argument("-f", dest="stub", required=True, metavar="FILE", help="key stub from 'softkey ssh-keygen'")
    p.add_argument("-n", dest="namespace", default="oob-console", help="signature namespace")
    p.add_argument("file", nargs="?", default="-", help="what to sign (default: stdin)")
    add_pin_option(p)


def _key_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key", metavar="PATH", default=os.environ.get(SOFT_KEY_ENV),
                   help=f"the software key's state file (default: ${SOFT_KEY_ENV})")


def _state(args: argparse.Namespace) -> Path:
    if not args.key:
        raise UsageError(f"which software key? give --key PATH or set {SOFT_KEY_ENV}")
    path = Path(args.key)
    if not path.is_file():
        raise StorageError("no software key state file here", where=str(path), hint="run 'oob softkey init PATH'")
    return path


def cmd_init(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.wiring.auth import create_software_key

    pin = prompt_from(args).pin() if args.pin else None
    create_software_key(Path(args.path), pin=pin)
    return Output({"path": args.path, "pin_set": bool(pin), "warning": WARNING},
                  f"created {args.path} ({'PIN set' if pin else 'no PIN'})\nWARNING: {WARNING}")


def cmd_ssh_keygen(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.wiring.auth import software_ssh_keygen, write_sk_key_file

    out = Path(args.out)
    pin = prompt_from(args).pin() if args.verify_required else None
    sk = software_ssh_keygen(_state(args), alg="ed25519" if args.type == "ed25519-sk" else "es256",
                             application=args.application, pin=pin, verify_required=args.verify_required,
                             comment=args.comment)
    try:
        write_sk_key_file(out, sk)
        Path(f"{out}.pub").write_text(sk.key.openssh(args.comment) + "\n", encoding="utf-8")
    except OSError as exc:
        raise StorageError(f"cannot write the key files: {exc.strerror}", where=str(out)) from None
    line = sk.key.openssh(args.comment)
    return Output({"public_key": line, "fingerprint": sk.key.fingerprint, "file": str(out), "warning": WARNING},
                  line)


def cmd_sign(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.wiring.auth import read_sk_key_file, software_sshsig

    sk = read_sk_key_file(Path(args.stub))
    message = read_arg(args.file, "message")
    pin = prompt_from(args).pin() if sk.verify_required or args.pin else None
    armored = software_sshsig(_state(args), sk, message, args.namespace, pin=pin)
    return Output({"signature": armored, "fingerprint": sk.key.fingerprint}, armored.rstrip("\n"))
