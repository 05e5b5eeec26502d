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
    result: Literal["accepted", "duplicate", "rejected"]
    code: str = ""
    field: str = ""
    context: dict[str, Any] = dataclasses.field(default_factory=dict)
    fingerprint: str = ""


def settle(record: Household | Visit, result: SyncResult) -> bool:
    """Apply one server answer to a record along its lifecycle; False when it does not apply.

    A result does not apply to a record reopened for editing since it was sent, nor to one
    whose content changed (when the result carries a fingerprint): those go out again.
    """
    if result.fingerprint and result.fingerprint != record.fingerprint():
        return False
    try:
        if result.result in ("accepted", "duplicate"):
            if record.status is Status.REJECTED:
                record.complete()  # the server now accepts what it once refused
            if record.status is Status.SYNCED:
                return False
            record.mark_synced()
        elif result.result == "rejected":
            if record.status is Status.REJECTED:
                record.complete()  # rejected again: replace the old reason
            record.mark_rejected(result.code, result.field, result.context)
        else:
            raise ValueError(f"unknown sync result {result.result!r}")
    except InvalidTransition:
        return False
    return True
