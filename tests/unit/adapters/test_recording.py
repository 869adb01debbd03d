"""asciicast v2 recordings: file mode, header, events, split UTF-8, torn lines, lookup."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from oob_console.adapters.recordings_asciicast import RecordingDir
from oob_console.errors import NotFoundError


def test_recording_file_is_private_asciicast_v2(tmp_path: Path) -> None:
    store = RecordingDir(tmp_path / "rec")
    rec = store.create(name="r1-ssh", title="oob ssh r1", cols=80, rows=24, env={"TERM": "vt100"})
    rec.output("héllo ".encode()[:2])  # 'h' + half of 'é'
    rec.output("héllo ".encode()[2:] + b"\xe2\x82")  # rest, then an unfinished euro sign
    rec.output(b"\xac\r\n")
    rec.input("show version\r")
    rec.resize(100, 30)
    rec.close()
    path = Path(rec.path)
    assert path.stat().st_mode & 0o777 == 0o600 and (tmp_path / "rec").stat().st_mode & 0o777 == 0o700
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2 and (header["width"], header["height"]) == (80, 24)
    events = [json.loads(x) for x in lines[1:]]
    assert "".join(e[2] for e in events if e[1] == "o") == "héllo €\r\n"
    assert [e[1] for e in events][-2:] == ["i", "r"] and events[-1][2] == "100x30"
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(events))


def test_list_find_and_torn_last_line(tmp_path: Path) -> None:
    store = RecordingDir(tmp_path)
    rec = store.create(name="r1-console", title="t", cols=80, rows=24, env={})
    rec.output(b"login: ")
    rec.close()
    with open(rec.path, "a") as f:
        f.write('[1.5, "o", "torn')  # a crash mid-write
    info = store.find(rec.id[:18])
    assert info.events == 1 and info.id == rec.id
    assert [e[2] for e in store.events(rec.id)] == ["login: "]
    assert [i.id for i in store.list()] == [rec.id]
    with pytest.raises(NotFoundError):
        store.find("nothing-like-this")
