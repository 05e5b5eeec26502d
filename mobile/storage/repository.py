"""The phone's store: the only storage API the app uses.

Layout under the data directory (`default_data_dir()`), every file a TinyDB JSON document
written by `AtomicJSONStorage` (temp file, fsync, rename, fsync the directory), beside the
empty `.lock` that keeps a second process off the folder (storage/owner.py):

    meta.json                      hamlets this phone works in (survey.records.Hamlet dicts)
    settings.json                  app settings, JSON values by key
    drafts.json                    wizard autosave: small, written often, kept apart
    hamlets/<hamlet_id>.json       hot shard: table `households` (each with its summary) and
                                   table `visits`: unsynced visits, each household's latest
                                   synced completed visit and anything newer
    archive/<hamlet_id>/<yyyy>.json  synced visits a later synced completed visit superseded

Why it is safe:
- Every file is replaced atomically, so after a kill each file is its old or its new
  version, never a mix; a save that returned is on disk.
- A visit and its household's summary live in one file and go out in one write, so the
  household list never disagrees with the visits behind it.
- Moving visits to the archive is two writes, archive first, then the hot shard. A crash
  in between leaves a visit in both files: harmless, because synced visits never change
  and readers de-duplicate by id; the next `archive_synced()` finishes the move. The hot
  shard counts what it handed over in the same write that removes it, so counts stay exact.
- Hamlet ids come from the server: they are checked before they become file names.

Why it is fast: a save rewrites one hamlet's hot shard, whose size is bounded by the
hamlet's households rather than the device's history; parsed files stay cached, so reads
cost no I/O; head names are folded once per shard load, not per keystroke.
"""

from __future__ import annotations

import functools
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from survey.records import Hamlet, Household, Status, Visit
from survey.text import fold, matches, phone_digits

from .files import (
    DRAFTS,
    META,
    SETTINGS,
    Backend,
    DiskBackend,
    MemoryBackend,
    archive_path,
    check_hamlet_id,
    shard_path,
)
from .models import HouseholdRow, Outbox, SyncResult, settle
from .owner import FolderLock
from .shard import (
    ArchiveYear,
    HamletShard,
    StoreFile,
    json_copy,
    plain,
    put,
    refuse_changed_synced,
    to_household,
    to_visit,
    visit_key,
)

_NEEDS_SYNC = (Status.COMPLETE, Status.REJECTED)


def archive_year(visit: Visit) -> int:
    """Which archive file of its hamlet a synced visit goes to: the UTC year of its instant.
    A storage detail only (files stay small); no figure is counted by it."""
    return visit.at.year


_Result = TypeVar("_Result")


def _locked(method: Callable[..., _Result]) -> Callable[..., _Result]:
    """One caller at a time: Flet runs event handlers on worker threads, and an autosave
    racing a visit save on the same file must not interleave inside TinyDB."""

    @functools.wraps(method)
    def locked(self: Repository, *args: Any, **kwargs: Any) -> _Result:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


