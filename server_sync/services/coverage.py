"""Coverage per hamlet and for the commune, computed by `survey.indicators`.

Current coverage sums the per-hamlet tallies kept at ingest (`services.tallies`): one row
per hamlet and indicator, whatever the number of households. Coverage "as of" a date sums
the per-day changes kept at ingest (`services.timeline`), and `trend` reads their quarterly
sums. For an adult age the server does not maintain, `walk` goes through the roster and the
completed visits up to that date: slower, and exactly what `survey.indicators.compute_coverage`
gives; the tests hold the timeline to it.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey.indicators import Coverage, CoverageReport, Tally, coverage_of, household_tally, report_from_tallies
from survey.records import Hamlet, Visit

from .. import models
from . import tallies, timeline
from .admin import coverage_config, hamlets_of


def commune_hamlets(session: Session, commune: models.Commune) -> list[Hamlet]:
    """The commune's hamlets as the domain sees them (read once per page, then passed on)."""
    return [Hamlet(id=h.id, name=h.name, commune_code=h.commune_code, team_active_since=h.team_active_since)
            for h in hamlets_of(session, commune.code)]


def report(session: Session, commune: models.Commune, *, as_of: date | None = None,
           adult_age: int | None = None, hamlets: list[Hamlet] | None = None) -> CoverageReport:
    config = coverage_config(commune)
    if adult_age is not None:
        config = config.with_adult_age(adult_age)
    if hamlets is None:
        hamlets = commune_hamlets(session, commune)
    ids = [h.id for h in hamlets]
    if config.adult_age not in tallies.TALLY_AGES:
        sums = walk(session, ids, as_of, config.adult_age)
    elif as_of is None:
        sums = tallies.hamlet_sums(session, ids, config.adult_age)
    else:
        sums = timeline.as_of(session, ids, as_of, config.adult_age)
    return report_from_tallies(hamlets, sums, as_of=as_of, config=config)


def walk(session: Session, hamlet_ids: Iterable[str], as_of: date | None, adult_age: int) -> dict[str, Tally]:
    """Each hamlet's tally from its roster as of `as_of` and each household's latest completed
    visit on or before that day (the definitions of DESIGN §3)."""
    hamlet_ids = list(hamlet_ids)
    h, v = models.Household.__table__, models.Visit.__table__
    roster = select(h.c.id, h.c.hamlet_id).where(h.c.hamlet_id.in_(hamlet_ids))
    if as_of is None:
        roster = roster.where(h.c.removed_at.is_(None))
    else:
        roster = roster.where(h.c.created_day <= as_of,
                              or_(h.c.removed_day.is_(None), h.c.removed_day > as_of))
    hamlet_of = {row[0]: row[1] for row in session.execute(roster)}
    stored_age = str(adult_age) if adult_age in tallies.TALLY_AGES else None
    visits = (select(v.c.household_id, v.c.visited_at, v.c.id, v.c.tallies if stored_age else v.c.content)
              .select_from(v.join(h, v.c.household_id == h.c.id))
              .where(v.c.outcome == "completed", h.c.hamlet_id.in_(hamlet_ids)))
    if as_of is not None:
        visits = visits.where(v.c.visited_day <= as_of)
    latest: dict[str, tuple[str, str, object]] = {}
    for household_id, visited_at, visit_id, payload in session.execute(visits):
        if household_id not in hamlet_of:
            continue
        best = latest.get(household_id)
        if best is None or (visited_at, visit_id) > best[:2]:
            latest[household_id] = (visited_at, visit_id, payload)
    sums: dict[str, list[int]] = {}
    for household_id, hamlet_id in hamlet_of.items():
        best = latest.get(household_id)
        if stored_age:
            flat = best[2][stored_age] if best else tallies.NEVER_VISITED[stored_age]
        else:
            visit = Visit.from_dict(best[2]) if best else None
            flat = tallies.flatten(household_tally(visit, adult_age))
        tallies.accumulate(sums, hamlet_id, flat)
    return {hamlet_id: tallies.unflatten(flat) for hamlet_id, flat in sums.items()}


def trend(session: Session, commune: models.Commune, first: date, last: date, *,
          hamlet_id: str | None = None, hamlets: list[Hamlet] | None = None) -> list[tuple[date, Coverage]]:
    """Coverage of the commune (or one hamlet) at the end of each quarter from `first`'s to
    `last`'s: the campaign so far, from the quarterly sums of the timeline in one query."""
    config = coverage_config(commune)
    chosen = [h for h in (hamlets if hamlets is not None else commune_hamlets(session, commune))
              if hamlet_id is None or h.id == hamlet_id]
    if not chosen:
        return []
    if config.adult_age not in tallies.TALLY_AGES:
        return [(day, _total(report(session, commune, as_of=day), hamlet_id))
                for day in timeline.quarter_ends(first, last)]
    ids = None if hamlet_id is None else [hamlet_id]
    out = []
    for day, tally in timeline.quarterly(session, ids, config.adult_age, first, last):
        tally.add("hamlets_with_team", sum(int(h.team_active(day)) for h in chosen), len(chosen))
        out.append((day, coverage_of(tally, config, hamlet_id)))
    return out


def _total(full: CoverageReport, hamlet_id: str | None) -> Coverage:
    return full.total if hamlet_id is None else full.hamlets[hamlet_id]
