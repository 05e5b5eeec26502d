"""Where each part of the store lives, on disk or in memory, and which names are safe.

Hamlet ids arrive from the server and become file names, so they are checked against a
strict pattern before any path is built from them: an id like "../../x" is a ValueError,
never a file outside the data directory.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Protocol

from tinydb.storages import MemoryStorage

from .atomic import AtomicJSONStorage, Database

DATA_DIR_ENV = "FLET_APP_STORAGE_DATA"
META = "meta.json"
DRAFTS = "drafts.json"
SETTINGS = "settings.json"
HAMLETS_DIR = "hamlets"
ARCHIVE_DIR = "archive"

_HAMLET_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_YEAR = re.compile(r"[0-9]{4}")


def default_data_dir() -> Path:
    """The app's private data directory on a phone (Flet sets the variable), else ./storage/data."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    return Path.cwd() / "storage" / "data"


def check_hamlet_id(hamlet_id: object) -> str:
    """The id itself when it is safe to use as a file name; ValueError otherwise."""
    if not isinstance(hamlet_id, str) or not _HAMLET_ID.fullmatch(hamlet_id):
        raise ValueError(f"invalid hamlet id {hamlet_id!r}: expected 1–64 of [A-Za-z0-9_-]")
    return hamlet_id


def shard_path(hamlet_id: str) -> str:
    return f"{HAMLETS_DIR}/{check_hamlet_id(hamlet_id)}.json"


def archive_path(hamlet_id: str, year: int) -> str:
    if not 1000 <= year <= 9999:
        raise ValueError(f"archive year out of range: {year}")
    return f"{ARCHIVE_DIR}/{check_hamlet_id(hamlet_id)}/{year:04d}.json"


class Backend(Protocol):
    """Opens the store's files by relative path and lists the hamlet files present."""

    def open(self, relative: str) -> Database: ...

    def shard_ids(self) -> set[str]: ...

    def archive_years(self, hamlet_id: str) -> list[int]: ...

    def fingerprint(self, relative: str) -> str | None: ...


class DiskBackend:
    """Files under one folder, each written atomically by `AtomicJSONStorage`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def open(self, relative: str) -> Database:
        return Database(AtomicJSONStorage(self.folder / relative))

    def shard_ids(self) -> set[str]:
        return {
            name[:-5]
            for name in _names(self.folder / HAMLETS_DIR)
            if name.endswith(".json") and _HAMLET_ID.fullmatch(name[:-5])
        }

    def fingerprint(self, relative: str) -> str | None:
        """A hash of the file's bytes: equal exactly when the content is the same."""
        try:
            return hashlib.blake2b((self.folder / relative).read_bytes(), digest_size=16).hexdigest()
        except FileNotFoundError:
            return None

    def archive_years(self, hamlet_id: str) -> list[int]:
        folder = self.folder / ARCHIVE_DIR / check_hamlet_id(hamlet_id)
        return sorted(
            int(name[:-5]) for name in _names(folder) if name.endswith(".json") and _YEAR.fullmatch(name[:-5])
        )


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []


class MemoryBackend:
    """TinyDB's MemoryStorage per file: the same repository code, nothing on disk."""

    def __init__(self) -> None:
        self._files: dict[str, MemoryStorage] = {}

    def open(self, relative: str) -> Database:
        return Database(self._files.setdefault(relative, MemoryStorage()))

    def _written(self, prefix: str) -> list[str]:
        return [
            path[len(prefix) : -5]
            for path, storage in self._files.items()
            if path.startswith(prefix) and storage.memory is not None
        ]

    def shard_ids(self) -> set[str]:
        return set(self._written(f"{HAMLETS_DIR}/"))

    def archive_years(self, hamlet_id: str) -> list[int]:
        return sorted(int(y) for y in self._written(f"{ARCHIVE_DIR}/{check_hamlet_id(hamlet_id)}/"))

    def fingerprint(self, relative: str) -> str | None:
        return None  # nothing outlives the process: no cache to validate