class Repository:
    """Households, visits, drafts and settings of one phone, behind domain types only.

    One per data folder and process: `Repository(folder)` hands every caller (each browser
    tab of the web build, each `main()` Android starts) the one already open on that folder,
    and a second process is kept off it (`StoreInUse`, storage/owner.py). `close()` lets go.
    """

    _open: ClassVar[weakref.WeakValueDictionary[str, Repository]] = weakref.WeakValueDictionary()
    _opening: ClassVar[threading.Lock] = threading.Lock()

    def __new__(cls, folder: Path | str) -> Repository:
        key = os.path.realpath(folder)
        with cls._opening:
            found = cls._open.get(key)
            if found is not None and found._owner is not None and found._owner.held:
                return found
            owner = FolderLock(Path(folder))  # StoreInUse when another process has it
            repository = super().__new__(cls)
            try:
                repository._setup(DiskBackend(Path(folder)))
                repository._owner = owner
                repository.finish_moves()  # a household move a crash interrupted
            except BaseException:
                owner.release()
                raise
            weakref.finalize(repository, owner.release)
            cls._open[key] = repository
            return repository

    def __init__(self, folder: Path | str) -> None:
        pass  # set up once, in __new__: a second Repository(folder) is the first one

    def close(self) -> None:
        """Let go of the folder: the next `Repository(folder)` reads it from disk again."""
        with self._lock:
            if self._owner is not None:
                self._owner.release()

    @classmethod
    def in_memory(cls) -> Repository:
        """The same store on TinyDB's MemoryStorage: for tests and previews."""
        repository = object.__new__(cls)
        repository._setup(MemoryBackend())
        return repository

    def _setup(self, backend: Backend) -> None:
        self._backend = backend
        self._owner: FolderLock | None = None
        self._lock = threading.RLock()
        self._shards: dict[str, HamletShard] = {}
        self._archives: dict[tuple[str, int], ArchiveYear] = {}
        self._files: dict[str, StoreFile] = {}
        self._present: set[str] | None = None
        self._batch: list[StoreFile] | None = None
        self._device_index: tuple[tuple[int, ...], list[tuple[str, str, str, HamletShard]]] = ((), [])

    # -- files ----------------------------------------------------------------------------
    def _file(self, name: str) -> StoreFile:
        if name not in self._files:
            self._files[name] = StoreFile(self._backend.open(name))
        return self._files[name]

    def _shard(self, hamlet_id: str) -> HamletShard:
        shard = self._shards.get(hamlet_id)
        if shard is None:
            shard = HamletShard(hamlet_id, self._backend.open(shard_path(hamlet_id)))
            self._shards[hamlet_id] = shard
        return shard

    def _all_shards(self) -> list[HamletShard]:
        if self._present is None:
            self._present = self._backend.shard_ids()
        return [self._shard(h) for h in sorted(self._present | set(self._shards))]

    def _archive(self, hamlet_id: str, year: int) -> ArchiveYear:
        key = (hamlet_id, year)
        if key not in self._archives:
            self._archives[key] = ArchiveYear(self._backend.open(archive_path(hamlet_id, year)))
        return self._archives[key]

    def _archives_of(self, hamlet_id: str) -> list[ArchiveYear]:
        return [self._archive(hamlet_id, y) for y in self._backend.archive_years(hamlet_id)]

    def _enlist(self, file: StoreFile) -> None:
        """Inside `batch()`, hold this file's writes until the batch ends."""
        if self._owner is not None and not self._owner.held:
            raise RuntimeError("this store was closed: open Repository(folder) again")
        if self._batch is not None and all(f is not file for f in self._batch):
            file.begin()
            self._batch.append(file)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many saves into one write per touched file (roster pulls, bulk imports).

        Saves inside return before they are durable; the batch is durable when it exits.
        Each file stays atomic; files are written in the order they were first touched.
        """
        with self._lock:  # held for the whole batch: other threads wait, as for one save
            if self._batch is not None:
                yield
                return
            self._batch = []
            try:
                yield
            except BaseException:
                files, self._batch = self._batch, None
                for file in files:
                    file.abort()
                raise
            files, self._batch = self._batch, None
            for done, file in enumerate(files):
                try:
                    file.commit()
                except BaseException:
                    for rest in files[done + 1 :]:
                        rest.abort()
                    raise

    # -- hamlets --------------------------------------------------------------------------
    @_locked
    def save_hamlets(self, hamlets: list[Hamlet]) -> None:
        """Replace the list of hamlets this phone works in (the server's list wins)."""
        docs = [plain(h.to_dict()) for h in hamlets]
        for doc in docs:
            check_hamlet_id(doc["id"])
        meta = self._file(META)
        table = meta.db.table("hamlets")
        self._enlist(meta)
        with meta.writing():
            table.truncate()
            for doc in docs:
                put(table, doc["id"], doc)

    @_locked
    def hamlets(self) -> list[Hamlet]:
        """In the order the server gave them."""
        return [Hamlet.from_dict(json_copy(dict(d))) for d in self._file(META).db.table("hamlets")]

    @_locked
    def hamlet(self, hamlet_id: str) -> Hamlet | None:
        doc = self._file(META).db.table("hamlets").doc(check_hamlet_id(hamlet_id))
        return None if doc is None else Hamlet.from_dict(json_copy(dict(doc)))

    # -- households -----------------------------------------------------------------------
    def _shard_of_household(self, household_id: str) -> HamletShard | None:
        for shard in list(self._shards.values()):
            if shard.has_household(household_id):
                return shard
        for shard in self._all_shards():
            if shard.has_household(household_id):
                return shard
        return None

    @_locked
    def save_household(self, household: Household) -> None:
        """Insert or replace; its visit summary is kept. A household whose hamlet changed (the
        server's version after another phone moved it) moves to that hamlet's file with all
        its visits, hot and archived (`_move`)."""
        check_hamlet_id(household.hamlet_id)
        shard = self._shard_of_household(household.id)
        if shard is not None and shard.hamlet_id != household.hamlet_id:
            self._move(household.id, shard.hamlet_id, household.hamlet_id)
            shard = self._shard(household.hamlet_id)
        shard = shard or self._shard(household.hamlet_id)
        self._enlist(shard)
        shard.save_household(household)

    @_locked
    def forget_household(self, household_id: str) -> bool:
        """Let go of a household this phone no longer works on (another phone moved it to a
        hamlet outside this phone's): True when done. Never while anything of it waits to be
        sent or a visit to it is in progress (False): nothing saved is lost."""
        shard = self._shard_of_household(household_id)
        if shard is None:
            return True
        row = shard.row(household_id)
        visits = shard.visit_docs(household_id)
        waiting = (row is not None and row.household.needs_sync) or any(d["status"] != Status.SYNCED for d in visits)
        drafts = self._file(DRAFTS).db.table("drafts")
        if waiting or any((d.get("visit") or {}).get("household_id") == household_id for d in drafts):
            return False
        self._move(household_id, shard.hamlet_id, None)
        return True

    def _move(self, household_id: str, source: str, target: str | None) -> None:
        """Move a household and every visit of it from one hamlet's files to another's (None:
        out of this phone). A journal entry in settings is written first and cleared last, so
        a move a crash interrupted is finished at the next open (`finish_moves`): the files
        are written target first, source last, and every step can be taken twice."""
        if self._batch is not None:
            raise RuntimeError("a household cannot move inside batch()")
        count = sum(
            len(self._archive(source, year).of_household(household_id)) for year in self._backend.archive_years(source)
        )
        entry = {"household_id": household_id, "source": source, "target": target, "archived": count}
        self._journal("add", entry)
        self._apply_move(entry)
        self._journal("remove", entry)

    def _apply_move(self, entry: dict[str, Any]) -> None:
        """One move, every step of which may run twice: `entry["archived"]` (how many of its
        visits were in the source's archive when the move began) keeps the counts exact."""
        household_id, source, target, count = (
            entry["household_id"],
            entry["source"],
            entry["target"],
            int(entry.get("archived", 0)),
        )
        old = self._shard(check_hamlet_id(source))
        doc = old.household_doc(household_id)
        hot = [json_copy(dict(d)) for d in old.visit_docs(household_id)]
        archived = {
            year: self._archive(source, year).of_household(household_id) for year in self._backend.archive_years(source)
        }
        if target is not None and doc is not None:
            doc["hamlet_id"] = target
            self._shard(check_hamlet_id(target)).receive(doc, hot, count)
            for year, docs in archived.items():
                if docs:
                    self._archive(target, year).add(docs)
        for year, docs in archived.items():
            if docs:
                self._archive(source, year).remove([d["id"] for d in docs])
        old.release(household_id, count)
        self._present = None

    def _journal(self, action: str, entry: dict[str, Any]) -> None:
        settings = self._file(SETTINGS)
        table = settings.db.table("settings")
        current = table.doc("moves_in_progress")
        moves = [m for m in (current["value"] if current else []) if m != entry]
        if action == "add":
            moves.append(entry)
        with settings.writing():
            put(table, "moves_in_progress", {"value": moves})

    @_locked
    def finish_moves(self) -> int:
        """Finish any household move a crash interrupted (see `_move`); how many."""
        current = self._file(SETTINGS).db.table("settings").doc("moves_in_progress")
        moves = list(current["value"]) if current else []
        for entry in moves:
            self._apply_move(entry)
            self._journal("remove", entry)
        return len(moves)

    @_locked
    def household(self, household_id: str) -> Household | None:
        shard = self._shard_of_household(household_id)
        row = shard.row(household_id) if shard else None
        return row.household if row else None

    @_locked
    def households(self, hamlet_id: str) -> list[HouseholdRow]:
        """A hamlet's households with their summaries, by head name as Vietnamese read it."""
        return self._shard(check_hamlet_id(hamlet_id)).rows()

    @_locked
    def search(self, query: str, hamlet_id: str | None = None, limit: int = 50) -> list[HouseholdRow]:
        """Households whose head name, address or phone contain every word of the query.

        Diacritics and case are ignored ("nguyen van" finds "Nguyễn Văn"); a phone number is
        matched by its digits ("+84 912.345.678" finds "0912 345 678"). Keys were folded
        when the shard loaded; per keystroke only the query is folded, and a plain substring
        test on its longest word skips most households before `matches` decides.
        """
        if limit <= 0:
            return []
        folded = fold(query)
        digits = phone_digits(query)
        if len(digits) >= 6 and all(ch.isdigit() or ch in " +.-()" for ch in query.strip()):
            folded = digits  # a phone number, however written: its digits, national form
        longest = max(folded.split(), key=len, default="")
        if hamlet_id is None:
            entries = self._entries()
        else:
            shard = self._shard(check_hamlet_id(hamlet_id))
            entries = [(name, h, key, shard) for name, h, key in shard.index()]
        found: list[HouseholdRow] = []
        for _, household_id, key, shard in entries:
            if longest in key and matches(folded, key):
                row = shard.row(household_id)
                if row is not None:
                    found.append(row)
                    if len(found) >= limit:
                        break
        return found

    def _entries(self) -> list[tuple[str, str, str, HamletShard]]:
        """The device-wide search order, rebuilt only when some shard's households changed."""
        shards = self._all_shards()
        indexes = [shard.index() for shard in shards]
        stamp = tuple(x for shard in shards for x in (id(shard), shard.generation))
        if stamp != self._device_index[0]:
            merged = sorted(
                (
                    (name, h, key, shard)
                    for shard, index in zip(shards, indexes, strict=False)
                    for name, h, key in index
                ),
                key=lambda entry: entry[:2],
            )
            self._device_index = (stamp, merged)
        return self._device_index[1]

    # -- visits ---------------------------------------------------------------------------
    @_locked
    def save_visit(self, visit: Visit) -> None:
        """Store a visit and its household's new summary in one atomic write, in the file of
        the hamlet the household is in now (a visit keeps the hamlet it was made in).

        ValueError when the household is not on this phone, or when the visit is synced and
        this would change it (visits are append-only once the server has them).
        """
        check_hamlet_id(visit.hamlet_id)
        shard = self._shard_of_household(visit.household_id) or self._shard(visit.hamlet_id)
        if visit.status is Status.SYNCED and shard.visit_doc(visit.id) is None:
            archived = self._archive(shard.hamlet_id, archive_year(visit)).visit_doc(visit.id)
            if archived is not None and refuse_changed_synced(Visit.from_dict(archived), visit):
                return
        self._enlist(shard)
        shard.save_visit(visit)

    @_locked
    def visit(self, visit_id: str, *, archived: bool = True) -> Visit | None:
        """Hot shards first; the archive only when the id is not there (old visits are rare),
        and not at all with `archived=False`: a screen asking about an id it only guesses at
        must not read every year of every hamlet."""
        for shard in [*self._shards.values(), *self._all_shards()]:
            doc = shard.visit_doc(visit_id)
            if doc is not None:
                return to_visit(doc)
        if not archived:
            return None
        for shard in self._all_shards():
            for archive in self._archives_of(shard.hamlet_id):
                doc = archive.visit_doc(visit_id)
                if doc is not None:
                    return to_visit(doc)
        return None

    @_locked
    def visits_of(self, household_id: str) -> list[Visit]:
        """Every visit of a household, newest first, the archive included."""
        shard = self._shard_of_household(household_id)
        if shard is None:
            return []
        docs = {
            d["id"]: d
            for a in self._archives_of(shard.hamlet_id)
            for d in a.docs()
            if d["household_id"] == household_id
        }
        docs.update((d["id"], d) for d in shard.visit_docs(household_id))  # hot copy wins
        return [to_visit(d) for d in sorted(docs.values(), key=visit_key, reverse=True)]

    @_locked
    def latest_completed_visits(self, hamlet_id: str | None = None) -> list[Visit]:
        """One visit per household that has a completed one: what on-phone indicators use."""
        if hamlet_id is not None:
            return self._shard(check_hamlet_id(hamlet_id)).latest_completed()
        return [v for shard in self._all_shards() for v in shard.latest_completed()]

    # -- drafts and settings --------------------------------------------------------------
    @_locked
    def save_draft(self, key: str, data: dict[str, Any]) -> None:
        drafts = self._file(DRAFTS)
        doc = plain(dict(data))
        self._enlist(drafts)
        with drafts.writing():
            put(drafts.db.table("drafts"), key, doc)

    @_locked
    def draft(self, key: str) -> dict[str, Any] | None:
        doc = self._file(DRAFTS).db.table("drafts").doc(key)
        return None if doc is None else json_copy(dict(doc))

    @_locked
    def drafts(self) -> dict[str, dict[str, Any]]:
        return {str(d.doc_id): json_copy(dict(d)) for d in self._file(DRAFTS).db.table("drafts")}

    @_locked
    def delete_draft(self, key: str) -> None:
        drafts = self._file(DRAFTS)
        table = drafts.db.table("drafts")
        if table.doc(key) is None:
            return
        self._enlist(drafts)
        with drafts.writing():
            table.drop([key])

    @_locked
    def setting(self, key: str, default: Any = None) -> Any:
        doc = self._file(SETTINGS).db.table("settings").doc(key)
        return default if doc is None else json_copy(doc["value"])

    @_locked
    def set_setting(self, key: str, value: Any) -> None:
        settings = self._file(SETTINGS)
        doc = {"value": plain(value)}
        self._enlist(settings)
        with settings.writing():
            put(settings.db.table("settings"), key, doc)

    # -- sync -----------------------------------------------------------------------------
    @_locked
    def outbox(self) -> Outbox:
        """Every complete or rejected household and visit; drafts never leave the phone."""
        households, visits = self._with_status(_NEEDS_SYNC)
        return Outbox(households=households, visits=visits)

    @_locked
    def rejected(self) -> list[Household | Visit]:
        """Records the server refused, each carrying its `rejection` reason for the volunteer."""
        households, visits = self._with_status((Status.REJECTED,))
        return [*households, *visits]

    def _with_status(self, statuses: tuple[Status, ...]) -> tuple[list[Household], list[Visit]]:
        households: list[Household] = []
        visits: list[Visit] = []
        for shard in self._all_shards():
            households += [to_household(d) for d in shard.households if d["status"] in statuses]
            visits += [to_visit(d) for d in shard.visits if d["status"] in statuses]
        households.sort(key=lambda h: (h.created_at, h.id))
        visits.sort(key=visit_key)
        return households, visits

    @_locked
    def record_results(self, results: Iterable[SyncResult]) -> int:
        """Apply the server's answers: one atomic write per touched hamlet. Returns how many
        records changed; answers for unknown ids or records edited since are left alone."""
        results = list(results)
        for result in results:
            if result.kind not in ("household", "visit"):
                raise ValueError(f"unknown record kind {result.kind!r}")
        touched: dict[str, tuple[HamletShard, dict[str, Household], dict[str, Visit]]] = {}
        for result in results:
            shard, record = self._find_for_sync(result, touched)
            if shard is None or record is None or not settle(record, result):
                continue
            entry = touched.setdefault(shard.hamlet_id, (shard, {}, {}))
            if isinstance(record, Household):
                entry[1][record.id] = record
            else:
                entry[2][record.id] = record
        for shard, households, visits in touched.values():
            self._enlist(shard)
            shard.save_statuses(list(households.values()), list(visits.values()))
        return sum(len(h) + len(v) for _, h, v in touched.values())

    def _find_for_sync(
        self, result: SyncResult, touched: dict[str, tuple[HamletShard, dict[str, Household], dict[str, Visit]]]
    ) -> tuple[HamletShard | None, Household | Visit | None]:
        for shard, households, visits in touched.values():
            pending: dict[str, Household] | dict[str, Visit] = households if result.kind == "household" else visits
            if result.id in pending:
                return shard, pending[result.id]
        if result.kind == "household":
            home = self._shard_of_household(result.id)
            row = home.row(result.id) if home else None
            return home, row.household if row else None
        for candidate in [*self._shards.values(), *self._all_shards()]:
            doc = candidate.visit_doc(result.id)
            if doc is not None:
                return candidate, to_visit(doc)
        return None, None

    @_locked
    def archive_synced(self) -> int:
        """Move superseded synced visits out of the hot shards; returns how many moved.

        Archive first, hot shard second: a crash between leaves a visit in both (harmless),
        never in neither. Not allowed inside `batch()`, which could reorder the two writes.
        """
        if self._batch is not None:
            raise RuntimeError("archive_synced() must not run inside batch()")
        moved = 0
        for shard in self._all_shards():
            docs = [json_copy(dict(d)) for d in shard.superseded()]
            if not docs:
                continue
            by_year: dict[int, list[dict[str, Any]]] = {}
            for doc in docs:
                by_year.setdefault(archive_year(Visit.from_dict(doc)), []).append(doc)
            for year, group in sorted(by_year.items()):
                self._archive(shard.hamlet_id, year).add(group)
            shard.drop_archived([d["id"] for d in docs])
            moved += len(docs)
        return moved

    @_locked
    def hamlet_version(self, hamlet_id: str) -> int:
        """How many times this hamlet's file was written since the store was opened (shared by
        every session of the process): a cache of its figures holds while this does not move."""
        return self._shard(check_hamlet_id(hamlet_id)).version

    @_locked
    def loaded_version(self, hamlet_id: str) -> int | None:
        """`hamlet_version` when the hamlet's file is open already, None when it has not been
        opened (and so not written) since the store was: asking never opens (parses) it."""
        shard = self._shards.get(check_hamlet_id(hamlet_id))
        return None if shard is None else shard.version

    @_locked
    def waiting_in(self, hamlet_id: str) -> dict[str, int]:
        """`waiting` for one hamlet's file: {"complete": to send, "rejected": refused}."""
        shard = self._shard(check_hamlet_id(hamlet_id))
        found = {Status.COMPLETE.value: 0, Status.REJECTED.value: 0}
        for table in (shard.households, shard.visits):
            for doc in table:
                if doc["status"] in found:
                    found[doc["status"]] += 1
        return {"complete": found[Status.COMPLETE.value], "rejected": found[Status.REJECTED.value]}

    @_locked
    def hamlet_fingerprint(self, hamlet_id: str) -> str | None:
        """What a cache of figures derived from one hamlet's hot file is valid for.

        None when there is nothing to key on: an in-memory store, or inside a batch whose
        writes have not reached the file yet.
        """
        if self._batch is not None:
            return None
        return self._backend.fingerprint(shard_path(hamlet_id))

    @_locked
    def counts(self) -> dict[str, int]:
        """Households, visits (archive included) and records waiting to sync: the status line."""
        households = visits = unsynced = 0
        for shard in self._all_shards():
            households += len(shard.households)
            visits += len(shard.visits) + shard.archived_count()
            unsynced += sum(1 for d in shard.households if d["status"] in _NEEDS_SYNC)
            unsynced += sum(1 for d in shard.visits if d["status"] in _NEEDS_SYNC)
        return {"households": households, "visits": visits, "unsynced": unsynced}

    @_locked
    def waiting(self) -> dict[str, int]:
        """Records waiting to be sent ("complete") and refused by the server ("rejected"), by
        their stored status alone: the home screen's line, without reading a record."""
        found = {Status.COMPLETE.value: 0, Status.REJECTED.value: 0}
        for shard in self._all_shards():
            for table in (shard.households, shard.visits):
                for doc in table:
                    status = doc["status"]
                    if status in found:
                        found[status] += 1
        return {"complete": found[Status.COMPLETE.value], "rejected": found[Status.REJECTED.value]}


__all__ = ["HouseholdRow", "Outbox", "Repository", "SyncResult"]
