from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import WithJsonSchema

from survey.indicators import ADULT_AGES

from ... import models
from ...refusal import Refused
from ...services import admin
from ...services import coverage as coverage_service
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
def coverage(
    session: SessionDep,
    device: DeviceDep,
    now: NowDep,
    as_of: Annotated[
        str | None,
        Query(max_length=32, description="a commune day, YYYY-MM-DD"),
        WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
    ] = None,
    hamlet: Annotated[str | None, Query(max_length=64)] = None,
    adult_age: Annotated[
        int | None,
        Query(description="one of the ages the server counts by: 18, 15"),
        WithJsonSchema({"type": "integer", "enum": list(ADULT_AGES)}),
    ] = None,
) -> CoverageOut:
    """Every indicator per hamlet of the caller's and for the whole commune.

    Only the adult ages the server keeps figures for are taken (422 `adult_age_unsupported`):
    any other would mean recounting the whole commune in one request."""
    day = parse_day(as_of)
    if adult_age is not None and adult_age not in ADULT_AGES:
        raise Refused(
            "adult_age_unsupported", "adult_age", {"value": adult_age, "allowed": ", ".join(map(str, ADULT_AGES))}
        )
    commune = session.get_one(models.Commune, device.commune_code)
    names = {h.id: h.name for h in admin.hamlets_of(session, commune.code)}
    if hamlet is not None and hamlet not in device.hamlet_ids:
        if hamlet not in names:  # another commune's hamlet does not exist for this caller
            raise Refused("not_found", "hamlet")
        raise Refused("hamlet_forbidden", "hamlet", {"hamlet": hamlet})
    config = admin.coverage_config(commune)
    report = coverage_service.report(session, commune, as_of=day, adult_age=adult_age, today=config.today(lambda: now))
    wanted = [hamlet] if hamlet else sorted(device.hamlet_ids)
    return present.coverage(report, wanted, names)
