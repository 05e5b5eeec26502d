"""What commune staff read on a hamlet's page to decide whom to chase, and the two things
they may do about duplicates: say a flagged pair is not one, or take one household off.

Every function reads a hamlet in a few queries whatever its size (a hamlet can hold 2,000
households) and returns small frozen dataclasses: no ORM object leaves this module. Personal
details (head name, address, phone) are filled only when the caller's role may see them
(`fields`); anything else is None, so a page or an export cannot show what it never got.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey import checklist as checklists
from survey.checklist import Checklist, Label
from survey.duplicates import Likeness, Particulars, blocking_keys, likeness, particulars
from survey.followups import open_follow_ups
from survey.records import Outcome, Visit
from survey.text import fold
from survey.times import as_utc, local_day, zone

from .. import models
from .admin import AdminError
from .exports import Heading, Sheet, heading, place_text

PERSONAL_FIELDS = ("head_name", "address", "phone")  # what `fields` may name
CHUNK = 500
_H, _V, _D = models.table(models.Household), models.table(models.Visit), models.table(models.Device)


def _visible(content: Mapping[str, Any] | None, fields: frozenset[str]) -> tuple[str | None, str | None, str | None]:
    """(head name, address, phone), each None unless the role may see it."""
    content = content or {}

    def shown(name: str) -> str | None:
        return str(content.get(name) or "") if name in fields else None

    return shown("head_name"), shown("address"), shown("phone")


def _hamlet(session: Session, hamlet_id: str) -> models.Hamlet:
    hamlet = session.get(models.Hamlet, hamlet_id)
    if hamlet is None:
        raise AdminError(f"Không có thôn mang mã {hamlet_id!r}.", f"No hamlet has the id {hamlet_id!r}.")
    return hamlet


def _day(visited_day: date | None, visited_at: datetime) -> date:
    """A visit's commune day (stored since ingest; the default zone only for a row older
    than the zones, which migration 0004 filled in)."""
    return visited_day or local_day(as_utc(visited_at), zone())


def _zone_of(session: Session, hamlet: models.Hamlet) -> Any:
    commune = session.get(models.Commune, hamlet.commune_code)
    return zone(commune.time_zone) if commune is not None else zone()


# -- 1. the hamlet's status: who has not been reached --------------------------------------


@dataclass(frozen=True)
class HouseholdStatus:
    household_id: str
    head_name: str | None
    address: str | None
    phone: str | None
    created_on: date
    attempts: int  # visits of any outcome
    last_visit_on: date | None
    last_outcome: str | None
    waiting_since: date  # the last attempt's day, or the day it joined the roster if never visited


@dataclass(frozen=True)
class HamletStatus:
    """Every roster household falls in exactly one group: `completed` + the three lists =
    `roster`, and `completed` is the numerator of `visit_coverage`."""

    hamlet_id: str
    hamlet_name: str
    roster: int
    completed: int
    not_visited: tuple[HouseholdStatus, ...]
    to_revisit: tuple[HouseholdStatus, ...]
    declined: tuple[HouseholdStatus, ...]


def hamlet_status(session: Session, hamlet_id: str, *, fields: frozenset[str]) -> HamletStatus:
    """The roster households still to reach, longest waiting first.

    A household with a completed visit counts as completed whatever came after it (DESIGN §3:
    a later "nobody home" or refusal does not erase it), so the lists hold only households
    the campaign still has to win: never visited; last attempt declined; last attempt
    anything else (nobody home, or "moved" on a household that is back on the roster).
    """
    hamlet = _hamlet(session, hamlet_id)
    columns = [_H.c.id, _H.c.created_day] + ([_H.c.content] if fields else [])
    homes = {
        row[0]: row
        for row in session.execute(select(*columns).where(_H.c.hamlet_id == hamlet_id, _H.c.removed_at.is_(None)))
    }
    visits = (
        select(_V.c.household_id, _V.c.visited_at, _V.c.id, _V.c.outcome, _V.c.visited_day)
        .select_from(_V.join(_H, _V.c.household_id == _H.c.id))
        .where(_H.c.hamlet_id == hamlet_id, _H.c.removed_at.is_(None))
    )
    found: list[tuple[Any, ...]] = [tuple(row) for row in session.execute(visits)]
    from . import merges  # a kept household counts the visits of those merged into it (issue 12 §4)

    kept_for = {d: k for k, dropped in merges.lenders(session, homes).items() for d in dropped}
    if kept_for:
        lent = select(_V.c.household_id, _V.c.visited_at, _V.c.id, _V.c.outcome, _V.c.visited_day).where(
            _V.c.household_id.in_(sorted(kept_for))
        )
        found += [(kept_for[row[0]], *row[1:]) for row in session.execute(lent)]
    attempts: dict[str, int] = {}
    latest: dict[str, tuple[datetime, str, str | None, date | None]] = {}
    completed: set[str] = set()
    for household_id, visited_at, visit_id, outcome, visited_day in found:
        attempts[household_id] = attempts.get(household_id, 0) + 1
        if outcome == Outcome.COMPLETED:
            completed.add(household_id)
        best = latest.get(household_id)
        at = as_utc(visited_at)
        if best is None or (at, visit_id) > best[:2]:  # the latest instant, never the latest text
            latest[household_id] = (at, visit_id, outcome, visited_day)
    groups: dict[str, list[HouseholdStatus]] = {"not_visited": [], "to_revisit": [], "declined": []}
    for household_id, row in homes.items():
        if household_id in completed:
            continue
        created_on = row[1]
        last = latest.get(household_id)
        last_on = _day(last[3], last[0]) if last else None
        status = HouseholdStatus(
            household_id,
            *_visible(row[2] if fields else None, fields),
            created_on,
            attempts.get(household_id, 0),
            last_on,
            last[2] if last else None,
            last_on or created_on,
        )
        group = "not_visited" if last is None else "declined" if last[2] == Outcome.DECLINED else "to_revisit"
        groups[group].append(status)
    ordered = {
        name: tuple(sorted(items, key=lambda s: (s.waiting_since, s.household_id))) for name, items in groups.items()
    }
    return HamletStatus(hamlet.id, hamlet.name, len(homes), len(completed), **ordered)


# -- 2. open follow-ups: who needs what --------------------------------------------------------


@dataclass(frozen=True)
class FollowUpRow:
    hamlet_id: str
    hamlet_name: str
    household_id: str
    head_name: str | None
    address: str | None
    phone: str | None
    member_id: str | None  # None: the follow-up concerns the whole household
    relation: Label | None  # the member's relation to the head, as the checklist labels it
    birth_year: int | None
    code: str
    label: Label
    visited_on: date
    visit_id: str


def follow_ups(
    session: Session,
    commune_code: str,
    *,
    hamlet_id: str | None = None,
    need: str | None = None,
    fields: frozenset[str],
) -> list[FollowUpRow]:
    """What each roster household still needs, from its latest completed visit, with the
    same rules the volunteer's phone applies (`survey.followups.open_follow_ups`); only
    the follow-ups of catalogue code `need` when given. Every one of them (the download);
    the pages read them a page at a time from `services.followups`."""
    hamlets = models.table(models.Hamlet)
    columns = [_H.c.hamlet_id, hamlets.c.name, _H.c.id, _V.c.content, _V.c.visited_day, _V.c.visited_at]
    statement = (
        select(*columns, *([_H.c.content] if fields else []))
        .select_from(_H.join(hamlets, _H.c.hamlet_id == hamlets.c.id).join(_V, _V.c.id == _H.c.latest_visit_id))
        .where(hamlets.c.commune_code == commune_code, _H.c.removed_at.is_(None))
    )
    if hamlet_id is not None:
        statement = statement.where(_H.c.hamlet_id == hamlet_id)
    rows: list[FollowUpRow] = []
    # Labels looked up once per checklist version and value, not once per row (~19,000 rows
    # for a commune of 4,000 households: issue 12 §5)
    relations: dict[tuple[int, Any], Label | None] = {}
    needs: dict[tuple[int, str], Label] = {}
    for found in session.execute(statement):
        home_hamlet, hamlet_name, household_id, visit_content, visited_day, visited_at = found[:6]
        visit = Visit.from_dict(visit_content)
        version = visit.checklist_version
        definition = _definition(version)
        personal = _visible(found[6] if fields else None, fields)
        day = _day(visited_day, visited_at)
        for item in open_follow_ups(visit):
            if need is not None and item.code != need:
                continue
            member = visit.member(item.member_id) if item.member_id else None
            relation = None
            if member is not None:
                key = (version, member.relation)
                if key not in relations:
                    relations[key] = _choice_label(definition, "relation", member.relation)
                relation = relations[key]
            label = needs.get((version, item.code))
            if label is None:
                label = needs[version, item.code] = _catalogue_label(definition, item.code)
            rows.append(
                FollowUpRow(
                    home_hamlet,
                    hamlet_name,
                    household_id,
                    *personal,
                    item.member_id,
                    relation,
                    member.birth_year if member else None,
                    item.code,
                    label,
                    day,
                    visit.id,
                )
            )
    return sort_follow_ups(rows)


def sort_follow_ups(rows: list[FollowUpRow]) -> list[FollowUpRow]:
    """`rows` sorted in place in the download's order, and returned: hamlets by name, then
    households by the head's name (folded: Vietnamese letters without their marks), then
    the household's own needs before its members' (by birth year), each in catalogue order."""
    order = {code: k for k, code in enumerate(checklists.current().catalogue_codes)}
    folded: dict[str, str] = {}  # a name folded once, not once per follow-up (issue 12 §5: ~19,000 rows)

    def folded_name(name: str) -> str:
        found = folded.get(name)
        if found is None:
            found = folded[name] = fold(name)
        return found

    rows.sort(
        key=lambda r: (
            folded_name(r.hamlet_name),
            r.hamlet_id,
            folded_name(r.head_name or ""),
            r.household_id,
            r.member_id is not None,
            r.birth_year or 0,
            r.member_id or "",
            order.get(r.code, len(order)),
            r.code,
        )
    )
    return rows


def _definition(version: int) -> Checklist:
    """The checklist the visit was filled with; the current one for a version this build lacks."""
    try:
        return checklists.load(version)
    except KeyError:
        return checklists.current()


def _choice_label(definition: Checklist, question_id: str, value: Any) -> Label | None:
    if value is None:
        return None
    try:
        question = definition.question(question_id)
    except KeyError:
        return Label(str(value), str(value))
    return next((c.label for c in question.choices if c.value == value), Label(str(value), str(value)))


def _catalogue_label(definition: Checklist, code: str) -> Label:
    return next((item.label for item in definition.catalogue if item.code == code), Label(code, code))


_SHEET_COLUMNS = (  # (column, vi, en) before the needs; a personal column only when the role may see it
    ("hamlet", "Thôn", "Hamlet"),
    ("head_name", "Chủ hộ", "Head of household"),
    ("address", "Địa chỉ", "Address"),
    ("phone", "Điện thoại", "Phone"),
    ("visited_on", "Ngày khảo sát", "Visited on"),  # as the pages say
)
_CODE_COLUMNS = frozenset({"phone"})  # text in every spreadsheet: a phone keeps its 0 (and the household id)
_HOUSEHOLD_ID = Label("Mã hộ", "Household id")
_WHOLE_HOUSEHOLD = Label("Cả hộ", "Whole household")
_MEMBER = Label("Thành viên", "Member")
_FOLLOW_UP_GROUP = Label("Việc cần hỗ trợ (ai cần)", "Follow-ups (who needs them)")
_FOLLOW_UP_TITLE = Label("Việc cần hỗ trợ", "Follow-ups")


def follow_up_sheet(rows: Sequence[FollowUpRow], lang: str, *, fields: frozenset[str] | None = None) -> Sheet:
    """The follow-up list as a table to download, headed in `lang` ("vi", else English): a
    row per household that still needs something, in the order of `rows` (`follow_ups`
    gives them by hamlet, head's name, household), and a column per need found in `rows`,
    in catalogue order, under one group heading ("Việc cần hỗ trợ"). A need's cell says who
    needs it: "Cả hộ" for the whole household, else each member as "relation (birth year)",
    joined by "; "; empty when the household does not need it. The visit's day a `date`; the
    phone and the household id codes (`Sheet.text_columns`); the need columns narrow
    (`Sheet.narrow_columns`: longer cells wrap).

    Why a row per household, not per follow-up (issue 12 §6): a volunteer helps a household
    with all its needs in one visit, and filters a column to find who needs one thing; the
    printed list is about five times shorter; and the commune's file was 19,000 rows × 9
    columns (4,000 households), ~3 s to write, where a row per household is ~4,000 rows with
    a few filled need cells each.

    A personal column appears only when `fields` allows it; without `fields`, only when the
    rows carry it (hidden details are None, shown ones a string, even empty): a staff export
    never has a phone column, not even an empty one.
    """
    if fields is None:
        fields = frozenset(
            name
            for k, name in enumerate(PERSONAL_FIELDS)
            if any((r.head_name, r.address, r.phone)[k] is not None for r in rows)
        )
    order = {code: k for k, code in enumerate(checklists.current().catalogue_codes)}
    labels: dict[str, Label] = {}
    for r in rows:
        labels.setdefault(r.code, r.label)
    needs = sorted(labels, key=lambda code: (order.get(code, len(order)), code))
    before = [c for c in _SHEET_COLUMNS if c[0] not in PERSONAL_FIELDS or c[0] in fields]
    header = [vi if lang == "vi" else en for _, vi, en in before]
    first_need = len(header)
    header += [labels[code].text(lang) for code in needs]
    header.append(_HOUSEHOLD_ID.text(lang))
    column_of = {code: first_need + k for k, code in enumerate(needs)}
    whole = _WHOLE_HOUSEHOLD.text(lang)
    unnamed = _MEMBER.text(lang)
    who: dict[tuple[Label | None, int | None], str] = {}  # "Vợ (1985)", made once per relation and year

    def member_text(relation: Label | None, birth_year: int | None) -> str:
        key = (relation, birth_year)
        found = who.get(key)
        if found is None:
            name = relation.text(lang) if relation else unnamed
            found = who[key] = f"{name} ({birth_year})" if birth_year is not None else name
        return found

    cells: list[list[Any]] = []
    needed: list[dict[int, list[str]]] = []  # per row: a need's column → who needs it
    current: str | None = None
    for r in rows:
        if r.household_id != current:  # `rows` come household by household
            current = r.household_id
            values = {
                "hamlet": r.hamlet_name,
                "head_name": r.head_name,
                "address": r.address,
                "phone": r.phone,
                "visited_on": r.visited_on,
            }
            cells.append([values[c[0]] for c in before] + [None] * len(needs) + [r.household_id])
            needed.append({})
        text = whole if r.member_id is None else member_text(r.relation, r.birth_year)
        needed[-1].setdefault(column_of[r.code], []).append(text)
    for row, found in zip(cells, needed, strict=True):
        for k, names in found.items():
            row[k] = "; ".join(names)
    codes = frozenset(k for k, c in enumerate(before) if c[0] in _CODE_COLUMNS) | {len(header) - 1}
    return Sheet(
        _FOLLOW_UP_TITLE.text(lang),
        header,
        cells,
        text_columns=codes,
        groups=[""] * first_need + [_FOLLOW_UP_GROUP.text(lang)] * len(needs) + [""],
        narrow_columns=frozenset(column_of.values()),
    )


def follow_up_heading(commune: models.Commune, lang: str, *, today: date, need: Label | None = None) -> Heading:
    """The follow-up file's heading: what it lists ("Việc cần hỗ trợ", or "Việc cần hỗ trợ:
    <need>" for a file of one need), the commune, "today's figures" (follow-ups are always
    the latest completed visits, never as of a past day), and the age from which the
    checklist asks each member's questions, hence per-person follow-ups (15 in checklist
    v1; not the commune's adult age for indicators)."""
    age = checklists.current().adult_questions_from_age
    title = _FOLLOW_UP_TITLE.text(lang) + (f": {need.text(lang)}" if need is not None else "")
    titled = heading(title, place_text(commune.name, commune.code, commune.province), None, today, age, lang)
    ages = titled.ages + (" (theo phiếu khảo sát)" if lang == "vi" else " (as the checklist asks)")
    return replace(titled, ages=ages)


