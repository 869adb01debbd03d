"""Creating a site: its directory, config, audit key and first audit entry (``oob init``)."""

from __future__ import annotations

import os
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


def init_site(home: Path, *, name: str, checkpoint_every: int = 1000) -> dict[str, Any]:
    """Create a site directory: config, state folders, the sealed audit log's genesis.

    The audit log starts sealed: its genesis names the site and the
    verification key, returned here (``verify_key``) to be printed once and
    kept off the host. Refuses (ConflictError) when ``home`` already holds a
    config; nothing is half-written: the config is written last.
    """
    config_path = home / CONFIG_NAME
    if config_path.exists():
        raise ConflictError(
            "a site already exists here", where=str(config_path), hint="choose another --home, or use it as it is"
        )
    text = STARTER_CONFIG.format(name=name, every=checkpoint_every)
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
    from oob_console.wiring.services import Services

    app = Services(LoadedConfig(parse_config(text, config_path), config_path.resolve()))
    genesis = app.audit.log.start_sealing(actor=app.audit.actor, site=name)
    verify_key = str(genesis["details"]["verify_key"])
    entry = app.audit.record("site.init", target=str(home), details={"site": name, "verify_key": verify_key})
    return {"home": str(home), "config": str(config_path), "site": name,
            "audit_log": str(app.path(app.loaded.config.paths.audit_log)), "verify_key": verify_key,
            "first_seq": genesis["seq"], "init_seq": entry["seq"]}
