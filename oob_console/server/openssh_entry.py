"""The OpenSSH path: ``oob ssh-entry``, the ForceCommand of deploy/sshd_config.d/oob-console.conf.

For sites that trust only OpenSSH's sshd. ``AuthorizedKeysCommand oob
authorized-keys %u`` (``SshLoginService.authorized_keys``) prints the enrolled
security keys with their ``verify-required`` / ``no-touch-required`` options,
so sshd itself enforces presence and verification. ``ExposeAuthInfo yes`` tells
this ForceCommand which key logged in (``$SSH_USER_AUTH``); it maps the key to
the engineer (even when everyone shares one Unix account), audits the login
and the session, and runs the console or the requested ``oob`` command as that
engineer (an ``OOB_SESSION`` token, closed when the session ends).

What this path cannot do: sshd does not expose the signature, so the sign
counter is not checked here (``oob serve`` checks it), and failed logins are
in sshd's log, not in the audit log.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
import pwd
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from oob_console.errors import AuthError, OobError
from oob_console.server.launch import child_argv, child_env, console_args, exec_args
from oob_console.services.auth import describe_key

if TYPE_CHECKING:
    from oob_console.wiring import Services


def key_from_auth_info(text: str) -> bytes:
    """The public key blob of the ``publickey`` method in sshd's ``$SSH_USER_AUTH`` file.

    Raises:
        AuthError: no (or more than one) public key, or not a security key.
    """
    found = [line.split() for line in text.splitlines() if line.startswith("publickey ")]
    if len(found) != 1 or len(found[0]) < 3:
        raise AuthError("sshd did not report exactly one public key for this login",
                        hint="the sshd snippet needs 'AuthenticationMethods publickey' and 'ExposeAuthInfo yes'")
    try:
        blob = base64.b64decode(found[0][2], validate=True)
    except binascii.Error:
        raise AuthError("sshd reported an unreadable public key") from None
    if not describe_key(blob)[2]:
        raise AuthError("only security keys (ed25519-sk, ecdsa-sk) may log in")
    return blob


class _Hangup:
    """Signals while the child runs: the child gets them too; we only remember why it ended."""

    def __init__(self) -> None:
        self.reason = ""
        self.child: subprocess.Popen[bytes] | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if signum in (signal.SIGHUP, signal.SIGTERM):
            self.reason = self.reason or ("dropped" if signum == signal.SIGHUP else "terminated")
            if self.child is not None and self.child.poll() is None:
                self.child.send_signal(signum)


def _unix_login() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid{os.getuid()}"


def run_entry(app: Services, environ: Mapping[str, str], parser: argparse.ArgumentParser | None) -> int:
    """Be sshd's ForceCommand: identify the engineer, audit, run their session; return its exit status.

    ``parser`` is the CLI's, to judge a command (server.exec_policy); None refuses every command.

    Raises:
        AuthError: no key, an unknown or revoked key, a disabled or locked user.
        UsageError, RefusedError: a command that cannot run over SSH.
        AuditWriteError: the login cannot be audited (nothing runs).
    """
    auth_path = environ.get("SSH_USER_AUTH")
    if not auth_path:
        raise AuthError("not started by sshd with ExposeAuthInfo (SSH_USER_AUTH is unset)",
                        hint="use deploy/sshd_config.d/oob-console.conf")
    try:
        blob = key_from_auth_info(Path(auth_path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuthError(f"cannot read sshd's auth info: {exc.strerror}", where=auth_path) from None
    svc = app.ssh_login
    fingerprint, key_type, _ = describe_key(blob)
    found = svc.owner(blob)
    if isinstance(found, str):
        raise AuthError(found, where=fingerprint)
    identity = svc.identity_of(*found)
    conn = environ.get("SSH_CONNECTION", "").split()
    login = _unix_login()
    base: dict[str, Any] = {
        "user": identity.user, "key_fingerprint": fingerprint, "key_type": key_type, "via": "sshd",
        "peer": f"{conn[0]}:{conn[1]}" if len(conn) >= 2 else "?", "session": secrets.token_hex(4)}
    interactive = sys.stdin.isatty()
    term = environ.get("TERM", "") if interactive else None
    command = environ.get("SSH_ORIGINAL_COMMAND")
    cfg = app.loaded.config.server
    svc.audit.record("ssh.login", login, "ok", base, actor=identity.actor)
    kind = "exec" if command is not None else "console"
    try:
        if command is not None:
            args = exec_args(command, identity.roles, parser)
        else:
            args = console_args(cfg.console, cfg.line_console, term)
    except OobError as exc:
        svc.audit.record("ssh.exec", login, "refused", {**base, "command": command, "reason": exc.message},
                         actor=identity.actor)
        raise
    token = svc.login.open_login(identity)
    try:
        svc.audit.record("ssh.exec" if kind == "exec" else "ssh.session.start", login, "ok",
                         {**base, "kind": kind, "args": args, "term": term}, actor=identity.actor)
        status, reason, seconds = _run_child(app, token, args, term)
        svc.audit.record("ssh.session.end", login, "ok" if reason == "exit" else reason,
                         {**base, "kind": kind, "exit_status": status, "reason": reason, "seconds": seconds},
                         actor=identity.actor)
    finally:
        svc.login.close_login(token)
    return status


def _run_child(app: Services, token: str, args: list[str], term: str | None) -> tuple[int, str, float]:
    """Run the child on our terminal (sshd's PTY is already our controlling tty); (status, reason, seconds)."""
    hangup = _Hangup()
    watched = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)
    # A handler, not SIG_IGN: handlers are reset at exec, so the child still gets Ctrl-C.
    previous = {s: signal.signal(s, hangup) for s in watched}
    started = time.monotonic()
    try:
        hangup.child = subprocess.Popen(child_argv(app.loaded.path, args, tty=False),  # noqa: S603 - our own CLI
                                        env=child_env(token, term))
        status = hangup.child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    status = status if status >= 0 else 128 - status
    return status, hangup.reason or "exit", round(time.monotonic() - started, 3)
