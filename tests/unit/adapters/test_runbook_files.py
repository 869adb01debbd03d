from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.adapters.runbooks_markdown import MAX_RUNBOOK_BYTES, RunbookFolder
from oob_console.errors import NotFoundError, StorageError


def test_loads_markdown_recursively_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "bgp").mkdir()
    (tmp_path / "bgp" / "withdraw.md").write_text("# Withdraw\n", encoding="utf-8")
    (tmp_path / "console.md").write_text("no heading\n", encoding="utf-8")
    (tmp_path / ".draft.md").write_text("# Draft\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.md").write_text("# x\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not markdown\n", encoding="utf-8")
    books = RunbookFolder(tmp_path).load()
    assert [(b.name, b.title) for b in books] == [("bgp/withdraw", "Withdraw"), ("console", "console")]


def test_missing_folder_is_not_found_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as err:
        RunbookFolder(tmp_path / "nope", shown_as="runbooks").load()
    assert err.value.where == str(tmp_path / "nope") and "paths.runbooks" in (err.value.hint or "")


def test_bad_files_are_storage_errors_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "latin1.md").write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(StorageError) as err:
        RunbookFolder(tmp_path).load()
    assert err.value.where == str(tmp_path / "latin1.md") and "UTF-8" in err.value.message
    (tmp_path / "latin1.md").unlink()
    (tmp_path / "huge.md").write_bytes(b"x" * (MAX_RUNBOOK_BYTES + 1))
    with pytest.raises(StorageError, match="larger than"):
        RunbookFolder(tmp_path).load()


def test_location_is_shown_as_configured(tmp_path: Path) -> None:
    assert RunbookFolder(tmp_path, shown_as="runbooks").location == "runbooks"
    assert RunbookFolder(tmp_path).location == str(tmp_path)
