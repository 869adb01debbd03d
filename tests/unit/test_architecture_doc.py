"""docs/architecture.md names real code: every file, function, class and method it cites exists.

The flows in that document are numbered ``file.py:name`` steps; code moves, and a
map that points at code that is gone is worse than none. These checks parse the
document and the code (AST, nothing is imported) and fail on any reference that
no longer holds, on a missing flow, and on a feature package the document leaves out.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "architecture.md"
PKG = "oob_console"

# ``oob_console/services/bgp/service.py:BgpService.execute`` (also under tests/)
REF = re.compile(r"\b((?:oob_console|tests)/[\w/]+\.py):([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)")
# any path into the repository: a module or a package directory
PATH = re.compile(r"\b((?:oob_console|tests)/(?:[\w]+/)*(?:\w+\.py|\w+/))")
STEP = re.compile(r"^(\d+)\. (.*)$", re.M)
FLOWS = ("## Flow (a):", "## Flow (b):", "## Flow (c):")
MIN_STEPS = 8
# How code and tests cite these documents: docs/development.md, "Slow links"
CITATION = re.compile(r'docs/(architecture|development)\.md, "([^"]+)"')


@cache
def definitions(path: Path) -> frozenset[str]:
    """Top-level functions and classes of a module, and ``Class.member`` for what each class defines."""
    tree = ast.parse(path.read_text(), str(path))
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, kinds):
            out.add(node.name)
        if isinstance(node, ast.ClassDef):
            out.update(f"{node.name}.{item.name}" for item in node.body if isinstance(item, kinds))
    return frozenset(out)


def reference_problems(text: str, root: Path = REPO) -> list[str]:
    """What is wrong with the ``path.py:name`` references and the paths in ``text``."""
    problems, cited = [], set()
    for match in REF.finditer(text):
        rel, name = match.groups()
        cited.add(rel)
        path = root / rel
        if not path.is_file():
            problems.append(f"{rel}:{name}: no such file")
        elif name not in definitions(path):
            problems.append(f"{rel}:{name}: {rel} defines no {name}")
    for match in PATH.finditer(text):
        rel = match.group(1)
        if rel not in cited and not (root / rel).exists():
            problems.append(f"{rel}: no such file or directory")
    return list(dict.fromkeys(problems))


def section(text: str, heading: str) -> str | None:
    """The body of the ``## `` section whose heading starts with ``heading`` (None if there is none)."""
    start = next((m.end() for m in re.finditer(r"^## .*$", text, re.M) if m.group().startswith(heading)), None)
    if start is None:
        return None
    following = re.search(r"^## ", text[start:], re.M)
    return text[start:start + following.start()] if following else text[start:]


def flow_problems(text: str) -> list[str]:
    """Each flow is there, numbered 1..n, and every step opens with a checkable `file.py:name` — ..."""
    problems = []
    for heading in FLOWS:
        body = section(text, heading)
        if body is None:
            problems.append(f"no section '{heading} ...'")
            continue
        steps = STEP.findall(body)
        if len(steps) < MIN_STEPS:
            problems.append(f"{heading} has {len(steps)} numbered steps, fewer than {MIN_STEPS}")
        for expected, (number, line) in enumerate(steps, start=1):
            if int(number) != expected:
                problems.append(f"{heading} step {number}: expected number {expected}")
            opening = re.match(r"`([^`]+)` — ", line)
            if opening is None or not REF.fullmatch(opening.group(1)):
                problems.append(f"{heading} step {number} does not open with `path.py:name` — ...: {line[:60]}")
    return problems


def _table_rows(body: str) -> list[list[str]]:
    rows = []
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) >= 2 and not set(cells[0]) <= set("-: "):
            rows.append(cells)
    return rows


def package_problems(text: str, root: Path = REPO) -> list[str]:
    """The feature tables name only what exists, and every service feature, core group and adapter."""
    body = section(text, "## Feature packages")
    if body is None:
        return ["no section '## Feature packages'"]
    pkg = root / PKG
    problems, bases, named = [], set(), set()
    for cells in _table_rows(body):
        first = re.findall(r"`([^`]+/)`", cells[0])
        base = pkg / first[0] if first else pkg / "adapters"
        bases.add(base)
        for token in re.findall(r"`([^`]+(?:\.py|/))`", " ".join(cells[1:])):
            found = [p for p in base.rglob(token) if "__pycache__" not in p.parts]
            if not (base / token).exists() and not found:
                problems.append(f"{base.relative_to(root)}: no {token}")
            named.update(p.resolve() for p in found)
            named.add((base / token).resolve())
    for group in ("services", "core"):
        for package in sorted(p.parent for p in (pkg / group).glob("*/__init__.py")):
            if package not in bases:
                problems.append(f"{package.relative_to(root)}/ is not in the feature tables")
    for module in sorted((pkg / "adapters").rglob("*.py")):
        if module.name == "__init__.py" or "__pycache__" in module.parts:
            continue
        if not {module.resolve(), *module.resolve().parents} & named:
            problems.append(f"{module.relative_to(root)} is not in the adapters table")
    return problems


