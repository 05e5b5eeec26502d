"""A household's standing from its visits: what the hamlet list shows and filters on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .followups import open_follow_ups
from .records import FollowUp, Outcome, Visit
from .times import instant_or_none


@dataclass
class HouseholdSummary:
    """Derived from visits only; kept beside the household so lists need no visit reads."""

    last_visit_at: str | None = None
    last_outcome: str | None = None
    last_completed_visit_id: str | None = None
    last_completed_at: str | None = None
    follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def state(self) -> str:
        """not_visited | revisit | declined | moved | completed (for the hamlet filters)."""
        if self.last_outcome == Outcome.MOVED:
            return "moved"
        if self.last_completed_visit_id is None:
            if self.last_outcome == Outcome.NOBODY_HOME:
                return "revisit"
            if self.last_outcome == Outcome.DECLINED:
                return "declined"
            return "not_visited"
        return "completed"

    @property
    def visited(self) -> bool:
        return self.last_completed_visit_id is not None

    def with_visit(self, visit: Visit) -> HouseholdSummary:
        """The summary after one more visit (visits may arrive in any order); the latest is
        the latest instant, whatever offset each time was written with."""
        at = instant_or_none(visit.visited_at)
        if visit.outcome is None or at is None:
            return self
        last = instant_or_none(self.last_visit_at)
        latest = last is None or at >= last
        updated = HouseholdSummary(**{**asdict(self), "follow_ups": list(self.follow_ups)})
        if latest:
            updated.last_visit_at = visit.visited_at
            updated.last_outcome = visit.outcome
        last_completed = instant_or_none(self.last_completed_at)
        if visit.outcome == Outcome.COMPLETED and (
            last_completed is None or (at, visit.id) > (last_completed, self.last_completed_visit_id or "")
        ):
            updated.last_completed_visit_id = visit.id
            updated.last_completed_at = visit.visited_at
            updated.follow_ups = open_follow_ups(visit)
        return updated

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["follow_ups"] = [asdict(f) for f in self.follow_ups]
        return data

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> HouseholdSummary:
        if not raw:
            return cls()
        return cls(
            last_visit_at=raw.get("last_visit_at"),
            last_outcome=raw.get("last_outcome"),
            last_completed_visit_id=raw.get("last_completed_visit_id"),
            last_completed_at=raw.get("last_completed_at"),
            follow_ups=[FollowUp.from_dict(f) for f in raw.get("follow_ups") or ()],
        )


def summarize(visits: Iterable[Visit]) -> HouseholdSummary:
    summary = HouseholdSummary()
    for visit in visits:
        summary = summary.with_visit(visit)
    return summary
