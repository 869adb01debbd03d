"""The wheel, as an OOB host gets it: built from a clean copy of the tree with exactly the declared
minimum build backend, installed into fresh venvs with only the pinned runtime dependencies, with
pipx, and from an offline wheelhouse. Slow (venvs, pip): one wheel for the whole session.

The package index is the one pip is configured with; the offline install ignores every pip
config (``PIP_CONFIG_FILE=/dev/null``) and uses ``--no-index --find-links`` only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]
CONSTRAINTS = REPO / "deploy" / "constraints.txt"
HOST_FILES = {str(p.relative_to(REPO / "oob_console")) for p in (REPO / "oob_console" / "host_files").rglob("*")
              if p.is_file()}
PIP_TIMEOUT = 600


def _run(argv: list[str | Path], **kw: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=PIP_TIMEOUT,
                          **kw)  # type: ignore[call-overload]
    assert proc.returncode == 0, f"{' '.join(map(str, argv))}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def _venv(path: Path) -> Path:
    _run([sys.executable, "-m", "venv", path])
    return path / "bin"


def declared_backend() -> str:
    """The build backend's declared minimum, as ``setuptools==X`` (the pin this test builds with)."""
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    (spec,) = [r for r in requires if r.startswith("setuptools")]
    match = re.fullmatch(r"setuptools>=([\d.]+)", spec.replace(" ", ""))
    assert match, f"the build backend needs a plain minimum: {spec}"
    return f"setuptools=={match.group(1)}"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel and sdist, from a copy of the tree git knows (no venv, no build leftovers)."""
    if shutil.which("git") is None:
        pytest.skip("LAB TEST NOT RUN: git is not installed")
    root = tmp_path_factory.mktemp("build")
    src = root / "src"
    files = _run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO).stdout
    for name in filter(None, files.split("\0")):
        here, there = REPO / name, src / name
        if not here.exists() and not here.is_symlink():
            continue  # deleted in the work tree
        there.parent.mkdir(parents=True, exist_ok=True)
        if here.is_symlink():
            there.symlink_to(os.readlink(here))
        else:
            shutil.copy2(here, there)
    bin_ = _venv(root / "backend")
    _run([bin_ / "pip", "install", "-q", declared_backend()])
    dist = root / "dist"
    _run([bin_ / "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, src])
    code = f"from setuptools import build_meta; print(build_meta.build_sdist({str(dist)!r}))"
    _run([bin_ / "python", "-c", code], cwd=src)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


def test_the_wheel_and_sdist_carry_the_host_files_and_the_license(built: dict[str, Path]) -> None:
    import tarfile

    with zipfile.ZipFile(built["wheel"]) as whl:
        names = set(whl.namelist())
        metadata = whl.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert {f"oob_console/{f}" for f in HOST_FILES} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: Apache-2.0" in metadata
    with tarfile.open(built["sdist"]) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    assert {f"oob_console/{f}" for f in HOST_FILES} <= members and "LICENSE" in members


def _pins() -> dict[str, str]:
    out = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            out[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return out


def test_a_fresh_venv_gets_only_the_pinned_runtime_deps_and_setup_uses_only_the_wheel(
        built: dict[str, Path], tmp_path: Path) -> None:
    bin_ = _venv(tmp_path / "venv")
    _run([bin_ / "pip", "install", "-q", "-c", CONSTRAINTS, built["wheel"]])
    frozen = dict(line.split("==") for line in _run([bin_ / "pip", "freeze"]).stdout.split()
                  if "==" in line)
    installed = {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in frozen.items()}
    pins = _pins()
    for name, version in installed.items():
        if name == "oob-console":
            continue
        assert pins.get(name) == version, f"{name} {version} is not the pinned version ({pins.get(name)})"
    assert not {"pytest", "mypy", "ruff", "hypothesis", "netmiko", "exabgp"} & installed.keys()
    runtime = {"textual", "asyncssh", "paramiko", "fido2", "httpx", "cryptography", "pyyaml"}
    assert runtime <= installed.keys()
    # setup, from that install: every file it would write is one the wheel carries
    host = tmp_path / "host"
    (host / "etc").mkdir(parents=True)
    dry = _run([bin_ / "oob", "host", "setup", "--site", "sjc1", "--root", host, "--openssh", "--serial",
                "ttyS0", "--dry-run", "--json"], env={**os.environ, "PATH": f"{bin_}:{os.environ['PATH']}"})
    changes = [f["change"] for f in json.loads(dry.stdout)["result"]["findings"] if "change" in f]
    sources = [Path(c["source"]) for c in changes if c["kind"] == "file"]
    assert len(sources) == 8
    site_packages = next((tmp_path / "venv" / "lib").glob("python*/site-packages"))
    with zipfile.ZipFile(built["wheel"]) as whl:
        carried = set(whl.namelist())
    for source in sources:
        assert source.is_relative_to(site_packages / "oob_console" / "host_files"), source
        assert str(source.relative_to(site_packages)) in carried
    assert not list(host.rglob("*.service"))  # a dry run
    # the installed oob is the one the units would run
    unit = next(c for c in changes if c["path"] == "/etc/systemd/system/oob-serve.service")
    assert unit["kind"] == "file"
    shown = _run([bin_ / "oob", "host", "files", "--show", "systemd/oob-serve.service"]).stdout
    assert "EnvironmentFile=/etc/oob-console/site.env" in shown


def _shipped_names(oob: Path, env: dict[str, str]) -> set[str]:
    listed = _run([oob, "host", "files", "--list", "--json"], env=env)
    return {f["name"] for f in json.loads(listed.stdout)["result"]}


def test_pipx_installs_the_wheel_globally(built: dict[str, Path], tmp_path: Path) -> None:
    """As docs/operator/install.md says (--global), with its /opt and /usr/local moved into tmp_path."""
    bin_ = _venv(tmp_path / "pipx-venv")
    _run([bin_ / "pip", "install", "-q", "pipx"])
    env = {**os.environ, "PIPX_GLOBAL_HOME": str(tmp_path / "opt-pipx"),
           "PIPX_GLOBAL_BIN_DIR": str(tmp_path / "bin"), "PIPX_GLOBAL_MAN_DIR": str(tmp_path / "man")}
    _run([bin_ / "pipx", "install", "--global", "--pip-args", f"-c {CONSTRAINTS}", f"{built['wheel']}[bgp]"],
         env=env)
    names = _shipped_names(tmp_path / "bin" / "oob", env)
    assert names == {f.removeprefix("host_files/") for f in HOST_FILES}


def test_uv_tool_installs_the_wheel(built: dict[str, Path], tmp_path: Path) -> None:
    bin_ = _venv(tmp_path / "uv-venv")
    _run([bin_ / "pip", "install", "-q", "uv"])
    env = {**os.environ, "UV_TOOL_DIR": str(tmp_path / "uv-tools"), "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
           "UV_CACHE_DIR": str(tmp_path / "uv-cache")}
    _run([bin_ / "uv", "tool", "install", "--constraints", CONSTRAINTS, f"{built['wheel']}[bgp]"], env=env)
    names = _shipped_names(tmp_path / "bin" / "oob", env)
    assert names == {f.removeprefix("host_files/") for f in HOST_FILES}
    # the oob the units would run is the tool's own, not a PATH lookup
    dry = _run([tmp_path / "bin" / "oob", "host", "setup", "--site", "x", "--root", tmp_path, "--dry-run",
                "--json"], env=env)
    assert str(tmp_path / "uv-tools") in dry.stdout


def test_an_offline_wheelhouse_installs_with_no_index(built: dict[str, Path], tmp_path: Path) -> None:
    house = tmp_path / "wheelhouse"
    wheel = f"{built['wheel']}[bgp]"
    _run([sys.executable, "-m", "pip", "download", "-q", "-d", house, "-c", CONSTRAINTS, wheel])
    bin_ = _venv(tmp_path / "host-venv")
    offline = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1"}
    offline.pop("PIP_FIND_LINKS", None)
    offline.pop("PIP_INDEX_URL", None)
    offline.pop("PIP_EXTRA_INDEX_URL", None)
    _run([bin_ / "pip", "install", "-q", "--no-index", "--find-links", house, "oob-console[bgp]"], env=offline)
    version = _run([bin_ / "oob", "--version"]).stdout
    assert version.startswith("oob-console ")
    _run([bin_ / "python", "-c", "import exabgp, oob_console.adapters.bgp.speaker_exabgp"])
