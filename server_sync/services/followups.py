"""Open follow-ups at commune scale (issue 12 §3): how many households need what, per
hamlet, and the list one page at a time, filtered by need and by hamlet.

A follow-up is not a stored answer: it is derived from a household's latest completed
visit by the checklist's rules (`survey.followups.open_follow_ups`, as on the volunteer's
phone and in the download, `households.follow_ups`). Deriving them for a whole commune on
every view means reading and parsing every latest visit (3,800 for Thống Nhất, 12,000
follow-ups) to show 50. Instead each completed visit's follow-ups are kept in `visit_need`,
one row per follow-up, so the counts are one GROUP BY and a page one LIMIT/OFFSET.

A visit is append-only, so its rows never change once written. They are taken in after the
syncs, not inside them (ingest stays as fast as it was): `catch_up` reads the households of
a commune that changed since it last ran (every write takes the next change sequence) and
derives the follow-ups of their latest completed visits that have none yet. Pages call it
in a short transaction of their own before reading, as the coverage timeline does; when the
database cannot take that write, `behind` says how many changed households the figures may
still lack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, distinct, func, insert, select, update
from sqlalchemy.orm import Session

from survey import checklist as checklists
from survey.checklist import Label
from survey.errors import shown
from survey.followups import open_follow_ups
from survey.records import Visit
from survey.text import fold

from .. import models
from ..refusal import Refused
from . import roster
from .households import FollowUpRow, _catalogue_label, _choice_label, _day, _definition, _visible, sort_follow_ups

PAGE_SIZE = 50  # follow-ups a page shows
# The derivation's version: a change to how rows are made re-derives every visit's rows.
VERSION = 1
CHUNK = 500
_N = models.table(models.VisitNeed)
_H, _V, _HM = models.table(models.Household), models.table(models.Visit), models.table(models.Hamlet)
# A listed follow-up: its household, its kept row, its visit's day (`_row` reads them in this order)
_ROW_COLUMNS = (
    _H.c.hamlet_id,
    _H.c.id,
    _N.c.visit_id,
    _N.c.code,
    _N.c.member_id,
    _N.c.relation,
    _N.c.birth_year,
    _N.c.checklist_version,
    _V.c.visited_day,
    _V.c.visited_at,
)
_LATEST_NEEDS = _H.join(_N, _N.c.visit_id == _H.c.latest_visit_id).join(_V, _V.c.id == _N.c.visit_id)


# -- keeping `visit_need` current ----------------------------------------------------------------


def need_rows(visit: Visit) -> list[dict[str, Any]]:
    """The `visit_need` rows of a completed visit, in the order the lists show them: the
    household's own needs first, then each member's (by birth year, then id), each in the
    current catalogue's order — the order of `households.follow_ups` within a household."""
    order = {code: k for k, code in enumerate(checklists.current().catalogue_codes)}
    found = []
    for need in open_follow_ups(visit):
        member = visit.member(need.member_id) if need.member_id else None
        year = member.birth_year if member else None
        if not isinstance(year, int) or isinstance(year, bool) or not -(2**31) < year < 2**31:
            year = None  # validated at ingest; an integer column takes nothing else
        found.append((need, member, year))
    found.sort(
        key=lambda f: (
            f[0].member_id is not None,
            f[2] or 0,
            f[0].member_id or "",
            order.get(f[0].code, len(order)),
            f[0].code,
        )
    )
    return [
        {
            "visit_id": visit.id,
            "position": position,
            "code": need.code,
            "member_id": need.member_id,
            "relation": None if member is None or member.relation is None else str(member.relation)[:64],
            "birth_year": year,
            "checklist_version": visit.checklist_version,
        }
        for position, (need, member, year) in enumerate(found)
    ]


def _state_key(commune_code: str) -> str:
    return f"follow_ups:{commune_code}"


def _basis(session: Session) -> str:
    """What the kept rows and the commune's mark were made with: this derivation's version
    and the coverage tallies' signature (a rebuild of the tallies may choose a household's
    latest visit anew without a change sequence, so the mark no longer holds)."""
    tally = session.execute(select(models.Meta.value).where(models.Meta.key == "tally_signature")).scalar()
    return f"{VERSION}|{tally or ''}"


