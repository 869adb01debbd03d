"""The host's files by their path on the host, under a root ("/" or a directory standing in for it)."""

from __future__ import annotations

import glob
import os
import stat
from pathlib import Path, PurePosixPath

from oob_console.adapters.atomic_file import replace_file
from oob_console.errors import StorageError
from oob_console.services.host.ports import FileState


class PosixHostFs:
    def __init__(self, root: str = "/") -> None:
        self._root = Path(root)

    def _here(self, path: str) -> Path:
        return self._root / PurePosixPath(path).relative_to("/")

    def state(self, path: str) -> FileState | None:
        try:
            st = os.lstat(self._here(path))
        except FileNotFoundError:
            return None
        return FileState(stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, stat.S_ISDIR(st.st_mode))

    def read(self, path: str) -> bytes | None:
        try:
            return self._here(path).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except OSError as exc:
            raise StorageError(f"cannot read: {exc.strerror}", where=path) from exc

    def write(self, path: str, data: bytes, mode: int) -> None:
        here = self._here(path)
        try:
            self._parents(here)
            replace_file(here, data, keep_previous=True)
            os.chmod(here, mode)
        except OSError as exc:
            raise StorageError(f"cannot write: {exc.strerror}", where=path, hint="run as root") from exc

    def _parents(self, here: Path) -> None:
        missing = []
        parent = here.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for folder in reversed(missing):
            folder.mkdir(mode=0o755)
            os.chmod(folder, 0o755)  # noqa: S103 - /etc/... folders: everyone reads them, as on any host

    def chmod(self, path: str, mode: int) -> None:
        try:
            os.chmod(self._here(path), mode)
        except OSError as exc:
            raise StorageError(f"cannot chmod: {exc.strerror}", where=path, hint="run as root") from exc

    def chown_tree(self, path: str, uid: int, gid: int) -> None:
        top = self._here(path)
        try:
            os.chown(top, uid, gid, follow_symlinks=False)
            for folder, dirs, files in os.walk(top):
                for name in (*dirs, *files):
                    os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)
        except OSError as exc:
            raise StorageError(f"cannot chown: {exc.strerror}", where=path, hint="run as root") from exc

    def glob(self, pattern: str) -> list[str]:
        here = str(self._here(pattern))
        prefix = str(self._root).rstrip("/")
        return sorted("/" + os.path.relpath(p, prefix or "/") for p in glob.glob(here))

    def tree(self, path: str) -> list[str]:
        top = self._here(path)
        out = [path]
        for folder, dirs, files in os.walk(top):
            rel = PurePosixPath(path) / Path(folder).relative_to(top)
            out += [str(rel / name) for name in sorted((*dirs, *files))]
        return out
