from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.adapters.drill_reports_files import ReportFiles
from oob_console.errors import NotFoundError, StorageError


def test_write_list_read(tmp_path: Path) -> None:
    store = ReportFiles(tmp_path / "reports")
    paths = store.write("drill-20261121T080000Z", "# md\n", {"id": "x"})
    assert [Path(p).stat().st_mode & 0o777 for p in paths] == [0o600, 0o600]
    store.write("drill-20261120T080000Z-2", "# older\n", {"id": "y"})
    (tmp_path / "reports" / "notes.json").write_text("{}")
    assert store.names() == ["drill-20261120T080000Z-2", "drill-20261121T080000Z"]
    assert store.read("drill-20261121T080000Z") == ("# md\n", {"id": "x"})
    assert not list((tmp_path / "reports").glob(".*.tmp"))


def test_bad_names_and_broken_files(tmp_path: Path) -> None:
    store = ReportFiles(tmp_path)
    with pytest.raises(NotFoundError):
        store.read("../../etc/passwd")
    with pytest.raises(NotFoundError):
        store.read("drill-20261121T080000Z")
    (tmp_path / "drill-20261121T080000Z.json").write_text("[1]")
    (tmp_path / "drill-20261121T080000Z.md").write_text("x")
    with pytest.raises(StorageError):
        store.read("drill-20261121T080000Z")


def test_unwritable_folder(tmp_path: Path) -> None:
    (tmp_path / "reports").write_text("a file, not a folder")
    with pytest.raises(StorageError):
        ReportFiles(tmp_path / "reports").write("drill-20261121T080000Z", "", {})
