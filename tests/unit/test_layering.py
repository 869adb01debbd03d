"""The layers are checked, not hoped for (docs/architecture.md, "Layers").

Every rule here is a function over a package tree read with :mod:`ast` (nothing
is imported), run once on ``oob_console`` and once on a small bad tree made in
a temporary directory, so that each rule is shown able to fail. The layer rules
count every import, also type-only ones and those inside functions.

The layers: ``core`` (pure, standard library only) <- ``services`` (use cases
over ports) <- ``adapters`` (one library or kind of I/O each) <- ``wiring``
(the composition root, the one place adapters are built) <- front ends
(``cli``, ``tui``, ``shell``, ``server``, ``demo``), which show what they get
with ``render`` (text from core and service values).
"""

from __future__ import annotations

import ast
import itertools
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "oob_console"
HEAVY = ("textual", "rich", "asyncssh", "paramiko", "httpx", "fido2", "cryptography", "exabgp")
FRONT_ENDS = ("cli", "tui", "shell", "server", "demo")
# What a front end may import of ours besides its own package and the package root (its version);
# config: loading and finding it.
FRONT_END_MAY_USE = ("wiring", "render", "services", "core", "errors", "config")
# The only imports from one front end into another: the CLI launches the others, and the SSH
# server's PTY child process is the CLI. Each is an entry point, named exactly.
LAUNCHES: dict[str, tuple[str, ...]] = {
    "oob_console.cli.ui": ("oob_console.tui.app", "oob_console.tui.profile", "oob_console.shell.session"),
    "oob_console.cli.ssh_access": ("oob_console.server.host_key", "oob_console.server.run",
                                   "oob_console.server.openssh_entry"),
    "oob_console.cli.demo": ("oob_console.demo.people", "oob_console.demo.site"),
    "oob_console.server.pty_child": ("oob_console.cli.main",),
}
SERVICES_MUST_NOT_USE = ("adapters", "wiring", "render", "config", *FRONT_ENDS)
RENDER_MAY_USE = ("core", "services", "errors")
MAX_LINES = 600

@dataclass(frozen=True)
class Import:
    target: str  # absolute dotted name: a module of the tree when it is one, else what was named
    line: int
    # "import": at module level (also in a class, try, if), run when the module is imported;
    # "call": in a function, run when it is called; "type": under ``if TYPE_CHECKING:``, never run
    when: str


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    lines: int
    imports: tuple[Import, ...]