# -- 3. likely duplicate households -----------------------------------------------------------


@dataclass(frozen=True)
class DuplicateSide:
    household_id: str
    head_name: str | None
    address: str | None
    phone: str | None
    created_on: date
    visits: int
    completed_on: date | None  # its latest completed visit: often the one to keep


@dataclass(frozen=True)
class DuplicatePair:
    first: DuplicateSide  # the smaller household id
    second: DuplicateSide
    likeness: Likeness  # the evidence for and against, and its score (survey.duplicates)


DUPLICATES_SHOWN = 200
# Candidate pairs looked at per call, whatever the hamlet: 4,000 households under one
# placeholder name are eight million pairs; the strongest `limit` of them are all a page can
# show anyway.
DUPLICATE_CHECKS = 50_000


def likely_duplicates(
    session: Session,
    hamlet_id: str,
    *,
    fields: frozenset[str] = frozenset({"head_name", "address"}),
    limit: int = DUPLICATES_SHOWN,
    checks: int = DUPLICATE_CHECKS,
) -> list[DuplicatePair]:
    """Roster households of one hamlet that may be one household entered twice (two
    volunteers, or a phone reinstalled), strongest first; pairs staff dismissed are left out.

    Each pair is weighed on the head's folded name, the normalised address and the phone
    together (`survey.duplicates.likeness`, issue 12 §4): the same name at another house
    number is not a pair, the same name and address with two phones is. Only households
    sharing a blocking key (phone, name, house number, given name at a place:
    `survey.duplicates.blocking_keys`) are ever weighed, the smallest groups first, and at
    most `checks` candidate pairs are looked at (a pair met under two keys counts twice), so
    the work is bounded whatever the hamlet (issue 10 §1: a roster typed in with one
    placeholder name made it quadratic in time and memory). Returns at most `limit` likely
    pairs, by score then name, each with the smaller household id first; raises AdminError
    for an unknown hamlet.
    """
    tz = _zone_of(session, _hamlet(session, hamlet_id))
    rows = session.execute(
        select(_H.c.id, _H.c.content, _H.c.created_day, _H.c.latest_visited_at).where(
            _H.c.hamlet_id == hamlet_id, _H.c.removed_at.is_(None)
        )
    ).all()
    known = {
        row[0]: particulars(str(row[1].get("head_name") or ""), row[1].get("address"), row[1].get("phone"))
        for row in rows
    }
    groups: dict[str, list[str]] = {}
    for household_id in sorted(known, key=lambda i: (known[i].name, i)):
        for key in blocking_keys(known[household_id]):
            groups.setdefault(key, []).append(household_id)
    dd = models.table(models.DuplicateDismissal)
    dismissed = {
        (first, second)
        for first, second in session.execute(
            select(dd.c.first_id, dd.c.second_id)
            .select_from(dd.join(_H, dd.c.first_id == _H.c.id))
            .where(_H.c.hamlet_id == hamlet_id)
        )
    }

    def candidates() -> Iterator[tuple[str, str]]:
        shared = sorted((key for key, group in groups.items() if len(group) > 1), key=lambda k: (len(groups[k]), k))
        for key in shared:  # a shared phone or house number before a common name or place
            group = groups[key]
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    yield (a, b) if a < b else (b, a)

    # Households typed in alike (one placeholder name and address) are weighed once per
    # distinct pair of particulars, not once per pair of households.
    distinct: dict[Particulars, int] = {}
    kind = {household_id: distinct.setdefault(p, len(distinct)) for household_id, p in known.items()}
    weights: dict[tuple[int, int], Likeness] = {}
    found: dict[tuple[str, str], Likeness] = {}
    weighed: set[tuple[str, str]] = set()
    for pair in islice(candidates(), checks):
        if pair in weighed or pair in dismissed:
            continue
        weighed.add(pair)
        kinds = (kind[pair[0]], kind[pair[1]])
        alike = weights.get(kinds)
        if alike is None:
            alike = weights[kinds] = likeness(known[pair[0]], known[pair[1]])
        if alike.likely:
            found[pair] = alike
    if not found:
        return []
    kept = heapq.nsmallest(limit, found, key=lambda k: (-found[k].score, known[k[0]].name, k[0], k[1]))
    counts = _visit_counts(session, {i for key in kept for i in key})
    by_id = {row[0]: row for row in rows}

    def side(household_id: str) -> DuplicateSide:
        _, content, created_day, latest_visited_at = by_id[household_id]
        return DuplicateSide(
            household_id,
            *_visible(content, fields),
            created_day,
            counts.get(household_id, 0),
            local_day(as_utc(latest_visited_at), tz) if latest_visited_at else None,
        )

    return [DuplicatePair(side(a), side(b), found[(a, b)]) for a, b in kept]