def _done(session: Session, commune_code: str, basis: str) -> tuple[int | None, bool]:
    """(the change sequence up to which the commune is taken in, or None for "never, or on
    another basis"; whether the stored rows were made by this derivation's version)."""
    stored = session.execute(select(models.Meta.value).where(models.Meta.key == _state_key(commune_code))).scalar()
    if stored is None:
        return None, True
    kept_basis, _, seq = stored.rpartition("#")
    same_version = kept_basis.split("|", 1)[0] == str(VERSION)
    if kept_basis != basis or not seq.isdigit():
        return None, same_version
    return int(seq), True


def _commune_households(commune_code: str) -> Any:
    return _H.c.hamlet_id.in_(select(_HM.c.id).where(_HM.c.commune_code == commune_code))


def catch_up(session: Session, commune_code: str) -> int:
    """Derive the follow-ups of every latest completed visit of the commune's households
    that changed since the last catch-up; how many households were looked at.

    Runs in the caller's transaction, which the caller commits; in a read-only session it
    does nothing and returns 0. Nothing changed since: three reads, no write. Else it is
    serialised with syncs and other catch-ups (it holds the change counter's row, as the
    coverage timeline does), so it sees every change up to the counter and writes a
    visit's rows once. The first run (or one after an upgrade of the derivation) looks at
    every household of the commune; later runs only at those a sync, an edit or a merge
    changed since, found through the index on (hamlet, change sequence).
    """
    connection = session.connection()
    if connection.get_execution_options().get("read_only"):
        return 0
    basis = _basis(session)
    done, _ = _done(session, commune_code, basis)
    if done is not None and done >= roster.current_seq(session):
        return 0
    counter = models.table(models.ChangeCounter)
    connection.execute(update(counter).where(counter.c.id == 1).values(value=counter.c.value))
    seq = roster.current_seq(session)
    done, same_version = _done(session, commune_code, basis)  # again: another catch-up may have run
    if done is not None and done >= seq:
        return 0
    # No write can be under way (it would hold the counter): every change up to `seq` is seen.
    statement = select(_H.c.latest_visit_id).where(_commune_households(commune_code), _H.c.latest_visit_id.is_not(None))
    if done is not None:
        statement = statement.where(_H.c.change_seq > done)
    visit_ids = sorted({row[0] for row in connection.execute(statement)})
    for start in range(0, len(visit_ids), CHUNK):
        chunk = visit_ids[start : start + CHUNK]
        if same_version:
            kept = set(connection.scalars(select(_N.c.visit_id).where(_N.c.visit_id.in_(chunk)).distinct()))
            chunk = [i for i in chunk if i not in kept]
        else:
            connection.execute(delete(_N).where(_N.c.visit_id.in_(chunk)))
        rows: list[dict[str, Any]] = []
        if chunk:
            for content in connection.scalars(select(_V.c.content).where(_V.c.id.in_(chunk))):
                rows += need_rows(Visit.from_dict(content))
        if rows:
            connection.execute(insert(_N), rows)
    session.merge(models.Meta(key=_state_key(commune_code), value=f"{basis}#{seq}"))
    session.flush()
    return len(visit_ids)


def catch_up_new(session: Session) -> int:
    """`catch_up` for every commune never taken in on this basis (a new database, an
    upgrade, a new derivation), at start: the first page view after an upgrade does not
    derive a whole commune's follow-ups. Communes already taken in are left to the pages'
    catch-up, so a start changes no row of a database that is current (a restored backup
    is restored row for row). Households looked at."""
    basis = _basis(session)
    communes = list(session.scalars(select(models.Commune.code)))
    return sum(catch_up(session, code) for code in communes if _done(session, code, basis)[0] is None)


def behind(session: Session, commune_code: str) -> int:
    """How many of the commune's households with a completed visit changed since the last
    catch-up: 0 when the follow-up figures are current (three reads), else an upper bound of
    the households whose follow-ups they may lack or show from an earlier visit."""
    seq = roster.current_seq(session)
    done, _ = _done(session, commune_code, _basis(session))
    if done is not None and done >= seq:
        return 0
    statement = select(func.count()).where(_commune_households(commune_code), _H.c.latest_visit_id.is_not(None))
    if done is not None:
        statement = statement.where(_H.c.change_seq > done)
    return int(session.execute(statement).scalar_one())


