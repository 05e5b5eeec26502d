"""Coverage on any day, and per quarter, from how each hamlet's tally changes day by day.

What a household contributes is a step function of the date (DESIGN §3): nothing before it
joins the roster, then "never visited", then the tally of its latest completed visit up to
that day, and nothing again once it is marked moved away or duplicate. The server keeps,
per hamlet and adult age, the sum of those steps on each day ("D" rows) and over each
quarter ("Q" rows, dated by the quarter's first day). Coverage as of a day is then the sum
of the quarter rows before its quarter plus the day rows of its quarter so far: at most a
quarter's worth of day rows per hamlet, whatever the years of history. The quarterly trend
reads the quarter rows alone.

A late visit (synced weeks after it was made, or older than one already stored) changes
the steps of its household in the past. A sync only lists the households whose history it
changed, with where each stood before (`queue`, one insert: the sync stays as fast as it
was); the timeline takes them in before it is read (`catch_up`, called by every read here):
the old steps out, the new ones in. `rebuild` recomputes everything from the stored records;
`walk` in services/coverage.py is the slow reference the tests hold this to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from survey.indicators import INDICATOR_IDS, Tally

from .. import models
from .tallies import NEVER_VISITED, TALLY_AGES, Flat, accumulate

COLUMNS = tuple(f"{prefix}_{indicator}" for indicator in INDICATOR_IDS for prefix in ("n", "d"))  # Flat order
Changes = dict[tuple[str, int, date], Flat]  # (hamlet, adult age, day) → change of the tally that day
_T = models.TallyChange.__table__
_P = models.TimelinePending.__table__


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(year: int, quarter: int) -> date:
    """The last day of a quarter (1–4)."""
    if quarter == 4:
        return date(year, 12, 31)
    return date(year, 3 * quarter + 1, 1) - timedelta(days=1)


@dataclass(frozen=True)
class CompletedVisit:
    day: date
    visited_at: str
    id: str
    tallies: Mapping[str, Flat]  # per adult age, as stored on the visit
    seq: int | None = None  # the batch that brought it (None: before visits had one)


@dataclass
class History:
    """What decides a household's contribution over time."""

    hamlet_id: str
    created_day: date
    removed_day: date | None
    visits: list[CompletedVisit] = field(default_factory=list)

    def steps(self) -> list[tuple[date, Mapping[str, Flat] | None]]:
        """(day, contribution from that day on; None when off the roster), in day order."""
        days = {self.created_day, *(v.day for v in self.visits)}
        if self.removed_day is not None:
            days.add(self.removed_day)
        ordered = sorted(self.visits, key=lambda v: (v.visited_at, v.id))
        found: list[tuple[date, Mapping[str, Flat] | None]] = []
        for day in sorted(days):
            on_roster = self.created_day <= day and (self.removed_day is None or day < self.removed_day)
            if not on_roster:
                found.append((day, None))
                continue
            latest = None
            for visit in ordered:  # the latest by time among those made on or before `day`
                if visit.day <= day:
                    latest = visit
            found.append((day, latest.tallies if latest else NEVER_VISITED))
        return found


def add(changes: Changes, history: History | None, sign: int) -> None:
    """Add (sign +1) or take away (-1) the day-by-day changes of one household's steps."""
    if history is not None:
        _add_steps(changes, history.hamlet_id, history.steps(), None, sign)


def replace(changes: Changes, old: History | None, new: History) -> None:
    """The changes that turn `old` steps into `new` ones; steps they share are skipped."""
    if old is None or old.hamlet_id != new.hamlet_id:
        add(changes, old, -1)
        add(changes, new, +1)
        return
    before, after = old.steps(), new.steps()
    same = 0
    while (same < len(before) and same < len(after) and before[same][0] == after[same][0]
           and before[same][1] is after[same][1]):
        same += 1
    previous = before[same - 1][1] if same else None
    _add_steps(changes, old.hamlet_id, before[same:], previous, -1)
    _add_steps(changes, new.hamlet_id, after[same:], previous, +1)


def _add_steps(changes: Changes, hamlet_id: str, steps: Sequence[tuple[date, Mapping[str, Flat] | None]],
               previous: Mapping[str, Flat] | None, sign: int) -> None:
    for day, contribution in steps:
        if contribution is previous:
            continue
        for age in TALLY_AGES:
            key = str(age)
            if contribution is None:
                diff = [-sign * n for n in previous[key]]  # type: ignore[index]
            elif previous is None:
                diff = [sign * n for n in contribution[key]]
            else:
                diff = [sign * (a - b) for a, b in zip(contribution[key], previous[key])]
            accumulate(changes, (hamlet_id, age, day), diff)
        previous = contribution


def _merged(changes: Changes) -> dict[tuple[str, int, str, date], Flat]:
    """Day rows and quarter rows, each key once (a quarter row sums its days)."""
    merged: dict[tuple[str, int, str, date], Flat] = {}
    for (hamlet_id, age, day), flat in changes.items():
        if not any(flat):
            continue
        accumulate(merged, (hamlet_id, age, "D", day), flat)
        accumulate(merged, (hamlet_id, age, "Q", quarter_start(day)), flat)
    return merged


