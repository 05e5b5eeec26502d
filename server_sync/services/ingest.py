"""The batch rules of sync protocol v1 (docs/sync-protocol.md): one result per record.

Households first, then visits, so a batch may carry a new household and its first visit.
A record is checked for scope, identity (fingerprint) and the shared validation rules;
one bad record never blocks the rest. Visits are written in bulk: a day of visits from a
phone is one round trip and one short transaction.
"""

from __future__ import annotations

import hashlib
import json
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from survey.errors import Issue
from survey.records import Household, Outcome, Visit, day_of, parse_time
from survey.validation import blocking, validate_household, validate_visit

from .. import models
from . import tallies
from .enrolment import DeviceScope

CHUNK = 500  # ids per IN (…) query: well under every database's parameter limit


@dataclass(frozen=True)
class RecordResult:
    kind: str  # household | visit
    id: str
    result: str  # accepted | duplicate | rejected
    code: str = ""
    field: str = ""
    context: dict[str, Any] = dataclasses.field(default_factory=dict)


def fingerprint(content: Mapping[str, Any]) -> str:
    """`Record.fingerprint()` of the record whose `to_dict()` is `content`, without a second to_dict."""
    canonical = {k: v for k, v in content.items() if k not in ("status", "rejection")}
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_content(record: Household | Visit) -> dict[str, Any]:
    """What the server keeps and hands back: the record as the phone will hold it once synced."""
    content = _plain(record)  # == record.to_dict(), without asdict's deep copies (a third of ingest)
    content["status"], content["rejection"] = "synced", None
    return content


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


def ingest(session: Session, scope: DeviceScope, households: Sequence[Mapping[str, Any]],
           visits: Sequence[Mapping[str, Any]], *, seq: int, adult_age: int,
           now: datetime | None = None) -> list[RecordResult]:
    """Apply a batch inside the caller's transaction; `seq` marks what it changes for rosters."""
    batch = _Batch(session, scope, seq, now or datetime.now(timezone.utc))
    batch._load_homes([raw["id"] for raw in households] + [raw["household_id"] for raw in visits])
    results = [batch.household(raw) for raw in households]
    results += batch.visits(visits, adult_age)
    tallies.apply(session, batch.deltas)
    return results


