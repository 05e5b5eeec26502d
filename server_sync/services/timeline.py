"""Coverage on any day, and per quarter, from how each hamlet's tally changes day by day.

What a household contributes is a step function of the date (DESIGN §3): nothing before it
joins the roster, then "never visited", then the tally of its latest completed visit up to
that day, counted in the hamlet it belonged to that day, and nothing while it is off the
roster (moved away, a duplicate), back again if it returns (its placements,
`survey.roster`). The server keeps,
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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from survey.indicators import INDICATOR_IDS, Tally
from survey.roster import Placement, placement_on
from survey.times import as_utc

from .. import models
from .tallies import NEVER_VISITED, TALLY_AGES, Flat, accumulate

COLUMNS = tuple(f"{prefix}_{indicator}" for indicator in INDICATOR_IDS for prefix in ("n", "d"))  # Flat order
Changes = dict[tuple[str, int, date], Flat]  # (hamlet, adult age, day) → change of the tally that day
_T = models.table(models.TallyChange)
_P = models.table(models.TimelinePending)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(year: int, quarter: int) -> date:
    """The last day of a quarter (1–4)."""
    if quarter == 4:
        return date(year, 12, 31)
    return date(year, 3 * quarter + 1, 1) - timedelta(days=1)


@dataclass(frozen=True)
class CompletedVisit:
    day: date  # the commune's day of the visit
    at: datetime  # its instant: the latest visit is the latest instant, never the latest text
    id: str
    tallies: Mapping[str, Flat]  # per adult age, as stored on the visit
    seq: int | None = None  # the batch that brought it (None: before visits had one)


Step = tuple[date, str | None, Mapping[str, Flat] | None]  # day, hamlet (None: off the roster), contribution


@dataclass(frozen=True)
class MergeLink:
    """A merge of two duplicate households as the history reads it (models.HouseholdMerge):
    in force once batch `merged_seq` is taken in, until batch `undone_seq` (if any) is."""

    id: int
    kept_id: str
    dropped_id: str
    from_day: date  # the later creation day of the two: from it on the pair counts once
    merged_seq: int
    undone_seq: int | None = None

    def active(self, limit: int | None = None) -> bool:
        """In force once every batch before `limit` (all when None) is taken in."""
        if limit is not None and self.merged_seq >= limit:
            return False
        return self.undone_seq is None or (limit is not None and self.undone_seq >= limit)


def effective_placements(
    placements: Sequence[Placement], seqs: Sequence[int], as_dropped: Sequence[MergeLink], limit: int | None = None
) -> list[Placement]:
    """Where a household stood, with the merges it was dropped in (issue 12 §4): the
    placements the merge's and the undo's own edits added are the merge's to say, so they
    are set aside; while a merge is in force the household is off the roster from the
    merge's `from_day` on (the pair counts once, as the kept household), and an undone merge
    leaves the history as it was before it."""
    if not as_dropped:
        return list(placements)
    own = {s for m in as_dropped for s in (m.merged_seq, m.undone_seq) if s is not None}
    kept = [p for p, s in zip(placements, seqs, strict=False) if s not in own]
    in_force = [m for m in as_dropped if m.active(limit)]
    if not in_force or not kept:
        return kept
    cut = min(m.from_day for m in in_force)
    return [p for p in kept if p.day < cut] + [Placement(cut, kept[0].hamlet_id, False)]


@dataclass
class History:
    """What decides a household's contribution over time: where it stood (placements, oldest
    first, with the batch that added each) and its completed visits; with the merges it is
    part of: as the kept household it also counts the dropped one's completed visits
    (`borrowed`, by merge), as the dropped one it leaves the roster (issue 12 §4). `limit`:
    the history as the batches before it left it (None: all of them)."""

    placements: list[Placement]
    visits: list[CompletedVisit] = field(default_factory=list)
    placement_seqs: list[int] = field(default_factory=list)
    as_dropped: list[MergeLink] = field(default_factory=list)
    borrowed: list[tuple[MergeLink, CompletedVisit]] = field(default_factory=list)
    limit: int | None = None

    def steps(self) -> list[Step]:
        """(day, hamlet it counts in from that day on, its contribution), in day order."""
        placements = effective_placements(self.placements, self.placement_seqs, self.as_dropped, self.limit)
        visits = self.visits + [v for link, v in self.borrowed if link.active(self.limit)]
        days = {p.day for p in placements} | {v.day for v in visits}
        ordered = sorted(visits, key=lambda v: (v.at, v.id))
        found: list[Step] = []
        for day in sorted(days):
            placed = placement_on(placements, day)
            if placed is None or not placed.on_roster:
                found.append((day, None, None))
                continue
            latest = None
            for visit in ordered:  # the latest by instant among those made on or before `day`
                if visit.day <= day:
                    latest = visit
            found.append((day, placed.hamlet_id, latest.tallies if latest else NEVER_VISITED))
        return found

    def before(self, seq: int) -> History | None:
        """The history as batches before `seq` left it; None when it did not exist yet."""
        kept = [p for p, s in zip(self.placements, self.placement_seqs, strict=False) if s < seq]
        if not kept:
            return None

        def earlier(v: CompletedVisit) -> bool:
            return v.seq is None or v.seq < seq

        return History(
            kept,
            [v for v in self.visits if earlier(v)],
            [s for s in self.placement_seqs if s < seq],
            self.as_dropped,
            [(link, v) for link, v in self.borrowed if earlier(v)],
            seq if self.limit is None else min(seq, self.limit),
        )


def add(changes: Changes, history: History | None, sign: int) -> None:
    """Add (sign +1) or take away (-1) the day-by-day changes of one household's steps."""
    if history is not None:
        _add_steps(changes, history.steps(), (None, None), sign)


