"""Last-known-good configs: normalising a pulled config and diffing two of them."""

from __future__ import annotations

import difflib
import hashlib

from oob_console.core.devices.platforms import PlatformSpec, clean_output


def normalise(platform: PlatformSpec, text: str) -> str:
    """The config as stored: plain text, no volatile lines (timestamps, byte counts), one final newline."""
    lines = clean_output(text).split("\n")
    volatile = [platform.rx(p) for p in platform.volatile_config_lines]
    kept = [line.rstrip() for line in lines if not any(rx.search(line) for rx in volatile)]
    while kept and not kept[-1]:
        kept.pop()
    while kept and not kept[0]:
        kept.pop(0)
    return "\n".join(kept) + "\n" if kept else ""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def unified(old: str, new: str, *, old_label: str, new_label: str, context: int = 3) -> str:
    """A unified diff (empty when equal)."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), old_label, new_label, n=context
        )
    )
