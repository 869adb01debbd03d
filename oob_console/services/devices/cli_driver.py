"""Driving a router CLI through an interactive channel: wait for the prompt, type, read to the prompt.

The channel layer of the router access path (transport moves bytes, this finds
prompts, ``core.platforms`` knows the platform). Used by ``oob run`` for
devices whose CLI is reached through a shell rather than an SSH exec request,
and by whoever needs configuration mode (enter, lines, commit or commit
confirmed, leave), like the emergency-BGP router backend.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

from oob_console.core.devices.platforms import PlatformSpec, clean_output, ends_with_prompt, first_error
from oob_console.core.devices.session_input import PASSWORD_PROMPT
from oob_console.errors import AuthError, DeadlineError, UnavailableError
from oob_console.services.devices.ports import ByteChannel


@dataclass(frozen=True)
class CliReply:
    command: str
    output: str  # without the echoed command and the trailing prompt
    error: str | None  # the first line that means the command failed

    @property
    def ok(self) -> bool:
        return self.error is None


class CliDriver:
    def __init__(self, channel: ByteChannel, platform: PlatformSpec, *, label: str) -> None:
        self.channel = channel
        self.platform = platform
        self.label = label
        self._buffer = ""
        self.prompt = ""

    async def _read_until_prompt(self, timeout: float, *, what: str) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = clean_output(self._buffer)
            if ends_with_prompt(self.platform, text):
                self._buffer = ""
                return text
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeadlineError(f"{self.label} showed no prompt within {timeout:g}s ({what})",
                                    where=self.label, details={"partial_output": text[-2000:]},
                                    hint="raise --timeout, or check the platform in the inventory")
            try:
                chunk = await asyncio.wait_for(self.channel.read(), left)
            except TimeoutError:
                continue
            if not chunk:
                raise UnavailableError(f"{self.label} closed the session ({what})", where=self.label,
                                       details={"partial_output": text[-2000:], "dropped": True})
            self._buffer += chunk.decode("utf-8", "replace")

    async def open(self, timeout: float, *, enable_secret: str | None = None) -> None:
        """Wait for the first prompt (sending Enter if the device stays quiet), reach privileged mode
        when the platform has one and the device answers in unprivileged mode, then turn paging off."""
        try:
            text = await self._read_until_prompt(min(1.0, timeout), what="waiting for the first prompt")
        except DeadlineError:
            await self.channel.write(b"\r")
            text = await self._read_until_prompt(timeout, what="waiting for the first prompt")
        self.prompt = text.rsplit("\n", 1)[-1].strip()
        p = self.platform
        if p.enable and p.unprivileged_prompt and p.rx(p.unprivileged_prompt).search(self.prompt):
            await self._enable(p.enable, p.rx(p.unprivileged_prompt), timeout, enable_secret)
        for command in p.paging_off:
            await self.send(command, timeout)

    async def _enable(self, command: str, unprivileged: re.Pattern[str], timeout: float,
                      secret: str | None) -> None:
        """``enable``, its password prompt answered once with the secret (never part of any output)."""
        p = self.platform
        await self.channel.write(command.encode() + b"\r")
        deadline = time.monotonic() + timeout
        answered = False
        refused = AuthError(f"{self.label} refused the enable secret", where=self.label,
                            hint="check enable_secret for the device in the inventory")
        while True:
            text = clean_output(self._buffer)
            last = text.rsplit("\n", 1)[-1]
            if PASSWORD_PROMPT.search(last):
                if answered:
                    raise refused  # asked again: the secret was wrong (nothing more is typed)
                if secret is None:
                    raise AuthError(f"{self.label} asks for an enable password and none is configured",
                                    where=self.label, hint="set enable_secret = 'file:PATH' (or 'env:NAME') "
                                    "for the device in the inventory")
                self._buffer = ""
                await self.channel.write(secret.encode() + b"\r")
                answered = True
                continue
            if ends_with_prompt(p, text):
                if not unprivileged.search(last):
                    self._buffer = ""
                    self.prompt = last.strip()
                    return
                if answered or "\n" in text:
                    raise refused
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeadlineError(f"{self.label} showed no privileged prompt within {timeout:g}s after enable",
                                    where=self.label, details={"partial_output": text[-500:]})
            try:
                chunk = await asyncio.wait_for(self.channel.read(), left)
            except TimeoutError:
                continue
            if not chunk:
                raise UnavailableError(f"{self.label} closed the session (after enable)", where=self.label)
            self._buffer += chunk.decode("utf-8", "replace")

    async def send(self, command: str, timeout: float) -> CliReply:
        """Type one command and read its output up to the next prompt."""
        await self.channel.write(command.encode() + b"\r")
        text = await self._read_until_prompt(timeout, what=f"after {command!r}")
        lines = text.split("\n")
        self.prompt = lines[-1].strip()
        body = lines[:-1]
        if body and body[0].rstrip().endswith(command.strip()):
            body = body[1:]  # the echo of what we typed
        output = "\n".join(body).strip("\n")
        return CliReply(command, output, first_error(self.platform, output))

    async def configure(
        self, lines: list[str], timeout: float, *, confirmed_minutes: int | None = None, session: str = "oob"
    ) -> list[CliReply]:
        """Enter configuration, send ``lines``, commit (commit-confirmed when asked) and leave.

        Stops at the first line the device rejects: it leaves configuration
        without committing (``config_abort`` where the platform has one) and
        returns the replies so far; the caller sees the failing reply last.
        """
        p = self.platform
        checkpoint = f"oob-{session}-{int(time.time())}"
        fill = {"session": session, "minutes": confirmed_minutes or 0, "seconds": (confirmed_minutes or 0) * 60,
                "hms": f"{(confirmed_minutes or 0) // 60:02d}:{(confirmed_minutes or 0) % 60:02d}:00",
                "checkpoint": checkpoint}
        replies: list[CliReply] = []
        if p.checkpoint:  # NX-OS: no commit, so a checkpoint first; no checkpoint, no change
            replies.append(await self.send(p.checkpoint.format(**fill), timeout))
            if not replies[-1].ok:
                return replies
        enter = p.config_enter
        if confirmed_minutes and p.commit is None and p.commit_confirmed:
            enter = p.commit_confirmed  # IOS: the revert timer is set on entering configuration
        replies.append(await self.send(enter.format(**fill), timeout))
        if not replies[-1].ok:
            return replies
        for line in lines:
            replies.append(await self.send(line, timeout))
            if not replies[-1].ok:
                failed = replies[-1]
                if p.config_abort:
                    await self.send(p.config_abort, timeout)
                await self.send(p.config_exit, timeout)
                if p.rollback:  # back to the checkpoint: the lines before the rejected one are undone
                    rolled = await self.send(p.rollback.format(**fill), max(timeout, 60))
                    replies.insert(len(replies) - 1, rolled)
                    if rolled.ok and p.checkpoint_delete:
                        await self.send(p.checkpoint_delete.format(**fill), timeout)
                replies[-1] = failed
                return replies
        if p.commit:
            commit = p.commit_confirmed if confirmed_minutes and p.commit_confirmed else p.commit
            replies.append(await self.send(commit.format(**fill), timeout))
        if not self.platform.rx(self.platform.config_prompt).search(self.prompt):
            return replies  # the commit already left configuration mode (Junos "commit and-quit")
        replies.append(await self.send(p.config_exit, timeout))
        if p.checkpoint_delete and replies[-1].ok:
            await self.send(p.checkpoint_delete.format(**fill), timeout)
        return replies
