"""The demo site: a temporary OOB_HOME with people, keys, routers, runbooks and a timeline.

``with DemoSite() as demo:`` gives ``demo.services`` (a ``bootstrap.Services``) for
any front end and ``demo.people`` (see ``demo.people``). The demo routers
(``demo.routers``) listen on 127.0.0.1 only, and the inventory pins their host
keys. Leaving the block stops the routers and deletes the directory, even
after an error or Ctrl-C. A demo killed outright (SIGKILL, a power cut) cannot
clean up: the next one removes every demo directory of this user whose process
is gone (:func:`remove_stale`; each holds its owner's PID in ``owner.pid``; kept
sites are left alone). The site allows software keys: a real site never should.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from importlib import resources
from pathlib import Path
from types import TracebackType

from oob_console.core.devices.inventory import BgpSession, Device, Inventory, Link
from oob_console.demo.people import DEMO_AUTH, People, enroll
from oob_console.demo.routers import ROUTERS, RouterFleet
from oob_console.wiring import Services, init_site

TIMELINE = ("15:40 backbone down, DNS withdrawn", "15:52 starting backbone recovery at SJC1")
# Who sets the demo up: the local account (it owns the files), as `oob init` and `oob user add` would be.
DEMO_ACTOR = "local:demo"


PREFIX = "oob-demo-"
OWNER = "owner.pid"  # the PID of the demo that made the directory; absent in a kept site
ORPHAN_AFTER = 600.0  # seconds: a demo directory without an owner file this old was never finished


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(tmp: Path | None = None) -> list[Path]:
    """Remove demo directories (this user's) left by a demo that was killed; returns what it removed."""
    removed = []
    base = Path(tmp or tempfile.gettempdir())
    for d in base.glob(PREFIX + "*"):
        try:
            st = d.lstat()
            if not d.is_dir() or d.is_symlink() or st.st_uid != os.getuid():
                continue
            owner = d / OWNER
            if owner.exists():
                stale = not _alive(int(owner.read_text().strip() or "0"))
            else:  # kept on purpose (--keep), or killed before it wrote its owner: only if old
                stale = not (d / "kept").exists() and time.time() - st.st_mtime > ORPHAN_AFTER
        except (OSError, ValueError):
            continue
        if stale:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


class DemoSite:
    def __init__(self, *, keep: bool = False) -> None:
        self.keep = keep
        self.stale_removed = remove_stale()
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        (self.root / ("kept" if keep else OWNER)).write_text(f"{os.getpid()}\n")
        self.home = self.root / "site"
        self._services: Services | None = None
        self._people: People | None = None
        self.routers: RouterFleet | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("DemoSite is used outside its with-block")
        return self._services

    @property
    def people(self) -> People:
        if self._people is None:
            raise RuntimeError("DemoSite is used outside its with-block")
        return self._people

    def __enter__(self) -> DemoSite:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _build(self) -> None:
        init_site(self.home, name="demo")
        with open(self.home / "config.toml", "a", encoding="utf-8") as f:
            f.write(DEMO_AUTH)
        shipped = resources.files("oob_console.demo") / "runbooks"
        for item in shipped.iterdir():
            if item.name.endswith(".md"):
                (self.home / "runbooks" / item.name).write_text(item.read_text(encoding="utf-8"),
                                                                 encoding="utf-8")
        self._services = Services.from_config(str(self.home / "config.toml"), actor=DEMO_ACTOR)
        for text in TIMELINE:
            self._services.audit.note(text)
        self._people = enroll(self._services, self.root)
        self._start_routers(self._services)

    def _start_routers(self, app: Services) -> None:
        """The demo routers on loopback, and an inventory that pins their host keys."""
        import asyncssh

        key = asyncssh.generate_private_key("ssh-ed25519")
        keys = self.home / "keys"
        keys.mkdir(mode=0o700)
        fd = os.open(keys / "demo_ed25519", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.export_private_key())
        self.routers = RouterFleet(key.export_public_key().decode())
        ports = self.routers.start()
        devices = []
        for r in ROUTERS:
            role = "backbone" if r.name.startswith("bb") else "edge"
            links = tuple(Link(i.name, "mgmt" if i.name.startswith("mgmt") else
                               "upstream" if "upstream" in i.description else "backbone",
                               peer_device=i.peer or None)
                          for i in r.interfaces)
            bgp = tuple(BgpSession(n.address, n.remote_as, "ibgp" if n.remote_as == r.local_as else "upstream",
                                   description=n.description) for n in r.neighbors)
            devices.append(Device(name=r.name, platform="frr", host="127.0.0.1", port=ports[r.name],
                                  username="demo", key_file="keys/demo_ed25519",
                                  host_keys=(self.routers.host_key(r.name),), site="sjc1", role=role,
                                  links=links, bgp=bgp, tags=("demo",)))
        app.devices.store.save(Inventory(tuple(devices)),
                               header="oob demo: simulated routers on 127.0.0.1 (in-process SSH servers).")

    def close(self) -> None:
        """Stop what the demo started and remove its directory (unless kept)."""
        if self.routers is not None:
            self.routers.stop()
        if self._services is not None and "store" in self._services.__dict__:
            self._services.store.close()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
