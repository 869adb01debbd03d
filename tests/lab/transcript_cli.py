"""A CLI server that speaks NX-OS and IOS as their transcripts show them, over real SSH (asyncssh).

A stand-in for vendor operating systems that cannot run here (docs/development.md:
a fake only for what cannot run, speaking the real wire format). It is the
in-process asyncssh server of :mod:`tests.lab.fault_ssh` with another shell:

- ``nxos`` (prompt ``leaf1# ``; ``leaf1(config)# ``, ``leaf1(config-if)# ``):
  ``terminal length|width``, ``show version``, ``show running-config`` (with
  NX-OS's ``!Command:``/``!Time:`` header), ``checkpoint NAME`` (``Done``),
  ``show checkpoint summary``, ``configure terminal``, ``interface ...``,
  ``description``/``shutdown``/``no shutdown``, ``end``, ``rollback
  running-config checkpoint NAME`` (restores what the checkpoint saw), ``no
  checkpoint NAME``; anything else: the caret line and ``% Invalid command at
  '^' marker.`` as NX-OS prints it.
- ``ios`` (prompt ``r1>`` until ``enable``): ``enable`` asks ``Password:``
  (three tries, then ``% Bad secrets``), ``show privilege``, ``show
  running-config`` only when privileged (else ``% Invalid input detected at
  '^' marker.``). With ``echo_secret`` the device prints the enable password
  back as it is typed (a misconfigured line, or a terminal server's echo).

``typed`` is every line the client sent, ``config`` the running config.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncssh

from tests.lab.fault_ssh import FaultServer

NXOS_VERSION = """Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Copyright (C) 2002-2023, Cisco and/or its affiliates.

Software
  BIOS: version 05.47
  NXOS: version 10.3(4a) [Maintenance Release]
  NXOS image file is: bootflash:///nxos64-cs.10.3.4a.M.bin

Hardware
  cisco Nexus9000 C93180YC-FX Chassis
  Device name: leaf1
"""


class TranscriptServer(FaultServer):
    def __init__(self, root: Path, platform: str, *, enable_secret: str = "", echo_secret: bool = False) -> None:
        super().__init__(root)
        self.platform = platform
        self.enable_secret = enable_secret
        self.echo_secret = echo_secret
        self.hostname = "leaf1" if platform == "nxos" else "r1"
        self.typed: list[str] = []
        self.config = ["hostname " + self.hostname, "feature bgp", "interface Ethernet1/1",
                       "  description uplink-spine1", "  no shutdown", "interface Ethernet1/2",
                       "  shutdown"] if platform == "nxos" else ["hostname r1", "interface Gi0/0", " no shutdown"]
        self.checkpoints: dict[str, list[str]] = {}

    def device_entry(self, name: str, **extra: Any) -> dict[str, Any]:
        return super().device_entry(name, platform=self.platform, **extra)

    def _prompt(self, mode: str) -> bytes:
        if mode == "password":
            return b""  # the "Password: " question is the prompt
        if self.platform == "ios":
            return f"{self.hostname}{'#' if mode == 'enable' else '>'}".encode()
        return f"{self.hostname}{'' if mode == 'exec' else '(' + mode + ')'}# ".encode()

    async def _shell(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        mode = "exec" if self.platform == "nxos" else "user"
        process.stdout.write(b"\r\n" + self._prompt(mode))
        buf = b""
        tries = 0
        while True:
            data = await process.stdin.read(1024)
            if not data:
                process.exit(0)
                return
            if mode == "password" and self.echo_secret:
                process.stdout.write(data.replace(b"\r", b""))  # echoes the secret back as typed
            buf += data
            while b"\r" in buf or b"\n" in buf:
                cut = min(i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0)
                typed, buf = buf[:cut].decode(errors="replace"), buf[cut + 1 :].lstrip(b"\n")
                if mode == "password":
                    tries += 1
                    if typed == self.enable_secret:
                        mode = "enable"
                        process.stdout.write(b"\r\n" + self._prompt(mode))
                    elif tries < 3:
                        process.stdout.write(b"\r\nPassword: ")
                    else:
                        mode = "user"
                        process.stdout.write(b"\r\n% Bad secrets\r\n\r\n" + self._prompt(mode))
                    continue
                self.typed.append(typed)
                process.stdout.write(typed.encode() + b"\r\n")  # the echo of the command line
                if typed == "exit" and mode in ("exec", "user", "enable"):
                    process.exit(0)
                    return
                out, mode = (self._nxos if self.platform == "nxos" else self._ios)(typed.strip(), mode)
                if mode == "password":
                    tries = 0
                process.stdout.write(out.replace("\n", "\r\n").encode() + self._prompt(mode))
            await asyncio.sleep(0)

    @staticmethod
    def _invalid(typed: str, marker: str) -> str:
        return f"{' ' * (len(typed) // 2)}^\n{marker}\n"

    def _ios(self, typed: str, mode: str) -> tuple[str, str]:
        if not typed or typed.startswith("terminal "):
            return "", mode
        if typed == "enable":
            return "Password: ", "password" if mode == "user" else mode
        if typed == "show privilege":
            return f"Current privilege level is {15 if mode == 'enable' else 1}\n", mode
        if typed == "show running-config" and mode == "enable":
            return "Building configuration...\n\nCurrent configuration : 96 bytes\n!\n" + "\n".join(
                self.config) + "\nend\n", mode
        return self._invalid(typed, "% Invalid input detected at '^' marker."), mode

    def _nxos(self, typed: str, mode: str) -> tuple[str, str]:
        if not typed or typed.startswith("terminal "):
            return "", mode
        invalid = self._invalid(typed, "% Invalid command at '^' marker.")
        if mode != "exec":
            if typed == "end":
                return "", "exec"
            if typed.startswith("interface "):
                self.config.append(typed)
                return "", "config-if"
            if mode == "config-if" and typed.split()[0] in ("description", "shutdown", "no", "mtu"):
                self.config.append("  " + typed)
                return "", mode
            return invalid, mode
        if typed == "configure terminal":
            return "Enter configuration commands, one per line. End with CNTL/Z.\n", "config"
        if typed == "show version":
            return NXOS_VERSION, mode
        if typed == "show running-config":
            return ("\n!Command: show running-config\n!Running configuration last done at: Tue Dec  8 02:00:00 2026\n"
                    "!Time: Tue Dec  8 02:40:00 2026\n\nversion 10.3(4a) Bios:version 05.47\n"
                    + "\n".join(self.config) + "\n"), mode
        words = typed.split()
        if words[0] == "checkpoint" and len(words) == 2:
            if words[1] in self.checkpoints:
                return f"% Checkpoint {words[1]} already exists\n", mode
            self.checkpoints[words[1]] = list(self.config)
            return "...........Done\n", mode
        if words[:2] == ["no", "checkpoint"] and len(words) == 3:
            return ("", mode) if self.checkpoints.pop(words[2], None) is not None else (invalid, mode)
        if typed == "show checkpoint summary":
            return "".join(f"\n{name}:\nCreated by admin\n" for name in self.checkpoints), mode
        if words[:3] == ["rollback", "running-config", "checkpoint"] and len(words) == 4:
            saved = self.checkpoints.get(words[3])
            if saved is None:
                return "Rollback Status : Failed\n% Checkpoint does not exist\n", mode
            self.config = list(saved)
            return ("Note: Applying config parallelly may fail Rollback verification\nCollecting Running-Config\n"
                    "#Generating Rollback Patch\nExecuting Rollback Patch\n#Generating Running-config for "
                    "verification\n#Generating Patch for verification\nRollback completed successfully.\n"), mode
        return invalid, mode
