"""Synthetic VRP exports in rpki-client's JSON shape (never downloaded): for tests and the benchmark."""

from __future__ import annotations

import json
import random
from pathlib import Path


def write_export(path: Path, count: int, *, buildtime: str = "2026-12-08T00:00:00Z", seed: int = 19,
                 extra: list[dict[str, object]] | None = None) -> Path:
    """``count`` VRPs like a real export (IPv4 and IPv6, /8../24 and /19../48, several TAs), plus ``extra``.

    Written as rpki-client ``-j`` does: one object, ``metadata`` first, then ``roas``. Streams to disk.
    """
    rnd = random.Random(seed)
    tas = ["afrinic", "apnic", "arin", "lacnic", "ripe"]
    with open(path, "w") as fh:
        fh.write('{"metadata":' + json.dumps({"buildmachine": "bench", "buildtime": buildtime,
                                               "roas": count, "generator": "synthetic"}) + ',"roas":[\n')
        first = True
        for entry in extra or []:
            fh.write(("" if first else ",\n") + json.dumps(entry))
            first = False
        for i in range(count):
            if i % 5 == 4:
                length = rnd.randint(19, 48)
                addr = (0x2000 << 112) | (rnd.getrandbits(length - 3) << (128 - length))
                import ipaddress
                prefix = f"{ipaddress.IPv6Address(addr)}/{length}"
                max_len = min(128, length + rnd.choice((0, 0, 4)))
            else:
                length = rnd.randint(8, 24)
                addr = rnd.getrandbits(length) << (32 - length)
                prefix = f"{addr >> 24 & 255}.{addr >> 16 & 255}.{addr >> 8 & 255}.{addr & 255}/{length}"
                max_len = min(32, length + rnd.choice((0, 0, 0, 2, 8)))
            entry = {"asn": rnd.randint(1, 400000), "prefix": prefix, "maxLength": max_len,
                     "ta": rnd.choice(tas), "expires": 1796000000 + i}
            fh.write(("" if first else ",\n") + json.dumps(entry))
            first = False
        fh.write("\n]}\n")
    return path
