"""What the repository hands out besides the domain records, and how sync results apply."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from survey.records import Household, InvalidTransition, Status, Visit
from survey.summary import HouseholdSummary


@dataclass(frozen=True)
class HouseholdRow:
    """One line of a hamlet's household list: the household and where its visits stand."""

    household: Household
    summary: HouseholdSummary


@dataclass(frozen=True)
class Outbox:
    """Everything the next sync must send (complete or rejected); drafts stay on the phone."""

    households: list[Household]
    visits: list[Visit]

    def __len__(self) -> int:
        return len(self.households) + len(self.visits)


@dataclass
class SyncResult:
    """The server's answer for one record, as the sync protocol returns it (DESIGN §5).

    `fingerprint` is optional: when the client passes the fingerprint of what it sent, a
    record edited on the phone while the sync was in flight is left to be sent again
    instead of being marked synced with content the server never saw.
    """

    kind: Literal["household", "visit"]
    id: str
    result: Literal["accepted", "duplicate", "conflict", "rejected"]
    code: str = ""
    field: str = ""
    context: dict[str, Any] = dataclasses.field(default_factory=dict)
    fingerprint: str = ""
    revision: int | None = None  # households: the revision the server keeps


def settle(record: Household | Visit, result: SyncResult) -> bool:
    """Apply one server answer to a record along its lifecycle; False when it does not apply.

    A result does not apply to a record reopened for editing since it was sent, nor to one
    whose content changed (when the result carries a fingerprint): those go out again.
    A household the server accepted as sent takes the revision the server gave it; after a
    `conflict` the server kept another version, which the roster of the same answer brings
    (the household keeps its old revision until then: an edit made on it is settled
    against that revision, never taken for the server's current one).
    """
    if result.fingerprint and result.fingerprint != record.fingerprint():
        return False
    try:
        if result.result in ("accepted", "duplicate", "conflict"):
            if record.status is Status.REJECTED:
                record.complete()  # the server now accepts what it once refused
            learns = (
                isinstance(record, Household)
                and result.result != "conflict"
                and result.revision is not None
                and record.revision != result.revision
            )
            if record.status is Status.SYNCED:
                if learns:  # a re-sent synced household: only its revision was news
                    record.revision = result.revision  # type: ignore[union-attr]
                return learns
            record.mark_synced()
            if learns:
                record.revision = result.revision  # type: ignore[union-attr]
        elif result.result == "rejected":
            if record.status is Status.REJECTED:
                record.complete()  # rejected again: replace the old reason
            record.mark_rejected(result.code, result.field, result.context)
        else:
            raise ValueError(f"unknown sync result {result.result!r}")
    except InvalidTransition:
        return False
    return True
