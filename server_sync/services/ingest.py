"""The batch rules of sync protocol v1 (docs/sync-protocol.md): one result per record.

Households first, then visits, so a batch may carry a new household and its first visit.
A record is checked for scope, identity (fingerprint) and the shared validation rules;
one bad record never blocks the rest.

A batch is decided in memory and written in bulk (DESIGN §6: ≥ 5,000 visits/s on 2 cores):
the stored households and visits it touches are read with one query per table and chunk,
and its writes are one executemany per table and kind (new households, changed households,
visits, audit rows, households whose latest visit moved) plus one per-hamlet tally update
and one list of the households whose history changed, which the coverage timeline takes in
before it is next read (services/timeline.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import JSON, Dialect, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from survey.errors import Issue
from survey.records import Consent, FollowUp, Household, Member, Outcome, Visit, day_of, parse_time
from survey.validation import blocking, validate_household, validate_visit

from .. import models
from . import tallies, timeline
from .enrolment import DeviceScope

CHUNK = 500  # ids per IN (…) query: well under every database's parameter limit
_H, _V, _A = models.Household.__table__, models.Visit.__table__, models.Audit.__table__


@dataclass(frozen=True)
class RecordResult:
    kind: str  # household | visit
    id: str
    result: str  # accepted | duplicate | rejected
    code: str = ""
    field: str = ""
    context: dict[str, Any] = dataclasses.field(default_factory=dict)


# -- content and identity ---------------------------------------------------------------------


def fingerprint(content: Mapping[str, Any]) -> str:
    """`Record.fingerprint()` of the record whose `to_dict()` is `content`, without a second to_dict."""
    return identify(content)[0]


def identify(content: Mapping[str, Any]) -> tuple[str, str]:
    """The fingerprint of `content` and its JSON text to store, from one serialisation.

    The fingerprint hashes the canonical JSON (sorted keys, no status or rejection); the
    stored text is that same JSON with status and rejection put back, so the server never
    serialises a record twice (JSON encoding was a fifth of ingest).
    """
    canonical = {k: v for k, v in content.items() if k not in ("status", "rejection")}
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    extra = [f'"{key}":{_dumps(content[key])}' for key in ("status", "rejection") if key in content]
    stored = text if not extra else (text[:-1] + ("," if canonical else "") + ",".join(extra) + "}")
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), stored


def _dumps(value: Any) -> str:
    """JSON text as the JSON column itself would write it (`json.dumps` defaults)."""
    return "null" if value is None else json.dumps(value)


class _Serialised(TypeDecorator[Any]):
    """A JSON column written from JSON text this module already made: no second encoding.
    (PostgreSQL still gets the `::JSON` cast of the underlying type.)"""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:  # type: ignore[override]
        return None


def _as_text(*columns: str) -> dict[str, Any]:
    """`.values()` reading each named JSON column from the pre-serialised `<name>_json` parameter."""
    return {name: bindparam(f"{name}_json", type_=_Serialised()) for name in columns}


def stored_content(record: Household | Visit) -> dict[str, Any]:
    """What the server keeps and hands back: the record as the phone will hold it once synced.

    Equal to `record.to_dict()` with status "synced" and no rejection, built without
    `asdict`'s deep copies (a third of ingest): a visit's content shares its answers with
    the record, which is only read afterwards and then dropped.
    """
    content = _visit_content(record) if type(record) is Visit else None
    if content is None:
        content = _plain(record)
        content["status"], content["rejection"] = "synced", None
    return content


def _visit_content(visit: Visit) -> dict[str, Any] | None:
    """The content of a visit read by `Visit.from_dict` (the ingest hot path), field by field
    in dataclass order; None when any part is not of its declared class (then `_plain`)."""
    consent = visit.consent
    if consent is not None and type(consent) is not Consent:
        return None
    members = []
    for m in visit.members:
        if type(m) is not Member or type(m.answers) is not dict:
            return None
        members.append({"id": m.id, "relation": _leaf(m.relation), "birth_year": _leaf(m.birth_year),
                        "sex": _leaf(m.sex), "answers": m.answers})
    follow_ups = []
    for f in visit.follow_ups:
        if type(f) is not FollowUp:
            return None
        follow_ups.append({"code": f.code, "member_id": _leaf(f.member_id)})
    return {
        "id": visit.id, "created_at": visit.created_at, "updated_at": visit.updated_at,
        "status": "synced", "rejection": None, "checklist_version": visit.checklist_version,
        "household_id": visit.household_id, "hamlet_id": visit.hamlet_id, "visited_at": visit.visited_at,
        "outcome": _leaf(visit.outcome),
        "consent": None if consent is None else {"by": consent.by, "at": consent.at},
        "members": members,
        "answers": visit.answers,
        "follow_ups": follow_ups, "volunteer": _leaf(visit.volunteer),
    }


def _leaf(value: Any) -> Any:
    return value if value is None or type(value) in (str, int) else _plain(value)


_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS.get(type(value))
        if names is None:
            names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


# -- the batch --------------------------------------------------------------------------------


def ingest(session: Session, scope: DeviceScope, households: Sequence[Mapping[str, Any]],
           visits: Sequence[Mapping[str, Any]], *, seq: int, adult_age: int,
           now: datetime | None = None) -> list[RecordResult]:
    """Apply a batch inside the caller's transaction; `seq` marks what it changes for rosters."""
    session.flush()  # the batch writes through the connection: the ORM's pending rows go first
    batch = _Batch(session, scope, seq, now or datetime.now(timezone.utc))
    batch.load_homes([raw["id"] for raw in households], full=True)
    batch.load_homes([raw["household_id"] for raw in visits], full=False)
    results = [batch.household(raw) for raw in households]
    results += batch.visits(visits, adult_age)
    batch.write()
    tallies.apply(session, batch.deltas)
    return results