def kept_follow_ups(
    session: Session,
    commune_code: str,
    *,
    hamlet_id: str | None = None,
    need: str | None = None,
    fields: frozenset[str],
) -> list[FollowUpRow]:
    """Every kept follow-up of the commune's roster households (of `hamlet_id` only, of
    catalogue code `need` only, when given), read from `visit_need` in two queries: the
    follow-ups, then each household's personal details once (only as `fields` allows). In
    the download's order (`households.sort_follow_ups`); the same rows `households.follow_ups`
    derives from the visits, when the commune is caught up (`behind` is 0: the caller
    checks, and derives them when it is not).

    Why (issue 12 §6): the commune's download derived ~19,000 follow-ups from every latest
    visit on each request, about a third of its second; the kept rows are what the pages
    count and list, so the file and the pages agree by construction.
    """
    hamlets = {
        row.id: row.name
        for row in session.execute(
            select(_HM.c.id, _HM.c.name).where(
                _HM.c.commune_code == commune_code, *([_HM.c.id == hamlet_id] if hamlet_id is not None else [])
            )
        )
    }
    if not hamlets:
        return []
    where = [_H.c.hamlet_id.in_(list(hamlets)), _H.c.removed_at.is_(None)]
    statement = select(*_ROW_COLUMNS).select_from(_LATEST_NEEDS).where(*where, *([_N.c.code == need] if need else []))
    found = session.execute(statement).all()
    personal: dict[str, tuple[str | None, str | None, str | None]] = {}
    if fields:
        wanted = {row[1] for row in found}
        details = select(_H.c.id, _H.c.content).where(*where, _H.c.latest_visit_id.is_not(None))
        personal = {i: _visible(content, fields) for i, content in session.execute(details) if i in wanted}
    hidden = _visible(None, fields)
    relations: dict[tuple[int, str | None], Label | None] = {}  # labels looked up once, not once per row
    labels: dict[tuple[int, str], Label] = {}
    days: dict[tuple[Any, Any], Any] = {}
    rows = []
    for (
        hamlet,
        household_id,
        visit_id,
        code,
        member_id,
        relation,
        birth_year,
        version,
        visited_day,
        visited_at,
    ) in found:
        if member_id is None:
            label_of_relation = None
        else:
            key = (version, relation)
            if key not in relations:
                relations[key] = _choice_label(_definition(version), "relation", relation)
            label_of_relation = relations[key]
        label = labels.get((version, code))
        if label is None:
            label = labels[version, code] = _catalogue_label(_definition(version), code)
        day = days.get((visited_day, visited_at))
        if day is None:
            day = days[visited_day, visited_at] = _day(visited_day, visited_at)
        rows.append(
            FollowUpRow(
                hamlet,
                hamlets[hamlet],
                household_id,
                *personal.get(household_id, hidden),
                member_id,
                label_of_relation,
                birth_year,
                code,
                label,
                day,
                visit_id,
            )
        )
    return sort_follow_ups(rows)


# -- the needs and their counts ---------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """A follow-up of the catalogue: its code and its label in both languages."""

    code: str
    label: Label


def catalogue() -> tuple[Need, ...]:
    """Every need a visit can list: the current checklist's catalogue in its order, then any
    code only an older checklist has (with the label of the latest one that has it)."""
    needs = {item.code: item.label for item in checklists.current().catalogue}
    for version in reversed(checklists.versions()):
        for item in _definition(version).catalogue:
            needs.setdefault(item.code, item.label)
    return tuple(Need(code, label) for code, label in needs.items())


def parse_need(text: str | None) -> str | None:
    """A need filter from a query: None for none (empty), else a code of `catalogue()`.
    Anything else is refused with `need_unknown` (422), quoting what was asked."""
    value = (text or "").strip()
    if not value:
        return None
    if value not in {need.code for need in catalogue()}:
        raise Refused("need_unknown", "need", {"value": shown(value, 40)})
    return value


