from __future__ import annotations

from fastapi import APIRouter, Request

from ...refusal import Refused
from ...services import sync as sync_service
from ...settings import Limits
from .. import present
from ..body import GuardedRoute
from ..deps import DeviceDep, NowDep, SessionDep
from ..errors import ERRORS
from ..schemas import HamletOut, RosterOut, SyncCoverageOut, SyncIn, SyncOut

router = APIRouter(tags=["sync"], route_class=GuardedRoute)


@router.post("/sync", response_model=SyncOut, responses=ERRORS)
def sync(request: Request, body: SyncIn, session: SessionDep, device: DeviceDep, now: NowDep) -> SyncOut:
    """One round trip: push households and visits, pull roster changes and coverage.

    A batch over `Limits.batch_households` / `batch_visits` is refused whole, before any
    record is read (413 `batch_too_large`); the phone then sends it in smaller parts."""
    check_batch(request.app.state.limits, len(body.households), len(body.visits))
    done = sync_service.sync(
        session,
        device,
        protocol=body.protocol,
        cursor=body.cursor,
        households=body.households,
        visits=body.visits,
        now=now,
    )
    session.commit()
    report = done.coverage
    return SyncOut(
        results=[present.result(r) for r in done.results],
        roster=RosterOut(
            hamlets=[HamletOut(**h) for h in done.roster.hamlets],
            households=done.roster.households,
            visits=done.roster.visits,
        ),
        cursor=str(done.roster.cursor),
        coverage=SyncCoverageOut(
            hamlets={
                h: present.indicators(report.hamlets[h], report.config)
                for h in sorted(device.hamlet_ids)
                if h in report.hamlets
            }
        ),
        server_time=done.server_time.isoformat(timespec="milliseconds"),
        config=present.config(done.config),
    )


def check_batch(limits: Limits, households: int, visits: int) -> None:
    """Raises `Refused("batch_too_large")` (413) when a batch holds more records than allowed."""
    if households > limits.batch_households or visits > limits.batch_visits:
        raise Refused(
            "batch_too_large",
            "",
            {
                "households": households,
                "visits": visits,
                "max_households": limits.batch_households,
                "max_visits": limits.batch_visits,
            },
        )
