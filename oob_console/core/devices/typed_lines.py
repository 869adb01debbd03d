"""Lines typed into an interactive session, as the device will execute them: prompt, mode, context.

The session guard reads the line the device echoed (its own completion and
``?`` help applied) from a model of the screen, then asks three questions:

- Is the cursor at one of the device's CLI prompts? Then the text after the
  prompt is a command, judged by the guard. At a login, password or
  confirmation question it is an answer, not a command; on a line that is
  neither, it is judged all the same (unknown is not harmless).
- Which mode is the device in? The prompt says (``r1(config-if)#``, Junos
  ``user@r1#``). In configuration mode a line is judged as the block of every
  line accepted since the device was last at an exec prompt, plus itself: so
  ``conf t`` / ``interface X`` / ``shutdown`` typed over three lines is judged
  exactly as the same three lines pasted at once, and splitting a block never
  lowers its verdict.
- Is it a paste? Several lines arriving together (or inside a bracketed paste)
  are judged whole, in the current mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from oob_console.core.devices.platforms import PlatformSpec

# Questions a device asks that take an answer, not a command (the answer is not judged).
QUESTION = re.compile(
    r"(?ix)("
    r"(login|username|user\s*name|user|benutzer(name)?|utilisateur|usuario)\s*:"
    r"|[\[(](confirm|yes/no|y/n|yes/no/cancel)[\])]\s*[:?]?"
    r"|\?\s*(\[[^\]\n]{0,80}\])?"  # "Destination filename [startup-config]?", "Proceed?"
    r")\s*$"
)
# What a device prints before a secret is typed; echo turned off is the other, stronger signal.
SECRET_PROMPT = re.compile(
    r"(?ix)("
    r"password|passwd|passphrase|passcode|pass\s*code|secret|\bpin\b|token|otp|one[-\s]?time|"
    r"verification\s+code|security\s+code|auth(entication)?\s+code|\bcode\b|"
    r"passwort|kennwort|mot\s+de\s+passe|contrase(ñ|n)a|clave|senha|parola|wachtwoord|"
    r"пароль|密码|パスワード|hasło|heslo|jelszó|salasana|lösenord|adgangskode|passord"
    r")[^\n]{0,80}?[:>]\s*$"
)
# Bracketed paste (xterm): what a terminal wraps a paste in once the application asked for it.
PASTE_START = b"\x1b[200~"
PASTE_END = b"\x1b[201~"
_LINE_ENDS = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class PromptReader:
    """Finds a platform's CLI prompt at the start of a screen line and says which mode it shows."""

    platform: PlatformSpec
    _prompt: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _config: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_prompt", re.compile("^(?:" + _unanchored(self.platform.prompt) + ")"))
        object.__setattr__(self, "_config", re.compile("^(?:" + _unanchored(self.platform.config_prompt) + ")$"))

    def split(self, line: str) -> tuple[str, str] | None:
        """``(prompt, command)`` when ``line`` starts with a CLI prompt, else None."""
        m = self._prompt.match(line)
        if m is None or not m.group(0).strip():
            return None
        return m.group(0), line[m.end():].strip()

    def in_config(self, prompt: str) -> bool:
        return bool(self._config.match(prompt))


def _unanchored(pattern: str) -> str:
    return pattern[:-1] if pattern.endswith("$") else pattern


def is_question(line: str) -> bool:
    """The device asked something that takes an answer (a login, a confirmation), not a command."""
    return bool(QUESTION.search(line)) or is_secret_prompt(line)


def is_secret_prompt(line: str) -> bool:
    return bool(SECRET_PROMPT.search(line))


@dataclass
class ModeBook:
    """The configuration lines accepted since the device was last at an exec prompt.

    Judging ``block(command)`` (these lines, then the new one) is judging the
    line in the mode the device is in, whichever way the operator reached it.
    """

    platform: PlatformSpec
    lines: list[str] = field(default_factory=list)

    def block(self, commands: list[str], *, in_config: bool) -> list[str]:
        """What to judge for ``commands`` typed at a prompt in config mode (``in_config``) or exec mode."""
        if not in_config:
            return list(commands)
        before = self.lines or [self.platform.config_enter]  # in config with no history: say how we got there
        return [*before, *commands]

    def accept(self, commands: list[str], *, in_config: bool) -> None:
        """``commands`` were sent at a prompt of that mode."""
        if not in_config:
            self.lines = list(commands)  # from exec: the next prompt tells whether they entered config
            return
        if not self.lines:
            self.lines = [self.platform.config_enter]
        self.lines.extend(commands)

    def at_exec(self) -> None:
        """The device is at an exec prompt again: nothing of before carries over."""
        self.lines = []


def split_lines(data: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines (without their line ends) and what follows the last line end."""
    parts = _LINE_ENDS.split(data)
    return parts[:-1], parts[-1]


def strip_paste_marks(data: bytes) -> bytes:
    return data.replace(PASTE_START, b"").replace(PASTE_END, b"")


def looks_pasted(data: bytes) -> bool:
    """More than what one keystroke sends: several lines, or text after an Enter, or paste marks."""
    if PASTE_START in data:
        return True
    lines, rest = split_lines(data)
    return len(lines) > 1 or (len(lines) == 1 and bool(rest))
