"""Wiring of the host feature: needs no site (`oob host setup` makes one), only a root."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oob_console.services.host import HostLayout, HostReport, HostService


class SiteDirectories:
    """Sites under a root: create with ``oob init``'s code, name from the site's own config."""

    def __init__(self, root: str) -> None:
        self._root = Path(root)

    def _here(self, home: str) -> Path:
        return self._root / PurePosixPath(home).relative_to("/")

    def create(self, home: str, name: str) -> None:
        from oob_console.wiring.site import init_site

        init_site(self._here(home), name=name)

    def name_of(self, home: str) -> str | None:
        from oob_console.config import CONFIG_NAME, load_config

        path = self._here(home) / CONFIG_NAME
        if not path.exists():
            return None
        return load_config(str(path)).config.site.name


def installed_oob() -> str:
    """The `oob` of this installation (beside the running interpreter, as pip, pipx and uv put it)."""
    here = Path(sys.executable).parent / "oob"
    if here.is_file():
        return str(here)
    found = shutil.which("oob")
    return str(Path(found).absolute()) if found else str(here)


def build_host(root: str = "/") -> HostService:
    from oob_console.adapters.accounts_shadow import ShadowAccounts
    from oob_console.adapters.host_files_package import PackageHostFiles
    from oob_console.adapters.host_fs_posix import PosixHostFs
    from oob_console.adapters.units_systemctl import SystemctlUnits
    from oob_console.services.host import HostService

    return HostService(shipped=PackageHostFiles(), accounts=ShadowAccounts(root), fs=PosixHostFs(root),
                       units=SystemctlUnits(root), sites=SiteDirectories(root))


def detected_layout(root: str = "/", *, site: str | None = None, openssh: bool = False, bgp: bool = False,
                    serial: tuple[str, ...] = ()) -> HostLayout:
    """The layout of this host as found: the site's own name, this installation's `oob`."""
    from oob_console.services.host import HostLayout
    from oob_console.services.host.layout import SITE_HOME

    name = site or SiteDirectories(root).name_of(str(SITE_HOME)) or "?"
    return HostLayout(root=root, site=name, oob=installed_oob(), openssh=openssh, bgp=bgp, serial=serial)


def check_host(root: str = "/") -> HostReport:
    """`oob host check` with no options: what doctor calls (the findings are values)."""
    return build_host(root).check(detected_layout(root))
