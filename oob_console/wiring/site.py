"""Creating a site: its directory, config, the sealed audit log and its sealing key (``oob init``)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from oob_console.config import CONFIG_NAME, LoadedConfig, parse_config
from oob_console.errors import ConflictError, StorageError

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
checkpoint_every = {every}
checkpoint_interval = "1h"
sealing_key = "audit-sealing.key"
"""


def production_toml(prefixes: Sequence[str], asns: Sequence[int], interfaces: Sequence[str]) -> str:
    """The [production] section: what doctor judges shared fate against (empty: not declared)."""
    if not (prefixes or asns or interfaces):
        return ("\n# [production] is not declared: `oob doctor` warns that it could not judge shared fate.\n"
                "# [production]\n# prefixes = [\"10.0.0.0/8\"]\n# asns = [64500]\n# interfaces = [\"eth1\"]\n")
    return ("\n# What production is: nothing the console needs may cross it (`oob doctor`).\n[production]\n"
            f"prefixes = {toml_list(prefixes)}\nasns = [{', '.join(str(a) for a in asns)}]\n"
            f"interfaces = {toml_list(interfaces)}\n")


def toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def init_site(home: Path, *, name: str, production: tuple[Sequence[str], Sequence[int], Sequence[str]] = ((), (), ()),
              checkpoint_every: int = 1000) -> dict[str, Any]:
    """Create a site directory: config, state folders, the sealed audit log's genesis.

    The audit log starts sealed: its genesis names the site and the
    verification key, returned here (``verify_key``) to be printed once and
    kept off the host. ``production`` (prefixes, AS numbers, interfaces) is
    recorded as [production]. Refuses (ConflictError) when ``home`` already
    holds a config; nothing is half-written: the config is written last.
    """
    config_path = home / CONFIG_NAME
    if config_path.exists():
        raise ConflictError(
            "a site already exists here", where=str(config_path), hint="choose another --home, or use it as it is"
        )
    text = STARTER_CONFIG.format(name=name, every=checkpoint_every) + production_toml(*production)
    parse_config(text, config_path)  # a starter that does not validate is a bug; fail before writing
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        home.chmod(0o700)
        for sub in ("recordings", "reports", "runbooks"):
            (home / sub).mkdir(mode=0o700, exist_ok=True)
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
    from oob_console.wiring.audit import build_site_audit
    from oob_console.wiring.auth import local_actor

    loaded = LoadedConfig(parse_config(text, config_path), config_path.resolve())
    audit = build_site_audit(loaded, local_actor())
    genesis = audit.log.start_sealing(actor=audit.actor, site=name)
    verify_key = str(genesis["details"]["verify_key"])
    entry = audit.record("site.init", target=str(home), details={"site": name, "verify_key": verify_key})
    return {"home": str(home), "config": str(config_path), "site": name,
            "audit_log": str(loaded.resolve(loaded.config.paths.audit_log)), "verify_key": verify_key,
            "first_seq": genesis["seq"], "init_seq": entry["seq"],
            "production": {"prefixes": list(production[0]), "asns": list(production[1]),
                           "interfaces": list(production[2])}}
