"""Coverage kept current at ingest: what each household contributes, and per-hamlet sums.

`survey.indicators` defines a household's contribution (its `Tally`) from its latest
completed visit; tallies only add up. The server keeps, for the adult ages it maintains,
every visit's tally, each household's current one, and per hamlet the sum over its roster
households, changed by deltas in the same transaction as the records. Current coverage
then reads one row per hamlet and indicator instead of every visit.

The sums are derived data: `ensure_current` rebuilds them from the stored visits after an
upgrade or whenever `TALLY_VERSION`, the maintained ages or a commune's time zone change
(adults are counted by the commune's year of each visit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any

from sqlalchemy import Integer, bindparam, case, delete, insert, select, update
from sqlalchemy.orm import Session

from survey.indicators import ADULT_AGES, INDICATOR_IDS, TALLY_VERSION, Tally, household_tally
from survey.records import Visit
from survey.times import as_utc, zone

from .. import models

TALLY_AGES = ADULT_AGES  # DESIGN §2: the commune's age (default 18) and the national 15
_SIGNATURE = f"{TALLY_VERSION}:{','.join(map(str, TALLY_AGES))}:timeline2"  # plus the communes' zones
Flat = list[int]  # numerator, denominator for each indicator in INDICATOR_IDS order
Deltas = dict[tuple[str, int], Flat]


def flatten(tally: Tally) -> Flat:
    return [n for indicator in INDICATOR_IDS for n in tally.counts[indicator]]


def unflatten(flat: Iterable[int]) -> Tally:
    values = list(flat)
    return Tally.from_dict({i: values[2 * k : 2 * k + 2] for k, i in enumerate(INDICATOR_IDS)})


def visit_tallies(visit: Visit | None, tz: tzinfo | None = None) -> dict[str, Flat]:
    """The household contribution of this latest completed visit (None: never visited), per
    maintained adult age; adults by the commune's year of the visit (`tz`)."""
    return {str(age): flatten(household_tally(visit, age, tz)) for age in TALLY_AGES}


NEVER_VISITED = visit_tallies(None)


def accumulate(sums: dict[Any, Flat], key: Any, flat: Iterable[int], sign: int = 1) -> None:
    """sums[key] += sign × flat, element by element (a new entry when the key is new)."""
    acc = sums.get(key)
    if acc is None:
        sums[key] = [sign * n for n in flat]
    else:
        for k, n in enumerate(flat):
            acc[k] += sign * n


def add(deltas: Deltas, hamlet_id: str, tallies: Mapping[str, Flat] | None, sign: int) -> None:
    if not tallies:
        return
    for age in TALLY_AGES:
        accumulate(deltas, (hamlet_id, age), tallies[str(age)], sign)


def apply(session: Session, deltas: Deltas) -> None:
    """Add the deltas to the hamlet sums in place (UPDATE col = col + d: no lost updates).

    One row of parameters per touched hamlet and age, whose CASE picks each indicator's
    delta: a batch of 500 visits over 40 hamlets is 80 updated parameter sets, not 720.
    """
    params = []
    for (hamlet_id, age), flat in deltas.items():
        if any(flat):
            row: dict[str, Any] = {"h": hamlet_id, "a": age}
            for k in range(len(INDICATOR_IDS)):
                row[f"n{k}"], row[f"d{k}"] = flat[2 * k], flat[2 * k + 1]
            params.append(row)
    if params:
        session.connection().execute(_APPLY, params)


def _apply_statement() -> Any:
    t = models.table(models.HamletTally)

    def delta(prefix: str) -> Any:
        whens = {indicator: bindparam(f"{prefix}{k}", type_=Integer) for k, indicator in enumerate(INDICATOR_IDS)}
        return case(whens, value=t.c.indicator, else_=0)

    return (
        update(t)
        .where(t.c.hamlet_id == bindparam("h"), t.c.adult_age == bindparam("a"))
        .values(numerator=t.c.numerator + delta("n"), denominator=t.c.denominator + delta("d"))
    )


_APPLY = _apply_statement()


def zero_rows(hamlet_ids: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {"hamlet_id": h, "adult_age": age, "indicator": i, "numerator": 0, "denominator": 0}
        for h in hamlet_ids
        for age in TALLY_AGES
        for i in INDICATOR_IDS
    ]


