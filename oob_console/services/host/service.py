"""`oob host setup` and `oob host check`: one comparison of the host with its layout.

``check`` returns every difference as a :class:`Finding` (a value: doctor can show them too);
``setup`` refuses when a finding has no automatic fix (nothing is changed then), otherwise
applies each finding's change in order and checks again. A second setup finds nothing to do.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from oob_console.errors import RefusedError
from oob_console.services.host.layout import (
    ACCOUNT,
    ENABLED,
    ENV_FILE,
    SERIAL_GROUP,
    SHIPPED_OOB,
    SITE_HOME,
    SSHD_SNIPPET,
    UDEV_RULE,
    UNIT_DIR,
    UNITS,
    Change,
    Finding,
    HostLayout,
    HostReport,
    ShippedFile,
)
from oob_console.services.host.ports import Accounts, HostFs, ShippedFiles, Sites, Units

FILE_MODE = 0o644
# Where ProtectHome=yes (every unit) hides an installed `oob`.
HIDDEN_BY_PROTECT_HOME = ("/home/", "/root/", "/run/user/")
GETTY_DROPIN = "systemd/serial-getty@.service.d/oob-console.conf"


# What `oob init` writes as the audit log's key (sealing), or older sites had (signing).
AUDIT_KEY_FILES = ("audit-sealing.key", "audit-signing.key")


class HostService:
    def __init__(self, shipped: ShippedFiles, accounts: Accounts, fs: HostFs, units: Units, sites: Sites) -> None:
        self._shipped = shipped
        self._accounts = accounts
        self._fs = fs
        self._units = units
        self._sites = sites

    def files(self) -> list[ShippedFile]:
        """Every file the package ships for the host (what setup installs comes only from these)."""
        return self._shipped.all()

    def wanted_files(self, layout: HostLayout) -> list[tuple[str, ShippedFile, bytes]]:
        """(path on the host, the shipped file, the content setup writes) for ``layout``."""
        shipped = {f.name: f for f in self.files()}
        wanted = [(str(ENV_FILE), "site.env")]
        wanted += [(str(UNIT_DIR / unit), f"systemd/{unit}") for unit in UNITS]
        wanted.append((str(UDEV_RULE), f"udev/{UDEV_RULE.name}"))
        if layout.openssh or self._fs.state(str(SSHD_SNIPPET)) is not None:
            wanted.append((str(SSHD_SNIPPET), f"sshd_config.d/{SSHD_SNIPPET.name}"))
        present = {PurePosixPath(p).parent.name.removeprefix("serial-getty@").removesuffix(".service.d")
                   for p in self._fs.glob(str(UNIT_DIR / "serial-getty@*.service.d" / "oob-console.conf"))}
        for tty in sorted(set(layout.serial) | present):
            wanted.append((str(UNIT_DIR / f"serial-getty@{tty}.service.d" / "oob-console.conf"), GETTY_DROPIN))
        out = []
        for path, name in wanted:
            src = shipped[name]
            out.append((path, src, src.data.replace(SHIPPED_OOB.encode(), layout.oob.encode())))
        return out

    def check(self, layout: HostLayout) -> HostReport:
        findings: list[Finding] = []
        findings += self._check_oob(layout)
        findings += self._check_account()
        findings += self._check_site(layout)
        findings += self._check_files(layout)
        findings += self._check_units(layout)
        return HostReport(root=layout.root, findings=tuple(findings))

    def setup(self, layout: HostLayout, *, dry_run: bool = False) -> HostReport:
        report = self.check(layout)
        manual = [f for f in report.findings if f.level == "error" and f.change is None]
        if manual:
            first = manual[0]
            raise RefusedError(f"host setup changed nothing: {first.problem}", where=first.path,
                               hint=first.fix + (f" (and {len(manual) - 1} more: oob host check)" if len(manual) > 1
                                                 else ""))
        if dry_run:
            return HostReport(root=layout.root, findings=report.findings, dry_run=True)
        applied = list(report.changes)
        for change in applied:
            self._apply(change)
        if applied:
            self._units.reload()
        after = self.check(layout)
        if not after.ok:
            bad = next(f for f in after.findings if f.level == "error")
            raise RefusedError(f"host setup ran but the host still differs: {bad.problem}", where=bad.path,
                               hint=bad.fix)
        return HostReport(root=layout.root, findings=after.findings, applied=tuple(applied))

    # the comparison, one part of the host at a time

    def _check_oob(self, layout: HostLayout) -> list[Finding]:
        if layout.oob.startswith(HIDDEN_BY_PROTECT_HOME):
            return [Finding("error", layout.oob, "the installed oob is under a home directory, which the units' "
                            "ProtectHome=yes hides from the services",
                            "install it system-wide: pipx install --global (or PIPX_HOME=/opt/pipx "
                            "PIPX_BIN_DIR=/usr/local/bin), uv tool install with UV_TOOL_DIR=/opt/oob-console, "
                            "or a venv in /opt/oob-console; then run this again with that oob")]
        return []

    def _check_account(self) -> list[Finding]:
        out: list[Finding] = []
        account = self._accounts.user(ACCOUNT)
        if account is None:
            out.append(Finding("error", "/etc/passwd", f"no account {ACCOUNT!r}", "oob host setup",
                               Change("account", "/etc/passwd", f"create system account {ACCOUNT} "
                                      f"(home {SITE_HOME}, no login shell, no password)")))
        elif account.home != str(SITE_HOME):
            out.append(Finding("warning", "/etc/passwd", f"account {ACCOUNT!r} has home {account.home}, "
                               f"not {SITE_HOME}", f"usermod --home {SITE_HOME} {ACCOUNT}"))
        members = self._accounts.group_members(SERIAL_GROUP)
        if members is not None and ACCOUNT not in members:
            out.append(Finding("error", "/etc/group", f"{ACCOUNT!r} is not in group {SERIAL_GROUP} "
                               "(serial console lines)", "oob host setup",
                               Change("group", "/etc/group", f"add {ACCOUNT} to group {SERIAL_GROUP}")))
        return out

    def _check_site(self, layout: HostLayout) -> list[Finding]:
        home = str(SITE_HOME)
        name = self._sites.name_of(home)
        if name is None:
            return [Finding("error", home, "no site here", "oob host setup --site NAME",
                            Change("site", home, f"create site {layout.site!r} (oob init), owned by {ACCOUNT}",
                                   mode=0o700, owner=ACCOUNT, site=layout.site))]
        if name != layout.site:
            return [Finding("error", home, f"the site here is {name!r}, not {layout.site!r}",
                            f"use --site {name} (a site is never renamed or replaced by setup)")]
        account = self._accounts.user(ACCOUNT)
        out: list[Finding] = []
        if self._fs.state(f"{home}/config.toml") is None:
            out.append(Finding("error", f"{home}/config.toml", "missing from the site", "restore it from a backup"))
        # The audit log's key: the forward-secure sealing key of `oob init` now, the signing key of older sites.
        keys = [f"{home}/{name}" for name in AUDIT_KEY_FILES]
        if all(self._fs.state(path) is None for path in keys):
            out.append(Finding("error", keys[0], "missing from the site (the audit log cannot be sealed)",
                               "restore it from a backup; if it is lost, `oob audit acknowledge-reset` starts a "
                               "new chain"))
        owner_fix = Change("owner", home, f"chown -R {ACCOUNT}:{ACCOUNT} {home}", owner=ACCOUNT)
        if account is None:  # a site made before the account (oob init as root): it gets the new owner
            out.append(Finding("error", home, f"not owned by {ACCOUNT} (the account does not exist yet)",
                               "oob host setup", owner_fix))
        # Every entry of the site, not a list of known files: a log written once by root is as fatal
        # to the service as a config it cannot read.
        for path in self._fs.tree(home):
            state = self._fs.state(path)
            if state is None:
                continue
            if account is not None and (state.uid, state.gid) != (account.uid, account.gid):
                out.append(Finding("error", path, f"owned by {state.uid}:{state.gid}, not {ACCOUNT}",
                                   "oob host setup", owner_fix))
            if state.mode & 0o077:
                mode = 0o700 if state.is_dir else 0o600
                out.append(Finding("error", path, f"mode {state.mode:04o}: open to others than {ACCOUNT}",
                                   "oob host setup", Change("mode", path, f"chmod {mode:04o}", mode=mode)))
        return out

    def _check_files(self, layout: HostLayout) -> list[Finding]:
        out: list[Finding] = []
        for path, src, data in self.wanted_files(layout):
            current = self._fs.read(path)
            if current == data:
                state = self._fs.state(path)
                if state is not None and state.mode != FILE_MODE:
                    out.append(Finding("error", path, f"mode {state.mode:04o}, not {FILE_MODE:04o}",
                                       "oob host setup", Change("mode", path, f"chmod {FILE_MODE:04o}",
                                                                mode=FILE_MODE)))
                continue
            problem = "missing" if current is None else "differs from what this oob-console ships"
            verb = "install" if current is None else "replace (the old one kept as .prev)"
            out.append(Finding("error", path, problem, "oob host setup",
                               Change("file", path, f"{verb} from {src.name}", source=src.source, data=data,
                                      mode=FILE_MODE)))
        return out

    def _check_units(self, layout: HostLayout) -> list[Finding]:
        wanted = [*ENABLED, *(("oob-bgp-speaker.service",) if layout.bgp else ())]
        return [Finding("error", str(UNIT_DIR / unit), "not enabled", "oob host setup",
                        Change("enable", str(UNIT_DIR / unit), f"systemctl enable {unit}"))
                for unit in wanted if not self._units.is_enabled(unit)]

    def _apply(self, change: Change) -> None:
        if change.kind == "account":
            self._accounts.create_system_user(ACCOUNT, str(SITE_HOME))
        elif change.kind == "group":
            self._accounts.add_to_group(ACCOUNT, SERIAL_GROUP)
        elif change.kind == "file":
            self._fs.write(change.path, change.data, change.mode)
        elif change.kind == "mode":
            self._fs.chmod(change.path, change.mode)
        elif change.kind in ("site", "owner"):
            if change.kind == "site":
                self._sites.create(change.path, change.site)
            account = self._accounts.user(ACCOUNT)
            if account is None:
                raise RefusedError(f"no account {ACCOUNT!r} to own the site", where=change.path,
                                   hint="oob host setup creates it first; see oob host check")
            self._fs.chown_tree(change.path, account.uid, account.gid)
        elif change.kind == "enable":
            self._units.enable([PurePosixPath(change.path).name])
        else:  # pragma: no cover - the kinds are this module's own
            raise ValueError(change.kind)
