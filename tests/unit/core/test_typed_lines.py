"""Typed lines: the device's prompt and mode, questions and secret prompts, pastes, the mode's context."""

from __future__ import annotations

import pytest

from oob_console.core.devices.platforms import spec
from oob_console.core.devices.typed_lines import (
    ModeBook,
    PromptReader,
    is_question,
    is_secret_prompt,
    looks_pasted,
    split_lines,
)


@pytest.mark.parametrize(("platform", "line", "prompt", "command", "config"), [
    ("frr", "r1# show version", "r1# ", "show version", False),
    ("frr", "r1(config)# no router bgp 64512", "r1(config)# ", "no router bgp 64512", True),
    ("frr", "r1(config-router)# neighbor 192.0.2.1 shutdown", "r1(config-router)# ", "neighbor 192.0.2.1 shutdown",
     True),
    ("ios", "core-1(config-if)#shutdown", "core-1(config-if)#", "shutdown", True),
    ("ios", "core-1>enable", "core-1>", "enable", False),
    ("frr", "r1#", "r1#", "", False),
])
def test_prompt_and_mode_come_from_the_device(platform: str, line: str, prompt: str, command: str,
                                             config: bool) -> None:
    reader = PromptReader(spec(platform))
    assert reader.split(line) == (prompt, command)
    assert reader.in_config(prompt) is config


@pytest.mark.parametrize("line", ["r1 login: ", "Username: ", "Password: ", "Proceed with reload? [confirm]",
                                  "Destination filename [startup-config]? ", "Are you sure? (y/n) ",
                                  "Benutzername: "])
def test_questions_take_answers_not_commands(line: str) -> None:
    assert is_question(line)
    assert PromptReader(spec("ios")).split(line) is None


@pytest.mark.parametrize("line", [
    "Password: ", "Enter new password again: ", "Retype new password:", "Enter passphrase for key '/x': ",
    "Password>", "Token: ", "OTP code: ", "Verification code: ", "Passwort: ", "Mot de passe : ",
    "Contraseña: ", "Senha: ", "Пароль: ", "PIN: ", "Enter PASSCODE:", "enable secret:",
])
def test_secret_prompts_in_several_languages(line: str) -> None:
    assert is_secret_prompt(line)


@pytest.mark.parametrize("line", ["r1# ", "show run | include password", "Username: "])
def test_not_secret_prompts(line: str) -> None:
    assert not is_secret_prompt(line)


def test_what_counts_as_a_paste() -> None:
    assert not looks_pasted(b"show version")
    assert not looks_pasted(b"show version\r")
    assert looks_pasted(b"conf t\rno router bgp 1\r")
    assert looks_pasted(b"show version\rsh")
    assert looks_pasted(b"\x1b[200~show version\x1b[201~")
    assert split_lines(b"a\r\nb\nc\rd") == ([b"a", b"b", b"c"], b"d")


def test_the_mode_book_judges_a_line_with_the_lines_that_led_to_its_mode() -> None:
    book = ModeBook(spec("frr"))
    assert book.block(["show version"], in_config=False) == ["show version"]
    book.accept(["configure terminal"], in_config=False)
    assert book.block(["router bgp 64512"], in_config=True) == ["configure terminal", "router bgp 64512"]
    book.accept(["router bgp 64512"], in_config=True)
    assert book.block(["no neighbor x"], in_config=True) == ["configure terminal", "router bgp 64512",
                                                            "no neighbor x"]
    book.at_exec()
    assert book.block(["no neighbor x"], in_config=True) == ["configure terminal", "no neighbor x"]
