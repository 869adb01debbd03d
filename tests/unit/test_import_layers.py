"""Layering, checked: core is pure, services never reach for adapters or front ends."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "oob_console"
STDLIB = sys.stdlib_module_names


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_the_standard_library_and_itself(path: Path) -> None:
    bad = [m for m in imports(path) if m.split(".")[0] not in STDLIB
           and not m.startswith(("oob_console.core", "oob_console.errors")) and m != "__future__"]
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "services").glob("*.py")), ids=lambda p: p.name)
def test_services_never_import_adapters_or_front_ends(path: Path) -> None:
    bad = [m for m in imports(path)
           if m.startswith(("oob_console.adapters", "oob_console.cli", "oob_console.tui", "oob_console.server"))
           or m.split(".")[0] in ("fido2", "cryptography", "textual", "asyncssh", "httpx", "sqlite3")]
    assert not bad, f"{path.name} imports {bad}"


def test_importing_core_and_services_loads_no_key_or_ui_library() -> None:
    code = ("import sys, oob_console.core.intents, oob_console.core.sshsig, oob_console.services.approvals, "
            "oob_console.services.login; print(sorted(m for m in ('fido2', 'textual', 'asyncssh', 'httpx') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"
