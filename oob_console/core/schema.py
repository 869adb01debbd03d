"""Turn parsed TOML into frozen dataclasses, strictly.

Unknown keys, wrong types and missing required keys are errors naming the
dotted key. Supported field types: ``str int float bool``, ``Literal[...]``,
``X | None``, ``list[X]``, ``tuple[X, ...]``, ``dict[str, X]``, nested frozen
dataclasses, :class:`SecretRef` and :class:`~oob_console.core.timefmt.Duration`.
Per-field limits come from ``field(metadata={"min": .., "max": .., "doc": ..})``
(for a duration, in seconds).

A duration is written as text (``"90s"``, ``"15m"``, ``"1h30m"``); a field with
``metadata={"seconds": True}`` (one that took a number of seconds before) also
takes a bare number of seconds. ``""`` leaves a ``Duration | None`` unset.

We write this instead of using pydantic: it is ~200 lines, keeps ``core``
standard-library-only, costs nothing at start-up on a small ARM box, and lets
every error carry the TOML line (see :func:`locate_key`).
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from oob_console.core.timefmt import Duration

T = TypeVar("T")


class SchemaError(ValueError):
    """A value does not fit the schema; ``key`` is the dotted path."""

    def __init__(self, key: str, message: str, hint: str | None = None) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class SecretRef:
    """Where a secret lives: ``file:/path`` or ``env:NAME``. Never the secret itself."""

    kind: Literal["file", "env"]
    target: str

    @classmethod
    def parse(cls, text: str) -> SecretRef:
        kind, sep, target = text.partition(":")
        if not sep or kind not in ("file", "env") or not target:
            raise ValueError("secrets are never written inline")
        if kind == "env" and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", target):
            raise ValueError(f"{target!r} is not an environment variable name")
        return cls(kind, target)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if tp is type(None):
        return "nothing"
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(tp))
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp))
    if origin in (list, tuple):
        return f"a list of {_type_name(get_args(tp)[0])}"
    if origin is dict:
        return f"a table of {_type_name(get_args(tp)[1])}"
    if tp is SecretRef:
        return "a secret reference ('file:PATH' or 'env:NAME')"
    if tp is Duration:
        return "a duration (like '90s', '15m', '4h')"
    if dataclasses.is_dataclass(tp):
        return "a table"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def _describe(value: Any) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "a boolean",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    """A value in an error line: short, whatever its size."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def convert(tp: Any, value: Any, key: str) -> Any:
    """Check ``value`` against type ``tp`` and return the converted value."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if value is None and type(None) in options:
            return None
        if value == "" and Duration in options and type(None) in options:
            return None  # an optional duration left unset
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return convert(option, value, key)
            except SchemaError as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        raise SchemaError(key, f"expected {_type_name(tp)}, got {_describe(value)}")
    if origin is Literal:
        if value not in get_args(tp) or (type(value) is bool and True not in get_args(tp)):
            raise SchemaError(key, f"expected one of {', '.join(repr(a) for a in get_args(tp))}, got {value!r}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise SchemaError(key, f"expected {_type_name(tp)}, got {_describe(value)}")
        item = get_args(tp)[0]
        items = [convert(item, v, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise SchemaError(key, f"expected {_type_name(tp)}, got {_describe(value)}")
        item = get_args(tp)[1]
        if any("\x00" in k for k in value):
            raise SchemaError(key, "a key contains a NUL character")
        return {k: convert(item, v, f"{key}.{k}") for k, v in value.items()}
    if tp is SecretRef:
        if not isinstance(value, str):
            raise SchemaError(key, f"expected {_type_name(tp)}, got {_describe(value)}")
        try:
            return SecretRef.parse(value)
        except ValueError as exc:
            raise SchemaError(
                key, str(exc), "write 'file:/path/to/secret' (mode 0600) or 'env:VARIABLE'"
            ) from None
    if tp is Duration:
        if not isinstance(value, str):
            raise SchemaError(key, f"expected {_type_name(tp)}, got {_describe(value)} {value!r}")
        try:
            return Duration.parse(value)
        except ValueError as exc:
            raise SchemaError(key, str(exc)) from None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise SchemaError(key, f"expected a table, got {_describe(value)}")
        return load_dataclass(tp, value, key)
    if tp is float and type(value) is int:
        return float(value)
    if tp in (str, int, float, bool):
        if type(value) is not tp:
            raise SchemaError(key, f"expected {_type_name(tp)}, got {_describe(value)} {_shown(value)}")
        if tp is str and "\x00" in value:
            raise SchemaError(key, "contains a NUL character", "remove it: no name, path or text may hold one")
        if tp is float and not math.isfinite(value):
            raise SchemaError(key, f"must be a finite number, got {value!r}")
        return value
    raise SchemaError(key, f"unsupported schema type {tp!r}")  # a bug in a model, not in the file


_HINTS: dict[type, dict[str, Any]] = {}


def _type_hints(cls: type) -> dict[str, Any]:
    # resolving string annotations is most of the cost of loading a 200-device inventory
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _duration_limits(key: str, value: Duration, meta: Mapping[str, Any]) -> None:
    if not math.isfinite(value.seconds) or value.seconds < 0:
        raise SchemaError(key, f"expected a duration of 0s or more, got {value}")
    if "min" in meta and value.seconds < meta["min"]:
        raise SchemaError(key, f"must be at least {meta['min']:g}s, got {value}")
    if "max" in meta and value.seconds > meta["max"]:
        raise SchemaError(key, f"must be at most {meta['max']:g}s, got {value}")


def load_dataclass(cls: type[T], data: Mapping[str, Any], prefix: str = "") -> T:
    """Build dataclass ``cls`` from ``data``, rejecting unknown and missing keys."""
    hints = _type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    dotted = (prefix + ".") if prefix else ""
    for name in data:
        if name not in fields:
            known = ", ".join(sorted(fields)) or "none"
            raise SchemaError(f"{dotted}{name}", "unknown key", f"known keys here: {known}")
    kwargs: dict[str, Any] = {}
    for name, fld in fields.items():
        key = f"{dotted}{name}"
        if name not in data:
            if fld.default is dataclasses.MISSING and fld.default_factory is dataclasses.MISSING:
                raise SchemaError(key, "required key is missing")
            continue
        meta = fld.metadata
        raw = data[name]
        if meta.get("seconds") and type(raw) in (int, float):
            try:
                value: Any = Duration.of_seconds(raw)
            except (ValueError, OverflowError) as exc:
                raise SchemaError(key, str(exc)) from None
        else:
            value = convert(hints[name], raw, key)
        if isinstance(value, Duration):
            _duration_limits(key, value, meta)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if "min" in meta and value < meta["min"]:
                raise SchemaError(key, f"must be at least {meta['min']}, got {value}")
            if "max" in meta and value > meta["max"]:
                raise SchemaError(key, f"must be at most {meta['max']}, got {value}")
        kwargs[name] = value
    obj = cls(**kwargs)
    check = getattr(obj, "validate", None)
    if callable(check):
        try:
            check()
        except ValueError as exc:
            sub, _, msg = str(exc).partition(": ")
            raise SchemaError(f"{dotted}{sub}" if msg else prefix or "(top level)", msg or str(exc)) from None
    return obj


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(r'^\s*([A-Za-z0-9_\-."\' ]+?)\s*=')
_INDEX = re.compile(r"\[(\d+)\]")


def _norm(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in key.split("."))


def locate_key(source: str, dotted: str) -> int | None:
    """Best-effort line number (1-based) of ``dotted`` in TOML ``source``.

    tomllib gives line numbers only for syntax errors; for a validation error
    we find the table header and the assignment ourselves. Array-of-tables
    indexes (``devices[2].name``) are followed by counting ``[[devices]]``.
    """
    target = _INDEX.sub(lambda m: f".#{m.group(1)}", dotted)
    table = ""
    counts: dict[str, int] = {}
    best: int | None = None
    for lineno, line in enumerate(source.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            name = _norm(header.group(2))
            parts, out = name.split("."), []
            is_array = header.group(1) == "[["
            for part in parts[:-1] if is_array else parts:  # a sub-table of the latest array element
                out.append(part)
                joined = ".".join(out)
                if joined in counts:
                    out.append(f"#{counts[joined]}")
            if is_array:  # counted per parent element: [[devices.bgp]] restarts under each [[devices]]
                key = ".".join([*out, parts[-1]])
                counts[key] = counts.get(key, -1) + 1
                table = f"{key}.#{counts[key]}"
            else:
                table = ".".join(out)
            if table == target or (best is None and target.startswith(table + ".")):
                best = lineno
            continue
        assign = _ASSIGN.match(line)
        if assign:
            full = f"{table}.{_norm(assign.group(1))}" if table else _norm(assign.group(1))
            if full == target or target.startswith(full + ".") or target.startswith(full + ".#"):
                return lineno
    return best
