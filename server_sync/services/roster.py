"""What a phone pulls: households of its hamlets changed since its cursor, each with its
latest completed visit, and the hamlets themselves.

The cursor is the change sequence: every sync that writes takes the next value while it
holds the counter's row lock (`next_seq`), so sequences commit in order and a cursor never
skips a change committed later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .. import models
from .enrolment import DeviceScope

CHUNK = 500


@dataclass(frozen=True)
class Roster:
    hamlets: list[dict[str, Any]]
    households: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    cursor: int


def next_seq(session: Session) -> int:
    """Take the next change sequence; the row stays locked until the transaction ends."""
    counter = models.table(models.ChangeCounter)
    result = session.execute(
        update(counter).where(counter.c.id == 1).values(value=counter.c.value + 1).returning(counter.c.value)
    )
    return int(result.scalar_one())


def current_seq(session: Session) -> int:
    return int(session.execute(select(models.ChangeCounter.value).where(models.ChangeCounter.id == 1)).scalar_one())


def changes(session: Session, scope: DeviceScope, cursor: int | None, *, also: Iterable[str] = ()) -> Roster:
    """Households of the volunteer's hamlets changed since `cursor` (all of them when None),
    every household of a hamlet staff gave the volunteer after `cursor` (the phone has none
    of it yet), those that left the volunteer's hamlets since (the phone lets go of them),
    and those in `also` whatever the cursor (their kept version is not what the phone sent),
    each with its latest completed visit; the hamlets; the new cursor."""
    # Read the counter before the rows: a change committed in between is sent again next
    # time rather than missed.
    new_cursor = current_seq(session)
    if cursor is not None and cursor > new_cursor:
        cursor = None  # not a cursor of this database (restored from a backup?): send everything
    hamlet_ids = sorted(scope.hamlet_ids)
    fresh, new_cursor = _fresh_hamlets(session, scope, cursor, new_cursor)
    hamlets = session.scalars(select(models.Hamlet).where(models.Hamlet.id.in_(hamlet_ids)).order_by(models.Hamlet.id))
    h, p = models.table(models.Household), models.table(models.HouseholdPlacement)
    statement = select(h.c.content, h.c.latest_visit_id).where(h.c.hamlet_id.in_(hamlet_ids))
    wanted = sorted(set(also))[: CHUNK * 20]  # one batch's households at most
    if cursor is not None:
        ever_here = select(p.c.household_id).where(p.c.hamlet_id.in_(hamlet_ids))
        statement = (
            select(h.c.content, h.c.latest_visit_id)
            .where(or_(h.c.hamlet_id.in_(hamlet_ids), h.c.id.in_(ever_here)))
            .where(
                or_(
                    h.c.change_seq > cursor,
                    *([h.c.id.in_(wanted)] if wanted else []),
                    *([h.c.hamlet_id.in_(fresh)] if fresh else []),
                )
            )
        )
    households, visit_ids = [], []
    for content, latest_visit_id in session.execute(statement.order_by(h.c.change_seq, h.c.id)):
        households.append(content)
        if latest_visit_id:
            visit_ids.append(latest_visit_id)
    visits: list[dict[str, Any]] = []
    v = models.table(models.Visit)
    for start in range(0, len(visit_ids), CHUNK):
        visits += session.scalars(select(v.c.content).where(v.c.id.in_(visit_ids[start : start + CHUNK])))
    return Roster(
        hamlets=[
            {"id": x.id, "name": x.name, "commune_code": x.commune_code, "team_active_since": x.team_active_since}
            for x in hamlets
        ],
        households=households,
        visits=visits,
        cursor=new_cursor,
    )


def _fresh_hamlets(session: Session, scope: DeviceScope, cursor: int | None, new_cursor: int) -> tuple[list[str], int]:
    """The scope's hamlets given to the volunteer after `cursor` (`VolunteerHamlet.added_seq`),
    and the new cursor: held below the sequence of a hamlet given to them that this request's
    scope (read a moment earlier, api/deps.py) does not have yet, so the next sync brings it
    whole rather than skipping it."""
    if not scope.volunteer_id:  # commune staff acting on the dashboard: no phone, no cursor
        return [], new_cursor
    vh = models.table(models.VolunteerHamlet)
    fresh = []
    for hamlet_id, added in session.execute(
        select(vh.c.hamlet_id, vh.c.added_seq).where(
            vh.c.volunteer_id == scope.volunteer_id, vh.c.added_seq.is_not(None)
        )
    ):
        if hamlet_id not in scope.hamlet_ids:
            new_cursor = min(new_cursor, added - 1)
        elif cursor is not None and added > cursor:
            fresh.append(hamlet_id)
    return sorted(fresh), new_cursor
