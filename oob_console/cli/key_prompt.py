"""Talking to the person holding a security key on a terminal: "touch it now", and its PIN.

The PIN is asked with ``getpass`` on the terminal, or read from ``--pin
file:PATH`` (mode 0600) / ``--pin env:NAME`` for automation and tests. It is
never echoed, logged, audited or put in an error message.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from oob_console.cli.input_files import read_arg
from oob_console.config import read_secret
from oob_console.core.schema import SecretRef
from oob_console.errors import AuthError, UsageError

if TYPE_CHECKING:
    from oob_console.services.auth import ApprovalService, IntentView


def add_pin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pin", metavar="REF",
                        help="where the key's PIN is: file:PATH (mode 0600) or env:NAME "
                             "(default: asked on the terminal when the key needs it)")


class TerminalPrompt:
    """The Prompt port on stdin/stderr."""

    def __init__(self, pin_ref: str | None) -> None:
        self._ref: SecretRef | None = None
        if pin_ref:
            try:
                self._ref = SecretRef.parse(pin_ref)
            except ValueError as exc:
                raise UsageError(f"--pin: {exc}", hint="give file:PATH or env:NAME") from None

    def touch(self) -> None:
        print("Touch your security key now...", file=sys.stderr, flush=True)

    def pin(self) -> str | None:
        if self._ref is not None:
            return read_secret(self._ref, where="--pin")
        if not sys.stdin.isatty():
            raise AuthError("the key needs its PIN and there is no terminal to ask on",
                            hint="give --pin file:PATH or --pin env:NAME")
        return getpass.getpass("PIN for the security key: ") or None


def prompt_from(args: argparse.Namespace) -> TerminalPrompt:
    return TerminalPrompt(getattr(args, "pin", None))


def add_approval_options(parser: argparse.ArgumentParser) -> None:
    """How an approval is signed: ``--local-key`` (a key attached here, ``--pin``) or ``--sshsig FILE``."""
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--local-key", action="store_true", help="sign with a key attached to this host")
    how.add_argument("--sshsig", metavar="FILE", help="an SSHSIG file (ssh-keygen -Y sign), or - for stdin")
    add_pin_option(parser)


def approve_from(args: argparse.Namespace, approvals: ApprovalService, intent_id: str) -> IntentView:
    """Add the approval :func:`add_approval_options` asked for to ``intent_id``."""
    if args.local_key:
        return approvals.approve_local(intent_id, prompt_from(args))
    return approvals.approve_sshsig(intent_id, read_arg(args.sshsig, "signature"))
