"""The demo site: a temporary OOB_HOME with people, keys, runbooks and a timeline, removed on exit.

``with DemoSite() as demo:`` gives ``demo.services`` (a ``bootstrap.App``) for
any front end and ``demo.people`` (see ``demo.people``); leaving the block
stops whatever the demo started and deletes the directory, even after an
error or Ctrl-C. The site allows software keys: a real site never should.
"""

from __future__ import annotations

import shutil
import tempfile
from importlib import resources
from pathlib import Path
from types import TracebackType

from oob_console.bootstrap import App, init_site
from oob_console.demo.people import DEMO_AUTH, People, enroll

TIMELINE = ("15:40 backbone down, DNS withdrawn", "15:52 starting backbone recovery at SJC1")
# Who sets the demo up: the local account (it owns the files), as `oob init` and `oob user add` would be.
DEMO_ACTOR = "local:demo"


class DemoSite:
    def __init__(self, *, keep: bool = False) -> None:
        self.keep = keep
        self.root = Path(tempfile.mkdtemp(prefix="oob-demo-"))
        self.home = self.root / "site"
        self._services: App | None = None
        self._people: People | None = None

    @property
    def services(self) -> App:
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
        self._services = App.from_config(str(self.home / "config.toml"), actor=DEMO_ACTOR)
        for text in TIMELINE:
            self._services.audit.note(text)
        self._people = enroll(self._services, self.root)

    def close(self) -> None:
        """Stop what the demo started and remove its directory (unless kept)."""
        if self._services is not None and "store" in self._services.__dict__:
            self._services.store.close()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