def replace(changes: Changes, old: History | None, new: History) -> None:
    """The changes that turn `old` steps into `new` ones; steps they share are skipped."""
    if old is None:
        add(changes, new, +1)
        return
    before, after = old.steps(), new.steps()
    same = 0
    while (
        same < len(before)
        and same < len(after)
        and before[same][:2] == after[same][:2]
        and before[same][2] is after[same][2]
    ):
        same += 1
    previous = before[same - 1][1:] if same else (None, None)
    _add_steps(changes, before[same:], previous, -1)
    _add_steps(changes, after[same:], previous, +1)


def _add_steps(
    changes: Changes, steps: Sequence[Step], previous: tuple[str | None, Mapping[str, Flat] | None], sign: int
) -> None:
    """At each step, what the household contributed so far leaves its hamlet and what it
    contributes now joins its (perhaps other) hamlet; `sign` -1 takes the steps back."""
    was_hamlet, was = previous
    for day, hamlet_id, contribution in steps:
        if hamlet_id == was_hamlet and contribution is was:
            continue
        for age in TALLY_AGES:
            key = str(age)
            if was_hamlet is not None and was is not None:
                accumulate(changes, (was_hamlet, age, day), was[key], -sign)
            if hamlet_id is not None and contribution is not None:
                accumulate(changes, (hamlet_id, age, day), contribution[key], sign)
        was_hamlet, was = hamlet_id, contribution


def _merged(changes: Changes) -> dict[tuple[str, int, str, date], Flat]:
    """Day rows and quarter rows, each key once (a quarter row sums its days)."""
    merged: dict[tuple[str, int, str, date], Flat] = {}
    for (hamlet_id, age, day), flat in changes.items():
        if not any(flat):
            continue
        accumulate(merged, (hamlet_id, age, "D", day), flat)
        accumulate(merged, (hamlet_id, age, "Q", quarter_start(day)), flat)
    return merged


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
    return (
        f"INSERT INTO tally_change ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))}) "
        "ON CONFLICT (hamlet_id, adult_age, period, day) DO UPDATE SET "
        + ", ".join(f"{c} = tally_change.{c} + excluded.{c}" for c in COLUMNS)
    )


_UPSERT = {marker: _upsert_sql(marker) for marker in ("?", "%s")}


# -- reading ----------------------------------------------------------------------------------


def _sums(statement: Any, session: Session, key_columns: int) -> dict[tuple[Any, ...], Flat]:
    return {
        tuple(row[:key_columns]): [int(n or 0) for n in row[key_columns:]]
        for row in session.connection().execute(statement)
    }


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


def quarterly(
    session: Session, hamlet_ids: Sequence[str] | None, adult_age: int, first: date, last: date
) -> list[tuple[date, Tally]]:
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
    """Stored histories of these households, from their placements, their completed
    visits' stored tallies and the merges they are part of (with the dropped households'
    completed visits for the kept ones)."""
    from .history import placements

    v = models.table(models.Visit)
    visits = select(v.c.household_id, v.c.visited_day, v.c.visited_at, v.c.id, v.c.tallies, v.c.change_seq).where(
        v.c.outcome == "completed", v.c.visited_day.is_not(None), v.c.tallies.is_not(None)
    )
    found: dict[str, History] = {}
    connection = session.connection()
    ids = sorted(set(household_ids))
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for home_id, placed in placements(session, chunk).items():
            found[home_id] = History([p for p, _ in placed], [], [s for _, s in placed])
        links = merge_links(session, chunk)
        lent: dict[str, list[MergeLink]] = {}  # dropped household → the merges it lends its visits to
        for link in links:
            if link.dropped_id in found:
                found[link.dropped_id].as_dropped.append(link)
            if link.kept_id in found:
                lent.setdefault(link.dropped_id, []).append(link)
        for home_id, day, visited_at, visit_id, stored, seq in connection.execute(
            visits.where(v.c.household_id.in_(sorted(set(chunk) | set(lent))))
        ):
            visit = CompletedVisit(day, as_utc(visited_at), visit_id, stored, seq)
            history = found.get(home_id)
            if history is not None:
                history.visits.append(visit)
            for link in lent.get(home_id, ()):
                found[link.kept_id].borrowed.append((link, visit))
    return found