def hamlet_sums(session: Session, hamlet_ids: Iterable[str], adult_age: int) -> dict[str, Tally]:
    """Each hamlet's kept sums for an adult age: one read of plain rows (18,000 of them at
    1,000 hamlets; SQLAlchemy's result rows cost more than the database here)."""
    connection = session.connection()
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    rows = connection.exec_driver_sql(
        f"SELECT hamlet_id, indicator, numerator, denominator FROM hamlet_tally WHERE adult_age = {marker}",
        (adult_age,),
    ).fetchall()
    wanted = set(hamlet_ids)
    known = frozenset(INDICATOR_IDS)  # a row of an indicator no longer counted is left out
    sums: dict[str, Tally] = {}
    for hamlet_id, indicator, numerator, denominator in rows:
        if hamlet_id in wanted and indicator in known:
            tally = sums.get(hamlet_id)
            if tally is None:
                tally = sums[hamlet_id] = Tally()
            tally.counts[indicator] = [numerator, denominator]
    return sums


# -- rebuild ----------------------------------------------------------------------------------


def signature(session: Session) -> str:
    """What the derived data was made with: tally version, ages, and the communes' zones."""
    from . import history

    return f"{_SIGNATURE}|{history.signature(session)}"


def ensure_current(session: Session) -> bool:
    """Rebuild the derived days, placements and tallies when they were made by another
    version or with other zones; True if rebuilt."""
    wanted = signature(session)
    stored = session.get(models.Meta, "tally_signature")
    if stored is not None and stored.value == wanted:
        return False
    from . import history, timeline  # they build on what is rebuilt here

    history.recompute(session)
    rebuild(session)
    timeline.rebuild(session)
    session.merge(models.Meta(key="tally_signature", value=wanted))
    return True


def rebuild(session: Session) -> None:
    """Recompute every visit's, household's and hamlet's tallies from the stored visits."""
    from .history import zones

    connection = session.connection()
    v, h = models.table(models.Visit), models.table(models.Household)
    zone_of, default = zones(session), zone()
    latest: dict[str, tuple[Any, str]] = {}
    updates = []
    rows = connection.execute(
        select(v.c.id, v.c.household_id, v.c.hamlet_id, v.c.visited_at, v.c.content).where(v.c.outcome == "completed")
    )
    for visit_id, household_id, hamlet_id, visited_at, content in rows:
        updates.append({"vid": visit_id, "t": visit_tallies(Visit.from_dict(content), zone_of.get(hamlet_id, default))})
        key = (as_utc(visited_at), visit_id)
        if household_id not in latest or key > latest[household_id]:
            latest[household_id] = key
    if updates:
        connection.execute(update(v).where(v.c.id == bindparam("vid")).values(tallies=bindparam("t")), updates)
    tally_of = {u["vid"]: u["t"] for u in updates}
    m = models.table(models.HouseholdMerge)
    for kept_id, dropped_id in connection.execute(select(m.c.kept_id, m.c.dropped_id).where(m.c.undone_seq.is_(None))):
        lent = latest.get(dropped_id)  # the kept household counts from the newest of the two (issue 12 §4)
        if lent is not None and (kept_id not in latest or lent > latest[kept_id]):
            latest[kept_id] = lent
    deltas: Deltas = {}
    household_updates = []
    for household_id, hamlet_id, removed_at in connection.execute(select(h.c.id, h.c.hamlet_id, h.c.removed_at)):
        visited_at, visit_id = latest.get(household_id, (None, None))
        tallies = tally_of[visit_id] if visit_id else NEVER_VISITED
        household_updates.append({"hid": household_id, "lv": visit_id, "la": visited_at, "t": tallies})
        if removed_at is None:
            add(deltas, hamlet_id, tallies, +1)
    if household_updates:
        connection.execute(
            update(h)
            .where(h.c.id == bindparam("hid"))
            .values(latest_visit_id=bindparam("lv"), latest_visited_at=bindparam("la"), tallies=bindparam("t")),
            household_updates,
        )
    t = models.table(models.HamletTally)
    connection.execute(delete(t))
    hamlets = [row[0] for row in connection.execute(select(models.table(models.Hamlet).c.id))]
    if hamlets:
        connection.execute(insert(t), zero_rows(hamlets))
    apply(session, deltas)
