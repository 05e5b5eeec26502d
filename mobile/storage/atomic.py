"""Crash-safe TinyDB files: atomic replace on write, parsed data cached in memory.

TinyDB's stock `JSONStorage` rewrites its file in place, so a phone that dies (battery,
OOM killer, swiped away) in the middle of a write leaves half a JSON document and the whole
store is unreadable. `AtomicJSONStorage` never touches the live file: it writes a temp file
beside it, fsyncs it, renames it over the target and fsyncs the directory. At every instant
the target is either the old complete document or the new complete document, and a
`write()` that returned is on disk.

`Transactional` wraps any storage so that several TinyDB table operations (a visit and its
household's summary live in two tables of one file) reach the disk as ONE write: that write
is the unit of atomicity, so the two can never disagree.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

__all__ = ["AtomicJSONStorage", "Database", "StoreCorrupted", "TransactionAborted", "Transactional", "UuidTable"]

_TEMP_SUFFIX = ".tmp"


class StoreCorrupted(RuntimeError):
    """A store file is not the JSON we write: kept untouched as evidence, never replaced."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"store file {path} is unreadable ({reason}); it was left untouched")
        self.path = path


class AtomicJSONStorage(Storage):
    """A TinyDB storage writing by temp file + fsync + rename, reading from memory.

    We are the only writer of our files, so the parsed data is cached after the first read
    and `read()` costs nothing. TinyDB mutates the dict `read()` returns before it calls
    `write()`; if the write fails (disk full, read-only media) the cache is dropped so the
    next read reloads what the disk really holds: memory never claims more than disk.
    """

    def __init__(self, path: str | os.PathLike[str], *, create_dirs: bool = True) -> None:
        super().__init__()
        self.path = Path(path)
        self._create_dirs = create_dirs
        if self.path.parent.is_dir():
            remove_leftovers(self.path)
        self._data: dict[str, dict[str, Any]] | None = None
        self._loaded = False
        self.read()  # parse now: a corrupted file must fail loudly at open, not at first save

    def read(self) -> dict[str, dict[str, Any]] | None:
        if not self._loaded:
            self._data = _load(self.path)
            self._loaded = True
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        try:
            payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            if self._create_dirs:
                _ensure_dir(self.path.parent)
            replace_atomically(self.path, payload)
        except BaseException:
            self.forget()
            raise
        self._data = data
        self._loaded = True

    def forget(self) -> None:
        """Drop the cache: the next read comes from disk (after a failed or aborted write)."""
        self._data = None
        self._loaded = False


