"""The guard's core is pure: standard library and oob_console.core only, and nothing heavy loaded."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import oob_console.core.guard as guard

GUARD_DIR = Path(guard.__file__).parent
ALLOWED = {"oob_console.core"}


def test_guard_modules_import_only_the_standard_library_and_core() -> None:
    for path in sorted(GUARD_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                if top == "oob_console":
                    assert any(name == a or name.startswith(a + ".") for a in ALLOWED), (path.name, name)
                else:
                    assert top in sys.stdlib_module_names or top == "__future__", (path.name, name)


def test_importing_and_using_the_guard_loads_no_io_library() -> None:
    code = ("import sys\nfrom oob_console.core.guard import GuardRequest, GuardPolicy, evaluate, default_checkers\n"
            "evaluate(GuardRequest('ios', 'reload'), GuardPolicy(), default_checkers())\n"
            "bad = [m for m in ('textual', 'asyncssh', 'httpx', 'fido2', 'paramiko', 'socket', 'threading', "
            "'subprocess', 'sqlite3') if m in sys.modules]\nprint(bad)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
