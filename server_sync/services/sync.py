"""One sync round trip (protocol v2): apply the batch, then hand back the roster changes
since the phone's cursor (and every household of the batch whose kept version is not what
the phone sent), the current coverage of its hamlets and the commune's configuration, in
one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from survey.indicators import CoverageConfig, CoverageReport
from survey.times import as_utc, local_day

from .. import PROTOCOL, models
from ..refusal import Refused
from . import coverage, ingest, roster
from .admin import coverage_config
from .enrolment import DeviceScope


@dataclass(frozen=True)
class SyncOutcome:
    results: list[ingest.RecordResult]
    roster: roster.Roster
    coverage: CoverageReport
    server_time: datetime
    config: CoverageConfig


def parse_cursor(cursor: str | None) -> int | None:
    """The change sequence a cursor names; `schema_invalid` for anything this server never
    gave (digits of another script, such as "²", included)."""
    if cursor is None or cursor == "":
        return None
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise Refused("schema_invalid", "cursor", {"problem": "not a cursor this server gave"})
    return int(cursor)


def sync(
    session: Session,
    scope: DeviceScope,
    *,
    protocol: int,
    cursor: str | None,
    households: Sequence[Any],
    visits: Sequence[Any],
    now: datetime | None = None,
) -> SyncOutcome:
    """Apply a batch and answer it (docs/sync-protocol.md); `now` is the server's clock."""
    if protocol != PROTOCOL:
        shown = protocol if abs(protocol) < 10**6 else f"{str(protocol)[:12]}…"  # a 4,000-digit one is not echoed
        raise Refused("protocol_unsupported", "protocol", {"value": shown})
    since = parse_cursor(cursor)
    now = as_utc(now or datetime.now(UTC))
    commune = session.get(models.Commune, scope.commune_code)
    assert commune is not None  # a foreign key
    config = coverage_config(commune)
    done = ingest.Ingested([], set())
    if households or visits:
        seq = roster.next_seq(session)  # also serialises writers until commit
        done = ingest.ingest(session, scope, households, visits, seq=seq, config=config, now=now)
        session.flush()
    return SyncOutcome(
        done.results,
        roster.changes(session, scope, since, also=done.returned),
        coverage.report(session, commune, today=local_day(now, config.zone)),
        now,
        config,
    )