def _name_of(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(body: Iterable[ast.stmt], when: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, when
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_nodes(node.body, "type")
            yield from _import_nodes(node.orelse, when)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _import_nodes(node.body, "type" if when == "type" else "call")
        else:
            # Class bodies, if/try/with/for/match blocks: run when the code around them runs.
            for block in _blocks(node):
                yield from _import_nodes(block, when)


def _blocks(node: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        block = getattr(node, name, None)
        if isinstance(block, list):
            yield block
    for inner in [*getattr(node, "handlers", ()), *getattr(node, "cases", ())]:
        yield inner.body


def scan(root: Path) -> dict[str, Module]:
    """Every module of the package at ``root``, with its imports resolved to absolute names."""
    paths = {_name_of(root, p): p for p in sorted(root.rglob("*.py"))}
    modules: dict[str, Module] = {}
    for name, path in paths.items():
        text = path.read_text(encoding="utf-8")
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: list[Import] = []
        for node, when in _import_nodes(ast.parse(text, str(path)).body, "import"):
            if isinstance(node, ast.Import):
                found += [Import(a.name, node.lineno, when) for a in node.names]
                continue
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append(Import(sub if sub in paths else base, node.lineno, when))
        modules[name] = Module(name, path, len(text.splitlines()), tuple(found))
    return modules


def _within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _layer(modules: dict[str, Module], root: str, layer: str) -> Iterator[Module]:
    return (m for m in modules.values() if _within(m.name, [f"{root}.{layer}"]))


def _report(m: Module, i: Import, what: str) -> str:
    return f"{m.name} ({m.path.name}:{i.line}) {what} {i.target}"


def core_violations(modules: dict[str, Module], root: str = "oob_console") -> list[str]:
    """core imports the standard library, itself and errors; nothing else."""
    own = (f"{root}.core", f"{root}.errors")
    return [_report(m, i, "imports") for m in _layer(modules, root, "core") for i in m.imports
            if not _within(i.target, own) and i.target.split(".")[0] not in sys.stdlib_module_names]


def front_end_violations(modules: dict[str, Module], root: str = "oob_console") -> list[str]:
    """A front end uses wiring, render, services, core, errors, config and itself; never an adapter."""
    bad = []
    for front in FRONT_ENDS:
        allowed = [f"{root}.{p}" for p in (*FRONT_END_MAY_USE, front)]
        for m in _layer(modules, root, front):
            launches = LAUNCHES.get(m.name, ())
            for i in m.imports:
                if _within(i.target, [root]) and i.target != root and not _within(i.target, allowed) \
                        and i.target not in launches:
                    bad.append(_report(m, i, "imports"))
    return bad


def services_violations(modules: dict[str, Module], root: str = "oob_console") -> list[str]:
    """Services use core, errors and each other through ports: no I/O library, adapter, config or text."""
    forbidden = [f"{root}.{p}" for p in SERVICES_MUST_NOT_USE]
    return [_report(m, i, "imports") for m in _layer(modules, root, "services") for i in m.imports
            if _within(i.target, forbidden) or i.target.split(".")[0] in HEAVY]


def render_violations(modules: dict[str, Module], root: str = "oob_console") -> list[str]:
    """render makes text from core and service value types, with the standard library only."""
    allowed = [f"{root}.{p}" for p in (*RENDER_MAY_USE, "render")]
    return [_report(m, i, "imports") for m in _layer(modules, root, "render") for i in m.imports
            if not _within(i.target, allowed) and i.target.split(".")[0] not in sys.stdlib_module_names]


def size_violations(modules: dict[str, Module]) -> list[str]:
    return [f"{m.name} ({m.path.name}) has {m.lines} lines" for m in modules.values() if m.lines > MAX_LINES]


def _cycle_in(component: set[str], graph: dict[str, dict[str, int]]) -> list[str]:
    """One cycle through the component, as module names from its first module back to it."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        here = queue.pop(0)
        for there in sorted(graph[here]):
            if there == start:
                return [*paths[here], start]
            if there in component and there not in paths:
                paths[there] = [*paths[here], there]
                queue.append(there)
    raise AssertionError(f"no cycle in component {component}")


def cycle_violations(modules: dict[str, Module], *, deferred: bool = False) -> list[str]:
    """Strongly connected components of the import graph; a component of two or more is a cycle.

    The graph has the imports run when a module is imported, and with ``deferred`` also those in
    functions (a lazy import does not make two modules independent). A package is its ``__init__``:
    ``pkg/__init__`` importing ``pkg.sub`` and ``pkg.sub`` importing ``pkg.other`` is no cycle
    (Python has ``pkg`` half-made and loads ``pkg.other`` fine); ``pkg.sub`` importing a name from
    ``pkg`` itself is one.
    """
    counted = ("import", "call") if deferred else ("import",)
    graph: dict[str, dict[str, int]] = {name: {} for name in modules}
    for m in modules.values():
        for i in m.imports:
            if i.when in counted and i.target in modules and i.target != m.name:
                graph[m.name].setdefault(i.target, i.line)
    # Tarjan's algorithm, iterative (the tree is deep enough to make recursion a worry).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for origin in sorted(graph):
        if origin in index:
            continue
        work = [(origin, iter(sorted(graph[origin])))]
        index[origin] = low[origin] = len(index)
        stack.append(origin)
        on_stack.add(origin)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    bad = []
    for component in components:
        cycle = _cycle_in(component, graph)
        steps = [f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(cycle)]
        bad.append(" -> ".join([*steps, cycle[0]]) + f"  [{len(component)} modules in the cycle]")
    return bad


MODULES = scan(PKG)


def test_core_imports_only_the_standard_library() -> None:
    bad = core_violations(MODULES)
    assert not bad, "core must be pure standard library:\n" + "\n".join(bad)


def test_front_ends_never_import_an_adapter() -> None:
    bad = front_end_violations(MODULES)
    assert not bad, ("front ends use wiring, render, services, core, errors, config and their own package "
                     "(adapters are built in wiring):\n" + "\n".join(bad))


def test_services_import_no_adapter_front_end_config_render_or_io_library() -> None:
    bad = services_violations(MODULES)
    assert not bad, "services may use core, errors and ports only:\n" + "\n".join(bad)


def test_render_imports_only_core_services_and_errors() -> None:
    bad = render_violations(MODULES)
    assert not bad, "render makes text from core and service values only:\n" + "\n".join(bad)


def test_no_module_is_over_the_size_limit() -> None:
    bad = size_violations(MODULES)
    assert not bad, f"split modules over {MAX_LINES} lines:\n" + "\n".join(bad)


def test_no_import_cycles() -> None:
    bad = cycle_violations(MODULES)
    assert not bad, "modules import each other at import time:\n" + "\n".join(bad)


def test_no_cycle_hidden_behind_a_deferred_import() -> None:
    # An import moved into a function to dodge a cycle leaves the cycle: make the shared part a module
    # both read (as core.guard.dialect is for rules and the grammars).
    bad = cycle_violations(MODULES, deferred=True)
    assert not bad, "modules import each other (counting imports in functions):\n" + "\n".join(bad)


# Each rule can fail: the same checker on a small tree with one thing wrong.

def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    root = tmp_path / "oob_console"
    for rel, text in {"__init__.py": "", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(root).parents:
            (root / parent / "__init__.py").touch()
        path.write_text(text)
    return scan(root)


def test_core_rule_sees_a_library_and_a_relative_escape(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"core/a.py": "import re\nimport httpx\nfrom ..services import s\n",
                            "services/s.py": ""})
    assert [v.rsplit(" ", 1)[-1] for v in core_violations(tree)] == ["httpx", "oob_console.services.s"]


def test_front_end_rule_sees_an_adapter(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {
        "cli/audit.py": ("from oob_console.wiring import Services\nfrom oob_console.cli import base\n"
                         "def f():\n    from oob_console.adapters.audit_jsonl import AuditFile\n"),
        "cli/base.py": "", "wiring/__init__.py": "", "adapters/audit_jsonl.py": "",
        "tui/app.py": "from oob_console.cli.base import x\n",
    })
    assert front_end_violations(tree) == [
        "oob_console.cli.audit (audit.py:4) imports oob_console.adapters.audit_jsonl",
        "oob_console.tui.app (app.py:1) imports oob_console.cli.base",
    ]


def test_services_rule_sees_render_config_and_a_library(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {
        "services/bgp/lines.py": ("from typing import TYPE_CHECKING\nfrom oob_console.core import x\n"
                                  "if TYPE_CHECKING:\n    from oob_console.config import AuthConfig\n"
                                  "from oob_console.render.bgp import lines\nimport httpx\n"),
        "render/bgp.py": "", "core/__init__.py": "",
    })
    assert [v.rsplit(" ", 1)[-1] for v in services_violations(tree)] == [
        "oob_console.config", "oob_console.render.bgp", "httpx"]


def test_render_rule_sees_wiring_and_a_library(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"render/views.py": ("import json\nfrom oob_console.services.status import Item\n"
                                                "from oob_console.wiring import Services\nimport rich\n"),
                            "services/status.py": "", "wiring/__init__.py": ""})
    assert [v.rsplit(" ", 1)[-1] for v in render_violations(tree)] == ["oob_console.wiring", "rich"]


def test_size_rule_sees_a_601_line_module(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"core/ok.py": "x = 1\n" * MAX_LINES, "core/big.py": "x = 1\n" * (MAX_LINES + 1)})
    assert size_violations(tree) == [f"oob_console.core.big (big.py) has {MAX_LINES + 1} lines"]


def test_cycle_rule_sees_a_two_module_cycle_and_when_imports_run(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {
        "core/guard/rules.py": "from oob_console.core.guard.grammar import Grammar\n",
        "core/guard/grammar.py": "import re\n\nfrom oob_console.core.guard import rules\n",
        # an import back in a function: a cycle only when deferred imports count
        "core/a.py": "from oob_console.core.b import x\n",
        "core/b.py": "def f():\n    from oob_console.core import a\n",
        # a type-only import back: never a cycle
        "core/c.py": "from oob_console.core.d import x\n",
        "core/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from oob_console.core.c import y\n",
    })
    rules_and_grammar = ("oob_console.core.guard.grammar (line 3) -> oob_console.core.guard.rules (line 1) -> "
                         "oob_console.core.guard.grammar  [2 modules in the cycle]")
    assert cycle_violations(tree) == [rules_and_grammar]
    assert sorted(cycle_violations(tree, deferred=True)) == [
        "oob_console.core.a (line 1) -> oob_console.core.b (line 2) -> oob_console.core.a  [2 modules in the cycle]",
        rules_and_grammar]


def test_cycle_rule_and_packages(tmp_path: Path) -> None:
    # An __init__ re-exporting a submodule that imports a sibling is fine ...
    fine = {"services/auth/__init__.py": "from oob_console.services.auth.login import Login\n",
            "services/auth/login.py": "from oob_console.services.auth.ports import Keys\n",
            "services/auth/ports.py": "class Keys: ...\n"}
    assert cycle_violations(_tree(tmp_path / "fine", fine)) == []
    # ... importing from the package itself is a cycle.
    bad = {**fine, "services/auth/ports.py": "from oob_console.services.auth import Login\n"}
    assert len(cycle_violations(_tree(tmp_path / "bad", bad))) == 1


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=PKG.parent,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_package_root_and_core_loads_no_ui_or_network_library() -> None:
    core_mods = [m for m in MODULES if _within(m, ["oob_console.core"]) and m.count(".") == 2]
    loaded = _loaded_after("import oob_console\n" + "\n".join(f"import {m}" for m in core_mods))
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_cli_entry_point_does_not_load_textual() -> None:
    # `oob note` on a 9600-baud console must not pay for importing the TUI.
    loaded = _loaded_after("import oob_console.cli.main as m\nm.build_parser()")
    assert "textual" not in loaded and "rich" not in loaded


def test_settings_modules_stay_light() -> None:
    # dataclasses and their checks: core, errors and other features' settings only (the config loader reads them)
    bad = [_report(m, i, "a settings module uses only core, errors and other settings") for m in MODULES.values()
           if m.name.startswith("oob_console.services.") and m.name.endswith(".settings") for i in m.imports
           if not (_within(i.target, ("oob_console.core", "oob_console.errors"))
                   or (i.target.startswith("oob_console.services.") and i.target.endswith(".settings"))
                   or i.target.split(".")[0] in sys.stdlib_module_names)]
    assert not bad, "\n".join(bad)


def test_loading_the_config_loads_no_service() -> None:
    # `oob` reads the config on every start; a feature's services load only when a command uses them
    loaded = _loaded_after("import oob_console.config")
    services = {m for m in loaded if m.startswith("oob_console.services.") and m.count(".") >= 3
                and not m.endswith(".settings")}
    assert not services, sorted(services)
    assert not {m for m in loaded if m.split(".")[0] in HEAVY or m.startswith("oob_console.adapters")}
