from __future__ import annotations

from fastapi import APIRouter

from ...services import sync as sync_service
from .. import present
from ..body import GuardedRoute
from ..deps import DeviceDep, NowDep, SessionDep
from ..errors import ERRORS
from ..schemas import HamletOut, RosterOut, SyncCoverageOut, SyncIn, SyncOut

router = APIRouter(tags=["sync"], route_class=GuardedRoute)


@router.post("/sync", response_model=SyncOut, responses=ERRORS)
def sync(body: SyncIn, session: SessionDep, device: DeviceDep, now: NowDep) -> SyncOut:
    """One round trip: push households and visits, pull roster changes and coverage."""
    done = sync_service.sync(session, device, protocol=body.protocol, cursor=body.cursor,
                             households=body.households, visits=body.visits, now=now)
    session.commit()
    report = done.coverage
    return SyncOut(
        results=[present.result(r) for r in done.results],
        roster=RosterOut(hamlets=[HamletOut(**h) for h in done.roster.hamlets],
                         households=done.roster.households, visits=done.roster.visits),
        cursor=str(done.roster.cursor),
        coverage=SyncCoverageOut(hamlets={
            h: present.indicators(report.hamlets[h], report.config)
            for h in sorted(device.hamlet_ids) if h in report.hamlets}),
        server_time=done.server_time.isoformat(timespec="milliseconds"),
        config=present.config(done.config))
