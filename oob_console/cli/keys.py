"""`oob key enroll|add-ssh|list|revoke`."""

from __future__ import annotations

import argparse

from oob_console.cli.base import Context, Output, command, group
from oob_console.cli.input_files import read_arg
from oob_console.cli.key_prompt import add_pin_option, prompt_from
from oob_console.errors import UsageError
from oob_console.render.auth import KEY_HEADER, key_line


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "key", "enroll, list and revoke users' security keys (admin)")
    p = command(inner, "enroll", cmd_enroll, "enroll a security key attached to this host for local login",
                "CTAP2 makeCredential on the key attached to this host. The key must verify the user (PIN) "
                "when asked with --uv or when one of the user's roles is in [auth] uv_roles.")
    p.add_argument("--user", required=True)
    p.add_argument("--label", default="", help="e.g. 'yubikey 5c blue'")
    p.add_argument("--uv", action="store_true", help="require user verification (PIN) for this key always")
    p.add_argument("--alg", choices=("es256", "ed25519"), help="credential algorithm (default: [auth] algorithms)")
    add_pin_option(p)
    p = command(inner, "add-ssh", cmd_add_ssh, "register an OpenSSH security-key public key (sk-...)",
                "Reads one public key line (the .pub file of ssh-keygen -t ed25519-sk or ecdsa-sk), optionally "
                "with the authorized_keys options verify-required / no-touch-required in front.")
    p.add_argument("file", help="the .pub file, or - for stdin")
    p.add_argument("--user", required=True)
    p.add_argument("--verify-required", action="store_true", help="signatures must carry user verification (PIN)")
    p.add_argument("--no-touch-required", action="store_true",
                   help="SSH login may skip the touch (approvals always need it)")
    p.add_argument("--label", default="", help="default: the key's comment")
    p = command(inner, "list", cmd_list, "list keys (revoked ones too)")
    p.add_argument("--user", help="only this user's keys")
    p = command(inner, "revoke", cmd_revoke, "revoke a key (kept in the list, never usable again)")
    p.add_argument("key_id", help="a key ID from 'oob key list' (or a unique prefix of 6+ characters)")


def cmd_enroll(args: argparse.Namespace, ctx: Context) -> Output:
    app = ctx.app
    cred = app.credentials.enroll(app.identity, args.user, prompt_from(args), label=args.label,
                                  uv=args.uv or None, alg=args.alg)
    text = f"enrolled {cred.key_id} for {cred.user} ({cred.alg}{', PIN required' if cred.uv_required else ''})"
    if cred.software:
        text += "\nWARNING: this is a SOFTWARE key (test/demo only)"
    return Output(cred.public(), text)


def cmd_add_ssh(args: argparse.Namespace, ctx: Context) -> Output:
    try:
        line = read_arg(args.file, "public key").decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("the public key is not text", where=args.file) from None
    app = ctx.app
    cred = app.credentials.add_ssh_key(app.identity, args.user, line, verify_required=args.verify_required,
                                       no_touch_required=args.no_touch_required, label=args.label)
    return Output(cred.public(), f"added {cred.key_id} ({cred.ssh_key().key_type}) for {cred.user}")


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    keys = ctx.app.credentials.list_keys(args.user)
    return Output([k.public() for k in keys], "\n".join([KEY_HEADER, *(key_line(k) for k in keys)]) if keys
                  else "(no keys)")


def cmd_revoke(args: argparse.Namespace, ctx: Context) -> Output:
    cred = ctx.app.credentials.revoke_key(ctx.app.identity, args.key_id)
    return Output(cred.public(), f"revoked {cred.key_id} of {cred.user}")
