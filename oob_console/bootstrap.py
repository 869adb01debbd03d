"""The one place where adapters are wired into services, from a loaded config.

Front ends (CLI, TUI, SSH server) build an :class:`App` and call its services;
they never construct adapters themselves.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from oob_console.config import CONFIG_NAME, LoadedConfig, load_config, parse_config
from oob_console.errors import ConflictError, StorageError, UnavailableError
from oob_console.services.audit import AuditService
from oob_console.services.ssh_login import SshLoginService
from oob_console.session_identity import SessionIdentity


def local_actor() -> str:
    """Who is acting when no hardware-key login has happened: the Unix account."""
    try:
        name = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        name = f"uid{os.getuid()}"
    return f"local:{name}"


def current_actor() -> str:
    """The engineer an SSH front end authenticated (``session_identity``), else the Unix account."""
    identity = SessionIdentity.from_env(os.environ)
    return identity.actor if identity else local_actor()


@dataclass
class App:
    loaded: LoadedConfig
    actor: str = field(default_factory=current_actor)

    @classmethod
    def from_config(cls, path: str | None = None, *, actor: str | None = None) -> App:
        loaded = load_config(path)
        return cls(loaded) if actor is None else cls(loaded, actor)

    def path(self, value: str) -> Path:
        return self.loaded.resolve(value)

    @cached_property
    def audit(self) -> AuditService:
        from oob_console.adapters.audit_file import AuditFile
        from oob_console.adapters.audit_key import AuditKey, check_signature

        cfg = self.loaded.config.audit
        key_path = self.path(cfg.signing_key)
        key = AuditKey(key_path) if key_path.exists() else None
        log = AuditFile(
            self.path(self.loaded.config.paths.audit_log),
            checkpoint_every=cfg.checkpoint_every,
            signer=key.sign if key else None,
        )
        trusted = frozenset({key.public_key}) if key else None
        return AuditService(log, self.actor, check_signature=check_signature, trusted_keys=trusted)

    @cached_property
    def ssh_login(self) -> SshLoginService:
        # Wired to the credential store when it lands (branch creds); until then `oob serve` says so.
        raise UnavailableError("the credential store is not in this build yet, so no key can log in",
                               hint="enrolled security keys live in the credential store")


STARTER_CONFIG = """\
# oob-console site config, written by `oob init`.
# Every key is documented in config.example.toml. Relative paths are relative
# to the directory holding this file (the site's OOB_HOME).

[site]
name = "{name}"

[paths]
store = "store.db"
audit_log = "audit.jsonl"
recordings = "recordings"
reports = "reports"
runbooks = "runbooks"

[audit]
checkpoint_every = 1000
signing_key = "audit-signing.key"
"""


def init_site(home: Path, *, name: str) -> dict[str, Any]:
    """Create a site directory: config, state folders, audit key, first audit entry.

    Refuses (ConflictError) when ``home`` already holds a config; nothing is
    half-written: the config is written last, after everything it points to.
    """
    from oob_console.adapters.audit_key import create_key

    config_path = home / CONFIG_NAME
    if config_path.exists():
        raise ConflictError(
            "a site already exists here", where=str(config_path), hint="choose another --home, or use it as it is"
        )
    text = STARTER_CONFIG.format(name=name)
    parse_config(text, config_path)  # a starter that does not validate is a bug; fail before writing
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        home.chmod(0o700)
        for sub in ("recordings", "reports", "runbooks"):
            (home / sub).mkdir(mode=0o700, exist_ok=True)
        key_path = home / "audit-signing.key"
        public_key = create_key(key_path) if not key_path.exists() else None
        tmp = home / f".{CONFIG_NAME}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, config_path)  # fails if a config appeared meanwhile: never overwrite
        tmp.unlink()
    except FileExistsError:
        raise ConflictError("a site already exists here", where=str(config_path)) from None
    except OSError as exc:
        raise StorageError(f"cannot create the site: {exc.strerror}", where=str(exc.filename or home)) from None
    app = App(LoadedConfig(parse_config(text, config_path), config_path.resolve()))
    entry = app.audit.record("site.init", target=str(home), details={"site": name, "audit_public_key": public_key})
    return {"home": str(home), "config": str(config_path), "site": name,
            "audit_log": str(app.path(app.loaded.config.paths.audit_log)), "audit_public_key": public_key,
            "first_seq": entry["seq"]}
