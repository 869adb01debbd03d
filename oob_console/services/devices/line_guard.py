"""The command guard on interactive sessions: every line is judged before its Enter reaches the device.

One implementation for every way into a device (``oob ssh``, ``oob console``,
the TUI's ``s``/``c``, a session inside ``oob serve``): the session pump hands
each line here when Enter is pressed, as the device echoed it, and sends the
Enter only if this says so. What a verdict needs:

    read-only   sent as it is
    change      the operator's touch, once per session (valid ``touch_valid``
                seconds; a login made with a touch counts for that long, and
                an approved change intent sent with ``~a`` renews it)
    dangerous   never sent: the device's line is cleared, the operator is told
                why and which intent to approve; once the quorum approved it,
                ``~a`` sends exactly that line, only in the mode it was judged in

If the guard cannot judge (an error, a timeout, an unknown platform) the line
is not sent. Every judged line is in the audit log (``guard.decision``), and
every refusal too (``session.line``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from oob_console.core.auth.identity import Identity
from oob_console.core.devices.platforms import PlatformSpec
from oob_console.core.devices.typed_lines import ModeBook
from oob_console.core.guard import Verdict
from oob_console.errors import OobError, RefusedError
from oob_console.services.devices.ports import Terminal
from oob_console.services.guard.gate import GuardGate, why

GUARD_DEADLINE = 10.0  # seconds the guard may take for one line before the line is refused


@dataclass(frozen=True)
class Held:
    """A line (or a paste) the guard did not let through, and what would let it through."""

    commands: tuple[str, ...]
    text: str  # the block judged: the mode's context and the line (what the intent binds)
    prompt: str  # the device's prompt when it was typed: the mode it may be sent in
    intent: str | None


class _TerminalTouch:
    """Asks for the operator's touch on the session's own terminal (no PIN: approve elsewhere then)."""

    def __init__(self, terminal: Terminal) -> None:
        self._terminal = terminal

    def touch(self) -> None:
        self._terminal.write(b"\r\n[oob] a change: touch your security key now to allow changes in this session\r\n")

    def pin(self) -> str | None:
        return None


@dataclass
class LineGuard:
    """The guard's side of one interactive session on ``device``."""

    gate: GuardGate
    operator: Identity
    device: str
    platform: PlatformSpec
    touch_valid: float  # seconds
    clock: Callable[[], float] = time.time
    book: ModeBook = field(init=False)
    held: Held | None = None
    _touch_until: float = 0.0

    def __post_init__(self) -> None:
        self.book = ModeBook(self.platform)
        since = self.operator.proven_at
        if since is not None:
            self._touch_until = since + self.touch_valid  # the login's touch counts for that long

    async def judge(self, commands: list[str], *, prompt: str, in_config: bool, terminal: Terminal) -> str | None:
        """None when ``commands`` may be sent now; else the one line telling the operator why not."""
        text = "\n".join(self.book.block(commands, in_config=in_config))
        try:
            decision = await asyncio.wait_for(asyncio.to_thread(
                self.gate.decide, self.operator, text, platform=self.platform.name, devices=[self.device]),
                GUARD_DEADLINE)
        except TimeoutError:
            return self._refused(commands, text, prompt, None, "the guard did not answer within "
                                 f"{GUARD_DEADLINE:g}s: nothing is sent until it does")
        except OobError as exc:
            return self._refused(commands, text, prompt, None,
                                 f"the guard could not judge this line ({exc.one_line()}): not sent")
        if decision.verdict is Verdict.READ_ONLY:
            return None
        if decision.verdict is Verdict.CHANGE and self.clock() < self._touch_until:
            return None
        touch = _TerminalTouch(terminal) if decision.verdict is Verdict.CHANGE else None
        try:
            clearance = await asyncio.to_thread(self.gate.clearance, self.operator, decision, touch=touch)
        except RefusedError as exc:
            intent = exc.details.get("intent") if exc.details else None
            label = decision.verdict.label.upper()
            return self._refused(commands, text, prompt, intent, f"{label}, not sent: {why(decision)}; "
                                 f"{exc.message}" + ("" if intent is None else
                                                      "; once approved, ~a sends exactly this line"))
        except OobError as exc:
            return self._refused(commands, text, prompt, None, f"not sent: {exc.one_line()}")
        self._touch_until = self.clock() + self.touch_valid
        await asyncio.to_thread(self.gate.finish, self.operator, clearance, ok=True,
                                result={"session": self.device, "typed": True})
        return None

    async def release(self, *, prompt: str | None) -> tuple[str | None, tuple[str, ...]]:
        """``~a``: the held line, if its intent is approved and the device is in the mode it was typed in.

        The mode is the device's prompt (``r1(config-router)#``); the intent binds the text judged then.
        Returns (why not, or None) and the commands to send.
        """
        held = self.held
        if held is None or held.intent is None:
            return "nothing is waiting for approval in this session", ()
        if prompt is None or prompt.strip() != held.prompt.strip():
            return self._audited(held.text, held.intent, (
                f"not sent: the device is no longer in the mode this line was approved for "
                f"({held.prompt.strip()}); go back to that mode and press ~a again")), ()
        text = held.text
        try:
            decision = await asyncio.to_thread(self.gate.decide, self.operator, text, platform=self.platform.name,
                                               devices=[self.device])
            clearance = await asyncio.to_thread(self.gate.clearance, self.operator, decision, intent_id=held.intent)
        except OobError as exc:
            return f"not sent: {exc.one_line()}", ()
        self.held = None
        if decision.verdict is Verdict.CHANGE:
            self._touch_until = self.clock() + self.touch_valid  # an approved change renews the session's touch
        await asyncio.to_thread(self.gate.finish, self.operator, clearance, ok=True,
                                result={"session": self.device, "typed": True})
        return None, held.commands

    def sent(self, commands: list[str], *, in_config: bool) -> None:
        self.book.accept(commands, in_config=in_config)

    def at_exec(self) -> None:
        self.book.at_exec()

    def _refused(self, commands: list[str], text: str, prompt: str, intent: str | None, message: str) -> str:
        self.held = Held(tuple(commands), text, prompt, intent)
        return self._audited(text, intent, message)

    def _audited(self, text: str, intent: str | None, message: str) -> str:
        try:
            self.gate.audit.record("session.line", self.device, "refused",
                                   {"text": text, "intent": intent, "why": message}, actor=self.operator.actor)
        except OobError:
            message += " (and the audit log could not record it)"
        return message