def _visit_counts(session: Session, ids: Iterable[str]) -> dict[str, int]:
    wanted, counts = sorted(ids), dict[str, int]()
    for start in range(0, len(wanted), CHUNK):
        counts.update(
            (household_id, n)
            for household_id, n in session.execute(
                select(_V.c.household_id, func.count())
                .where(_V.c.household_id.in_(wanted[start : start + CHUNK]))
                .group_by(_V.c.household_id)
            )
        )
    return counts


def in_hamlet(session: Session, hamlet_id: str, household_ids: Iterable[str]) -> bool:
    """Whether every one of `household_ids` is a household of `hamlet_id` (the dashboard's
    check that ids in a form belong to the hamlet, hence the commune, its URL names)."""
    wanted = set(household_ids)
    found = set(session.scalars(select(_H.c.id).where(_H.c.id.in_(sorted(wanted)), _H.c.hamlet_id == hamlet_id)))
    return found == wanted


def _pair(session: Session, a_id: str, b_id: str, hamlet_id: str) -> tuple[models.Household, models.Household]:
    """Both households, in the order given, checked to be two households of `hamlet_id`: a
    household of another hamlet (or commune) is reported as not found."""
    if a_id == b_id:
        raise AdminError("Hai hộ phải khác nhau.", "The two households must be different.")
    found = {
        h.id: h
        for h in session.scalars(
            select(models.Household).where(
                models.Household.id.in_([a_id, b_id]), models.Household.hamlet_id == hamlet_id
            )
        )
    }
    missing = [i for i in (a_id, b_id) if i not in found]
    if missing:
        raise AdminError(f"Không có hộ mang mã {', '.join(missing)}.", f"No household has the id {', '.join(missing)}.")
    return found[a_id], found[b_id]


