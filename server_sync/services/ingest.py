"""The batch rules of sync protocol v2 (docs/sync-protocol.md): one result per record.

Households first, then visits, so a batch may carry a new household and its first visit.
Each record is read and judged by the domain's rules about one record (`survey.validation`:
its form, its times, its content), checked for scope and identity (fingerprint), and a
household edit is ordered by the server's revisions, never by device clocks
(`survey.revisions`): one bad record never blocks the rest.

A batch is decided in memory and written in bulk (DESIGN §6: ≥ 5,000 visits/s on 2 cores):
the stored households and visits it touches are read with one query per table and chunk,
and its writes are one executemany per table and kind (new households, changed households,
their revisions and placements, visits, audit rows, households whose latest visit moved)
plus one per-hamlet tally update and one list of the households whose history changed,
which the coverage timeline takes in before it is next read (services/timeline.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Dialect, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from survey.errors import Issue, shown
from survey.indicators import CoverageConfig
from survey.records import BOOKKEEPING, Consent, FollowUp, Household, Member, Outcome, Visit
from survey.revisions import describe, settle
from survey.roster import Placement, follow
from survey.shape import ID
from survey.times import as_utc, instant, local_day
from survey.validation import RecordContext, blocking, judge_household, judge_visit, read_household, read_visit

from .. import models
from . import history, tallies, timeline
from .enrolment import DeviceScope

CHUNK = 500  # ids per IN (…) query: well under every database's parameter limit
_H, _V, _A = models.table(models.Household), models.table(models.Visit), models.table(models.Audit)


_R = models.table(models.HouseholdRevision)


@dataclass(frozen=True)
class RecordResult:
    kind: str  # household | visit
    id: str
    result: str  # accepted | duplicate | conflict | rejected
    code: str = ""
    field: str = ""
    context: dict[str, Any] = dataclasses.field(default_factory=dict)
    revision: int | None = None  # households: the revision the server keeps after this record


@dataclass
class Ingested:
    """A batch's results, in the order sent, and the households whose kept version is not
    exactly what the phone sent (merged, conflicting, or a stale revision): the roster of
    the same response carries them back, whatever the phone's cursor."""

    results: list[RecordResult]
    returned: set[str]


# -- content and identity ---------------------------------------------------------------------


def fingerprint(content: Mapping[str, Any]) -> str:
    """`Record.fingerprint()` of the record whose `to_dict()` is `content`, without a second to_dict."""
    return identify(content)[0]


def identify(content: Mapping[str, Any]) -> tuple[str, str]:
    """The fingerprint of `content` and its JSON text to store, from one serialisation.

    The fingerprint hashes the canonical JSON (sorted keys, no bookkeeping: status,
    rejection, revision); the stored text is that same JSON with the bookkeeping put back,
    so the server never serialises a record twice (JSON encoding was a fifth of ingest).
    """
    canonical = {k: v for k, v in content.items() if k not in BOOKKEEPING}
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    extra = [f'"{key}":{_dumps(content[key])}' for key in BOOKKEEPING if key in content]
    stored = text if not extra else (text[:-1] + ("," if canonical else "") + ",".join(extra) + "}")
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), stored


def _dumps(value: Any) -> str:
    """JSON text as the JSON column itself would write it (`json.dumps` defaults)."""
    return "null" if value is None else json.dumps(value)


