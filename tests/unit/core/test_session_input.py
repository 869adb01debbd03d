"""Escape sequences and what a recording keeps of typed input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from oob_console.core.devices.session_input import REDACTED, EscapeParser, Redactor


def test_escapes_only_at_line_start() -> None:
    p = EscapeParser()
    assert p.feed(b"~?") == [("help", b"")]
    assert p.feed(b"a~.") == [("send", b"a~.")]
    assert p.feed(b"\r~B~.") == [("send", b"\r"), ("break", b""), ("quit", b"")]


def test_escape_split_across_reads_and_literal_tilde() -> None:
    p = EscapeParser()
    assert p.feed(b"\r~") == [("send", b"\r")]
    assert p.feed(b"~") == [("send", b"~")]  # ~~ sends one ~
    p = EscapeParser()
    assert p.feed(b"~") == []
    assert p.feed(b"x") == [("send", b"~x")]  # not an escape: both go through


def test_quit_drops_what_follows() -> None:
    assert EscapeParser().feed(b"~.rest") == [("quit", b"")]


@given(st.binary())
def test_input_without_escape_char_passes_unchanged(data: bytes) -> None:
    data = data.replace(b"~", b"")
    out = EscapeParser().feed(data)
    assert b"".join(payload for _, payload in out) == data
    assert all(action == "send" for action, _ in out)


def test_input_after_a_password_prompt_is_redacted_until_enter() -> None:
    r = Redactor()
    assert r.filter_input(b"enable\r") == "enable\r"
    r.feed_output(b"enable\r\nPassword: ")
    assert r.filter_input(b"hun") == REDACTED
    assert r.filter_input(b"ter2") == ""
    assert r.filter_input(b"\rshow") == "\rshow"
    r.feed_output(b"\r\nrouter# ")
    assert r.filter_input(b"show version\r") == "show version\r"
    assert r.redactions == 1


def test_prompt_variants_arm_the_redactor() -> None:
    for prompt in (b"Password:", b"password for alice: ", b"Enter passphrase:", b"\x1b[1mPassword:\x1b[0m ",
                   b"Enable secret: ", b"PIN: "):
        r = Redactor()
        r.feed_output(b"banner\r\n" + prompt)
        assert r.armed, prompt
    r = Redactor()
    r.feed_output(b"Password: \r\nrouter# ")
    assert not r.armed  # the prompt is not the last line any more


def test_an_echoed_secret_never_reaches_the_recording() -> None:
    from oob_console.core.devices.session_input import Redactor

    r = Redactor()
    assert r.filter_output(b"r1>enable\r\nPassword: ") == b"r1>enable\r\nPassword: "
    r.feed_output(b"r1>enable\r\nPassword: ")
    kept = []
    for ch in b"hunter22":  # typed one key at a time, the device echoing each
        assert r.filter_input(bytes([ch])) in ("[redacted]", "")
        kept.append(r.filter_output(bytes([ch])))
    assert b"".join(kept) == b""  # held while the secret is typed
    r.filter_input(b"\r")
    assert r.filter_output(b"\r\nr1#") == b"[redacted]\r\nr1#"
    assert r.filter_output(b"key hunter22 shown") == b"key [redacted] shown"  # printed back later
    assert r.filter_output(b"hunter") == b"hunter"  # a part of it is not the secret
