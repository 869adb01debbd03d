"""What oob-console knows about each router platform, as data.

One :class:`PlatformSpec` per platform: how its prompt looks in every mode,
how to turn paging off, how to enter and leave configuration, how to commit
(and commit with an automatic rollback), which output lines mean "that
command failed", which commands only read, how to pull the running config and
which of its lines change on every pull. Drivers (services) read this; they
hold no per-vendor ``if``.

The read-only classification is deliberately narrow: one ``show`` command, no
output redirection, no second command on another line. It does not gate
``oob run``: the command guard does (``services.guard_gate``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

RunVia = Literal["exec", "shell"]


@dataclass(frozen=True)
class PlatformSpec:
    """One platform's CLI, as data. Regexes are matched against text, ANSI codes removed."""

    name: str
    label: str
    # Matches the prompt at the very end of the output, in every mode.
    prompt: str
    # Matches only configuration-mode prompts (subset of ``prompt``).
    config_prompt: str
    paging_off: tuple[str, ...]
    config_enter: str
    config_exit: str
    # Leaves configuration mode discarding uncommitted changes (None: changes apply per line).
    config_abort: str | None
    commit: str | None
    # Commit that rolls back by itself unless confirmed; {minutes}/{seconds} are filled in.
    commit_confirmed: str | None
    # What confirms a commit-confirmed (sent in the mode ``commit_confirmed`` leaves you in).
    confirm_commit: str | None
    save_config: str | None
    # Regexes; a line of output matching one means the command failed.
    errors: tuple[str, ...]
    # Verbs whose commands only read state: (word, shortest abbreviation the CLI accepts).
    read_only_verbs: tuple[tuple[str, int], ...]
    # Output filters a read-only command may pipe into (| include ...). Anything else after a pipe
    # (| redirect, | save, | tee, | utility, a shell command) is not read-only: a whitelist, not a blacklist.
    read_only_pipes: tuple[str, ...]
    running_config: str
    # Lines that change on every pull (timestamps, byte counts): ignored by config diffs.
    volatile_config_lines: tuple[str, ...] = ()
    # How `oob run` sends a command: an SSH exec request, or typed into an interactive shell.
    run_via: RunVia = "exec"
    # A safe change without a commit: a checkpoint taken (in exec mode) before configuration, rolled
    # back to when a line is rejected, deleted after a clean change. {checkpoint} is filled in.
    checkpoint: str | None = None
    rollback: str | None = None
    checkpoint_delete: str | None = None
    # Privileged mode: the command that asks for it (its password prompt answered with the device's
    # enable secret) and the prompt of the unprivileged mode it leaves.
    enable: str | None = None
    unprivileged_prompt: str | None = None
    _compiled: dict[str, re.Pattern[str]] = field(default_factory=dict, init=False, compare=False, repr=False)

    def rx(self, pattern: str) -> re.Pattern[str]:
        compiled = self._compiled.get(pattern)
        if compiled is None:
            compiled = self._compiled[pattern] = re.compile(pattern, re.MULTILINE)
        return compiled


_CISCO_ERRORS = (
    r"^\s*% ?Invalid input",
    r"^\s*% ?Incomplete command",
    r"^\s*% ?Ambiguous command",
    r"^\s*% ?Unknown command",
    r"^\s*% ?Bad (IP address|mask|command)",
)
_SHOW = (("show", 2),)

