"""SSH engines behind one session interface (``services.device_ports.SshEngine``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

ENGINES = ("asyncssh", "paramiko")


class SshEngines(Mapping[str, Any]):
    """The engines by name, each built (and its library imported) on first use."""

    def __init__(self, *, paramiko_threads: int = 64, read_deadline: float = 5.0) -> None:
        self._threads = paramiko_threads
        self._deadline = read_deadline  # reading a key_file: a dead network or FUSE mount is an error, not a hang
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name == "asyncssh":
                from oob_console.adapters.ssh.asyncssh_session import AsyncsshEngine

                self._built[name] = AsyncsshEngine(read_deadline=self._deadline)
            elif name == "paramiko":
                from oob_console.adapters.ssh.paramiko_session import ParamikoEngine

                self._built[name] = ParamikoEngine(max_threads=self._threads, read_deadline=self._deadline)
            else:
                raise KeyError(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(ENGINES)

    def __len__(self) -> int:
        return len(ENGINES)