@dataclass(frozen=True)
class HamletNeeds:
    """One hamlet's open follow-ups, per need in `Summary.needs` order."""

    hamlet_id: str
    name: str
    households: tuple[int, ...]  # households that need it
    follow_ups: tuple[int, ...]  # rows of the list: one per member who needs it, or one for the household
    any_need: int  # households needing at least one thing (one needing two things counts once)

    def rows(self, need: int | None = None) -> int:
        """Rows of this hamlet's list: of one need (an index of `Summary.needs`), or all."""
        return sum(self.follow_ups) if need is None else self.follow_ups[need]


@dataclass(frozen=True)
class Summary:
    """Counts of open follow-ups by need × hamlet, from every roster household's latest
    completed visit (households off the roster are left out)."""

    needs: tuple[Need, ...]
    hamlets: tuple[HamletNeeds, ...]  # every hamlet asked for, by name (diacritics ignored), then id

    @property
    def households(self) -> tuple[int, ...]:
        """Per need, the households that need it over all the hamlets."""
        return tuple(sum(h.households[k] for h in self.hamlets) for k in range(len(self.needs)))

    @property
    def any_need(self) -> int:
        """Households needing at least one thing, over all the hamlets."""
        return sum(h.any_need for h in self.hamlets)

    @property
    def follow_ups(self) -> int:
        """Rows of the whole list (every need, every hamlet)."""
        return sum(h.rows() for h in self.hamlets)

    def index(self, code: str) -> int:
        """The position of a need's column; ValueError for a code no column has."""
        return [need.code for need in self.needs].index(code)


def summary(session: Session, commune_code: str, *, hamlet_id: str | None = None) -> Summary:
    """The commune's follow-up counts (or one of its hamlets' when `hamlet_id` is given), in
    two grouped queries whatever the number of households. A hamlet of another commune, or
    none, is refused as `not_found` (404)."""
    statement = select(_HM.c.id, _HM.c.name).where(_HM.c.commune_code == commune_code)
    if hamlet_id is not None:
        statement = statement.where(_HM.c.id == hamlet_id)
    names = {hamlet: name for hamlet, name in session.execute(statement)}
    if hamlet_id is not None and not names:
        raise Refused("not_found")
    scope = _H.c.hamlet_id == hamlet_id if hamlet_id is not None else _commune_households(commune_code)
    joined = _H.join(_N, _N.c.visit_id == _H.c.latest_visit_id)
    alive = (scope, _H.c.removed_at.is_(None))
    cells: dict[tuple[str, str], tuple[int, int]] = {}
    for hamlet, code, rows, homes in session.execute(
        select(_H.c.hamlet_id, _N.c.code, func.count(), func.count(distinct(_H.c.id)))
        .select_from(joined)
        .where(*alive)
        .group_by(_H.c.hamlet_id, _N.c.code)
    ):
        cells[(hamlet, code)] = (int(rows), int(homes))
    any_need = {
        hamlet: int(homes)
        for hamlet, homes in session.execute(
            select(_H.c.hamlet_id, func.count(distinct(_H.c.id)))
            .select_from(joined)
            .where(*alive)
            .group_by(_H.c.hamlet_id)
        )
    }
    needs = list(catalogue())
    known = {need.code for need in needs}
    needs += [Need(code, Label(code, code)) for code in sorted({c for _, c in cells} - known)]  # never expected
    hamlets = [
        HamletNeeds(
            hamlet,
            name,
            tuple(cells.get((hamlet, need.code), (0, 0))[1] for need in needs),
            tuple(cells.get((hamlet, need.code), (0, 0))[0] for need in needs),
            any_need.get(hamlet, 0),
        )
        for hamlet, name in names.items()
    ]
    hamlets.sort(key=lambda h: (fold(h.name), h.hamlet_id))
    return Summary(tuple(needs), tuple(hamlets))


# -- the list, a page at a time ------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpPage:
    """One page of the follow-up list: rows `first`+1 to `last` of `total`."""

    number: int  # 1-based
    count: int  # pages, at least 1 (an empty list has one, empty, page)
    total: int  # follow-ups in the list over every page
    first: int  # 0-based index of the first row shown
    rows: tuple[FollowUpRow, ...]

    @property
    def last(self) -> int:
        return self.first + len(self.rows)

    def links(self, around: int = 2) -> tuple[int | None, ...]:
        """The page numbers to offer: the first, the last and `around` either side of this
        one, with None where pages are skipped (1 … 4 5 6 7 8 … 249)."""
        wanted = {1, self.count, *range(self.number - around, self.number + around + 1)}
        links: list[int | None] = []
        previous = 0
        for n in sorted(n for n in wanted if 1 <= n <= self.count):
            if n > previous + 1:
                links.append(None)
            links.append(n)
            previous = n
        return tuple(links)


