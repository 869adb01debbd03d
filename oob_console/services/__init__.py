"""The service layer: every action exists here once, one package per feature.

Each feature package (``audit``, ``auth``, ``devices``, ``guard``, ``bgp``,
``doctor``, ``drill``, ``notify``, ``runbooks``, ``status``) holds its
service, its ports (Protocols the adapters implement), its value types and
its ``settings`` (the config section it receives, read by the config loader).
Services import ``core`` and each other; never an adapter, the config loader,
the rendering layer or a front end (tests/unit/test_layering.py checks).
``wiring`` builds adapters and hands them in.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A feature's module ``__getattr__``: each exported name, imported from its module on first use.

    A feature's ``settings`` module is read by the config loader; importing it runs the feature's
    ``__init__`` first, and that must not import the feature's services (the config is loaded on
    every ``oob`` start, most commands need one or two features).
    """

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        sys.modules[package].__dict__[name] = value  # the next lookup is a plain attribute
        return value

    return __getattr__
