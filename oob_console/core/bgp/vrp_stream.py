"""Read a VRP export as a stream: one ``roas`` entry at a time, in bounded memory.

``json.load`` of a full export (550,000 VRPs, ~66 MB) costs seconds and
hundreds of MB; this walks the top-level object itself and hands each entry of
the ``roas`` (or ``vrps``) list to ``json``'s C decoder one by one, so memory
stays at one read chunk plus one entry. Every other top-level value
(``metadata``, rpki-client's ``aspas``...) is decoded whole: they are small.

Pure: the caller supplies the bytes as chunks (a file read in pieces).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

_WS = " \t\n\r"
_LIST_KEYS = ("roas", "vrps")


class StreamFormatError(ValueError):
    """Not a VRP export this reader can walk."""


@dataclass
class StreamSummary:
    metadata: Mapping[str, Any] = field(default_factory=dict)
    entries: int = 0  # entries of the list seen (readable or not)
    found_list: bool = False
    first_entry_keys: frozenset[str] = frozenset()


class _Text:
    """UTF-8 text from byte chunks, with a window the decoder reads from."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.eof = False

    def more(self) -> bool:
        """Read one more chunk; False at the end."""
        if self.eof:
            return False
        try:
            chunk = next(self._chunks)
        except StopIteration:
            self.eof = True
            try:
                tail = self._decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise StreamFormatError(f"not UTF-8: {exc}") from None
            self.buf = self.buf[self.pos:] + tail
            self.pos = 0
            return bool(tail)
        try:
            text = self._decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise StreamFormatError(f"not UTF-8: {exc}") from None
        self.buf = self.buf[self.pos:] + text  # drop what was read: the window stays one chunk or so
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ("" at the end)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str) -> None:
        got = self.peek()
        if got != char:
            raise StreamFormatError(f"expected {char!r}, found {got or 'the end'!r} at character {self.pos}")
        self.pos += 1

    def value(self, decoder: json.JSONDecoder) -> Any:
        """Decode one JSON value; a value that ends exactly at the window's end is re-read with more text
        (a number cut in two would otherwise decode as its first half)."""
        self.peek()
        while True:
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                # cut off by the window's end: read on; an error well inside the window is real
                if exc.pos >= len(self.buf) - 65536 and self.more():
                    continue
                raise StreamFormatError(f"not JSON: {exc.msg} near character {exc.pos}") from None
            if end < len(self.buf) or not self.more():
                self.pos = end
                return value


def stream_export(chunks: Iterable[bytes], on_entry: Callable[[Any], None]) -> StreamSummary:
    """Walk an export (an object with a ``roas``/``vrps`` list, or a bare list), calling ``on_entry``
    for each entry of the list; return the metadata and counts.

    Raises:
        StreamFormatError: not UTF-8 JSON of that shape (the message says where).
    """
    text = _Text(chunks)
    decoder = json.JSONDecoder()
    summary = StreamSummary()

    def walk_list() -> None:
        text.expect("[")
        summary.found_list = True
        if text.peek() == "]":
            text.pos += 1
            return
        while True:
            entry = text.value(decoder)
            if summary.entries == 0 and isinstance(entry, Mapping):
                summary.first_entry_keys = frozenset(entry)
            summary.entries += 1
            on_entry(entry)
            sep = text.peek()
            text.pos += 1
            if sep == "]":
                return
            if sep != ",":
                raise StreamFormatError(f"expected ',' or ']' in the list, found {sep or 'the end'!r}")

    first = text.peek()
    if first == "[":
        walk_list()
    elif first == "{":
        text.pos += 1
        if text.peek() == "}":
            text.pos += 1
        else:
            while True:
                key = text.value(decoder)
                if not isinstance(key, str):
                    raise StreamFormatError("an object key is not a string")
                text.expect(":")
                if key in _LIST_KEYS and not summary.found_list and text.peek() == "[":
                    walk_list()
                else:
                    value = text.value(decoder)
                    if key == "metadata" and isinstance(value, Mapping):
                        summary.metadata = value
                sep = text.peek()
                text.pos += 1
                if sep == "}":
                    break
                if sep != ",":
                    raise StreamFormatError(f"expected ',' or '}}' in the object, found {sep or 'the end'!r}")
    else:
        raise StreamFormatError("not JSON: expected an object or a list")
    if text.peek():
        raise StreamFormatError("extra data after the export")
    return summary