def citation_problems(root: Path = REPO) -> list[str]:
    """Citations of a section of docs/*.md in code and tests that name no heading there."""
    headings = {name: {h.strip() for h in re.findall(r"^#+ (.+)$", (root / "docs" / f"{name}.md").read_text(), re.M)}
                for name in ("architecture", "development")}
    problems = []
    for path in sorted([*(root / PKG).rglob("*.py"), *(root / "tests").rglob("*.py")]):
        for doc, title in CITATION.findall(path.read_text()):
            if title not in headings[doc]:
                problems.append(f"{path.relative_to(root)} cites docs/{doc}.md, {title!r}: no such heading")
    return problems


def test_every_reference_in_the_architecture_doc_exists() -> None:
    problems = reference_problems(DOC.read_text())
    assert not problems, "docs/architecture.md points at code that is not there:\n" + "\n".join(problems)


def test_the_three_flows_are_numbered_checkable_steps() -> None:
    problems = flow_problems(DOC.read_text())
    assert not problems, "\n".join(problems)


def test_the_feature_tables_are_true_and_complete() -> None:
    problems = package_problems(DOC.read_text())
    assert not problems, "docs/architecture.md, 'Feature packages':\n" + "\n".join(problems)


def test_code_cites_sections_that_exist() -> None:
    problems = citation_problems()
    assert not problems, "\n".join(problems)


def test_the_checks_see_a_bad_reference() -> None:
    # The checks above must be able to fail: feed them references that do not hold.
    text = ("1. `oob_console/cli/bgp.py:cmd_announce` — real\n"
            "2. `oob_console/cli/bgp.py:cmd_no_such_thing` — a function that is not there\n"
            "3. `oob_console/services/bgp/service.py:BgpService.no_such_method` — a method that is not there\n"
            "4. `oob_console/no_such_module.py:main` — a file that is not there\n"
            "see oob_console/no_such_package/ too\n")
    problems = reference_problems(text)
    assert len(problems) == 4, problems
    assert any("cmd_no_such_thing" in p for p in problems)
    assert any("BgpService.no_such_method" in p for p in problems)
    assert any("no_such_module.py:main: no such file" in p for p in problems)
    assert any("no_such_package/" in p for p in problems)
    assert not reference_problems("`oob_console/services/bgp/service.py:BgpService.execute`")


def test_the_checks_see_a_missing_or_malformed_flow() -> None:
    steps = "".join(f"{n}. `oob_console/cli/bgp.py:cmd_announce` — step\n" for n in range(1, MIN_STEPS + 1))
    good = "\n".join(f"{h} x\n\n{steps}" for h in FLOWS)
    assert flow_problems(good) == []
    missing_b = good.replace("## Flow (b):", "## Flaw (b):")
    assert flow_problems(missing_b) == ["no section '## Flow (b): ...'"]
    unchecked = good.replace("3. `oob_console/cli/bgp.py:cmd_announce` — step", "3. the router answers", 1)
    assert any("step 3 does not open" in p for p in flow_problems(unchecked))
    misnumbered = good.replace("2. `", "7. `", 1)
    assert any("expected number 2" in p for p in flow_problems(misnumbered))


def test_the_citation_check_sees_a_missing_section(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "architecture.md").write_text("# A\n\n## Layers\n")
    (tmp_path / "docs" / "development.md").write_text("# D\n\n### Slow links\n")
    (tmp_path / PKG).mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / PKG / "ok.py").write_text('# docs/development.md, "Slow links" and docs/architecture.md, "Layers"\n')
    # split, so that this file does not cite a heading that is not there
    (tmp_path / "tests" / "bad.py").write_text('"""See docs/development.md, ' + '"Fast links"."""\n')
    assert citation_problems(tmp_path) == ["tests/bad.py cites docs/development.md, 'Fast links': no such heading"]


def test_the_checks_see_a_wrong_feature_table() -> None:
    text = "## Feature packages\n\n| package | what |\n|---|---|\n| `services/bgp/` | `no_such.py` |\n"
    problems = package_problems(text)
    assert "oob_console/services/bgp: no no_such.py" in problems
    assert "oob_console/services/audit/ is not in the feature tables" in problems
    assert any(p.startswith("oob_console/adapters/") and p.endswith("not in the adapters table") for p in problems)