@dataclass(eq=False)
class _Home:
    """A household as this batch sees it: what the rules read, and what the batch changed.

    `content` and `fingerprint`/`updated_at` are read only for households the batch carries
    (the audit keeps the old content); a visit's household needs its latest visit and tally.
    """

    id: str
    hamlet_id: str
    removed_at: str | None
    latest_visit_id: str | None
    latest_visited_at: str | None
    tallies: dict[str, Any] | None
    created_day: date | None = None
    removed_day: date | None = None
    fingerprint: str = ""
    updated_at: str = ""
    content: dict[str, Any] | None = None
    content_json: str | None = None  # `content` as JSON text, once this batch wrote or needed it
    tallies_json: str | None = None  # `tallies` as JSON text, when a visit of this batch set them
    new: bool = False  # not stored yet: inserted at the end of the batch
    record: dict[str, Any] | None = None  # the columns a household record of this batch set
    latest_moved: bool = False  # a visit of this batch became its latest completed one


class _Batch:
    """One batch's decisions, in the order records came, kept in memory until `write()`."""

    def __init__(self, session: Session, scope: DeviceScope, seq: int, now: datetime) -> None:
        self.session, self.scope, self.seq, self.now = session, scope, seq, now
        self.homes: dict[str, _Home] = {}
        self.looked_up: set[str] = set()
        self.visit_rows: list[dict[str, Any]] = []
        self.audits: list[dict[str, Any]] = []  # in the order the records came
        self.deltas: tallies.Deltas = {}
        # Households whose history this batch changes, and how each stood before (None: new),
        # for the coverage timeline to catch up on (services/timeline.py).
        self.before: dict[str, timeline.History | None] = {}

    def load_homes(self, ids: Iterable[str], *, full: bool) -> None:
        """Read the stored households among `ids` not read yet: one query per CHUNK ids."""
        wanted = sorted({i for i in ids if i not in self.looked_up})
        self.looked_up.update(wanted)
        columns = [_H.c.id, _H.c.hamlet_id, _H.c.removed_at, _H.c.latest_visit_id, _H.c.latest_visited_at,
                   _H.c.tallies, _H.c.created_day, _H.c.removed_day]
        if full:
            columns += [_H.c.fingerprint, _H.c.updated_at, _H.c.content]
        connection = self.session.connection()
        for start in range(0, len(wanted), CHUNK):
            for row in connection.execute(select(*columns).where(_H.c.id.in_(wanted[start:start + CHUNK]))):
                self.homes[row[0]] = _Home(*row)

    def _audit(self, kind: str, record_id: str, action: str, old: _Home | None = None,
               new_fp: str | None = None, new_json: str = "null") -> None:
        """One audit row; contents travel as JSON text (`new_json`: the stored text of the new one)."""
        if old is not None and old.content_json is None:
            old.content_json = _dumps(old.content)
        self.audits.append({"at": self.now, "device_id": self.scope.device_id,
                            "staff_user_id": self.scope.staff_user_id, "kind": kind, "record_id": record_id,
                            "action": action, "old_fingerprint": old.fingerprint if old else None,
                            "old_content_json": old.content_json if old else "null", "new_fingerprint": new_fp,
                            "new_content_json": new_json})

    def _touch(self, home: _Home) -> None:
        """Remember where a household stood before this batch first changes its history."""
        if home.id not in self.before:
            self.before[home.id] = None if home.new else timeline.History(
                home.hamlet_id, home.created_day or date.min, home.removed_day)

    def _contribute(self, home: _Home, sign: int) -> None:
        if home.removed_at is None:
            tallies.add(self.deltas, home.hamlet_id, home.tallies, sign)

    # -- households ---------------------------------------------------------------------------
    def household(self, raw: Mapping[str, Any]) -> RecordResult:
        record = Household.from_dict(raw)
        self.load_homes([record.id], full=True)
        existing = self.homes.get(record.id)
        for hamlet_id in (record.hamlet_id, existing.hamlet_id if existing else record.hamlet_id):
            if hamlet_id not in self.scope.hamlet_ids:
                return _rejected("household", record.id, Issue("hamlet_forbidden", "hamlet_id", {"hamlet": hamlet_id}))
        try:
            issues = blocking(validate_household(record))
        except _SHAPE_ERRORS as exc:
            issues = [_malformed(exc)]
        if issues:
            return _rejected("household", record.id, issues[0])
        content = stored_content(record)
        fp, text = identify(content)
        if existing is not None and existing.fingerprint == fp:
            return RecordResult("household", record.id, "duplicate")
        if existing is not None and not _newer(record, fp, existing):
            self._audit("household", record.id, "superseded", existing, fp, text)
            return RecordResult("household", record.id, "duplicate", "superseded")
        self._audit("household", record.id, "created" if existing is None else "updated", existing, fp, text)
        if existing is None:
            existing = self.homes[record.id] = _Home(record.id, record.hamlet_id, None, None, None,
                                                     tallies.NEVER_VISITED, new=True)
        else:
            self._contribute(existing, -1)
        self._touch(existing)
        existing.hamlet_id, existing.removed_at = record.hamlet_id, record.removed_at
        existing.content, existing.content_json, existing.fingerprint = content, text, fp
        existing.updated_at = record.updated_at
        existing.record = {
            "hamlet_id": record.hamlet_id, "content_json": text, "fingerprint": fp,
            "created_at": record.created_at, "updated_at": record.updated_at, "removed_at": record.removed_at,
            "created_day": day_of(record.created_at),
            "removed_day": day_of(record.removed_at) if record.removed_at else None,
            "received_at": self.now,
        }
        existing.created_day, existing.removed_day = existing.record["created_day"], existing.record["removed_day"]
        self._contribute(existing, +1)
        return RecordResult("household", record.id, "accepted")

    # -- visits -------------------------------------------------------------------------------
    def visits(self, raws: Sequence[Mapping[str, Any]], adult_age: int) -> list[RecordResult]:
        # Ids straight from the wire: a record without one gets a new UUID, stored nowhere yet.
        known = self._stored_fingerprints([raw["id"] for raw in raws if "id" in raw])
        results = []
        latest: dict[str, tuple[str, str, dict[str, Any], str]] = {}
        for raw in raws:  # one record alive at a time: what survives a visit is its row (text)
            record = Visit.from_dict(raw)
            result, row, visit_tallies = self._visit(record, known, adult_age)
            results.append(result)
            if row is None:
                continue
            known[record.id] = row["fingerprint"]
            self.visit_rows.append(row)
            self._audit("visit", record.id, "created", None, row["fingerprint"])
            if visit_tallies is not None:
                home = self.homes[record.household_id]
                self._touch(home)
                best = latest.get(home.id) or (home.latest_visited_at or "", home.latest_visit_id or "")
                if (record.visited_at, record.id) > best[:2]:
                    latest[home.id] = (record.visited_at, record.id, visit_tallies, row["tallies_json"])
        for household_id, (visited_at, visit_id, visit_tallies, tallies_json) in latest.items():
            home = self.homes[household_id]
            self._contribute(home, -1)
            home.latest_visited_at, home.latest_visit_id = visited_at, visit_id
            home.tallies, home.tallies_json, home.latest_moved = visit_tallies, tallies_json, True
            self._contribute(home, +1)
        return results

    def _stored_fingerprints(self, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        connection = self.session.connection()
        for start in range(0, len(ids), CHUNK):
            statement = select(_V.c.id, _V.c.fingerprint).where(_V.c.id.in_(ids[start:start + CHUNK]))
            found.update((row[0], row[1]) for row in connection.execute(statement))
        return found

    def _visit(self, record: Visit, known: dict[str, str],
               adult_age: int) -> tuple[RecordResult, dict[str, Any] | None, dict[str, Any] | None]:
        """The result for one visit; when accepted, its row and its tallies (None unless completed)."""
        if record.hamlet_id not in self.scope.hamlet_ids:
            issue = Issue("hamlet_forbidden", "hamlet_id", {"hamlet": record.hamlet_id})
            return _rejected("visit", record.id, issue), None, None
        fp, text = identify(stored_content(record))
        if record.id in known:
            if known[record.id] == fp:
                return RecordResult("visit", record.id, "duplicate"), None, None
            self._audit("visit", record.id, "refused", None, fp, text)  # what was tried, for the trail
            return _rejected("visit", record.id, Issue("visit_immutable", "id")), None, None
        home = self.homes.get(record.household_id)
        if home is None:
            return _rejected("visit", record.id, Issue("household_unknown", "household_id")), None, None
        if home.hamlet_id not in self.scope.hamlet_ids:
            issue = Issue("hamlet_forbidden", "household_id", {"hamlet": home.hamlet_id})
            return _rejected("visit", record.id, issue), None, None
        try:
            issues = blocking(validate_visit(record, adult_age=adult_age, now=self.now))
            completed = record.outcome == Outcome.COMPLETED
            visit_tallies = tallies.visit_tallies(record) if completed and not issues else None
        except _SHAPE_ERRORS as exc:  # an answer of a shape the rules never expected
            return _rejected("visit", record.id, _malformed(exc)), None, None
        if issues:
            return _rejected("visit", record.id, issues[0]), None, None
        row = {"id": record.id, "household_id": record.household_id, "hamlet_id": record.hamlet_id,
               "visited_at": record.visited_at, "visited_day": record.day, "outcome": record.outcome,
               "content_json": text, "fingerprint": fp, "received_at": self.now,
               "device_id": self.scope.device_id, "tallies_json": _dumps(visit_tallies), "change_seq": self.seq}
        return RecordResult("visit", record.id, "accepted"), row, visit_tallies

    # -- writing ------------------------------------------------------------------------------
    def write(self) -> None:
        """Everything the batch decided, one executemany per kind of row; households first,
        since visits refer to them."""
        connection = self.session.connection()
        new, rewritten, moved = [], [], []
        for home in self.homes.values():
            latest = {"latest_visit_id": home.latest_visit_id, "latest_visited_at": home.latest_visited_at,
                      "tallies_json": home.tallies_json or _dumps(home.tallies), "change_seq": self.seq}
            if home.new:
                new.append({"id": home.id, **(home.record or {}), **latest})
            elif home.record is not None:
                rewritten.append({"b_id": home.id, **home.record, **latest})
            elif home.latest_moved:
                moved.append({"b_id": home.id, **latest})
        if new:
            connection.execute(_INSERT_HOUSEHOLD, new)
        if rewritten:
            connection.execute(_UPDATE_HOUSEHOLD, rewritten)
        if moved:
            connection.execute(_UPDATE_LATEST, moved)
        if self.visit_rows:
            connection.execute(_INSERT_VISIT, self.visit_rows)
        if self.audits:
            connection.execute(_INSERT_AUDIT, self.audits)
        timeline.queue(self.session, self.before, self.seq)


# The batch's statements; their JSON columns take text the batch serialised itself.
_INSERT_HOUSEHOLD = insert(_H).values(_as_text("content", "tallies"))
_UPDATE_HOUSEHOLD = update(_H).where(_H.c.id == bindparam("b_id")).values(_as_text("content", "tallies"))
_UPDATE_LATEST = update(_H).where(_H.c.id == bindparam("b_id")).values(_as_text("tallies"))
_INSERT_VISIT = insert(_V).values(_as_text("content", "tallies"))
_INSERT_AUDIT = insert(_A).values(_as_text("old_content", "new_content"))


def _newer(record: Household, fp: str, existing: _Home) -> bool:
    """Newer `updated_at` wins; a tie goes to the larger fingerprint, so every order converges."""
    return (parse_time(record.updated_at), fp) > (parse_time(existing.updated_at), existing.fingerprint)


_SHAPE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError)


def _malformed(exc: Exception) -> Issue:
    """The schema checks structure; a value deeper inside that breaks a rule is this record's fault."""
    return Issue("schema_invalid", "", {"problem": type(exc).__name__})


def _rejected(kind: str, record_id: str, issue: Issue) -> RecordResult:
    return RecordResult(kind, record_id, "rejected", issue.code, issue.field, dict(issue.context))