MERGE_IDS_PER_QUERY = 400  # two IN lists of them per query: well under SQLite's 999 variables


def merge_links(session: Session, household_ids: Sequence[str]) -> list[MergeLink]:
    """Every merge, in force or undone, that one of these households is part of, by id. Asked
    a few hundred households at a time: a walk over a province's 500,000 households passes
    them all (one IN list of them broke SQLite's limit on variables)."""
    m = models.table(models.HouseholdMerge)
    wanted = list(household_ids)
    found: dict[int, MergeLink] = {}
    columns = (m.c.id, m.c.kept_id, m.c.dropped_id, m.c.from_day, m.c.merged_seq, m.c.undone_seq)
    for start in range(0, len(wanted), MERGE_IDS_PER_QUERY):
        part = wanted[start : start + MERGE_IDS_PER_QUERY]
        statement = select(*columns).where(m.c.kept_id.in_(part) | m.c.dropped_id.in_(part))
        for row in session.connection().execute(statement):
            found[row[0]] = MergeLink(*row)
    return [found[key] for key in sorted(found)]


def rebuild(session: Session, *, households_per_pass: int = 5_000) -> None:
    """Recompute every row from the stored placements and visits (their tallies first), a
    few thousand households at a time so that memory stays small whatever the history."""
    connection = session.connection()
    connection.execute(delete(_T))
    connection.execute(delete(_P))  # everything is taken in below
    h = models.table(models.Household)
    ids = [row[0] for row in connection.execute(select(h.c.id).order_by(h.c.id))]
    for start in range(0, len(ids), households_per_pass):
        changes: Changes = {}
        for history in histories(session, ids[start : start + households_per_pass]).values():
            add(changes, history, +1)
        apply(session, changes)


# -- syncs queue, readers catch up ------------------------------------------------------------


def queue(session: Session, touched: Iterable[str], seq: int) -> None:
    """List the households batch `seq` changed. A household already listed keeps its first
    entry: what stood before that batch is where the timeline left it."""
    rows = [(household_id, seq) for household_id in sorted(touched)]
    if not rows:
        return
    connection = session.connection()
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    connection.exec_driver_sql(
        f"INSERT INTO timeline_pending (household_id, seq) VALUES ({marker}, {marker}) "
        "ON CONFLICT (household_id) DO NOTHING",
        rows,
    )


def behind(session: Session) -> bool:
    """Whether this session reads a timeline that has not taken in every sync: a read-only
    session (which cannot catch up) while households wait in the list. Then figures as of a
    day are counted from the records instead (`coverage.walk`): slower, and exact."""
    connection = session.connection()
    return (
        bool(connection.get_execution_options().get("read_only"))
        and connection.execute(select(_P.c.household_id).limit(1)).first() is not None
    )


def catch_up(session: Session) -> int:
    """Take in every household syncs changed since the timeline was last read; how many.

    In a read-only session (every GET, server_sync/db.py) nothing is taken in and 0 is
    returned: the request caught up before, in a transaction of its own, or could not (the
    database full or busy), and then the timeline is read as last stored.

    Runs in the caller's transaction, serialised with syncs (they hold the change counter's
    row until they commit): the listed households are taken off the list and their changes
    applied together, or neither. Nothing listed: one indexed read.
    """
    connection = session.connection()
    if connection.get_execution_options().get("read_only"):
        return 0
    if connection.execute(select(_P.c.household_id).limit(1)).first() is None:
        return 0
    counter = models.table(models.ChangeCounter)
    connection.execute(update(counter).where(counter.c.id == 1).values(value=counter.c.value))
    listed = connection.execute(delete(_P).returning(_P.c.household_id, _P.c.seq)).all()
    now = histories(session, [row[0] for row in listed])
    changes: Changes = {}
    for household_id, seq in listed:
        new = now.get(household_id)
        if new is not None:  # as it stood before: placements and visits of earlier batches
            replace(changes, new.before(seq), new)
    apply(session, changes)
    return len(listed)
