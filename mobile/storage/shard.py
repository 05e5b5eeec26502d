"""One file of the store: a hamlet's hot shard or one year of its archive.

The hot shard holds a hamlet's households (each with its `HouseholdSummary`) and the
visits still needed on the phone. A visit and the summary it changes are written in one
transaction, i.e. one atomic file replace, so the list a volunteer sees can never disagree
with the visits behind it.
"""

from __future__ import annotations

import json
import marshal
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from survey.records import Household, Status, Visit
from survey.summary import HouseholdSummary, summarize
from survey.text import fold, search_key
from survey.times import instant_or_none

from .atomic import Database, UuidTable
from .models import HouseholdRow

_SHARD_INFO = "archived"  # doc id of the counter of visits moved to the archive


def plain(value: Any) -> Any:
    """A JSON-normalised private copy: both backends then store exactly what disk would.

    Serialising up front also means a value JSON cannot hold fails before anything changes.
    """
    return json.loads(json.dumps(value, ensure_ascii=False))


def json_copy(value: Any) -> Any:
    """Deep copy of JSON data, so a record handed out can never alias the cache.

    marshal copies dicts, lists, strings and numbers exactly, in C: reading a hamlet's
    records is several times cheaper than a recursive copy in Python.
    """
    return marshal.loads(marshal.dumps(value))


def put(table: UuidTable, doc_id: str, doc: dict[str, Any]) -> None:
    """Replace (not merge) the document stored under `doc_id`, inserting it when absent."""
    table.put(doc_id, doc)


_NEVER = datetime.min.replace(tzinfo=UTC)


def visit_key(visit: Visit | dict[str, Any]) -> tuple[datetime, str]:
    """Chronological order of visits, by instant (never by the text of their times); the id
    breaks ties the same way `HouseholdSummary` does. A draft without a time sorts first."""
    at, visit_id = (visit.visited_at, visit.id) if isinstance(visit, Visit) else (visit["visited_at"], visit["id"])
    return instant_or_none(at) or _NEVER, visit_id


class StoreFile:
    """A TinyDB database file whose grouped changes reach the disk as one write."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.version = 0  # bumps whenever a change of this file is committed or rolled back

    @contextmanager
    def writing(self) -> Iterator[None]:
        storage = self.db.transactional
        storage.begin()
        try:
            yield
        except BaseException:
            self.version += 1
            storage.abort()
            raise
        self.version += 1
        storage.commit()

    def begin(self) -> None:
        self.db.transactional.begin()

    def commit(self) -> None:
        self.version += 1
        self.db.transactional.commit()

    def abort(self) -> None:
        self.version += 1
        self.db.transactional.abort()


class ArchiveYear(StoreFile):
    """Synced visits of one hamlet and year that a later synced completed visit superseded."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.visits = db.table("visits")

    def visit_doc(self, visit_id: str) -> dict[str, Any] | None:
        return self.visits.doc(visit_id)

    def docs(self) -> list[dict[str, Any]]:
        return list(self.visits)

    def add(self, docs: list[dict[str, Any]]) -> None:
        """Idempotent: re-adding after a crash between the two writes of a move is harmless."""
        with self.writing():
            for doc in docs:
                put(self.visits, doc["id"], doc)

    def of_household(self, household_id: str) -> list[dict[str, Any]]:
        return [dict(d) for d in self.visits if d["household_id"] == household_id]

    def remove(self, visit_ids: list[str]) -> None:
        present = [v for v in visit_ids if self.visit_doc(v) is not None]
        if present:
            with self.writing():
                self.visits.drop(present)


