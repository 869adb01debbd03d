"""Frozen dataclasses back to TOML text (the inverse of ``schema.load_dataclass``).

The standard library reads TOML but does not write it. Importers write the
local inventory with this; it emits only keys that differ from their default,
so a written file stays short and reads like a hand-written one.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from oob_console.core.schema import SecretRef
from oob_console.core.timefmt import Duration


def _string(text: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes; DEL must be escaped too.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, SecretRef):
        return _string(str(value))
    if isinstance(value, Duration):  # as the operator wrote it: "15m", or a bare number of seconds
        return value.text if value.is_number else _string(value.text)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as a TOML value")


def _is_table(value: Any) -> bool:
    return (dataclasses.is_dataclass(value) and not isinstance(value, type)
            and not isinstance(value, (SecretRef, Duration)))


def _is_table_array(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(_is_table(v) for v in value)


def _changed_fields(obj: Any) -> list[tuple[str, Any]]:
    out = []
    for f in dataclasses.fields(obj):
        if not f.init:
            continue
        value = getattr(obj, f.name)
        if f.default is not dataclasses.MISSING and value == f.default:
            continue
        if f.default_factory is not dataclasses.MISSING and value == f.default_factory():
            continue
        if value is None:
            continue
        out.append((f.name, value))
    return out


def _emit(obj: Any, path: str, lines: list[str]) -> None:
    items = _changed_fields(obj)
    for name, value in items:
        if not _is_table(value) and not _is_table_array(value):
            lines.append(f"{name} = {_scalar(value)}")
    for name, value in items:
        if _is_table(value):
            lines.extend(["", f"[{path}.{name}]" if path else f"[{name}]"])
            _emit(value, f"{path}.{name}" if path else name, lines)
        elif _is_table_array(value):
            sub = f"{path}.{name}" if path else name
            for element in value:
                lines.extend(["", f"[[{sub}]]"])
                _emit(element, sub, lines)


def dump_toml(obj: Any, header: str = "") -> str:
    """TOML text for dataclass ``obj``; ``header`` becomes leading ``#`` comment lines."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    _emit(obj, "", lines)
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines).strip("\n") + "\n"
