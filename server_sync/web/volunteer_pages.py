"""One volunteer's page for administrators: rename them, change their hamlets, pause and
reactivate them, see their phones and unused codes; and taking back an unused enrolment
code. Every change goes through services/volunteers.py (as the admin CLI's), audited with
the staff user; every POST carries the session's CSRF value and needs the admin role; a
volunteer or code of another commune does not exist here (`not_found`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from .. import models
from ..api.deps import SessionDep
from ..refusal import Refused
from ..services import admin, staff, volunteers
from ..services.admin import AdminError
from .admin_pages import HOME, _back, _commune, _own_volunteer, _stored, by, moments
from .deps import AdminDep, LangDep, page

router = APIRouter(prefix=HOME, include_in_schema=False)
Text = Annotated[str, Form()]


def _own_code(session: Session, me: staff.StaffIdentity, code_id: str) -> tuple[models.EnrolmentCode, models.Volunteer]:
    try:
        row, volunteer = volunteers.find_code(session, code_id)
    except AdminError:
        raise Refused("not_found") from None
    if volunteer.commune_code != me.commune_code:
        raise Refused("not_found")
    return row, volunteer


def _render(
    request: Request,
    me: staff.StaffIdentity,
    lang: str,
    session: Session,
    volunteer: models.Volunteer,
    *,
    error: AdminError | None = None,
    typed: tuple[str, list[str]] | None = None,
    status: int = 200,
) -> Any:
    commune = _commune(session, me)
    phones = [d for d, v in admin.devices(session, commune.code) if v.id == volunteer.id]
    codes = [row for row, v in volunteers.open_codes(session, commune.code) if v.id == volunteer.id]
    name, chosen = typed if typed is not None else (volunteer.name, volunteers.hamlet_ids(session, volunteer.id))
    context = {
        "commune": commune,
        "volunteer": volunteer,
        "hamlets": admin.hamlets_of(session, commune.code),
        "name": name,
        "chosen": chosen,
        "phones": phones,
        "codes": codes,
        "error": error,
        "home": HOME,
        "moment": moments(commune),
    }
    return page(request, "volunteer.html", lang, context, status=status, identity=me)


@router.get("/volunteers/{volunteer_id}")
def volunteer_page(request: Request, volunteer_id: str, me: AdminDep, lang: LangDep, session: SessionDep) -> Any:
    return _render(request, me, lang, session, _own_volunteer(session, me, volunteer_id))


@router.post("/volunteers/{volunteer_id}")
def save_volunteer(
    request: Request,
    volunteer_id: str,
    me: AdminDep,
    lang: LangDep,
    session: SessionDep,
    csrf: Text = "",
    name: Text = "",
    hamlets: Annotated[list[str], Form()] = [],  # noqa: B006 — FastAPI copies it
) -> Any:
    """The volunteer's name and hamlets, both at once; a refusal shows the page again with
    what was typed and nothing written."""
    staff.check_csrf(me, csrf)
    volunteer = _own_volunteer(session, me, volunteer_id)
    try:
        done = volunteers.edit(session, volunteer, _stored(name), [_stored(h) for h in hamlets], **by(request, me))
    except AdminError as error:
        session.rollback()
        volunteer = _own_volunteer(session, me, volunteer_id)
        typed = (name[: admin.NAME_MAX], hamlets)
        return _render(request, me, lang, session, volunteer, error=error, typed=typed, status=422)
    session.commit()
    return _back("volunteers", "volunteer_saved" if done else "volunteer_unchanged")


@router.post("/volunteers/{volunteer_id}/deactivate")
def deactivate(request: Request, volunteer_id: str, me: AdminDep, session: SessionDep, csrf: Text = "") -> Any:
    """Pause the volunteer: their phones' syncs are refused until they are reactivated."""
    staff.check_csrf(me, csrf)
    volunteer = _own_volunteer(session, me, volunteer_id)
    volunteers.deactivate(session, volunteer, **by(request, me))
    session.commit()
    return _back("volunteers", "deactivated")


@router.post("/volunteers/{volunteer_id}/reactivate")
def reactivate(request: Request, volunteer_id: str, me: AdminDep, session: SessionDep, csrf: Text = "") -> Any:
    """Their phones sync again with the tokens they have."""
    staff.check_csrf(me, csrf)
    volunteer = _own_volunteer(session, me, volunteer_id)
    volunteers.reactivate(session, volunteer, **by(request, me))
    session.commit()
    return _back("volunteers", "reactivated")


@router.post("/codes/{code_id}/revoke")
def revoke_code(request: Request, code_id: str, me: AdminDep, session: SessionDep, csrf: Text = "") -> Any:
    """Take back an unused code; one used or taken back already is left as it is."""
    staff.check_csrf(me, csrf)
    row, volunteer = _own_code(session, me, code_id)
    revoked = volunteers.revoke_code(session, row, volunteer, **by(request, me))
    session.commit()
    return _back("codes", "code_revoked" if revoked else "code_not_open")


def _to_admin_page(request: Request, me: AdminDep) -> RedirectResponse:
    return RedirectResponse(HOME, status_code=303)


for _path in (
    "/volunteers/{volunteer_id}/deactivate",
    "/volunteers/{volunteer_id}/reactivate",
    "/codes/{code_id}/revoke",
):
    router.add_api_route(_path, _to_admin_page, methods=["GET"], include_in_schema=False)