class HamletShard(StoreFile):
    """The hot file of one hamlet plus an in-memory search index kept in step with it."""

    def __init__(self, hamlet_id: str, db: Database) -> None:
        super().__init__(db)
        self.hamlet_id = hamlet_id
        self.households = db.table("households")
        self.visits = db.table("visits")
        self._info = db.table("shard")
        self.generation = 0  # bumps on every index change; the device-wide index follows it
        self._source: object = object()
        self._names: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self._order: list[tuple[str, str, str]] | None = None

    # -- search index ---------------------------------------------------------------------
    def _fresh(self) -> None:
        """Rebuild the folded keys when the cached data was reloaded (after a failed write)."""
        source = self.db.storage.read()
        if source is self._source:
            return
        self._names.clear()
        self._keys.clear()
        for doc in self.households:
            self._index(doc)
        self._source = source
        self._order = None
        self.generation += 1

    def _index(self, doc: dict[str, Any]) -> None:
        head = str(doc.get("head_name") or "")
        self._names[doc["id"]] = fold(head)
        self._keys[doc["id"]] = search_key(head, doc.get("address"), doc.get("phone"))

    def index(self) -> list[tuple[str, str, str]]:
        """(folded head name, household id, folded search key), in list order."""
        self._fresh()
        if self._order is None:
            self._order = sorted((self._names[h], h, self._keys[h]) for h in self._names)
        return self._order

    # -- households -----------------------------------------------------------------------
    def has_household(self, household_id: str) -> bool:
        self._fresh()
        return household_id in self._names

    def row(self, household_id: str) -> HouseholdRow | None:
        doc = self.households.doc(household_id)
        return None if doc is None else _row(doc)

    def rows(self) -> list[HouseholdRow]:
        return [_row(self._household_doc(h)) for _, h, _ in self.index()]

    def _household_doc(self, household_id: str) -> dict[str, Any]:
        """The stored document of a household the index lists (KeyError if the index lies)."""
        doc = self.households.doc(household_id)
        if doc is None:
            raise KeyError(household_id)
        return doc

    def save_household(self, household: Household) -> None:
        doc = plain(household.to_dict())
        self._fresh()
        current = self.households.doc(household.id)
        doc["summary"] = current["summary"] if current else HouseholdSummary().to_dict()
        with self.writing():
            put(self.households, household.id, doc)
        self._index(doc)
        self._order = None
        self.generation += 1

    # -- visits ---------------------------------------------------------------------------
    def visit_doc(self, visit_id: str) -> dict[str, Any] | None:
        return self.visits.doc(visit_id)

    def visit_docs(self, household_id: str | None = None) -> list[dict[str, Any]]:
        return [d for d in self.visits if household_id is None or d["household_id"] == household_id]

    def save_visit(self, visit: Visit) -> bool:
        """Store the visit and its household's new summary in one write; False if unchanged."""
        home = self.households.doc(visit.household_id)
        if home is None:
            raise ValueError(f"household {visit.household_id} is not in hamlet {self.hamlet_id}")
        doc = plain(visit.to_dict())
        before = self.visit_doc(visit.id)
        if before is not None:
            if before["household_id"] != visit.household_id:
                raise ValueError(f"visit {visit.id} belongs to household {before['household_id']}")
            if refuse_changed_synced(Visit.from_dict(before), visit):
                return False
            others = [Visit.from_dict(d) for d in self.visit_docs(visit.household_id) if d["id"] != visit.id]
            summary = summarize(sorted([*others, visit], key=visit_key))  # the edit may retract
        else:
            summary = HouseholdSummary.from_dict(home.get("summary")).with_visit(visit)
        summary_doc = plain(summary.to_dict())

        def set_summary(current: MutableMapping[Any, Any]) -> None:
            current["summary"] = summary_doc

        with self.writing():
            put(self.visits, visit.id, doc)
            self.households.change(set_summary, [visit.household_id])
        return True

    def save_statuses(self, households: list[Household], visits: list[Visit]) -> None:
        """Sync bookkeeping for many records in one write; summaries do not depend on status."""
        with self.writing():
            for household in households:
                current = self._household_doc(household.id)
                put(self.households, household.id, {**plain(household.to_dict()), "summary": current["summary"]})
            for visit in visits:
                put(self.visits, visit.id, plain(visit.to_dict()))

    def latest_completed(self) -> list[Visit]:
        found = []
        for _, household_id, _ in self.index():
            summary = self._household_doc(household_id)["summary"] or {}
            visit_id = summary.get("last_completed_visit_id")
            doc = self.visit_doc(visit_id) if visit_id else None
            if doc is not None:
                found.append(to_visit(doc))
        return found

    def superseded(self) -> list[dict[str, Any]]:
        """Synced visits older than their household's latest *synced* completed visit.

        Only a synced (immutable) visit may push older ones out: an unsynced one can still be
        edited into "nobody home", and then the older completed visit must be here again.
        """
        latest: dict[str, tuple[datetime, str]] = {}
        for doc in self.visits:
            if doc["status"] == Status.SYNCED and doc.get("outcome") == "completed":
                key = visit_key(doc)
                if key > latest.get(doc["household_id"], (_NEVER, "")):
                    latest[doc["household_id"]] = key
        return [
            d
            for d in self.visits
            if d["status"] == Status.SYNCED and d["household_id"] in latest and visit_key(d) < latest[d["household_id"]]
        ]

    def drop_archived(self, visit_ids: list[str]) -> None:
        """Second write of a move: forget visits the archive now holds, and count them."""
        present = [v for v in visit_ids if self.visit_doc(v) is not None]
        if not present:
            return
        moved = self.archived_count() + len(present)
        with self.writing():
            self.visits.drop(present)
            put(self._info, _SHARD_INFO, {"visits": moved})

    def household_doc(self, household_id: str) -> dict[str, Any] | None:
        doc = self.households.doc(household_id)
        return None if doc is None else json_copy(dict(doc))

    def receive(self, household_doc: dict[str, Any], visit_docs: list[dict[str, Any]], archived: int) -> None:
        """A household moving in from another hamlet: its document (with its summary), its hot
        visits, and how many of its visits move into this hamlet's archive. One write;
        idempotent (a move finished again after a crash changes nothing twice)."""
        self._fresh()
        already = self.households.doc(household_doc["id"]) is not None
        with self.writing():
            put(self.households, household_doc["id"], household_doc)
            for doc in visit_docs:
                put(self.visits, doc["id"], doc)
            if archived and not already:
                put(self._info, _SHARD_INFO, {"visits": self.archived_count() + archived})
        self._index(household_doc)
        self._order = None
        self.generation += 1

    def release(self, household_id: str, archived: int) -> None:
        """A household leaving this hamlet's file (moved, or forgotten by this phone): its
        document and its hot visits, and its visits in this hamlet's archive from the count."""
        self._fresh()
        if self.households.doc(household_id) is None:
            return
        visit_ids = [d["id"] for d in self.visits if d["household_id"] == household_id]
        with self.writing():
            self.households.drop([household_id])
            if visit_ids:
                self.visits.drop(visit_ids)
            if archived:
                put(self._info, _SHARD_INFO, {"visits": max(0, self.archived_count() - archived)})
        self._names.pop(household_id, None)
        self._keys.pop(household_id, None)
        self._order = None
        self.generation += 1

    def archived_count(self) -> int:
        info = self._info.doc(_SHARD_INFO)
        return int(info["visits"]) if info else 0


def refuse_changed_synced(stored: Visit, incoming: Visit) -> bool:
    """True when `incoming` is exactly the stored synced visit; ValueError when it differs.

    Visits are append-only once the server has them: a different visit under a synced id
    would silently diverge from the server's copy.
    """
    if stored.status is not Status.SYNCED:
        return False
    if incoming.status is Status.SYNCED and incoming.fingerprint() == stored.fingerprint():
        return True
    raise ValueError(f"visit {stored.id} is synced and cannot be changed")


def to_household(doc: dict[str, Any]) -> Household:
    return Household.from_dict(json_copy(dict(doc)))


def to_visit(doc: dict[str, Any]) -> Visit:
    return Visit.from_dict(json_copy(dict(doc)))


def _row(doc: dict[str, Any]) -> HouseholdRow:
    return HouseholdRow(to_household(doc), HouseholdSummary.from_dict(doc.get("summary")))
