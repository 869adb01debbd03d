"""The SSH server's host key: created once on purpose, never silently replaced.

Engineers pin this key in their known_hosts (it is checked, always). A new key
would look exactly like a man in the middle, so ``oob serve`` never makes one:
only ``oob serve --init-host-key`` does, and only where none exists. asyncssh
writes private keys 0644; we write 0600 ourselves and refuse a key that others
can read, as OpenSSH does.
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh

from oob_console.errors import ConfigError, ConflictError, StorageError


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a new file ``path`` (temp + fsync + link: never over an existing file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def init_host_key(path: Path) -> dict[str, str]:
    """Create an Ed25519 host key at ``path`` (0600) and its ``.pub``; return what to publish.

    Raises:
        ConflictError: a key is already there (it is kept).
        StorageError: the files cannot be written.
    """
    if path.exists():
        raise ConflictError("a host key already exists", where=str(path),
                            hint="keep it: clients have pinned it; delete it by hand only to re-key on purpose")
    key = asyncssh.generate_private_key("ssh-ed25519", comment="oob-console host key")
    public = key.export_public_key("openssh")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_new(path, key.export_private_key("openssh"), 0o600)
        pub_path = path.with_name(path.name + ".pub")
        pub_path.unlink(missing_ok=True)
        _write_new(pub_path, public, 0o644)
    except FileExistsError:
        raise ConflictError("a host key already exists", where=str(path)) from None
    except OSError as exc:
        raise StorageError(f"cannot write the host key: {exc.strerror}", where=str(exc.filename or path)) from None
    fingerprint = key.get_fingerprint("sha256")
    return {"path": str(path), "public_key": public.decode().strip(), "fingerprint": fingerprint}


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The host key, checked: present, not readable by others, parseable.

    Raises:
        ConfigError: missing (with the command that creates it) or too open.
        StorageError: unreadable or not a private key.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError("the SSH host key does not exist", where=str(path),
                          hint="create it once with 'oob serve --init-host-key'") from None
    except OSError as exc:
        raise StorageError(f"cannot read the host key: {exc.strerror}", where=str(path)) from None
    if mode & 0o077:
        raise ConfigError(f"the host key is readable by others (mode {mode & 0o777:o})", where=str(path),
                          hint=f"chmod 600 {path}")
    try:
        return asyncssh.read_private_key(str(path))
    except (OSError, asyncssh.KeyImportError) as exc:
        raise StorageError(f"cannot load the host key: {exc}", where=str(path)) from None
