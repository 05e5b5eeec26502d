"""Where a household stood on any day: its hamlet and whether it was on the roster.

DESIGN §3: as of a day, a household counts in the hamlet it belonged to *that* day, and only
if it was on the roster that day. A household moved from one hamlet to another, or marked
moved away and later back, keeps that history as a list of `Placement`s, oldest first, each
in force from its day until the next one. The server appends one whenever a kept revision
of the household changes its hamlet or its roster status (`follow`), and reads the list as
of a date (`placement_on`); the reference computation `survey.indicators.compute_coverage`
takes the same lists.

Days of placements never go backwards: a placement starts no earlier than the one before it
and no later than the commune's today, whatever the phone's clock said, so the history
reads the same in every order it is queried.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from .records import Household
from .times import instant, local_day


@dataclass(frozen=True)
class Placement:
    """From the end of `day` (a commune day) on: in `hamlet_id`, on the roster or not."""

    day: date
    hamlet_id: str
    on_roster: bool

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "hamlet_id": self.hamlet_id, "on_roster": self.on_roster}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Placement:
        return cls(date.fromisoformat(str(raw["day"])), str(raw["hamlet_id"]), bool(raw["on_roster"]))


def placement_on(history: Sequence[Placement], day: date) -> Placement | None:
    """The placement in force at the end of `day`; None before the household existed."""
    found = None
    for placement in history:
        if placement.day > day:
            break
        found = placement
    return found


def follow(history: Sequence[Placement], household: Household, tz: tzinfo, today: date) -> list[Placement]:
    """The history once `household` (the version the server keeps) is in force.

    A new household starts on the local day of its `created_at` (and leaves on that of its
    `removed_at` when it arrives already removed). A later version adds a placement only
    when its hamlet or its roster status differs from the last one: dated by `removed_at`
    when it leaves the roster, else by `updated_at` (the day the volunteer recorded the
    change), then kept between the last placement's day and `today`.
    Raises ValueError when a time it needs is not an ISO time with an offset.
    """
    on_roster = household.removed_at is None
    if not history:
        joined = min(local_day(instant(household.created_at), tz), today)
        placements = [Placement(joined, household.hamlet_id, True)]
        if not on_roster:
            left = local_day(instant(household.removed_at or household.created_at), tz)
            placements.append(Placement(min(max(left, joined), today), household.hamlet_id, False))
        return placements
    last = history[-1]
    if (last.hamlet_id, last.on_roster) == (household.hamlet_id, on_roster):
        return list(history)
    stamp = household.updated_at if on_roster or household.removed_at is None else household.removed_at
    day = min(max(local_day(instant(stamp), tz), last.day), today)
    return [*history, Placement(day, household.hamlet_id, on_roster)]


__all__ = ["Placement", "follow", "placement_on"]