def dismiss_duplicate(
    session: Session, a_id: str, b_id: str, staff_user_id: int, *, hamlet_id: str, now: datetime | None = None
) -> bool:
    """Record that staff judged the pair not to be one household; True if newly recorded
    (a second click, or the pair in the other order, changes nothing). Both must be
    households of `hamlet_id` (AdminError otherwise)."""
    _pair(session, a_id, b_id, hamlet_id)
    first, second = sorted((a_id, b_id))
    if session.get(models.DuplicateDismissal, (first, second)) is not None:
        return False
    session.add(
        models.DuplicateDismissal(
            first_id=first, second_id=second, staff_user_id=staff_user_id, at=now or datetime.now(UTC)
        )
    )
    session.flush()
    return True


def merge_duplicate(
    session: Session, keep_id: str, drop_id: str, staff_user_id: int, *, hamlet_id: str, now: datetime | None = None
) -> int:
    """Take `drop_id` off the roster as a duplicate of `keep_id`, both households of
    `hamlet_id` (AdminError otherwise); the merge's id. See `services.merges.merge`: the
    kept household takes the newest completed visit of the two and the merge can be undone
    (issue 12 §4)."""
    from . import merges

    return merges.merge(session, keep_id, drop_id, staff_user_id, hamlet_id=hamlet_id, now=now)


