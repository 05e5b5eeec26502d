"""Coverage per hamlet and for the commune, computed by `survey.indicators`.

Current coverage sums the per-hamlet tallies kept at ingest (`services.tallies`): one row
per hamlet and indicator, whatever the number of households. Coverage "as of" a date sums
the per-day changes kept at ingest (`services.timeline`), and `trend` reads their quarterly
sums. For an adult age the server does not maintain, or when a read finds the timeline behind
the syncs (it could not catch up: the database full or busy), `walk` goes through the roster
and the completed visits up to that date: slower, and exactly what
`survey.indicators.compute_coverage` gives; the tests hold the timeline to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.indicators import Coverage, CoverageReport, Tally, coverage_of, household_tally, report_from_tallies
from survey.records import Hamlet, Visit
from survey.roster import placement_on
from survey.times import as_utc, system_clock

from .. import models
from . import history, merges, tallies, timeline
from .admin import coverage_config


def commune_hamlets(session: Session, commune: models.Commune) -> list[Hamlet]:
    """The commune's hamlets as the domain sees them (read once per page, then passed on),
    by id, from plain rows (no ORM objects: a thousand of them are built per sync)."""
    h = models.table(models.Hamlet)
    rows = session.connection().execute(
        select(h.c.id, h.c.name, h.c.commune_code, h.c.team_active_since)
        .where(h.c.commune_code == commune.code)
        .order_by(h.c.id)
    )
    return [Hamlet(id=i, name=n, commune_code=c, team_active_since=t) for i, n, c, t in rows]


def report(
    session: Session,
    commune: models.Commune,
    *,
    as_of: date | None = None,
    adult_age: int | None = None,
    hamlets: list[Hamlet] | None = None,
    today: date | None = None,
) -> CoverageReport:
    """Every indicator per hamlet and for the commune, as of a commune day, or current: as of
    `today`, the commune's today (from the system clock when not given; DESIGN §3)."""
    config = coverage_config(commune)
    today = today or config.today(system_clock)
    if adult_age is not None:
        config = config.with_adult_age(adult_age)
    if hamlets is None:
        hamlets = commune_hamlets(session, commune)
    ids = [h.id for h in hamlets]
    if as_of is None and config.adult_age in tallies.TALLY_AGES:
        sums = tallies.hamlet_sums(session, ids, config.adult_age)  # kept at every sync: never behind
    elif as_of is None or config.adult_age not in tallies.TALLY_AGES or timeline.behind(session):
        sums = walk(session, ids, as_of, config.adult_age)  # counted from the records
    else:
        sums = timeline.as_of(session, ids, as_of, config.adult_age)
    return report_from_tallies(hamlets, sums, as_of=as_of, config=config, today=today)


def walk(session: Session, hamlet_ids: Iterable[str], as_of: date | None, adult_age: int) -> dict[str, Tally]:
    """Each hamlet's tally from its roster as of `as_of` (where each household stood that
    day: its placements) and each household's latest completed visit, by instant, on or
    before that day (the definitions of DESIGN §3)."""
    hamlet_ids = list(hamlet_ids)
    wanted = set(hamlet_ids)
    h, v, p = models.table(models.Household), models.table(models.Visit), models.table(models.HouseholdPlacement)
    if as_of is None:
        roster = select(h.c.id, h.c.hamlet_id).where(h.c.hamlet_id.in_(hamlet_ids), h.c.removed_at.is_(None))
        hamlet_of = {row[0]: row[1] for row in session.execute(roster)}
    else:
        ever = sorted(
            {row[0] for row in session.execute(select(p.c.household_id).where(p.c.hamlet_id.in_(hamlet_ids)))}
        )
        hamlet_of = {}
        dropped_in: dict[str, list[timeline.MergeLink]] = {}
        for link in timeline.merge_links(session, ever):
            dropped_in.setdefault(link.dropped_id, []).append(link)
        for household_id, placed in history.placements(session, ever).items():
            effective = timeline.effective_placements(
                [pl for pl, _ in placed], [s for _, s in placed], dropped_in.get(household_id, [])
            )
            found = placement_on(effective, as_of)
            if found is not None and found.on_roster and found.hamlet_id in wanted:
                hamlet_of[household_id] = found.hamlet_id
    stored_age = str(adult_age) if adult_age in tallies.TALLY_AGES else None
    zone_of = history.zones(session)
    ids = sorted(hamlet_of)
    # A kept household counts the completed visits of those merged into it (issue 12 §4).
    counted_for: dict[str, list[str]] = {i: [i] for i in ids}
    for kept_id, dropped in merges.lenders(session, ids).items():
        for dropped_id in dropped:
            counted_for.setdefault(dropped_id, []).append(kept_id)
    owners = sorted(counted_for)
    latest: dict[str, tuple[datetime, str, Any, str]] = {}  # instant, visit id, its payload, its hamlet
    for start in range(0, len(owners), 500):
        visits = select(
            v.c.household_id, v.c.visited_at, v.c.id, v.c.tallies if stored_age else v.c.content, v.c.hamlet_id
        ).where(v.c.outcome == "completed", v.c.household_id.in_(owners[start : start + 500]))
        if as_of is not None:
            visits = visits.where(v.c.visited_day <= as_of)
        for owner_id, visited_at, visit_id, payload, visit_hamlet in session.execute(visits):
            moment = as_utc(visited_at)
            for household_id in counted_for[owner_id]:
                best = latest.get(household_id)
                if best is None or (moment, visit_id) > (best[0], best[1]):
                    latest[household_id] = (moment, visit_id, payload, visit_hamlet)
    sums: dict[str, list[int]] = {}
    for household_id, hamlet_id in hamlet_of.items():
        best = latest.get(household_id)
        if stored_age:
            flat = best[2][stored_age] if best else tallies.NEVER_VISITED[stored_age]
        else:
            visit = Visit.from_dict(best[2]) if best else None
            flat = tallies.flatten(household_tally(visit, adult_age, zone_of.get(best[3] if best else hamlet_id)))
        tallies.accumulate(sums, hamlet_id, flat)
    return {hamlet_id: tallies.unflatten(flat) for hamlet_id, flat in sums.items()}


def trend(
    session: Session,
    commune: models.Commune,
    first: date,
    last: date,
    *,
    hamlet_id: str | None = None,
    hamlets: list[Hamlet] | None = None,
    today: date | None = None,
) -> list[tuple[date, Coverage]]:
    """Coverage of the commune (or one hamlet) at the end of each quarter from `first`'s to
    `last`'s: the campaign so far, from the quarterly sums of the timeline in one query. A
    quarter not over yet holds today's figures (a team from next month is not counted)."""
    config = coverage_config(commune)
    today = today or config.today(system_clock)
    chosen = [
        h
        for h in (hamlets if hamlets is not None else commune_hamlets(session, commune))
        if hamlet_id is None or h.id == hamlet_id
    ]
    if not chosen:
        return []
    if config.adult_age not in tallies.TALLY_AGES or timeline.behind(session):
        return [
            (day, _total(report(session, commune, as_of=day, today=today), hamlet_id))
            for day in timeline.quarter_ends(first, last)
        ]
    ids = None if hamlet_id is None else [hamlet_id]
    out = []
    for day, tally in timeline.quarterly(session, ids, config.adult_age, first, last):
        tally.add("hamlets_with_team", sum(int(h.team_active(min(day, today))) for h in chosen), len(chosen))
        out.append((day, coverage_of(tally, config, hamlet_id)))
    return out


def _total(full: CoverageReport, hamlet_id: str | None) -> Coverage:
    return full.total if hamlet_id is None else full.hamlets[hamlet_id]
