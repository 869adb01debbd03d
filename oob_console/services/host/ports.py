"""What the host feature needs from the world: the shipped files, accounts, the filesystem, systemd."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from oob_console.services.host.layout import ShippedFile


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int
    home: str
    shell: str


@dataclass(frozen=True)
class FileState:
    mode: int  # permission bits only
    uid: int
    gid: int
    is_dir: bool


class ShippedFiles(Protocol):
    def all(self) -> list[ShippedFile]: ...


class Accounts(Protocol):
    """The account database under a root ("/" or a directory standing in for it)."""

    def user(self, name: str) -> Account | None: ...
    def group_members(self, group: str) -> list[str] | None: ...  # None: no such group
    def create_system_user(self, name: str, home: str) -> None: ...
    def add_to_group(self, name: str, group: str) -> None: ...


class HostFs(Protocol):
    """Files of the host, by their path on the host; the adapter knows the root."""

    def state(self, path: str) -> FileState | None: ...
    def read(self, path: str) -> bytes | None: ...
    def write(self, path: str, data: bytes, mode: int) -> None: ...  # atomic; parents made 0755
    def chmod(self, path: str, mode: int) -> None: ...
    def chown_tree(self, path: str, uid: int, gid: int) -> None: ...
    def glob(self, pattern: str) -> list[str]: ...
    def tree(self, path: str) -> list[str]: ...  # path and everything below it, by path on the host


class Units(Protocol):
    def is_enabled(self, unit: str) -> bool: ...
    def enable(self, units: list[str]) -> None: ...
    def reload(self) -> None: ...  # daemon-reload and udev rules; nothing to do under another root


class Sites(Protocol):
    def create(self, home: str, name: str) -> None: ...
    def name_of(self, home: str) -> str | None: ...  # None: no site there