# -- 4. volunteer activity ------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerActivity:
    volunteer_id: str
    name: str
    assigned: bool  # the hamlet is in the volunteer's scope (else they only recorded visits there)
    visits_7d: int  # visits dated today or in the 6 days before
    completed_7d: int
    visits_30d: int  # today and the 29 days before
    completed_30d: int
    visits_total: int
    completed_total: int
    last_visit_on: date | None
    last_sync: datetime | None  # the latest any of their phones reached the server (UTC)
    devices_active: int  # enrolled and not revoked
    devices_revoked: int


def volunteer_activity(session: Session, hamlet_id: str, *, today: date) -> list[VolunteerActivity]:
    """Who works this hamlet and how lately: the volunteers assigned to it and anyone whose
    phone recorded visits to its households (removed households included: the work was done)."""
    _hamlet(session, hamlet_id)
    assigned = set(
        session.scalars(
            select(models.VolunteerHamlet.volunteer_id).where(models.VolunteerHamlet.hamlet_id == hamlet_id)
        )
    )
    work = (
        select(_D.c.volunteer_id, _V.c.visited_day, _V.c.outcome, func.count())
        .select_from(_V.join(_H, _V.c.household_id == _H.c.id).join(_D, _V.c.device_id == _D.c.id))
        .where(_H.c.hamlet_id == hamlet_id)
        .group_by(_D.c.volunteer_id, _V.c.visited_day, _V.c.outcome)
    )
    week, month = today - timedelta(days=6), today - timedelta(days=29)
    counts: dict[str, list[int]] = {}  # visits and completed: 7 days, 30 days, total
    last_day: dict[str, date] = {}
    for volunteer_id, visited_day, outcome, n in session.execute(work):
        acc = counts.setdefault(volunteer_id, [0] * 6)
        done = n if outcome == Outcome.COMPLETED else 0
        for k, since in enumerate((week, month, None)):
            if since is None or (visited_day is not None and visited_day >= since):
                acc[2 * k] += n
                acc[2 * k + 1] += done
        if visited_day is not None and (volunteer_id not in last_day or visited_day > last_day[volunteer_id]):
            last_day[volunteer_id] = visited_day
    ids = sorted(assigned | counts.keys())
    if not ids:
        return []
    names = {
        volunteer_id: name
        for volunteer_id, name in session.execute(
            select(models.Volunteer.id, models.Volunteer.name).where(models.Volunteer.id.in_(ids))
        )
    }
    devices: dict[str, list[Any]] = {}  # active, revoked, last seen
    for volunteer_id, revoked_at, last_seen in session.execute(
        select(_D.c.volunteer_id, _D.c.revoked_at, _D.c.last_seen).where(_D.c.volunteer_id.in_(ids))
    ):
        acc = devices.setdefault(volunteer_id, [0, 0, None])
        acc[1 if revoked_at is not None else 0] += 1
        if last_seen is not None:
            seen = last_seen if last_seen.tzinfo else last_seen.replace(tzinfo=UTC)
            acc[2] = seen if acc[2] is None else max(acc[2], seen)
    result = []
    for volunteer_id in ids:
        c = counts.get(volunteer_id, [0] * 6)
        active, revoked, seen = devices.get(volunteer_id, [0, 0, None])
        result.append(
            VolunteerActivity(
                volunteer_id,
                names.get(volunteer_id, ""),
                volunteer_id in assigned,
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                c[5],
                last_day.get(volunteer_id),
                seen,
                active,
                revoked,
            )
        )
    result.sort(key=lambda a: (not a.assigned, fold(a.name), a.volunteer_id))
    return result