def _rows(changes: Changes) -> list[dict[str, Any]]:
    return [{"hamlet_id": h, "adult_age": a, "period": p, "day": d, **dict(zip(COLUMNS, flat))}
            for (h, a, p, d), flat in _merged(changes).items()]


def apply(session: Session, changes: Changes) -> None:
    """Add the changes to the stored rows (col = col + change: concurrent batches add up).

    One upsert per row, sent as plain tuples to the driver: at a few thousand rows per
    batch, building SQLAlchemy parameter dictionaries costs more than the database work.
    """
    merged = _merged(changes)
    if not merged:
        return
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    rows = [(h, a, p, d if postgres else d.isoformat(), *flat) for (h, a, p, d), flat in merged.items()]
    connection.exec_driver_sql(_UPSERT["%s" if postgres else "?"], rows)


def _upsert_sql(marker: str) -> str:
    names = ("hamlet_id", "adult_age", "period", "day", *COLUMNS)
    return (f"INSERT INTO tally_change ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))}) "
            "ON CONFLICT (hamlet_id, adult_age, period, day) DO UPDATE SET "
            + ", ".join(f"{c} = tally_change.{c} + excluded.{c}" for c in COLUMNS))


_UPSERT = {marker: _upsert_sql(marker) for marker in ("?", "%s")}


# -- reading ----------------------------------------------------------------------------------


def _sums(statement: Any, session: Session, key_columns: int) -> dict[tuple[Any, ...], Flat]:
    return {tuple(row[:key_columns]): [int(n or 0) for n in row[key_columns:]]
            for row in session.connection().execute(statement)}


def _summed() -> list[Any]:
    return [func.sum(_T.c[name]) for name in COLUMNS]