class _Batch:
    def __init__(self, session: Session, scope: DeviceScope, seq: int, now: datetime) -> None:
        self.session, self.scope, self.seq, self.now = session, scope, seq, now
        self.homes: dict[str, models.Household] = {}
        self.looked_up: set[str] = set()
        self.deltas: tallies.Deltas = {}

    def _load_homes(self, ids: Iterable[str]) -> None:
        wanted = sorted({i for i in ids if i not in self.looked_up})
        self.looked_up.update(wanted)
        for start in range(0, len(wanted), CHUNK):
            statement = select(models.Household).where(models.Household.id.in_(wanted[start:start + CHUNK]))
            self.homes.update((row.id, row) for row in self.session.scalars(statement))

    def _audit(self, kind: str, record_id: str, action: str, old: models.Household | None = None,
               new_fp: str | None = None, new_content: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"at": self.now, "device_id": self.scope.device_id, "kind": kind, "record_id": record_id,
                "action": action, "old_fingerprint": old.fingerprint if old else None,
                "old_content": old.content if old else None, "new_fingerprint": new_fp,
                "new_content": new_content}

    # -- households ---------------------------------------------------------------------------
    def household(self, raw: Mapping[str, Any]) -> RecordResult:
        record = Household.from_dict(raw)
        self._load_homes([record.id])
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
        fp = fingerprint(content)
        if existing is not None and existing.fingerprint == fp:
            return RecordResult("household", record.id, "duplicate")
        if existing is not None and not _newer(record, fp, existing):
            self.session.execute(insert(models.Audit), [self._audit("household", record.id, "superseded",
                                                                    existing, fp, content)])
            return RecordResult("household", record.id, "duplicate", "superseded")
        action = "created" if existing is None else "updated"
        self.session.execute(insert(models.Audit), [self._audit("household", record.id, action, existing, fp, content)])
        if existing is None:
            existing = models.Household(id=record.id, latest_visit_id=None, latest_visited_at=None,
                                        tallies=tallies.NEVER_VISITED)
            self.session.add(existing)
            self.homes[record.id] = existing
        else:
            self._contribute(existing, -1)
        existing.hamlet_id = record.hamlet_id
        existing.content, existing.fingerprint = content, fp
        existing.created_at, existing.updated_at = record.created_at, record.updated_at
        existing.removed_at = record.removed_at
        existing.created_day = day_of(record.created_at)
        existing.removed_day = day_of(record.removed_at) if record.removed_at else None
        existing.received_at, existing.change_seq = self.now, self.seq
        self._contribute(existing, +1)
        return RecordResult("household", record.id, "accepted")

    def _contribute(self, home: models.Household, sign: int) -> None:
        if home.removed_at is None:
            tallies.add(self.deltas, home.hamlet_id, home.tallies, sign)

    # -- visits -------------------------------------------------------------------------------
    def visits(self, raws: Sequence[Mapping[str, Any]], adult_age: int) -> list[RecordResult]:
        records = [Visit.from_dict(raw) for raw in raws]
        self._load_homes(r.household_id for r in records)
        known = self._stored_fingerprints([r.id for r in records])
        results, rows, audits = [], [], []
        latest: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for record in records:
            result, row = self._visit(record, known, adult_age)
            results.append(result)
            if row is None:
                if result.code == "visit_immutable":  # keep what was tried, for the audit trail
                    content = stored_content(record)
                    audits.append(self._audit("visit", record.id, "refused", None, fingerprint(content), content))
                continue
            known[record.id] = row["fingerprint"]
            rows.append(row)
            audits.append(self._audit("visit", record.id, "created", None, row["fingerprint"]))
            if row["tallies"] is not None:
                home = self.homes[record.household_id]
                best = latest.get(home.id) or (home.latest_visited_at or "", home.latest_visit_id or "", {})
                if (record.visited_at, record.id) > best[:2]:
                    latest[home.id] = (record.visited_at, record.id, row["tallies"])
        if rows:
            self.session.flush()  # new households first: visits refer to them
            self.session.execute(insert(models.Visit), rows)
        if audits:
            self.session.execute(insert(models.Audit), audits)
        for household_id, (visited_at, visit_id, visit_tallies) in latest.items():
            home = self.homes[household_id]
            self._contribute(home, -1)
            home.latest_visited_at, home.latest_visit_id, home.tallies = visited_at, visit_id, visit_tallies
            home.change_seq = self.seq
            self._contribute(home, +1)
        return results

    def _stored_fingerprints(self, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(ids), CHUNK):
            statement = select(models.Visit.id, models.Visit.fingerprint).where(
                models.Visit.id.in_(ids[start:start + CHUNK]))
            found.update((row[0], row[1]) for row in self.session.execute(statement))
        return found

    def _visit(self, record: Visit, known: dict[str, str],
               adult_age: int) -> tuple[RecordResult, dict[str, Any] | None]:
        if record.hamlet_id not in self.scope.hamlet_ids:
            return _rejected("visit", record.id, Issue("hamlet_forbidden", "hamlet_id", {"hamlet": record.hamlet_id})), None
        content = stored_content(record)
        fp = fingerprint(content)
        if record.id in known:
            if known[record.id] == fp:
                return RecordResult("visit", record.id, "duplicate"), None
            return _rejected("visit", record.id, Issue("visit_immutable", "id")), None
        home = self.homes.get(record.household_id)
        if home is None:
            return _rejected("visit", record.id, Issue("household_unknown", "household_id")), None
        if home.hamlet_id not in self.scope.hamlet_ids:
            return _rejected("visit", record.id, Issue("hamlet_forbidden", "household_id", {"hamlet": home.hamlet_id})), None
        try:
            issues = blocking(validate_visit(record, adult_age=adult_age, now=self.now))
            completed = record.outcome == Outcome.COMPLETED
            visit_tallies = tallies.visit_tallies(record) if completed and not issues else None
        except _SHAPE_ERRORS as exc:  # an answer of a shape the rules never expected
            return _rejected("visit", record.id, _malformed(exc)), None
        if issues:
            return _rejected("visit", record.id, issues[0]), None
        row = {"id": record.id, "household_id": record.household_id, "hamlet_id": record.hamlet_id,
               "visited_at": record.visited_at, "visited_day": record.day, "outcome": record.outcome,
               "content": content, "fingerprint": fp, "received_at": self.now,
               "device_id": self.scope.device_id,
               "tallies": visit_tallies}
        return RecordResult("visit", record.id, "accepted"), row


def _newer(record: Household, fp: str, existing: models.Household) -> bool:
    """Newer `updated_at` wins; a tie goes to the larger fingerprint, so every order converges."""
    return (parse_time(record.updated_at), fp) > (parse_time(existing.updated_at), existing.fingerprint)


_SHAPE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError)


def _malformed(exc: Exception) -> Issue:
    """The schema checks structure; a value deeper inside that breaks a rule is this record's fault."""
    return Issue("schema_invalid", "", {"problem": type(exc).__name__})


def _rejected(kind: str, record_id: str, issue: Issue) -> RecordResult:
    return RecordResult(kind, record_id, "rejected", issue.code, issue.field, dict(issue.context))
