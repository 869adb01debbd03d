"""`oob user add|list|disable|enable|unlock`, `oob login|logout|whoami`."""

from __future__ import annotations

import argparse
import os
import sys

from oob_console.cli.base import Context, Output, command, group
from oob_console.cli.key_prompt import add_pin_option, prompt_from
from oob_console.core.auth.identity import ROLES
from oob_console.render.auth import logged_in_line
from oob_console.wiring import SESSION_ENV


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "user", "manage the people who may log in and approve (admin)")
    p = command(inner, "add", cmd_add, "add a user")
    p.add_argument("name", help="login name (a-z 0-9 _ . -)")
    p.add_argument("--role", action="append", required=True, choices=ROLES,
                   help="operator, approver or admin (repeat for several)")
    p.add_argument("--display-name", default="", help="full name shown to approvers")
    command(inner, "list", cmd_list, "list users, their roles, keys and lockouts")
    for name, handler, text in (("disable", cmd_disable, "disable a user (cannot log in or approve)"),
                                ("enable", cmd_enable, "enable a disabled user"),
                                ("unlock", cmd_unlock, "clear a user's failed logins and lockout")):
        command(inner, name, handler, text).add_argument("name")

    p = command(sub, "login", cmd_login, "log in with a security key attached to this host",
                "Performs a CTAP2 getAssertion on a key attached to this host, verifies it offline against "
                f"the store and prints a session for {SESSION_ENV}. Exit 5 when refused (audited, counted "
                "toward backoff and lockout).")
    p.add_argument("--user", help="who is logging in (default: whoever's enrolled key answers)")
    p.add_argument("--no-session", action="store_true", help="only verify the key; open no session")
    add_pin_option(p)
    command(sub, "logout", cmd_logout, f"end the session in {SESSION_ENV}")
    command(sub, "whoami", cmd_whoami, "show who commands act as (session user or local account)")


def cmd_add(args: argparse.Namespace, ctx: Context) -> Output:
    app = ctx.app
    user = app.credentials.add_user(app.identity, args.name, tuple(args.role), args.display_name)
    return Output(user.public(), f"added user {user.name} ({', '.join(user.roles)})")


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    app = ctx.app
    rows = []
    lines = [f"{'NAME':<16} {'ROLES':<24} {'STATE':<9} {'KEYS':>4}  LOGIN"]
    for u in app.credentials.list_users():
        keys = [k for k in app.credentials.list_keys(u.name) if k.active]
        state = app.credential_repo.login_state(u.name)
        rows.append({**u.public(), "keys": len(keys), "failed_logins": state.failures, "locked": state.locked})
        login = "LOCKED" if state.locked else f"{state.failures} failures" if state.failures else "ok"
        lines.append(f"{u.name:<16} {','.join(u.roles):<24} {'active' if u.active else 'DISABLED':<9} "
                     f"{len(keys):>4}  {login}")
    return Output(rows, "\n".join(lines) if rows else "(no users: add one with 'oob user add NAME --role admin')")


def cmd_disable(args: argparse.Namespace, ctx: Context) -> Output:
    user = ctx.app.credentials.set_active(ctx.app.identity, args.name, False)
    return Output(user.public(), f"disabled {user.name}")


def cmd_enable(args: argparse.Namespace, ctx: Context) -> Output:
    user = ctx.app.credentials.set_active(ctx.app.identity, args.name, True)
    return Output(user.public(), f"enabled {user.name}")


def cmd_unlock(args: argparse.Namespace, ctx: Context) -> Output:
    before = ctx.app.credentials.unlock(ctx.app.identity, args.name)
    data = {"user": args.name, "failures_cleared": before.failures, "was_locked": before.locked}
    return Output(data, f"cleared {before.failures} failed logins for {args.name}"
                  + (" and its lockout" if before.locked else ""))


def cmd_login(args: argparse.Namespace, ctx: Context) -> Output:
    os.environ.pop(SESSION_ENV, None)  # logging in never acts as an inherited session
    app = ctx.app
    identity = app.login.login(args.user, prompt_from(args))
    data = {"user": identity.user, "roles": sorted(identity.roles), "key_id": identity.key_id,
            "user_verified": identity.user_verified, "session": None}
    lines = [logged_in_line(identity)]
    if not args.no_session:
        token = app.login.open_login(identity)
        data["session"] = token
        # stdout is only what `eval "$(oob login)"` runs; the human line goes to stderr with the prompts.
        if not ctx.json:
            print(lines[0], file=sys.stderr)
        lines = [f"export {SESSION_ENV}={token}"]
    return Output(data, "\n".join(lines))


def cmd_logout(args: argparse.Namespace, ctx: Context) -> Output:
    token = os.environ.pop(SESSION_ENV, None)
    if not token:
        return Output({"closed": False}, f"no session ({SESSION_ENV} is not set)")
    closed = ctx.app.login.close_login(token)
    return Output({"closed": closed}, f"session closed; unset {SESSION_ENV}" if closed else "no such session")


def cmd_whoami(args: argparse.Namespace, ctx: Context) -> Output:
    who = ctx.app.identity
    data = {"actor": who.actor, "user": who.user, "roles": sorted(who.roles), "method": who.method,
            "key_id": who.key_id, "user_verified": who.user_verified, "can_administer": who.can_administer}
    text = who.actor + (f" ({', '.join(sorted(who.roles))}; key {who.key_id})" if who.user else " (local account)")
    return Output(data, text)
