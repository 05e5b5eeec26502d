"""One sync round trip (protocol v1): apply the batch, then hand back the roster changes
since the phone's cursor and the current coverage of its hamlets, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from sqlalchemy.orm import Session

from survey.indicators import CoverageReport

from .. import PROTOCOL, models
from ..refusal import Refused
from . import coverage, ingest, roster
from .enrolment import DeviceScope


@dataclass(frozen=True)
class SyncOutcome:
    results: list[ingest.RecordResult]
    roster: roster.Roster
    coverage: CoverageReport
    server_time: datetime


def parse_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise Refused("schema_invalid", "cursor", {"problem": "not a cursor this server gave"})
    return int(cursor)


def sync(session: Session, scope: DeviceScope, *, protocol: int, cursor: str | None,
         households: Sequence[Mapping[str, Any]], visits: Sequence[Mapping[str, Any]],
         now: datetime | None = None) -> SyncOutcome:
    if protocol != PROTOCOL:
        raise Refused("protocol_unsupported", "protocol", {"value": protocol})
    since = parse_cursor(cursor)
    now = now or datetime.now(timezone.utc)
    commune = session.get(models.Commune, scope.commune_code)
    assert commune is not None  # a foreign key
    results: list[ingest.RecordResult] = []
    if households or visits:
        seq = roster.next_seq(session)  # also serialises writers until commit
        results = ingest.ingest(session, scope, households, visits, seq=seq,
                                adult_age=commune.adult_age, now=now)
        session.flush()
    return SyncOutcome(results, roster.changes(session, scope, since),
                       coverage.report(session, commune), now)
