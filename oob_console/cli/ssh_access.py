"""`oob serve`, `oob authorized-keys`, `oob ssh-entry`: reaching the console over SSH."""

from __future__ import annotations

import argparse
import os

from oob_console.cli.base import Context, Output, command


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(sub, "serve", cmd_serve, "run the built-in SSH server (security-key logins into the console)",
                "Serve the console over SSH: public-key login with enrolled security keys only "
                "(ed25519-sk, ecdsa-sk), one PTY per session running the TUI (or the line-mode shell on "
                "dumb terminals), 'ssh host -- COMMAND' runs one oob command as the engineer. "
                "Settings are in the [server] section of the config.")
    p.add_argument("--init-host-key", action="store_true",
                   help="create the server's host key (once; refuses if one exists) and exit")
    p.add_argument("--listen", metavar="ADDR", help="address to listen on (default: [server] listen)")
    p.add_argument("--port", type=int, metavar="N", help="port (default: [server] port; 0 picks a free one)")

    p = command(sub, "authorized-keys", cmd_authorized_keys,
                "print the enrolled security keys for sshd (AuthorizedKeysCommand oob authorized-keys %%u)",
                "Print authorized_keys lines for USER: every engineer's enrolled security keys when USER is "
                "the shared login ([server] login_user), else USER's own; each with restrict,pty and the "
                "key's verify-required / no-touch-required options, so sshd enforces them. Revoked keys "
                "are not printed.")
    p.add_argument("user", help="the Unix user sshd is authenticating (%%u)")

    command(sub, "ssh-entry", cmd_ssh_entry, "sshd's ForceCommand: run the console or command as the engineer",
            "Run by sshd as ForceCommand (deploy/sshd_config.d/oob-console.conf). Finds which enrolled key "
            "logged in ($SSH_USER_AUTH, from ExposeAuthInfo), audits the login and the session, then runs "
            "the console, or $SSH_ORIGINAL_COMMAND as one oob command, as that engineer. Exits with the "
            "session's exit status.")


def cmd_serve(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.server.host_key import init_host_key

    app = ctx.app
    path = app.path(app.loaded.config.server.host_key)
    if args.init_host_key:
        result = init_host_key(path)
        app.audit.record("ssh.host-key.create", target=str(path), details={"fingerprint": result["fingerprint"]})
        text = (f"created the SSH host key {path}\n  {result['fingerprint']}\n"
                f"give engineers this known_hosts line (replace HOST and PORT):\n"
                f"  [HOST]:PORT {result['public_key']}")
        return Output(result, text)
    from oob_console.cli.main import build_parser
    from oob_console.server.run import run_server

    summary = run_server(app, listen=args.listen, port=args.port, json_mode=ctx.json, parser=build_parser())
    return Output(summary, "")


def cmd_authorized_keys(args: argparse.Namespace, ctx: Context) -> Output:
    lines = ctx.app.ssh_login.authorized_keys(args.user)
    return Output(lines, "\n".join(lines))


def cmd_ssh_entry(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.cli.main import build_parser
    from oob_console.server.openssh_entry import run_entry

    status = run_entry(ctx.app, os.environ, build_parser() if "SSH_ORIGINAL_COMMAND" in os.environ else None)
    return Output({"exit_status": status}, "", exit_code=status)
