"""A router CLI with commit-confirmed, over real SSH, for the one thing FRR cannot show.

No IOS-XR (or Junos) software can run here, so this in-process asyncssh server
speaks the IOS-XR CLI shape the console's driver expects (platform ``iosxr``:
``RP/0/RSP0/CPU0:NAME#`` prompts, ``configure terminal``, ``commit confirmed
SECONDS``, ``commit`` to confirm, ``abort``, ``end``) and keeps the state a real
router would: the candidate, the running config, and whether the last commit
is still waiting for its confirmation. It does not interpret routing; it
records what it was told; ``reject`` makes it refuse lines starting with a
given text, as an older software version would. ``cut_off_after_commit`` makes every new SSH login
fail once a commit-confirmed is pending: the change "cut the console off".
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import asyncssh


class XrRouter:
    def __init__(self, root: Path, name: str = "xr1") -> None:
        self.name = name
        self.root = root
        self.logins = 0
        self.received: list[str] = []
        self.running: list[str] = []
        self.pending_confirm = False  # a commit-confirmed not confirmed yet
        self.confirmed = 0
        self.cut_off_after_commit = False
        self.reject = "bogus"  # configuration lines starting with this are refused (an older software version)
        self.client_key = root / "xr_client"
        root.mkdir(parents=True, exist_ok=True)
        client = asyncssh.generate_private_key("ssh-ed25519")
        client.write_private_key(str(self.client_key))
        self.client_key.chmod(0o600)
        self._authorized = asyncssh.import_authorized_keys(client.export_public_key().decode())
        self._host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.host_key_line = " ".join(self._host_key.export_public_key().decode().split()[:2])
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Any = None
        self.port = 0

    def device_entry(self, username: str) -> dict[str, Any]:
        return {"name": self.name, "platform": "iosxr", "host": "127.0.0.1", "port": self.port,
                "username": username, "key_file": str(self.client_key), "host_keys": [self.host_key_line]}

    def prompt(self, config: bool) -> str:
        return f"RP/0/RSP0/CPU0:{self.name}{'(config)' if config else ''}#"

    async def _serve(self, process: asyncssh.SSHServerProcess[str]) -> None:
        config, candidate = False, []
        process.stdout.write(f"\r\n{self.prompt(False)}")
        buffer = ""
        while True:
            if "\r" not in buffer and "\n" not in buffer:
                try:
                    chunk = await process.stdin.read(4096)  # a terminal sends CR, not a newline
                except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged):
                    continue
                if not chunk:
                    break
                buffer += chunk
                continue
            cut = min(i for i in (buffer.find("\r"), buffer.find("\n")) if i >= 0)
            line, buffer = buffer[:cut].strip(), buffer[cut + 1:].lstrip("\n")
            self.received.append(line)
            out = ""
            if line in ("terminal length 0", "terminal width 512", ""):
                pass
            elif line == "configure terminal":
                config = True
            elif not config and line.startswith("show bgp"):
                neighbor = line.split()[-1]
                out = "\r\n".join(f"{p}  {neighbor}  0  64500 i" for p in self._networks())
            elif config and line.startswith("commit confirmed"):
                self.running, candidate = self.running + candidate, []
                self.pending_confirm = True
            elif config and line == "commit":
                if self.pending_confirm:
                    self.pending_confirm, self.confirmed = False, self.confirmed + 1
                self.running, candidate = self.running + candidate, []
            elif config and line == "abort":
                config, candidate = False, []
            elif config and line == "end":
                config = False
            elif config and not line.startswith(self.reject):
                candidate.append(line)
            else:
                out = "% Invalid input detected at '^' marker."
            process.stdout.write((f"{out}\r\n" if out else "") + self.prompt(config))
        process.exit(0)

    def _networks(self) -> list[str]:
        nets: list[str] = []
        for line in self.running:
            words = line.split()
            if words[:1] == ["network"]:
                nets.append(words[1])
            elif words[:2] == ["no", "network"] and words[2] in nets:
                nets.remove(words[2])
        return nets

    async def _start(self) -> Any:
        router = self

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                if router.cut_off_after_commit and router.pending_confirm:
                    raise asyncssh.DisconnectError(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE, "cut off")
                router.logins += 1
                return True

        return await asyncssh.create_server(
            Server, "127.0.0.1", 0, server_host_keys=[self._host_key], authorized_client_keys=self._authorized,
            process_factory=self._serve, encoding="utf-8", line_editor=False)

    def __enter__(self) -> XrRouter:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