def page_number(text: str | None, count: int) -> int:
    """A page of `count` from a query: 1 when empty, else 1..count in ASCII digits.
    Anything else is refused with `follow_up_page_invalid` (422), saying what exists."""
    value = (text or "").strip()
    if not value:
        return 1
    if value.isascii() and value.isdigit() and len(value) <= 9 and 1 <= int(value) <= count:
        return int(value)
    raise Refused("follow_up_page_invalid", "page", {"value": shown(value, 20), "count": count})


def follow_up_page(
    session: Session,
    counts: Summary,
    *,
    hamlet_id: str | None = None,
    need: str | None = None,
    page: str = "",
    fields: frozenset[str],
) -> FollowUpPage:
    """One page (`PAGE_SIZE` rows) of the follow-ups `counts` covers, filtered by hamlet and
    need: hamlets by name, within a hamlet the longest waiting first (the oldest latest
    visit), then by household id and the follow-up's place in its visit — an order in
    which every row has one place, so the pages cover the list exactly once.

    `counts` (from `summary`, read in the same transaction) says how many rows each hamlet
    has: the page's hamlets and its offset among them are known before the one query, which
    reads at most `PAGE_SIZE` rows. Personal details only as `fields` allows. Refused: a
    hamlet `counts` does not cover (`not_found`, 404), a need no column has
    (`need_unknown`), a page beyond the last (`follow_up_page_invalid`).
    """
    hamlets = [h for h in counts.hamlets if hamlet_id is None or h.hamlet_id == hamlet_id]
    if hamlet_id is not None and not hamlets:
        raise Refused("not_found")
    try:
        column = None if need is None else counts.index(need)
    except ValueError:
        raise Refused("need_unknown", "need", {"value": shown(need, 40)}) from None
    total = sum(h.rows(column) for h in hamlets)
    pages = max(1, -(-total // PAGE_SIZE))
    number = page_number(page, pages)
    first, last = (number - 1) * PAGE_SIZE, min(total, number * PAGE_SIZE)
    spanned: list[HamletNeeds] = []
    offset = before = 0
    for h in hamlets:  # the hamlets this page reaches into, and its offset in the first of them
        n = h.rows(column)
        if n and before < last and before + n > first:
            if not spanned:
                offset = first - before
            spanned.append(h)
        before += n
    rows = _rows(session, spanned, need, offset, last - first, fields) if spanned else ()
    return FollowUpPage(number, pages, total, first, rows)


def _rows(
    session: Session, hamlets: Sequence[HamletNeeds], need: str | None, offset: int, limit: int, fields: frozenset[str]
) -> tuple[FollowUpRow, ...]:
    names = {h.hamlet_id: h.name for h in hamlets}
    rank = case({h.hamlet_id: k for k, h in enumerate(hamlets)}, value=_H.c.hamlet_id)
    statement = (
        select(*_ROW_COLUMNS, *([_H.c.content] if fields else []))
        .select_from(_LATEST_NEEDS)
        .where(_H.c.hamlet_id.in_(list(names)), _H.c.removed_at.is_(None), *([_N.c.code == need] if need else []))
        .order_by(rank, _V.c.visited_at, _H.c.id, _N.c.position)
        .offset(offset)
        .limit(limit)
    )
    return tuple(_row(found, names, fields) for found in session.execute(statement))


def _row(found: Any, names: dict[str, str], fields: frozenset[str]) -> FollowUpRow:
    hamlet, household_id, visit_id, code, member_id, relation, birth_year, version, visited_day, visited_at = found[:10]
    definition = _definition(version)
    return FollowUpRow(
        hamlet,
        names[hamlet],
        household_id,
        *_visible(found[10] if fields else None, fields),
        member_id,
        _choice_label(definition, "relation", relation) if member_id else None,
        birth_year,
        code,
        _catalogue_label(definition, code),
        _day(visited_day, visited_at),
        visit_id,
    )
