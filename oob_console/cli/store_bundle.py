"""`oob store export|import|status`: signed bundles of users and keys for a fleet of OOB hosts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oob_console.cli.base import Context, Output, command, for_a_program, group
from oob_console.cli.input_files import read_arg
from oob_console.config import read_secret
from oob_console.core.schema import SecretRef
from oob_console.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "store", "the credential store: status, signed fleet bundles")
    command(inner, "status", cmd_status, "schema, counts and bundle serials of this host's store")
    p = command(inner, "export", cmd_export, "write a signed bundle of users and public keys to stdout",
                "oob store export --sign-with ~/.ssh/fleet_ed25519 > bundle. The key is an OpenSSH or PEM "
                "Ed25519/ECDSA-P256 private key; hosts pin its public key in [fleet] bundle_signers.")
    p.add_argument("--sign-with", metavar="KEY", required=True, help="private key file that signs the bundle")
    p.add_argument("--serial", type=int, help="bundle serial (default: now as Unix time, or last+1)")
    p.add_argument("--passphrase", metavar="REF", help="the key's passphrase: file:PATH or env:NAME "
                                                        "(default: asked on the terminal if needed)")
    p = command(inner, "import", cmd_import, "verify and apply a bundle, all or nothing",
                "Refuses (changing nothing) a truncated or edited file, a bad signature, a signer not in "
                "[fleet] bundle_signers, and a serial not newer than the last import.")
    p.add_argument("bundle", help="bundle file, or - for stdin")


def cmd_status(args: argparse.Namespace, ctx: Context) -> Output:
    app = ctx.app
    data = {"file": str(app.store.path), "schema_version": app.store.schema_version, **app.store_sync.status()}
    text = "\n".join(f"{k:<16} {v}" for k, v in data.items())
    return Output(data, text)


def cmd_export(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.wiring.auth import bundle_signer

    def passphrase() -> str | None:
        if args.passphrase:
            try:
                return read_secret(SecretRef.parse(args.passphrase), where="--passphrase")
            except ValueError as exc:
                raise UsageError(f"--passphrase: {exc}") from None
        if sys.stdin.isatty():
            import getpass

            return getpass.getpass("passphrase for the signing key: ")
        return None

    signer = bundle_signer(Path(args.sign_with), passphrase)
    app = ctx.app
    bundle = app.store_sync.export(app.identity, signer, serial=args.serial)
    text = bundle.decode("utf-8")
    return Output({"bundle": text, "signer": signer.public.fingerprint}, text.rstrip("\n"), raw=for_a_program())


def cmd_import(args: argparse.Namespace, ctx: Context) -> Output:
    data = read_arg(args.bundle, "bundle")
    app = ctx.app
    result = app.store_sync.import_bundle(app.identity, data)
    text = (f"imported bundle serial {result['serial']} from {result['source_site'] or '?'} "
            f"(signer {result['signer']}): {result['users']} users, {result['keys']} keys; "
            f"{result['users_disabled']} users disabled, {result['keys_revoked']} keys revoked")
    return Output(result, text)
