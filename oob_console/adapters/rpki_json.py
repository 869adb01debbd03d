"""The local VRP snapshot file (a Routinator or rpki-client JSON export, refreshed by cron).

Parsing is :func:`oob_console.core.bgp.rpki.parse_vrps`; this adapter reads the
bytes, dates the snapshot (the export's own timestamp, else the file's
modification time) and keeps the parsed set while the file is unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

from oob_console.core.bgp.preflight import VrpSnapshot
from oob_console.core.bgp.rpki import VrpFormatError, VrpSet, parse_vrps


class VrpFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: tuple[tuple[int, int, int], VrpSet] | None = None

    def load(self, now: float) -> VrpSnapshot:
        source = str(self.path)
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
            if self._cache is not None and self._cache[0] == stamp:
                vrps = self._cache[1]
            else:
                vrps = parse_vrps(self.path.read_bytes())
                self._cache = (stamp, vrps)
        except FileNotFoundError:
            return VrpSnapshot(source, error="the file does not exist")
        except OSError as exc:
            return VrpSnapshot(source, error=f"cannot read it: {exc.strerror}")
        except VrpFormatError as exc:
            return VrpSnapshot(source, error=str(exc))
        if vrps.generated is not None:
            return VrpSnapshot(source, vrps, now - vrps.generated.timestamp(), "export metadata")
        return VrpSnapshot(source, vrps, now - st.st_mtime, "file modification time")