class _Serialised(TypeDecorator[Any]):
    """A JSON column written from JSON text this module already made: no second encoding.
    (PostgreSQL still gets the `::JSON` cast of the underlying type.)"""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
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
        members.append(
            {
                "id": m.id,
                "relation": _leaf(m.relation),
                "birth_year": _leaf(m.birth_year),
                "sex": _leaf(m.sex),
                "answers": m.answers,
            }
        )
    follow_ups = []
    for f in visit.follow_ups:
        if type(f) is not FollowUp:
            return None
        follow_ups.append({"code": f.code, "member_id": _leaf(f.member_id)})
    return {
        "id": visit.id,
        "created_at": visit.created_at,
        "updated_at": visit.updated_at,
        "status": "synced",
        "rejection": None,
        "checklist_version": visit.checklist_version,
        "household_id": visit.household_id,
        "hamlet_id": visit.hamlet_id,
        "visited_at": visit.visited_at,
        "outcome": _leaf(visit.outcome),
        "consent": None if consent is None else {"by": consent.by, "at": consent.at},
        "members": members,
        "answers": visit.answers,
        "follow_ups": follow_ups,
        "volunteer": _leaf(visit.volunteer),
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


def ingest(
    session: Session,
    scope: DeviceScope,
    households: Sequence[Any],
    visits: Sequence[Any],
    *,
    seq: int,
    config: CoverageConfig,
    now: datetime | None = None,
) -> Ingested:
    """Apply a batch inside the caller's transaction; `seq` marks what it changes for rosters.

    Records are judged at `now` (the server's clock) with the commune's configuration: its
    time zone, campaign start and adult age.
    """
    session.flush()  # the batch writes through the connection: the ORM's pending rows go first
    batch = _Batch(session, scope, seq, as_utc(now or datetime.now(UTC)), config)
    batch.load_homes([_text_id(raw, "id") for raw in households], full=True)
    batch.load_homes([_text_id(raw, "household_id") for raw in visits], full=False)
    results = [batch.household(raw) for raw in households]
    results += batch.visits(visits)
    batch.write()
    tallies.apply(session, batch.deltas)
    from . import merges  # issue 12 §4: households merged away as duplicates

    back = [h.id for h in batch.homes.values() if h.record is not None and not h.new and h.removed_at is None]
    if back:  # a phone put one back on the roster: its merge is undone
        merges.restored_on_phone(session, back, seq, device_id=scope.device_id, now=batch.now)
    if batch.visit_rows:  # a late visit to a household merged away counts for the one kept
        dropped = {row["household_id"] for row in batch.visit_rows if row["outcome"] == Outcome.COMPLETED}
        kept = merges.keepers(session, dropped) if dropped else {}
        merges.refresh_kept(session, sorted(set(kept.values())), seq)
    return Ingested(results, batch.returned)


def _text_id(raw: Any, key: str) -> str:
    """The record's id under `key` when it is a well-formed id (only those are ever looked
    up: PostgreSQL refuses a NUL in a query, SQLite would not), else ""."""
    value = raw.get(key) if isinstance(raw, Mapping) else None
    return value if isinstance(value, str) and ID.fullmatch(value) else ""


def _result_id(raw: Any) -> str:
    """The id to answer with: the record's own when it has a text one (however bad, shortened
    and made printable), else ""."""
    value = raw.get("id") if isinstance(raw, Mapping) else None
    return shown(value, 100) if isinstance(value, str) else ""


@dataclass(eq=False)
class _Home:
    """A household as this batch sees it: what the rules read, and what the batch changed.

    `content`, `fingerprint` and `revision` are read only for households the batch carries
    (the audit keeps the old content); a visit's household needs its latest visit and tally.
    """

    id: str
    hamlet_id: str
    removed_at: datetime | None
    latest_visit_id: str | None
    latest_visited_at: datetime | None
    tallies: dict[str, Any] | None
    created_day: date | None = None
    removed_day: date | None = None
    fingerprint: str = ""
    revision: int = 0
    content: dict[str, Any] | None = None
    content_json: str | None = None  # `content` as JSON text, once this batch wrote or needed it
    tallies_json: str | None = None  # `tallies` as JSON text, when a visit of this batch set them
    new: bool = False  # not stored yet: inserted at the end of the batch
    record: dict[str, Any] | None = None  # the columns a household record of this batch set
    latest_moved: bool = False  # a visit of this batch became its latest completed one
    placements: list[Placement] | None = None  # loaded when the batch edits it

    def __post_init__(self) -> None:
        if self.latest_visited_at is not None:
            self.latest_visited_at = as_utc(self.latest_visited_at)


class _Batch:
    """One batch's decisions, in the order records came, kept in memory until `write()`."""

    def __init__(self, session: Session, scope: DeviceScope, seq: int, now: datetime, config: CoverageConfig) -> None:
        self.session, self.scope, self.seq, self.now = session, scope, seq, now
        self.config, self.zone = config, config.zone
        self.today = local_day(now, self.zone)
        self.context = RecordContext.of(config, now)
        self.homes: dict[str, _Home] = {}
        self.looked_up: set[str] = set()
        self.visit_rows: list[dict[str, Any]] = []
        self.revision_rows: list[dict[str, Any]] = []
        self.kept: dict[tuple[str, int], dict[str, Any]] = {}  # revisions this batch made, not written yet
        self.placement_rows: list[dict[str, Any]] = []
        self.audits: list[dict[str, Any]] = []  # in the order the records came
        self.deltas: tallies.Deltas = {}
        self.returned: set[str] = set()
        self.refused_homes: set[str] = set()  # households this batch rejected: their visits wait for them
        # Households whose history this batch changes, for the coverage timeline to catch up
        # on (services/timeline.py): it reads what stood before from earlier batches' rows.
        self.touched: set[str] = set()

    def load_homes(self, ids: Iterable[str], *, full: bool) -> None:
        """Read the stored households among `ids` not read yet: one query per CHUNK ids."""
        wanted = sorted({i for i in ids if i and i not in self.looked_up})
        self.looked_up.update(wanted)
        columns = [
            _H.c.id,
            _H.c.hamlet_id,
            _H.c.removed_at,
            _H.c.latest_visit_id,
            _H.c.latest_visited_at,
            _H.c.tallies,
            _H.c.created_day,
            _H.c.removed_day,
        ]
        if full:
            columns += [_H.c.fingerprint, _H.c.revision, _H.c.content]
        connection = self.session.connection()
        for start in range(0, len(wanted), CHUNK):
            for row in connection.execute(select(*columns).where(_H.c.id.in_(wanted[start : start + CHUNK]))):
                self.homes[row[0]] = _Home(*row)

    def _audit(
        self,
        kind: str,
        record_id: str,
        action: str,
        old: _Home | None = None,
        new_fp: str | None = None,
        new_json: str = "null",
    ) -> None:
        """One audit row; contents travel as JSON text (`new_json`: the stored text of the new one)."""
        if old is not None and old.content_json is None:
            old.content_json = _dumps(old.content)
        self.audits.append(
            {
                "at": self.now,
                "device_id": self.scope.device_id,
                "staff_user_id": self.scope.staff_user_id,
                "commune_code": self.scope.commune_code,
                "kind": kind,
                "record_id": record_id,
                "action": action,
                "old_fingerprint": old.fingerprint if old else None,
                "old_content_json": old.content_json if old else "null",
                "new_fingerprint": new_fp,
                "new_content_json": new_json,
            }
        )

    def _contribute(self, home: _Home, sign: int) -> None:
        if home.removed_at is None:
            tallies.add(self.deltas, home.hamlet_id, home.tallies, sign)

    # -- households ---------------------------------------------------------------------------
    def household(self, raw: Any) -> RecordResult:
        result = self._household(raw)
        if result.result == "rejected" and result.id:
            self.refused_homes.add(result.id)
        return result

    def _household(self, raw: Any) -> RecordResult:
        record, issues = read_household(raw)
        if record is None:
            return _rejected("household", _result_id(raw), issues[0])
        self.load_homes([record.id], full=True)
        existing = self.homes.get(record.id)
        for hamlet_id in (record.hamlet_id, existing.hamlet_id if existing else record.hamlet_id):
            if hamlet_id not in self.scope.hamlet_ids:
                return _rejected("household", record.id, Issue("hamlet_forbidden", "hamlet_id", {"hamlet": hamlet_id}))
        if existing is not None:
            # A household's creation time is fixed when first accepted: an edit keeps the
            # server's (a phone that restamped it gets the server's version back).
            stored_created = (existing.content or {}).get("created_at")
            if stored_created and record.created_at != stored_created:
                record.created_at = stored_created
                self.returned.add(record.id)
        content = stored_content(record)
        fp, text = identify(content)
        if existing is not None and existing.fingerprint == fp:
            if record.revision != existing.revision:
                self.returned.add(record.id)  # a re-send whose answer was lost: the phone learns its revision
            return RecordResult("household", record.id, "duplicate", revision=existing.revision)
        issues = blocking(judge_household(record, self.context, content, text, created_known=existing is not None))
        if issues:
            return _rejected("household", record.id, issues[0])
        if existing is None:
            return self._keep(None, record, content, 1, "created")
        base = record.revision or 1  # an edit before the phone ever heard back was made on revision 1
        if base == existing.revision:  # made on the revision the server keeps: it is the next one
            return self._keep(existing, record, content, existing.revision + 1, "updated")
        # Made on an older revision: settled against it. On a revision this server never gave
        # (a phone's word against the server's), against nothing known: nothing of it applies.
        known = self._base_content(record.id, base) if base < existing.revision else None
        settled = settle(known, existing.content or {}, content)
        self.returned.add(record.id)
        lost = Issue("changed_elsewhere", "", describe(settled.lost))
        if not settled.changed:
            self._audit("household", record.id, "conflict", existing, fp, text)
            return _conflict(record.id, lost, existing.revision)
        result = self._keep(
            existing, Household.from_dict(settled.content), dict(settled.content), existing.revision + 1, "merged"
        )
        if not settled.lost:
            return result
        assert result.revision is not None  # _keep always gives the household its new revision
        return _conflict(record.id, lost, result.revision)

    def _base_content(self, household_id: str, revision: int) -> dict[str, Any] | None:
        if (household_id, revision) in self.kept:
            return self.kept[(household_id, revision)]
        row = (
            self.session.connection()
            .execute(select(_R.c.content).where(_R.c.household_id == household_id, _R.c.revision == revision))
            .first()
        )
        return None if row is None else dict(row[0])

    def _keep(
        self, existing: _Home | None, record: Household, content: dict[str, Any], revision: int, action: str
    ) -> RecordResult:
        """Make `record` the household's revision `revision`: row, revision, placements, tallies."""
        content = {**content, "revision": revision, "status": "synced", "rejection": None}
        fp, text = identify(content)
        self._audit("household", record.id, action, existing, fp, text)
        home = existing
        if home is None:
            home = self.homes[record.id] = _Home(
                record.id, record.hamlet_id, None, None, None, tallies.NEVER_VISITED, new=True, placements=[]
            )
        else:
            self._contribute(home, -1)
            if home.placements is None:
                home.placements = [p for p, _ in history.placements(self.session, [home.id]).get(home.id, [])]
        self.touched.add(home.id)
        removed_at = instant(record.removed_at) if record.removed_at else None
        placements = follow(home.placements or [], record, self.zone, self.today)
        self.placement_rows += history.rows(home.id, home.placements or [], placements, self.seq)
        home.placements = placements
        home.hamlet_id, home.removed_at, home.revision = record.hamlet_id, removed_at, revision
        home.content, home.content_json, home.fingerprint = content, text, fp
        home.record = {
            "hamlet_id": record.hamlet_id,
            "content_json": text,
            "fingerprint": fp,
            "revision": revision,
            "created_at": instant(record.created_at),
            "updated_at": instant(record.updated_at),
            "removed_at": removed_at,
            "created_day": local_day(instant(record.created_at), self.zone),
            "removed_day": local_day(removed_at, self.zone) if removed_at else None,
            "received_at": self.now,
        }
        home.created_day, home.removed_day = home.record["created_day"], home.record["removed_day"]
        self.revision_rows.append(
            {
                "household_id": home.id,
                "revision": revision,
                "content_json": text,
                "change_seq": self.seq,
                "received_at": self.now,
            }
        )
        self.kept[(home.id, revision)] = content
        self._contribute(home, +1)
        return RecordResult("household", record.id, "accepted", revision=revision)

    # -- visits -------------------------------------------------------------------------------
    def visits(self, raws: Sequence[Any]) -> list[RecordResult]:
        known = self._stored_fingerprints([i for i in (_text_id(raw, "id") for raw in raws) if i])
        results = []
        latest: dict[str, tuple[datetime, str, dict[str, Any], str]] = {}
        for raw in raws:  # one record alive at a time: what survives a visit is its row (text)
            record, issues = read_visit(raw)
            if record is None:
                results.append(_rejected("visit", _result_id(raw), issues[0]))
                continue
            result, row, visit_tallies = self._visit(record, known)
            results.append(result)
            if row is None:
                continue
            known[record.id] = row["fingerprint"]
            self.visit_rows.append(row)
            self._audit("visit", record.id, "created", None, row["fingerprint"])
            if visit_tallies is not None:
                home = self.homes[record.household_id]
                self.touched.add(home.id)
                best = latest.get(home.id) or (home.latest_visited_at, home.latest_visit_id or "")
                if best[0] is None or (row["visited_at"], record.id) > best[:2]:
                    latest[home.id] = (row["visited_at"], record.id, visit_tallies, row["tallies_json"])
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
            statement = select(_V.c.id, _V.c.fingerprint).where(_V.c.id.in_(ids[start : start + CHUNK]))
            found.update((row[0], row[1]) for row in connection.execute(statement))
        return found

    def _visit(
        self, record: Visit, known: dict[str, str]
    ) -> tuple[RecordResult, dict[str, Any] | None, dict[str, Any] | None]:
        """The result for one visit; when accepted, its row and its tallies (None unless completed)."""
        if record.hamlet_id not in self.scope.hamlet_ids:
            issue = Issue("hamlet_forbidden", "hamlet_id", {"hamlet": record.hamlet_id})
            return _rejected("visit", record.id, issue), None, None
        content = stored_content(record)
        fp, text = identify(content)
        if record.id in known:
            if known[record.id] == fp:
                return RecordResult("visit", record.id, "duplicate"), None, None
            self._audit("visit", record.id, "refused", None, fp, text)  # what was tried, for the trail
            return _rejected("visit", record.id, Issue("visit_immutable", "id")), None, None
        home = self.homes.get(record.household_id)
        if home is None:
            code = "household_refused" if record.household_id in self.refused_homes else "household_unknown"
            return _rejected("visit", record.id, Issue(code, "household_id")), None, None
        if home.hamlet_id not in self.scope.hamlet_ids:
            issue = Issue("hamlet_forbidden", "household_id", {"hamlet": home.hamlet_id})
            return _rejected("visit", record.id, issue), None, None
        issues = blocking(judge_visit(record, self.context, content, text))
        if issues:
            return _rejected("visit", record.id, issues[0]), None, None
        at = record.at
        completed = record.outcome == Outcome.COMPLETED
        visit_tallies = tallies.visit_tallies(record, self.zone) if completed else None
        row = {
            "id": record.id,
            "household_id": record.household_id,
            "hamlet_id": record.hamlet_id,
            "visited_at": at,
            "visited_day": local_day(at, self.zone),
            "outcome": record.outcome,
            "content_json": text,
            "fingerprint": fp,
            "received_at": self.now,
            "device_id": self.scope.device_id,
            "tallies_json": _dumps(visit_tallies),
            "change_seq": self.seq,
        }
        return RecordResult("visit", record.id, "accepted"), row, visit_tallies

    # -- writing ------------------------------------------------------------------------------
    def write(self) -> None:
        """Everything the batch decided, one executemany per kind of row; households first,
        since visits, revisions and placements refer to them."""
        connection = self.session.connection()
        new, rewritten, moved = [], [], []
        for home in self.homes.values():
            latest = {
                "latest_visit_id": home.latest_visit_id,
                "latest_visited_at": home.latest_visited_at,
                "tallies_json": home.tallies_json or _dumps(home.tallies),
                "change_seq": self.seq,
            }
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
        if self.revision_rows:
            connection.execute(_INSERT_REVISION, self.revision_rows)
        history.insert_rows(self.session, self.placement_rows)
        if self.visit_rows:
            connection.execute(_INSERT_VISIT, self.visit_rows)
        if self.audits:
            connection.execute(_INSERT_AUDIT, self.audits)
        timeline.queue(self.session, self.touched, self.seq)


# The batch's statements; their JSON columns take text the batch serialised itself.
_INSERT_HOUSEHOLD = insert(_H).values(_as_text("content", "tallies"))
_UPDATE_HOUSEHOLD = update(_H).where(_H.c.id == bindparam("b_id")).values(_as_text("content", "tallies"))
_UPDATE_LATEST = update(_H).where(_H.c.id == bindparam("b_id")).values(_as_text("tallies"))
_INSERT_REVISION = insert(_R).values(_as_text("content"))
_INSERT_VISIT = insert(_V).values(_as_text("content", "tallies"))
_INSERT_AUDIT = insert(_A).values(_as_text("old_content", "new_content"))


def _rejected(kind: str, record_id: str, issue: Issue) -> RecordResult:
    return RecordResult(kind, record_id, "rejected", issue.code, issue.field, dict(issue.context))


def _conflict(record_id: str, issue: Issue, revision: int) -> RecordResult:
    return RecordResult("household", record_id, "conflict", issue.code, issue.field, dict(issue.context), revision)