def as_of(session: Session, hamlet_ids: Iterable[str], day: date, adult_age: int) -> dict[str, Tally]:
    """Each hamlet's tally as of the end of `day`: the quarter rows before its quarter plus
    its quarter's day rows up to `day`, or, when `day` is in the second half of its quarter,
    the quarter rows through its quarter minus the day rows after it. Either way at most
    half a quarter of day rows is read (none on a quarter's last day, as for the reviews)."""
    catch_up(session)
    start = quarter_start(day)
    end = quarter_end(start.year, (start.month - 1) // 3 + 1)
    forward = (day - start).days < (end - day).days
    base = select(_T.c.hamlet_id, *_summed()).where(_T.c.adult_age == adult_age).group_by(_T.c.hamlet_id)
    if forward:
        quarters = base.where(_T.c.period == "Q", _T.c.day < start)
        days, sign = base.where(_T.c.period == "D", _T.c.day >= start, _T.c.day <= day), +1
    else:
        quarters = base.where(_T.c.period == "Q", _T.c.day <= start)
        days, sign = base.where(_T.c.period == "D", _T.c.day > day, _T.c.day <= end), -1
    wanted = set(hamlet_ids)
    sums = _sums(quarters, session, 1)
    if day != end:
        for key, flat in _sums(days, session, 1).items():
            accumulate(sums, key, flat, sign)
    return {key[0]: to_tally(flat) for key, flat in sums.items() if key[0] in wanted}


def quarterly(session: Session, hamlet_ids: Sequence[str] | None, adult_age: int,
              first: date, last: date) -> list[tuple[date, Tally]]:
    """The summed tally of `hamlet_ids` (all when None) at the end of every quarter from the
    one holding `first` to the one holding `last`, oldest first; one query."""
    catch_up(session)
    statement = select(_T.c.day, *_summed()).where(_T.c.adult_age == adult_age, _T.c.period == "Q")
    if hamlet_ids is not None:
        statement = statement.where(_T.c.hamlet_id.in_(list(hamlet_ids)))
    by_quarter = _sums(statement.group_by(_T.c.day), session, 1)
    running = [0] * len(COLUMNS)
    out: list[tuple[date, Tally]] = []
    quarters = sorted(by_quarter)
    k = 0
    for end in quarter_ends(first, last):
        while k < len(quarters) and quarters[k][0] <= end:
            for i, n in enumerate(by_quarter[quarters[k]]):
                running[i] += n
            k += 1
        out.append((end, to_tally(running)))
    return out


def quarter_ends(first: date, last: date) -> list[date]:
    """The last day of every quarter from the one holding `first` to the one holding `last`."""
    ends = []
    start = quarter_start(first)
    while start <= last:
        ends.append(quarter_end(start.year, (start.month - 1) // 3 + 1))
        start = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return ends


def to_tally(flat: Sequence[int]) -> Tally:
    return Tally.from_dict({i: [flat[2 * k], flat[2 * k + 1]] for k, i in enumerate(INDICATOR_IDS)})


# -- rebuild ----------------------------------------------------------------------------------


def histories(session: Session, household_ids: Iterable[str]) -> dict[str, History]:
    """Stored histories of these households, from their rows and their completed visits'
    stored tallies."""
    h, v = models.Household.__table__, models.Visit.__table__
    homes = select(h.c.id, h.c.hamlet_id, h.c.created_day, h.c.removed_day)
    visits = (select(v.c.household_id, v.c.visited_day, v.c.visited_at, v.c.id, v.c.tallies, v.c.change_seq)
              .where(v.c.outcome == "completed", v.c.visited_day.is_not(None), v.c.tallies.is_not(None)))
    found: dict[str, History] = {}
    connection = session.connection()
    ids = sorted(set(household_ids))
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        home_query = homes.where(h.c.id.in_(chunk))
        visit_query = visits.where(v.c.household_id.in_(chunk))
        for home_id, hamlet_id, created_day, removed_day in connection.execute(home_query):
            found[home_id] = History(hamlet_id, created_day, removed_day)
        for home_id, day, visited_at, visit_id, stored, seq in connection.execute(visit_query):
            history = found.get(home_id)
            if history is not None:
                history.visits.append(CompletedVisit(day, visited_at, visit_id, stored, seq))
    return found


def rebuild(session: Session, *, hamlets_per_pass: int = 50) -> None:
    """Recompute every row from the stored households and visits (their tallies first), a
    few hamlets at a time so that memory stays small whatever the history."""
    connection = session.connection()
    connection.execute(delete(_T))
    connection.execute(delete(_P))  # everything is taken in below
    h, v = models.Household.__table__, models.Visit.__table__
    hamlet_ids = [row[0] for row in connection.execute(select(models.Hamlet.__table__.c.id).order_by("id"))]
    for start in range(0, len(hamlet_ids), hamlets_per_pass):
        chunk = hamlet_ids[start:start + hamlets_per_pass]
        found: dict[str, History] = {}
        for home_id, hamlet_id, created_day, removed_day in connection.execute(
                select(h.c.id, h.c.hamlet_id, h.c.created_day, h.c.removed_day).where(h.c.hamlet_id.in_(chunk))):
            found[home_id] = History(hamlet_id, created_day, removed_day)
        visits = (select(v.c.household_id, v.c.visited_day, v.c.visited_at, v.c.id, v.c.tallies)
                  .select_from(v.join(h, v.c.household_id == h.c.id))
                  .where(h.c.hamlet_id.in_(chunk), v.c.outcome == "completed",
                         v.c.visited_day.is_not(None), v.c.tallies.is_not(None)))
        for home_id, day, visited_at, visit_id, stored in connection.execute(visits):
            found[home_id].visits.append(CompletedVisit(day, visited_at, visit_id, stored))
        changes: Changes = {}
        for history in found.values():
            add(changes, history, +1)
        rows = _rows(changes)
        for first in range(0, len(rows), 5_000):
            connection.execute(insert(_T), rows[first:first + 5_000])


# -- syncs queue, readers catch up ------------------------------------------------------------


def queue(session: Session, before: Mapping[str, History | None], seq: int) -> None:
    """List the households batch `seq` changed, with where each stood before it (None: new).
    A household already listed keeps its first entry: that is where the timeline left it."""
    if not before:
        return
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    marker = "%s" if postgres else "?"

    def day(value: date | None) -> Any:
        return value if postgres or value is None else value.isoformat()

    rows = [(household_id, old.hamlet_id if old else None, day(old.created_day) if old else None,
             day(old.removed_day) if old else None, seq) for household_id, old in before.items()]
    connection.exec_driver_sql(
        "INSERT INTO timeline_pending (household_id, old_hamlet_id, old_created_day, old_removed_day, seq) "
        f"VALUES ({', '.join([marker] * 5)}) ON CONFLICT (household_id) DO NOTHING", rows)


def catch_up(session: Session) -> int:
    """Take in every household syncs changed since the timeline was last read; how many.

    Runs in the caller's transaction, serialised with syncs (they hold the change counter's
    row until they commit): the listed households are taken off the list and their changes
    applied together, or neither. Nothing listed: one indexed read.
    """
    connection = session.connection()
    if connection.execute(select(_P.c.household_id).limit(1)).first() is None:
        return 0
    counter = models.ChangeCounter.__table__
    connection.execute(update(counter).where(counter.c.id == 1).values(value=counter.c.value))
    listed = connection.execute(delete(_P).returning(
        _P.c.household_id, _P.c.old_hamlet_id, _P.c.old_created_day, _P.c.old_removed_day, _P.c.seq)).all()
    now = histories(session, [row[0] for row in listed])
    changes: Changes = {}
    for household_id, old_hamlet, old_created, old_removed, seq in listed:
        new = now.get(household_id)
        if new is None:
            continue
        old = None
        if old_hamlet is not None:  # its visits then: those an earlier batch brought
            old = History(old_hamlet, old_created or date.min, old_removed,
                          [v for v in new.visits if v.seq is None or v.seq < seq])
        replace(changes, old, new)
    apply(session, changes)
    return len(listed)