PLATFORM_SPECS: dict[str, PlatformSpec] = {
    "frr": PlatformSpec(
        name="frr",
        label="FRRouting (vtysh)",
        prompt=r"[\w.\-]+(\([\w.\-/:]+\))?[#>] ?$",
        config_prompt=r"[\w.\-]+\(config[\w.\-/:]*\)# ?$",
        paging_off=("terminal length 0",),
        config_enter="configure terminal",
        config_exit="end",
        config_abort=None,
        commit=None,
        commit_confirmed=None,
        confirm_commit=None,
        save_config="write memory",
        errors=(r"^% Unknown command", r"^% Command incomplete", r"^% Ambiguous command",
                r"^% Invalid ", r"^% Can't ", r"^% Specify "),
        read_only_verbs=_SHOW,
        read_only_pipes=("include", "exclude"),
        running_config="show running-config",
        volatile_config_lines=(r"^Building configuration\.\.\.$", r"^Current configuration:$"),
    ),
    "ios": PlatformSpec(
        name="ios",
        label="Cisco IOS / IOS-XE",
        prompt=r"[\w.\-@/:]+(\(conf[\w.\-@/:+]*\))?[>#] ?$",
        config_prompt=r"[\w.\-@/:]+\(conf[\w.\-@/:+]*\)# ?$",
        paging_off=("terminal length 0", "terminal width 511"),
        config_enter="configure terminal",
        config_exit="end",
        config_abort=None,
        commit=None,
        # IOS has no commit; "configure terminal revert timer N" (needs `archive`) rolls back unless
        # "configure confirm" follows. Drivers enter config with this instead of config_enter.
        commit_confirmed="configure terminal revert timer {minutes}",
        confirm_commit="configure confirm",
        save_config="copy running-config startup-config",
        errors=_CISCO_ERRORS,
        read_only_verbs=_SHOW,
        read_only_pipes=("include", "exclude", "begin", "section", "count"),
        running_config="show running-config",
        enable="enable",
        unprivileged_prompt=r"[\w.\-@/:]+> ?$",
        volatile_config_lines=(
            r"^Building configuration\.\.\.$",
            r"^Current configuration : \d+ bytes$",
            r"^! Last configuration change at ",
            r"^! NVRAM config last updated at ",
            r"^ntp clock-period \d+$",
        ),
    ),
    "iosxr": PlatformSpec(
        name="iosxr",
        label="Cisco IOS-XR",
        prompt=r"[\w.\-@/:]+(\(config[\w.\-@/:+]*\))?# ?$",
        config_prompt=r"[\w.\-@/:]+\(config[\w.\-@/:+]*\)# ?$",
        paging_off=("terminal length 0", "terminal width 512"),
        config_enter="configure terminal",
        config_exit="end",
        config_abort="abort",
        commit="commit",
        commit_confirmed="commit confirmed {seconds}",
        confirm_commit="commit",
        save_config=None,
        errors=(*_CISCO_ERRORS, r"^% Failed to commit", r"^% This command is not authorized"),
        read_only_verbs=_SHOW,
        read_only_pipes=("include", "exclude", "begin", "count"),
        running_config="show running-config",
        volatile_config_lines=(
            r"^Building configuration\.\.\.$",
            r"^!! Last configuration change at ",
            r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} +\d+ \d\d:\d\d:\d\d(\.\d+)? \w+$",
        ),
    ),
    "junos": PlatformSpec(
        name="junos",
        label="Juniper Junos",
        prompt=r"[\w.\-]+@[\w.\-]+[>#] ?$",
        config_prompt=r"[\w.\-]+@[\w.\-]+# ?$",
        paging_off=("set cli screen-length 0", "set cli screen-width 0"),
        config_enter="configure private",
        config_exit="exit configuration-mode",
        config_abort="rollback 0",
        commit="commit and-quit",
        commit_confirmed="commit confirmed {minutes}",
        confirm_commit="commit check",
        save_config=None,
        errors=(r"^\s*syntax error", r"^\s*unknown command", r"^\s*error: ", r"^\s*missing argument",
                r"^\s*invalid (value|command|interface)"),
        read_only_verbs=_SHOW,
        read_only_pipes=("match", "except", "count", "last", "find", "no-more", "display", "trim", "resolve"),
        running_config="show configuration | display set",
        volatile_config_lines=(r"^## Last commit: ", r"^## Last changed: "),
    ),
    "eos": PlatformSpec(
        name="eos",
        label="Arista EOS",
        prompt=r"[\w.\-@/:]+(\(conf[\w.\-@/:+]*\))?[>#] ?$",
        config_prompt=r"[\w.\-@/:]+\(conf[\w.\-@/:+]*\)# ?$",
        paging_off=("terminal length 0", "terminal width 32767"),
        config_enter="configure session {session}",
        config_exit="end",
        config_abort="abort",
        commit="commit",
        commit_confirmed="commit timer {hms}",
        confirm_commit="configure session {session} commit",
        save_config="write memory",
        errors=(*_CISCO_ERRORS, r"^% Unavailable command", r"^% Not supported"),
        read_only_verbs=_SHOW,
        read_only_pipes=("include", "exclude", "begin", "section", "count", "json", "last", "nz", "no-more"),
        running_config="show running-config",
        volatile_config_lines=(
            r"^! Command: show running-config", r"^! Time: ", r"^! Startup-config last modified at ",
        ),
    ),
    "nxos": PlatformSpec(
        name="nxos",
        label="Cisco NX-OS",
        # "leaf1# ", "leaf1(config)# ", "leaf1(config-if)# ", "leaf1(config-router-neighbor-af)# "
        prompt=r"[\w.\-@/:]+(\(config[\w.\-@/:+]*\))?# ?$",
        config_prompt=r"[\w.\-@/:]+\(config[\w.\-@/:+]*\)# ?$",
        paging_off=("terminal length 0", "terminal width 511"),
        config_enter="configure terminal",
        config_exit="end",
        config_abort=None,  # lines apply as typed: the checkpoint is the way back
        commit=None,
        commit_confirmed=None,
        confirm_commit=None,
        save_config="copy running-config startup-config",
        errors=(r"^\s*% ?Invalid (command|input|number|range|parameter|interface|IP address)",
                r"^\s*% ?Incomplete command", r"^\s*% ?Ambiguous command", r"^\s*% ?Permission denied",
                r"^\s*% ?Invalid ", r"^\s*ERROR: ", r"^\s*Syntax error while parsing ",
                r"^\s*% ?(Failed|Unable) to ", r"^\s*Rollback Status : ?Failed",
                r"^\s*% ?Checkpoint .* (already exists|failed)"),
        read_only_verbs=_SHOW,
        read_only_pipes=("include", "exclude", "begin", "section", "count", "grep", "egrep", "head", "last",
                         "no-more", "json", "xml", "sort", "uniq", "wc"),
        running_config="show running-config",
        volatile_config_lines=(
            r"^!Command: show running-config",
            r"^!Running configuration last done at: ",
            r"^!Time: ",
            r"^!No configuration change since last restart",
        ),
        checkpoint="checkpoint {checkpoint}",
        rollback="rollback running-config checkpoint {checkpoint}",
        checkpoint_delete="no checkpoint {checkpoint}",
    ),
}


