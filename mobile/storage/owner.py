"""One data folder, one writer (DESIGN §4: nothing saved is ever lost).

Every `Repository` keeps its files parsed in memory and writes them whole: two of them on
one folder would each write back their own copy and drop the other's saves. So:

- within a process, every session (a browser tab of the web build, a second `main()` that
  Android starts in the same process) gets the *same* repository for a folder;
- a second process is kept off a folder in use by an exclusive lock on `<folder>/.lock`,
  held while the first one has the folder open, released by the operating system if that
  process dies. It gets `StoreInUse`, with a message for the volunteer.
"""

from __future__ import annotations

import os
from pathlib import Path

from survey.errors import message

LOCK_FILE = ".lock"


class StoreInUse(RuntimeError):
    """Another program (or another copy of the app) has this data folder open."""

    code = "store_in_use"

    def __init__(self, folder: Path) -> None:
        super().__init__(message(self.code, "en", folder=str(folder)))
        self.folder = folder

    def text(self, lang: str) -> str:
        return message(self.code, lang, folder=str(self.folder))


class FolderLock:
    """An exclusive, non-blocking lock on a folder's lock file, for this process's lifetime
    (or until `release()`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(self._fd)
        except OSError:
            os.close(self._fd)
            self._fd = None
            raise StoreInUse(folder) from None

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                _unlock(fd)
            finally:
                os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


__all__ = ["LOCK_FILE", "FolderLock", "StoreInUse"]
