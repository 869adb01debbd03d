"""The OpenSSH path: ``oob authorized-keys`` and the ForceCommand ``oob ssh-entry``.

For sites that trust only OpenSSH's sshd (deploy/sshd_config.d/oob-console.conf):

- ``AuthorizedKeysCommand oob authorized-keys %u`` prints the enrolled security
  keys with their ``verify-required`` / ``no-touch-required`` options, so sshd
  itself enforces presence and verification;
- ``ExposeAuthInfo yes`` tells the ForceCommand which key logged in
  (``$SSH_USER_AUTH``); ``oob ssh-entry`` maps that key to the engineer (even
  when everyone shares one Unix account), audits the login and the session,
  and runs the console or the requested ``oob`` command as that engineer.

What this path cannot do: sshd does not expose the signature, so the sign
counter is not checked here (``oob serve`` checks it), and failed logins are
in sshd's log, not in the audit log.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from oob_console.core.sk_signature import SK_KEY_TYPES, fingerprint, key_type
from oob_console.errors import AuthError, OobError
from oob_console.server.launch import child_argv, child_env, console_args, exec_args
from oob_console.services.login_ports import SkKeyDirectory
from oob_console.session_identity import SessionIdentity

if TYPE_CHECKING:
    from oob_console.bootstrap import App


def authorized_keys_lines(keys: SkKeyDirectory, unix_user: str, login_user: str) -> list[str]:
    """authorized_keys lines for ``unix_user``: every engineer's keys on the shared login, else their own."""
    chosen = keys.sk_keys(None if unix_user == login_user else unix_user)
    lines = []
    for key in sorted(chosen, key=lambda k: (k.user, k.key_id)):
        options = ["restrict", "pty"]  # no forwarding, no user rc, no X11; a terminal for the console
        if key.verify_required:
            options.append("verify-required")
        if key.no_touch_required:
            options.append("no-touch-required")
        kind, data = key.public_key.split()[:2]
        if kind in SK_KEY_TYPES:
            lines.append(f"{','.join(options)} {kind} {data} oob:{key.user}:{key.key_id}")
    return lines


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
    if key_type(blob) not in SK_KEY_TYPES:
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


def run_entry(app: App, environ: Mapping[str, str]) -> int:
    """Be sshd's ForceCommand: identify the engineer, audit, run their session; return its exit status.

    Raises:
        AuthError: no key, an unknown or revoked key.
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
    enrolled = app.ssh_login.keys.find_sk_key(blob)
    if enrolled is None or enrolled.revoked:
        raise AuthError("this key is not (or no longer) enrolled", where=fingerprint(blob))
    conn = environ.get("SSH_CONNECTION", "").split()
    peer = f"{conn[0]}:{conn[1]}" if len(conn) >= 2 else "?"
    identity = SessionIdentity(enrolled.user, fingerprint(blob), secrets.token_hex(4), "sshd", peer)
    interactive = sys.stdin.isatty()
    term = environ.get("TERM", "") if interactive else None
    command = environ.get("SSH_ORIGINAL_COMMAND")
    cfg = app.loaded.config.server
    audit = app.ssh_login.record_as
    base = {"user": enrolled.user, "key_id": enrolled.key_id, "key_fingerprint": identity.key_fingerprint,
            "key_type": key_type(blob), "peer": peer, "via": "sshd", "session": identity.session_id}
    login = _unix_login()
    audit(identity.actor, "ssh.login", login, "ok", base)
    try:
        args = exec_args(command) if command is not None else console_args(cfg.console, cfg.line_console, term)
    except OobError as exc:
        audit(identity.actor, "ssh.exec", login, "refused", {**base, "command": command, "reason": exc.message})
        raise
    kind = "exec" if command is not None else "console"
    audit(identity.actor, "ssh.exec" if kind == "exec" else "ssh.session.start", login, "ok",
          {**base, "kind": kind, "args": args, "term": term})
    return _run_child(app, identity, args, term, kind, base, login)


def _unix_login() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid{os.getuid()}"


def _run_child(app: App, identity: SessionIdentity, args: list[str], term: str | None, kind: str,
               base: dict[str, Any], login: str) -> int:
    """Run the child on our terminal (sshd's PTY is already our controlling tty) and wait."""
    hangup = _Hangup()
    previous = {s: signal.signal(s, hangup) for s in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)}
    started = time.monotonic()
    status: int | None = None
    try:
        hangup.child = subprocess.Popen(child_argv(app.loaded.path, args, tty=False),  # noqa: S603 - our own CLI
                                        env=child_env(identity, term))
        status = hangup.child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        reason = hangup.reason or "exit"
        details = {**base, "kind": kind, "exit_status": status, "reason": reason,
                   "seconds": round(time.monotonic() - started, 3)}
        app.ssh_login.record_as(identity.actor, "ssh.session.end", login, "ok" if reason == "exit" else reason,
                                details)
    return status if status >= 0 else 128 - status

