"""Merging two households entered twice, and undoing it (issue 12 §4).

Staff see both records side by side (`choice`), choose which to keep and confirm; `merge`
then takes the other off the roster as a duplicate of it through an ordinary household edit
(`ingest`: revision, audit, placements, tallies and the phones' roster pull follow) and
records the relation in `household_merge`. Visits are append-only and stay where they were
recorded: the relation makes the kept household count from the newest completed visit of
the two (its current tally here, and as of any day in services/timeline.py, coverage.walk
and tallies.rebuild), and as of any day from the later creation day of the two the pair
counts once (DESIGN §3: a duplicate is not on the roster). `undo` puts the dropped
household back on the roster through the same kind of edit and both back as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.checklist import Label
from survey.records import Household, Visit
from survey.times import as_utc, iso, local_day

from .. import models
from . import ingest, roster, tallies, timeline
from .admin import AdminError, coverage_config
from .enrolment import DeviceScope

_H, _V, _M = models.table(models.Household), models.table(models.Visit), models.table(models.HouseholdMerge)


# -- what staff see before choosing ---------------------------------------------------------


@dataclass(frozen=True)
class MemberLine:
    relation: Label | None
    birth_year: int | None
    sex: Label | None


@dataclass(frozen=True)
class VisitLine:
    day: date
    outcome: str | None


@dataclass(frozen=True)
class MergeSide:
    household_id: str
    head_name: str | None  # personal details: None unless the role may see them
    address: str | None
    phone: str | None
    created_on: date
    completed_on: date | None  # its latest completed visit
    members: tuple[MemberLine, ...]  # of that visit: relation, birth year, sex, no more
    visits: tuple[VisitLine, ...]  # every visit, newest first


@dataclass(frozen=True)
class MergeChoice:
    """A flagged pair, in the order of the URL, and the one suggested to keep with why:
    `reason` "newer_visit" (its completed visit is the newer), "only_visited" (the other
    has none) or "older_record" (neither has one: the first recorded)."""

    first: MergeSide
    second: MergeSide
    suggested: str
    reason: str


def choice(session: Session, hamlet_id: str, a_id: str, b_id: str, *, fields: frozenset[str]) -> MergeChoice:
    """Both households side by side for staff to choose which to keep (issue 12 §4).

    Both must be roster households of `hamlet_id` (AdminError otherwise, nothing read).
    """
    from .households import _choice_label, _definition, _hamlet, _pair, _visible, _zone_of  # households imports us

    a, b = _pair(session, a_id, b_id, hamlet_id)
    for home in (a, b):
        if home.removed_at is not None:
            raise AdminError(
                f"Hộ {home.id} đã bị đưa khỏi danh sách.", f"Household {home.id} is already off the roster."
            )
    tz = _zone_of(session, _hamlet(session, hamlet_id))
    rows = session.execute(
        select(_V.c.household_id, _V.c.id, _V.c.visited_at, _V.c.visited_day, _V.c.outcome)
        .where(_V.c.household_id.in_([a.id, b.id]))
        .order_by(_V.c.visited_at.desc(), _V.c.id.desc())
    ).all()
    latest: dict[str, tuple[datetime, str]] = {}
    for household_id, visit_id, visited_at, _, outcome in rows:
        key = (as_utc(visited_at), visit_id)
        if outcome == "completed" and (household_id not in latest or key > latest[household_id]):
            latest[household_id] = key

    def side(home: models.Household) -> MergeSide:
        members: tuple[MemberLine, ...] = ()
        best = latest.get(home.id)
        if best is not None:
            stored = session.get(models.Visit, best[1])
            assert stored is not None  # just read
            visit = Visit.from_dict(stored.content)
            definition = _definition(visit.checklist_version)
            members = tuple(
                MemberLine(
                    _choice_label(definition, "relation", m.relation),
                    m.birth_year,
                    _choice_label(definition, "sex", m.sex),
                )
                for m in visit.members
            )
        return MergeSide(
            home.id,
            *_visible(home.content, fields),
            home.created_day,
            local_day(best[0], tz) if best else None,
            members,
            tuple(
                VisitLine(day or local_day(as_utc(at), tz), outcome)
                for household_id, _, at, day, outcome in rows
                if household_id == home.id
            ),
        )

    first, second = side(a), side(b)
    la, lb = latest.get(a.id), latest.get(b.id)
    if la and lb:
        suggested, reason = (a.id if la > lb else b.id), "newer_visit"
    elif la or lb:
        suggested, reason = (a.id if la else b.id), "only_visited"
    else:
        earlier = min((a, b), key=lambda h: (as_utc(h.created_at), h.id))
        suggested, reason = earlier.id, "older_record"
    return MergeChoice(first, second, suggested, reason)


# -- merging and undoing --------------------------------------------------------------------


@dataclass(frozen=True)
class MergedPair:
    merge_id: int
    kept_id: str
    dropped_id: str
    kept_name: str | None
    dropped_name: str | None
    merged_at: datetime
    from_day: date


def merged_pairs(session: Session, hamlet_id: str, *, fields: frozenset[str]) -> list[MergedPair]:
    """The hamlet's merges in force, newest first, for the hamlet page's undo list."""
    rows = session.execute(
        select(_M.c.id, _M.c.kept_id, _M.c.dropped_id, _M.c.merged_at, _M.c.from_day)
        .where(_M.c.hamlet_id == hamlet_id, _M.c.undone_seq.is_(None))
        .order_by(_M.c.id.desc())
    ).all()
    ids = sorted({r[1] for r in rows} | {r[2] for r in rows})
    names = {i: c for i, c in session.execute(select(_H.c.id, _H.c.content).where(_H.c.id.in_(ids)))} if ids else {}

    def name(household_id: str) -> str | None:
        return str((names.get(household_id) or {}).get("head_name") or "") if "head_name" in fields else None

    return [MergedPair(i, k, d, name(k), name(d), as_utc(at), day) for i, k, d, at, day in rows]


def merge(
    session: Session, keep_id: str, drop_id: str, staff_user_id: int, *, hamlet_id: str, now: datetime | None = None
) -> int:
    """Take `drop_id` off the roster as a duplicate of `keep_id` (issue 12 §4); the merge's id.

    Both must be roster households of `hamlet_id`, and the dropped one must not be the one
    kept by another merge in force (AdminError otherwise: nothing is written). The drop
    is an ordinary household edit through `ingest` on the revision the server keeps
    (removed_at now, reason "duplicate"): revision, audit with the staff user, placements,
    tallies and the phones' roster pull follow. The relation is recorded in
    `household_merge`, the kept household takes the newest completed visit of the two, and
    both are queued for the timeline, which counts the pair once from the later creation day.
    """
    from .households import _pair  # households imports us

    now = now or datetime.now(UTC)
    seq = roster.next_seq(session)  # taken first: it serialises writers, so the reads below are current
    keep, drop = _pair(session, keep_id, drop_id, hamlet_id)
    for home in (keep, drop):
        if home.removed_at is not None:
            raise AdminError(
                f"Hộ {home.id} đã bị đưa khỏi danh sách.", f"Household {home.id} is already off the roster."
            )
    if lenders(session, [drop.id]):  # its history would have to carry another's visits on
        raise AdminError(
            f"Hộ {drop.id} đang là hộ giữ lại của một lần gộp khác: hãy giữ hộ này, hoặc hoàn tác lần gộp kia trước.",
            f"Household {drop.id} is the one kept by another merge: keep it, or undo that merge first.",
        )
    from_day = max(keep.created_day, drop.created_day)
    _edit(session, drop, staff_user_id, now, seq, removed=True)
    link = models.HouseholdMerge(
        hamlet_id=hamlet_id,
        kept_id=keep.id,
        dropped_id=drop.id,
        from_day=from_day,
        staff_user_id=staff_user_id,
        merged_at=now,
        merged_seq=seq,
    )
    session.add(link)
    session.flush()
    _audit(session, link, "dup_merged", staff_user_id, now)
    refresh_kept(session, [keep.id], seq)
    timeline.queue(session, [keep.id, drop.id], seq)
    return link.id


def undo(
    session: Session, merge_id: int, staff_user_id: int, *, hamlet_id: str, now: datetime | None = None
) -> models.HouseholdMerge:
    """Undo a merge in force of `hamlet_id` (AdminError for another hamlet's, an unknown or an
    undone one): the dropped household comes back on the roster through an ordinary edit
    (the phones' roster pull brings it back), the kept one counts from its own visits again,
    and as of every day both count as before the merge (the timeline reads an undone merge
    as never made). Audited with the staff user."""
    now = now or datetime.now(UTC)
    seq = roster.next_seq(session)
    link = session.get(models.HouseholdMerge, merge_id)
    if link is None or link.hamlet_id != hamlet_id or link.undone_seq is not None:
        raise AdminError(
            f"Không có lần gộp {merge_id} đang hiệu lực ở thôn này.",
            f"No merge {merge_id} in force in this hamlet.",
            code="not_found",
        )
    link.undone_by, link.undone_at, link.undone_seq = staff_user_id, now, seq
    session.flush()  # undone first: the edit below is then no phone's restore of a merged household
    drop = session.get(models.Household, link.dropped_id)
    assert drop is not None  # a foreign key
    if drop.removed_at is not None and drop.content.get("removed_reason") == "duplicate":
        _edit(session, drop, staff_user_id, now, seq, removed=False)
    _audit(session, link, "dup_unmerged", staff_user_id, now)
    refresh_kept(session, [link.kept_id], seq)
    timeline.queue(session, [link.kept_id, link.dropped_id], seq)
    return link


def restored_on_phone(
    session: Session, household_ids: Sequence[str], seq: int, *, device_id: str | None, now: datetime
) -> None:
    """A phone put back on the roster a household merged away (issue 11 made a duplicate
    restorable there): the volunteer says it is a household of its own, so its merge is
    undone by batch `seq` (audited with the device) and the kept household counts from its
    own visits again; otherwise today's figures would count it while the timeline did not."""
    m = models.table(models.HouseholdMerge)
    wanted = list(household_ids)
    links = [
        link
        for start in range(0, len(wanted), 500)  # a batch's households, a few hundred ids per IN (…)
        for link in session.scalars(
            select(models.HouseholdMerge).where(
                m.c.dropped_id.in_(wanted[start : start + 500]), m.c.undone_seq.is_(None)
            )
        ).all()
    ]
    for link in links:
        link.undone_at, link.undone_seq = now, seq
        session.flush()
        facts = {"merge_id": link.id, "kept": link.kept_id, "dropped": link.dropped_id, "restored_on_phone": True}
        for record_id in (link.kept_id, link.dropped_id):
            session.add(
                models.Audit(
                    at=now,
                    device_id=device_id,
                    kind="household",
                    record_id=record_id,
                    action="dup_unmerged",
                    new_content=facts,
                )
            )
        session.flush()
    refresh_kept(session, sorted({link.kept_id for link in links}), seq)
    timeline.queue(session, [link.dropped_id for link in links], seq)


def _edit(
    session: Session, home: models.Household, staff_user_id: int, now: datetime, seq: int, *, removed: bool
) -> None:
    """The dropped household off the roster as a duplicate, or back on it, as an ordinary
    edit made on the revision the server keeps."""
    hamlet = session.get(models.Hamlet, home.hamlet_id)
    assert hamlet is not None  # a foreign key
    commune = session.get(models.Commune, hamlet.commune_code)
    assert commune is not None
    record = Household.from_dict(home.content)
    record.revision = home.revision
    record.updated_at = iso(now)
    record.removed_at = iso(now) if removed else None
    record.removed_reason = "duplicate" if removed else None
    scope = DeviceScope(
        device_id=None,
        volunteer_id="",
        volunteer_name="",
        commune_code=commune.code,
        hamlet_ids=frozenset({hamlet.id}),
        staff_user_id=staff_user_id,
    )
    [result] = ingest.ingest(
        session, scope, [record.to_dict()], [], seq=seq, config=coverage_config(commune), now=now
    ).results
    if result.result != "accepted":  # the stored record breaks today's rules: nothing was written
        raise AdminError(
            f"Không thể cập nhật hộ {home.id} ({result.code}).",
            f"Household {home.id} could not be updated ({result.code}).",
        )
    session.expire(home)  # ingest wrote through the connection: the ORM copy is stale


def _audit(session: Session, link: models.HouseholdMerge, action: str, staff_user_id: int, now: datetime) -> None:
    """One audit row per household of the pair, naming both and which was kept."""
    facts = {"merge_id": link.id, "kept": link.kept_id, "dropped": link.dropped_id}
    for record_id in (link.kept_id, link.dropped_id):
        session.add(
            models.Audit(
                at=now,
                device_id=None,
                kind="household",
                record_id=record_id,
                action=action,
                new_content=facts,
                staff_user_id=staff_user_id,
            )
        )
    session.flush()


def lenders(session: Session, kept_ids: Iterable[str]) -> dict[str, list[str]]:
    """For each kept household of a merge in force, the households dropped into it."""
    ids = sorted(set(kept_ids))
    found: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        for kept_id, dropped_id in session.connection().execute(
            select(_M.c.kept_id, _M.c.dropped_id).where(
                _M.c.kept_id.in_(ids[start : start + 500]), _M.c.undone_seq.is_(None)
            )
        ):
            found.setdefault(kept_id, []).append(dropped_id)
    return found


def keepers(session: Session, dropped_ids: Iterable[str]) -> dict[str, str]:
    """For each household dropped in a merge in force, the household kept in its stead."""
    ids = sorted(set(dropped_ids))
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        for kept_id, dropped_id in session.connection().execute(
            select(_M.c.kept_id, _M.c.dropped_id).where(
                _M.c.dropped_id.in_(ids[start : start + 500]), _M.c.undone_seq.is_(None)
            )
        ):
            found[dropped_id] = kept_id
    return found


def refresh_kept(session: Session, kept_ids: Sequence[str], seq: int) -> None:
    """Each household's latest completed visit among its own and those of the households
    dropped into it (merges in force), its tally, and its hamlet's sums; marked with batch
    `seq` and queued for the timeline. Called after a merge, an undo, and a batch that
    brought a visit to a dropped household (services/ingest.py)."""
    if not kept_ids:
        return
    lent = lenders(session, kept_ids)
    connection = session.connection()
    deltas: tallies.Deltas = {}
    for kept_id in kept_ids:
        owners = [kept_id, *lent.get(kept_id, [])]
        best: tuple[datetime, str, Any] | None = None
        for visit_id, visited_at, stored in connection.execute(
            select(_V.c.id, _V.c.visited_at, _V.c.tallies).where(
                _V.c.household_id.in_(owners), _V.c.outcome == "completed", _V.c.tallies.is_not(None)
            )
        ):
            key = (as_utc(visited_at), visit_id, stored)
            if best is None or key[:2] > best[:2]:
                best = key
        row = connection.execute(
            select(_H.c.hamlet_id, _H.c.removed_at, _H.c.tallies, _H.c.latest_visit_id).where(_H.c.id == kept_id)
        ).one()
        new_id = best[1] if best else None
        if new_id == row.latest_visit_id:
            continue
        new_tallies = best[2] if best else tallies.NEVER_VISITED
        if row.removed_at is None:
            tallies.add(deltas, row.hamlet_id, row.tallies, -1)
            tallies.add(deltas, row.hamlet_id, new_tallies, +1)
        connection.execute(
            update(_H)
            .where(_H.c.id == kept_id)
            .values(
                latest_visit_id=new_id,
                latest_visited_at=best[0] if best else None,
                tallies=new_tallies,
                change_seq=seq,
            )
        )
    tallies.apply(session, deltas)
    timeline.queue(session, kept_ids, seq)
