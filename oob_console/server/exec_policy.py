"""Which ``oob`` commands an SSH exec request may run: by parsed command, per role.

The command line is parsed by the real CLI parser (``cli.main.build_parser``,
handed in by the command that starts the server: front ends do not import each other)
and allowed only by the subcommand path it resolves to, against
:data:`OVER_SSH`. A command that is not on the list (including every command
added later) is refused. On top of that:

- options given before the subcommand are refused, except :data:`SAFE_GLOBAL`;
- the options every command shares (``cli.base.add_common``) that are not in
  :data:`SAFE_GLOBAL` change the site (``--config``, and any one added later:
  the set is read from the parser, not written here) and are refused anywhere;
- an abbreviated option (argparse would expand ``--conf`` to ``--config``) is
  refused: over SSH an option is written in full;
- file arguments named in a rule must be ``-`` (stdin): the remote engineer
  does not read or probe the server's files.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

from oob_console.errors import RefusedError, UsageError

# Options before the subcommand (or shared by all commands) that are harmless over SSH.
SAFE_GLOBAL = frozenset({"--json", "-h", "--help"})
HELP = frozenset({"-h", "--help"})

ANY_ROLE: frozenset[str] = frozenset()
OPERATOR = frozenset({"operator", "admin"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Rule:
    """One command allowed over SSH: who may run it, and what it may not be given there."""

    roles: frozenset[str] = ANY_ROLE  # empty: any logged-in engineer
    stdin_only: tuple[str, ...] = ()  # argument dests that must be "-" (stdin) or absent
    refused: tuple[str, ...] = ()  # option strings that use the server's files or keys


# Commands absent here (init, serve, ssh-entry, authorized-keys, demo, softkey, store export/import,
# inventory import, login, key enroll, and anything added later) are not available over SSH.
OVER_SSH: dict[tuple[str, ...], Rule] = {
    ("whoami",): Rule(),
    ("logout",): Rule(),
    ("note",): Rule(),
    ("config", "check"): Rule(),
    ("doctor",): Rule(),
    ("audit", "show"): Rule(refused=("--log",)),
    ("audit", "verify"): Rule(refused=("--log", "--pubkey")),
    ("intent", "show"): Rule(),
    ("intent", "list"): Rule(),
    ("intent", "status"): Rule(),
    ("intent", "request", "drill"): Rule(OPERATOR),
    ("intent", "cancel"): Rule(OPERATOR),
    # The signature decides who approves (its key's owner), not who submits it: any engineer may relay one.
    ("approve",): Rule(stdin_only=("sshsig",), refused=("--local-key",)),
    ("bgp", "plan"): Rule(),
    ("bgp", "show"): Rule(),
    ("bgp", "status"): Rule(),
    ("bgp", "speaker"): Rule(),
    ("bgp", "announce"): Rule(OPERATOR),
    ("bgp", "withdraw"): Rule(OPERATOR),
    ("bgp", "renew"): Rule(OPERATOR),
    ("bgp", "run"): Rule(OPERATOR),
    ("bgp", "cancel"): Rule(OPERATOR),
    ("bgp", "approve"): Rule(stdin_only=("sshsig",), refused=("--local-key",)),
    ("inventory", "list"): Rule(),
    ("inventory", "show"): Rule(),
    ("inventory", "check"): Rule(),
    ("inventory", "pin-hostkey"): Rule(ADMIN),
    ("ssh",): Rule(OPERATOR),
    ("console",): Rule(OPERATOR),
    ("run",): Rule(OPERATOR),
    ("sessions", "list"): Rule(),
    ("sessions", "play"): Rule(),
    ("backup", "run"): Rule(OPERATOR),
    ("backup", "list"): Rule(),
    ("backup", "show"): Rule(),
    ("backup", "diff"): Rule(),
    ("user", "list"): Rule(),
    ("user", "add"): Rule(ADMIN),
    ("user", "disable"): Rule(ADMIN),
    ("user", "enable"): Rule(ADMIN),
    ("user", "unlock"): Rule(ADMIN),
    ("key", "list"): Rule(),
    ("key", "add-ssh"): Rule(ADMIN, stdin_only=("file", "attestation")),
    ("key", "revoke"): Rule(ADMIN),
    ("store", "status"): Rule(),
    ("guard", "check"): Rule(refused=("--inventory",)),
    ("guard", "drill"): Rule(),
    ("notify",): Rule(OPERATOR),
    ("drill", "run"): Rule(OPERATOR, refused=("--plan",)),
    ("drill", "report"): Rule(),
    ("tui",): Rule(),
    ("shell",): Rule(),
    ("runbooks", "search"): Rule(),
    ("runbooks", "show"): Rule(),
}


def site_options(top: argparse.ArgumentParser) -> frozenset[str]:
    """The shared options (on the top-level parser) that are not :data:`SAFE_GLOBAL`: refused over SSH."""
    return frozenset(s for a in top._actions for s in a.option_strings) - SAFE_GLOBAL - {"--version"}


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:  # type: ignore[type-arg]
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def _option_name(parser: argparse.ArgumentParser, token: str) -> str | None:
    """The option string ``token`` names in ``parser`` (exactly), or None when it is not an option.

    Raises:
        RefusedError: an abbreviation of an option.
    """
    if len(token) < 2 or token[0] != "-" or parser._negative_number_matcher.match(token):
        return None
    name = token.split("=", 1)[0] if token.startswith("--") else token
    known = parser._option_string_actions
    if name in known:
        return name
    if not token.startswith("--") and token[:2] in known:  # -fFILE, -n5
        return token[:2]
    if token.startswith("--") and any(s.startswith(name) for s in known):
        raise RefusedError(f"abbreviated option {name!r} over SSH", where="ssh command",
                           hint="write options in full")
    return name  # unknown: the parser reports it


def _walk(top: argparse.ArgumentParser, args: Sequence[str]) -> tuple[tuple[str, ...], argparse.ArgumentParser, bool]:
    """The subcommand path ``args`` name, its parser, and whether help was asked for.

    Raises:
        UsageError: an unknown command.
        RefusedError: an option before the subcommand, a site-changing option, an abbreviation.
    """
    forbidden = site_options(top)
    parser, path, words, help_asked = top, [], list(args), False
    i = 0
    while (sub := _subparsers(parser)) is not None and i < len(words):
        token = words[i]
        i += 1
        name = _option_name(parser, token)
        if name is not None:
            if name in HELP:
                help_asked = True
            elif name not in SAFE_GLOBAL:
                raise RefusedError(f"option {name!r} before the command is not accepted over SSH",
                                   where="ssh command", hint="give options after the command, e.g. 'audit show --json'")
            continue
        if token not in sub.choices:
            raise UsageError(f"unknown command {token!r}", where="ssh command", hint="see 'oob --help'")
        path.append(token)
        parser = sub.choices[token]
    for token in words[i:]:
        if token == "--":  # noqa: S105 - the end of options, not a secret
            break
        name = _option_name(parser, token)
        if name in forbidden:
            raise RefusedError(f"{name} cannot be given over SSH: the server's site is used", where="ssh command")
        help_asked = help_asked or name in HELP
    return tuple(path), parser, help_asked


def _parse(top: argparse.ArgumentParser, args: Sequence[str], path: tuple[str, ...]) -> argparse.Namespace | None:
    """The real parser's reading of ``args`` (None: it printed and exited, e.g. --version).

    Raises:
        UsageError: the parser refuses the arguments.
        RefusedError: the parser resolves another command than :func:`_walk` did.
    """
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            ns = top.parse_args(list(args))
        except SystemExit:
            return None
    parsed = [getattr(ns, "command", None)]
    for word in path[:-1]:
        parsed.append(getattr(ns, f"{word}_command", None))
    if tuple(parsed) != path:  # our reading and the parser's differ: fail closed
        raise RefusedError("the command line is ambiguous over SSH", where="ssh command")
    return ns


def check(top: argparse.ArgumentParser, args: Sequence[str], roles: frozenset[str]) -> None:
    """Allow ``args`` for an engineer with ``roles``, or raise; ``top`` is the CLI's parser (cli.main).

    Raises:
        UsageError: not a valid command line.
        RefusedError: not on the list, not for these roles, or with an argument refused over SSH.
    """
    path, leaf, help_asked = _walk(top, args)
    shown = " ".join(path) or "oob"
    if not path and help_asked:
        return  # `oob --help`
    rule = OVER_SSH.get(path)
    if rule is None:
        if not path or _subparsers(leaf) is not None:
            raise UsageError(f"'oob {shown}' needs a command", where="ssh command", hint=f"see 'oob {shown} --help'")
        raise RefusedError(f"'oob {shown}' is not available over SSH", where="ssh command",
                           hint="run it on the host's own console")
    if rule.roles and not roles & rule.roles:
        raise RefusedError(f"'oob {shown}' over SSH needs the role {' or '.join(sorted(rule.roles))}",
                           where="ssh command")
    for token in args:
        if token == "--":  # noqa: S105 - the end of options, not a secret
            break
        if _option_name(leaf, token) in rule.refused:
            raise RefusedError(f"{token.split('=', 1)[0]} uses the server's own files or keys and cannot be "
                               "given over SSH", where="ssh command")
    if help_asked:
        return
    ns = _parse(top, args, path)
    if ns is None:
        return
    for dest in rule.stdin_only:
        value = getattr(ns, dest, None)
        if value not in (None, False, "-"):
            raise RefusedError(f"over SSH the {dest} argument must be '-' (stdin), not a path on the server",
                               where="ssh command", hint=f"pipe it in: ssh ... -- oob {shown} ... - < FILE")
