from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ... import models
from ...refusal import Refused
from ...services import admin, coverage as coverage_service
from .. import present
from ..deps import DeviceDep, NowDep, SessionDep, timeline_current
from ..errors import ERRORS
from ..schemas import CoverageOut

router = APIRouter(tags=["coverage"])


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad(value)
    except ValueError:
        return _bad(value)


def _bad(value: str) -> date:
    raise Refused("date_invalid", "as_of", {"value": value})


@router.get("/coverage", response_model=CoverageOut, responses=ERRORS, dependencies=[Depends(timeline_current)])
def coverage(session: SessionDep, device: DeviceDep, now: NowDep,
             as_of: Annotated[str | None, Query(max_length=32, description="YYYY-MM-DD")] = None,
             hamlet: Annotated[str | None, Query(max_length=64)] = None,
             adult_age: Annotated[int | None, Query(ge=0, le=120)] = None) -> CoverageOut:
    """Every indicator per hamlet of the caller's and for the whole commune."""
    day = parse_day(as_of)
    if hamlet is not None and hamlet not in device.hamlet_ids:
        raise Refused("hamlet_forbidden", "hamlet", {"hamlet": hamlet})
    commune = session.get_one(models.Commune, device.commune_code)
    config = admin.coverage_config(commune)
    report = coverage_service.report(session, commune, as_of=day, adult_age=adult_age,
                                     today=config.today(lambda: now))
    names = {h.id: h.name for h in admin.hamlets_of(session, commune.code)}
    session.commit()  # the device's last_seen
    wanted = [hamlet] if hamlet else sorted(device.hamlet_ids)
    return present.coverage(report, wanted, names)
