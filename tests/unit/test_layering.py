"""The layers are checked, not hoped for (DESIGN.md section 4)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "oob_console"
HEAVY = ("textual", "rich", "asyncssh", "paramiko", "httpx", "fido2", "cryptography", "exabgp")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def _modules(sub: str) -> list[Path]:
    return sorted((PKG / sub).rglob("*.py"))


def test_core_imports_only_the_standard_library() -> None:
    allowed_own = ("oob_console.core", "oob_console.errors")
    bad = []
    for path in _modules("core"):
        for line, name in _imports(path):
            top = name.split(".")[0]
            if name.startswith(".") or name.startswith(allowed_own) or top in sys.stdlib_module_names:
                if name.startswith(".."):
                    bad.append(f"{path.relative_to(PKG)}:{line} relative import {name} leaves core")
                continue
            bad.append(f"{path.relative_to(PKG)}:{line} imports {name}")
    assert not bad, "core must be pure standard library:\n" + "\n".join(bad)


def test_services_import_no_adapter_front_end_or_io_library() -> None:
    forbidden = ("oob_console.adapters", "oob_console.tui", "oob_console.cli", "oob_console.wiring",
                 "oob_console.render",
                 "oob_console.server", *HEAVY)
    bad = []
    for path in _modules("services"):
        for line, name in _imports(path):
            if name.startswith(forbidden):
                bad.append(f"{path.relative_to(PKG)}:{line} imports {name}")
    assert not bad, "services may use core and ports only:\n" + "\n".join(bad)


def test_layering_check_sees_a_violation(tmp_path: Path) -> None:
    # The checks above must be able to fail: run the same parser on a bad module.
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom textual.app import App\nfrom oob_console.adapters import x\n")
    names = [n for _, n in _imports(bad)]
    assert "textual.app" in names and "oob_console.adapters" in names


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=PKG.parent,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_package_root_and_core_loads_no_ui_or_network_library() -> None:
    core_mods = ["oob_console.core." + p.stem for p in _modules("core") if p.stem != "__init__"
                 and p.parent == PKG / "core"]
    loaded = _loaded_after("import oob_console\n" + "\n".join(f"import {m}" for m in core_mods))
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_cli_entry_point_does_not_load_textual() -> None:
    # `oob note` on a 9600-baud console must not pay for importing the TUI.
    loaded = _loaded_after("import oob_console.cli.main as m\nm.build_parser()")
    assert "textual" not in loaded and "rich" not in loaded


def test_services_never_import_the_config_loader() -> None:
    # each feature's config section is in its own settings.py; the loader imports them, not the reverse
    bad = [f"{path.relative_to(PKG)}:{line} imports {name}" for path in _modules("services")
           for line, name in _imports(path) if name == "oob_console.config" or name.startswith("oob_console.config.")]
    assert not bad, "\n".join(bad)


def test_settings_modules_stay_light() -> None:
    # dataclasses and their checks: core, errors and other features' settings only
    bad = []
    for path in sorted((PKG / "services").glob("*/settings.py")):
        for line, name in _imports(path):
            own = name.startswith(("oob_console.core", "oob_console.errors")) or (
                name.startswith("oob_console.services.") and name.endswith(".settings"))
            if not (own or name.split(".")[0] in sys.stdlib_module_names):
                bad.append(f"{path.relative_to(PKG)}:{line} imports {name}")
    assert not bad, "\n".join(bad)


def test_loading_the_config_loads_no_service() -> None:
    # `oob` reads the config on every start; a feature's services load only when a command uses them
    loaded = _loaded_after("import oob_console.config")
    services = {m for m in loaded if m.startswith("oob_console.services.") and m.count(".") >= 3
                and not m.endswith(".settings")}
    assert not services, sorted(services)
    assert not {m for m in loaded if m.split(".")[0] in HEAVY or m.startswith("oob_console.adapters")}
