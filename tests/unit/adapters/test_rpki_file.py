"""The VRP snapshot file: dated by the export, else by the file; errors are reasons, not exceptions."""

from __future__ import annotations

import json
import os
from pathlib import Path

from oob_console.adapters.rpki_json import VrpFile


def test_age_from_metadata_else_mtime_and_cache(tmp_path: Path) -> None:
    path = tmp_path / "vrps.json"
    path.write_text(json.dumps({"metadata": {"generated": 1000}, "roas": [
        {"asn": "AS64500", "prefix": "203.0.113.0/24", "maxLength": 24}]}))
    snap = VrpFile(path).load(now=4600.0)
    assert snap.vrps is not None and snap.age_seconds == 3600.0 and snap.age_from == "export metadata"
    path.write_text(json.dumps({"roas": []}))
    os.utime(path, (2000, 2000))
    snap = VrpFile(path).load(now=2500.0)
    assert snap.age_seconds == 500.0 and snap.age_from == "file modification time"
    source = VrpFile(path)
    first = source.load(now=2500.0).vrps
    assert source.load(now=2600.0).vrps is first  # unchanged file: parsed once


def test_missing_and_garbage(tmp_path: Path) -> None:
    assert VrpFile(tmp_path / "none.json").load(0).error == "the file does not exist"
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert "not JSON" in (VrpFile(bad).load(0).error or "")
