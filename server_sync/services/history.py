"""The commune's days and each household's history, kept beside its records.

- Zones: every stored day (a visit's, a household's joining and leaving, a placement's) is
  a calendar day in the time zone of the household's commune (DESIGN §3).
- Placements (`survey.roster`): where a household stood from which day on, appended at
  ingest whenever a kept revision changes its hamlet or roster status, read as of a date by
  the timeline and the reference walk.
- `recompute`: days and placements are derived from the stored instants and revisions, so
  they are recomputed whole when a commune's zone changes or after an upgrade.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, tzinfo
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from survey.records import Household
from survey.roster import Placement, follow
from survey.times import DEFAULT_TIME_ZONE, as_utc, local_day, zone

from .. import models

CHUNK = 500
_P = models.table(models.HouseholdPlacement)
_R = models.table(models.HouseholdRevision)
_H = models.table(models.Household)
_V = models.table(models.Visit)


def zones(session: Session) -> dict[str, tzinfo]:
    """Each hamlet's commune time zone, by hamlet id."""
    h, c = models.table(models.Hamlet), models.table(models.Commune)
    rows = session.connection().execute(select(h.c.id, c.c.time_zone).join(c, h.c.commune_code == c.c.code))
    return {hamlet_id: zone(name or "Asia/Ho_Chi_Minh") for hamlet_id, name in rows}


def signature(session: Session) -> str:
    """What derived days depend on besides the default zone: the communes in another zone and
    theirs (a change means recompute; a new commune in the default zone changes nothing)."""
    c = models.table(models.Commune)
    rows = session.connection().execute(select(c.c.code, c.c.time_zone).order_by(c.c.code))
    return ";".join(f"{code}={name}" for code, name in rows if (name or DEFAULT_TIME_ZONE) != DEFAULT_TIME_ZONE)


def placements(session: Session, household_ids: Iterable[str]) -> dict[str, list[tuple[Placement, int]]]:
    """Stored placements of these households, oldest first, each with the batch that added it."""
    ids = sorted(set(household_ids))
    found: dict[str, list[tuple[Placement, int]]] = {}
    connection = session.connection()
    for start in range(0, len(ids), CHUNK):
        statement = (
            select(_P.c.household_id, _P.c.day, _P.c.hamlet_id, _P.c.on_roster, _P.c.change_seq)
            .where(_P.c.household_id.in_(ids[start : start + CHUNK]))
            .order_by(_P.c.household_id, _P.c.position)
        )
        for home_id, day, hamlet_id, on_roster, seq in connection.execute(statement):
            found.setdefault(home_id, []).append((Placement(day, hamlet_id, bool(on_roster)), seq))
    return found


def rows(household_id: str, before: list[Placement], after: list[Placement], seq: int) -> list[dict[str, Any]]:
    """The placement rows to insert when a household's history grows from `before` to `after`."""
    return [
        {
            "household_id": household_id,
            "position": position,
            "day": p.day,
            "hamlet_id": p.hamlet_id,
            "on_roster": p.on_roster,
            "change_seq": seq,
        }
        for position, p in enumerate(after)
        if position >= len(before)
    ]


def insert_rows(session: Session, new_rows: list[dict[str, Any]]) -> None:
    if new_rows:
        session.connection().execute(insert(_P), new_rows)


def recompute(session: Session) -> None:
    """Every stored day in its commune's zone, and every placement from the revisions kept
    (each as the server would have added it on the day it received that revision)."""
    connection = session.connection()
    zone_of = zones(session)
    default = zone()
    visit_days = []
    for visit_id, hamlet_id, visited_at in connection.execute(select(_V.c.id, _V.c.hamlet_id, _V.c.visited_at)):
        visit_days.append({"b_id": visit_id, "d": local_day(as_utc(visited_at), zone_of.get(hamlet_id, default))})
    statement = update(_V).where(_V.c.id == bindparam("b_id")).values(visited_day=bindparam("d"))
    for start in range(0, len(visit_days), 5_000):
        connection.execute(statement, visit_days[start : start + 5_000])

    home_days = []
    for home_id, hamlet_id, created_at, removed_at in connection.execute(
        select(_H.c.id, _H.c.hamlet_id, _H.c.created_at, _H.c.removed_at)
    ):
        tz = zone_of.get(hamlet_id, default)
        home_days.append(
            {
                "b_id": home_id,
                "c": local_day(as_utc(created_at), tz),
                "r": None if removed_at is None else local_day(as_utc(removed_at), tz),
            }
        )
    statement = (
        update(_H).where(_H.c.id == bindparam("b_id")).values(created_day=bindparam("c"), removed_day=bindparam("r"))
    )
    for start in range(0, len(home_days), 5_000):
        connection.execute(statement, home_days[start : start + 5_000])

    versions: dict[str, list[tuple[int, dict[str, Any], Any, int]]] = defaultdict(list)
    for home_id, revision, content, received_at, seq in connection.execute(
        select(_R.c.household_id, _R.c.revision, _R.c.content, _R.c.received_at, _R.c.change_seq)
    ):
        versions[home_id].append((revision, content, received_at, seq))
    connection.execute(delete(_P))
    new_rows: list[dict[str, Any]] = []
    for home_id, kept in versions.items():
        history: list[Placement] = []
        for _, content, received_at, seq in sorted(kept, key=lambda k: k[0]):
            record = Household.from_dict(content)
            tz = zone_of.get(record.hamlet_id, default)
            grown = follow(history, record, tz, local_day(as_utc(received_at), tz))
            new_rows += rows(home_id, history, grown, seq)
            history = grown
        if len(new_rows) >= 5_000:
            connection.execute(insert(_P), new_rows)
            new_rows = []
    if new_rows:
        connection.execute(insert(_P), new_rows)


def today_in(tz: tzinfo, now: Any) -> date:
    """The commune's day of the server's `now`."""
    return local_day(as_utc(now), tz)