def spec(platform: str) -> PlatformSpec:
    """The spec for ``platform``; KeyError names the known ones."""
    try:
        return PLATFORM_SPECS[platform]
    except KeyError:
        raise KeyError(f"unknown platform {platform!r}; known: {', '.join(PLATFORM_SPECS)}") from None


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_output(text: str) -> str:
    """Terminal output as plain text: ANSI codes and stray controls gone, CRLF -> LF, backspaces applied."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    if "\b" in text:
        out: list[str] = []
        for ch in text:
            if ch == "\b":
                if out and out[-1] != "\n":
                    out.pop()
            else:
                out.append(ch)
        text = "".join(out)
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]  # a bare CR rewrites the line
    return _CONTROL.sub("", "\n".join(lines))


def first_error(platform: PlatformSpec, output: str) -> str | None:
    """The first output line that means the command failed, or None."""
    for pattern in platform.errors:
        match = platform.rx(pattern).search(output)
        if match:
            start = output.rfind("\n", 0, match.start()) + 1
            end = output.find("\n", match.start())
            return output[start : end if end >= 0 else None].strip()
    return None


def ends_with_prompt(platform: PlatformSpec, text: str) -> bool:
    """Whether ``text`` (cleaned) ends with a CLI prompt of this platform."""
    last = text.rsplit("\n", 1)[-1]
    return bool(platform.rx(platform.prompt).search(last))


def read_only_reason(platform: PlatformSpec, command: str) -> str | None:
    """None when ``command`` only reads state on ``platform``; else why it may not.

    Narrow on purpose: one line, a read-only verb (or an accepted abbreviation of
    one) first, no ``>`` and only whitelisted output filters after a ``|``.
    """
    if not command.strip():
        return "the command is empty"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in command):
        return "the command holds a line break or control character (that would be a second command)"
    words = command.split()
    verb = words[0].lower()
    if not any(len(verb) >= shortest and word.startswith(verb) for word, shortest in platform.read_only_verbs):
        verbs = ", ".join(word for word, _ in platform.read_only_verbs)
        return f"{words[0]!r} is not a read-only command on {platform.label} (read-only: {verbs})"
    if ">" in command:
        return "the command redirects output ('>')"
    for piece in command.split("|")[1:]:
        after = piece.split()[0].lower() if piece.split() else ""
        if not after or not any(f.startswith(after) for f in platform.read_only_pipes):
            return (f"the command pipes into {after or 'nothing'!r}; read-only pipes on {platform.label}: "
                    f"{', '.join(platform.read_only_pipes)}")
    return None


# Names other tools use for our platforms (NetBox slugs, Nornir/Netmiko/NAPALM/scrapli), normalised:
# lower case, '-' and ' ' as '_'.
PLATFORM_ALIASES: dict[str, str] = {
    **dict.fromkeys(("frr", "frrouting", "vtysh", "linux_frr", "frr_vtysh"), "frr"),
    **dict.fromkeys(("ios", "cisco_ios", "iosxe", "ios_xe", "cisco_xe", "cisco_iosxe", "cisco_ios_xe"), "ios"),
    **dict.fromkeys(("iosxr", "ios_xr", "cisco_xr", "cisco_iosxr", "cisco_ios_xr"), "iosxr"),
    **dict.fromkeys(("junos", "juniper", "juniper_junos", "juniper_junos_os"), "junos"),
    **dict.fromkeys(("eos", "arista_eos", "arista"), "eos"),
    **dict.fromkeys(("nxos", "nx_os", "cisco_nxos", "cisco_nx_os", "nxos_ssh", "cisco_nexus", "nexus"), "nxos"),
}


def platform_from_alias(name: str, extra: dict[str, str] | None = None) -> str | None:
    """Our platform for another tool's name for it (``extra`` first: operator-given mappings)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if extra and name in extra:
        return extra[name]
    return PLATFORM_ALIASES.get(key)