def _load(path: Path) -> dict[str, dict[str, Any]] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreCorrupted(path, f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise StoreCorrupted(path, "not a mapping of tables")
    # A file's records live as long as the file is unchanged: out of the garbage collector's
    # sight, or every full collection walks the whole store (100 ms pauses mid-screen). JSON
    # data holds no cycles, so reference counting still frees it once the file is replaced.
    gc.freeze()
    return data


def replace_atomically(path: Path, payload: bytes) -> None:
    """Make `payload` the content of `path`, all or nothing, durable when this returns."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temp)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Persist a rename or a new entry in `folder` (POSIX); a no-op where unsupported."""
    flag = getattr(os, "O_DIRECTORY", None)
    if flag is None:  # Windows: directories cannot be opened; NTFS journals the rename
        return
    try:
        fd = os.open(folder, os.O_RDONLY | flag)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the rename itself is atomic
    finally:
        os.close(fd)


def _ensure_dir(folder: Path) -> None:
    if folder.is_dir():
        return
    _ensure_dir(folder.parent)
    with suppress(FileExistsError):
        folder.mkdir()
    fsync_dir(folder.parent)  # the new directory's entry must survive a crash too


def remove_leftovers(path: Path) -> None:
    """Delete temp files a killed writer left beside `path` (never the live file)."""
    prefix = f".{path.name}."
    with suppress(FileNotFoundError):
        for entry in os.scandir(path.parent):
            if entry.name.startswith(prefix) and entry.name.endswith(_TEMP_SUFFIX):
                with suppress(OSError):
                    os.unlink(entry.path)


class TransactionAborted(RuntimeError):
    """An error inside a nested transaction rolled back the enclosing one too."""


class Transactional(Storage):
    """Wraps a storage so writes between `begin()` and the outermost `commit()` are one write.

    TinyDB writes once per table operation; saving a visit touches two tables. Inside a
    transaction `write()` only remembers the data (TinyDB keeps working on the same dict),
    and the outermost commit hands it to the real storage once. `abort()` drops it and makes
    the inner storage reload from disk, so a failed transaction leaves no trace in memory.
    A storage that cannot reload (TinyDB's MemoryStorage) gets a snapshot taken at `begin()`
    instead, so both backends roll back alike.
    """

    def __init__(self, inner: Storage, on_rollback: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.inner = inner
        self._depth = 0
        self._pending: dict[str, dict[str, Any]] | None = None
        self._aborted = False
        self._reloads = callable(getattr(inner, "forget", None))
        self._snapshot: dict[str, dict[str, Any]] | None = None
        self._on_rollback = on_rollback  # drops what TinyDB cached of the rolled-back data

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._pending is not None:
            return self._pending
        return self.inner.read()

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self._depth:
            self._pending = data
        else:
            self.inner.write(data)

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def begin(self) -> None:
        if self._depth == 0 and not self._reloads:
            self._snapshot = copy.deepcopy(self.inner.read())
        self._depth += 1

    def commit(self) -> None:
        if self._depth == 0:
            raise RuntimeError("commit() without begin()")
        self._depth -= 1
        if self._depth:
            return
        pending, self._pending = self._pending, None
        if self._aborted:
            # An inner level rolled back and its caller carried on: whatever was written since
            # sits in memory (TinyDB changes the data read() hands it in place) and must never
            # reach the disk with a later write. Back to what the disk holds.
            self._aborted = False
            self._rollback()
            raise TransactionAborted("an error inside this transaction rolled it back")
        self._snapshot = None
        if pending is not None:
            self.inner.write(pending)  # on failure the inner storage drops its cache itself

    def abort(self) -> None:
        if self._depth == 0:
            raise RuntimeError("abort() without begin()")
        self._depth -= 1
        self._pending = None
        self._rollback(keep_snapshot=self._depth > 0)
        self._aborted = self._depth > 0  # the outer level must not commit half a transaction

    def _rollback(self, *, keep_snapshot: bool = False) -> None:
        """Memory back to the last committed state: the disk's (reload) or the snapshot's."""
        if self._reloads:
            self.inner.forget()  # type: ignore[attr-defined]
        elif self._snapshot is not None:
            self.inner.write(copy.deepcopy(self._snapshot) if keep_snapshot else self._snapshot)
        if not keep_snapshot:
            self._snapshot = None
        if self._on_rollback is not None:
            self._on_rollback()

    def close(self) -> None:
        self.inner.close()


def _tinydb_id(doc_id: str) -> Any:
    """A document id as TinyDB takes it. TinyDB annotates ids as `int`, yet lets a table
    choose their class (`document_id_class`); ours are the device-made UUID strings, so a
    lookup is a dict lookup. This is the one place the two meet."""
    return doc_id


class UuidTable(Table):
    """Documents keyed by our device-made UUID strings: `doc(uuid)` is a dict lookup.

    The store reads and writes through the typed methods below, which take string ids;
    TinyDB's own `get`/`update`/`remove` are annotated for integer ids."""

    document_id_class: Any = str

    def doc(self, doc_id: str) -> Document | None:
        """The document stored under `doc_id`, or None."""
        found = self.get(doc_id=_tinydb_id(doc_id))
        assert not isinstance(found, list)  # one id asked, one document (or None) back
        return found

    def put(self, doc_id: str, doc: Mapping[str, Any]) -> None:
        """Replace (not merge) the document stored under `doc_id`, inserting it when absent."""

        def replace(current: MutableMapping[Any, Any]) -> None:
            current.clear()
            current.update(doc)

        if not self.update(replace, doc_ids=[_tinydb_id(doc_id)]):
            self.insert(Document(doc, doc_id=_tinydb_id(doc_id)))

    def change(self, fields: Callable[[MutableMapping[Any, Any]], None], doc_ids: Iterable[str]) -> list[str]:
        """Apply `fields` to each of these documents in place; the ids changed."""
        return [str(i) for i in self.update(fields, doc_ids=[_tinydb_id(i) for i in doc_ids])]

    def drop(self, doc_ids: Iterable[str]) -> None:
        """Remove these documents (ids not stored are ignored by the caller's checks)."""
        self.remove(doc_ids=[_tinydb_id(i) for i in doc_ids])


class Database(TinyDB):
    """TinyDB whose tables are keyed by UUID strings and whose storage is transactional.

    A rollback also empties every table's query cache: a search answered inside a
    transaction that was then aborted must not be answered the same way after it.
    """

    table_class = UuidTable

    def table(self, name: str, **kwargs: Any) -> UuidTable:
        """The table `name`, keyed by UUID strings (`table_class`)."""
        found = super().table(name, **kwargs)
        assert isinstance(found, UuidTable)
        return found

    def __init__(self, inner: Storage) -> None:
        super().__init__(storage=lambda: Transactional(inner, on_rollback=self._forget_queries))

    def _forget_queries(self) -> None:
        for table in self._tables.values():
            table.clear_cache()

    @property
    def transactional(self) -> Transactional:
        storage = self.storage
        assert isinstance(storage, Transactional)
        return storage
