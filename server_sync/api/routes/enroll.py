from __future__ import annotations

from fastapi import APIRouter, Request

from ... import models
from ...refusal import Refused
from ...services import admin, enrolment
from .. import present
from ..body import SmallBodyRoute
from ..deps import SessionDep
from ..errors import ERRORS
from ..schemas import CommuneOut, EnrollIn, EnrollOut, HamletOut, VolunteerOut

router = APIRouter(tags=["enrolment"], route_class=SmallBodyRoute)


@router.post("/enroll", response_model=EnrollOut, responses=ERRORS)
def enroll(request: Request, body: EnrollIn, session: SessionDep) -> EnrollOut:
    """Trade a one-time code from commune staff for this device's token (shown once).
    A client that sent too many wrong codes is held back a while (429 `enrolment_locked`)."""
    client = request.client.host if request.client else ""
    try:
        done = enrolment.enroll_from(session, body.code, body.device_name, client)
    except Refused:
        session.commit()  # the failure counts towards the limit although the answer is no
        raise
    commune = session.get_one(models.Commune, done.scope.commune_code)
    hamlets = [h for h in admin.hamlets_of(session, commune.code) if h.id in done.scope.hamlet_ids]
    session.commit()
    return EnrollOut(
        token=done.token,
        device_id=done.device_id,
        volunteer=VolunteerOut(id=done.scope.volunteer_id, name=done.scope.volunteer_name),
        commune=CommuneOut(code=commune.code, name=commune.name, province=commune.province),
        hamlets=[
            HamletOut(id=h.id, name=h.name, commune_code=h.commune_code, team_active_since=h.team_active_since)
            for h in hamlets
        ],
        config=present.config(admin.coverage_config(commune)),
    )
