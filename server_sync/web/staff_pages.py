"""The commune's staff accounts, for administrators: list, add, disable, re-enable, reset a
password, change a role, through services/accounts.py (as the admin CLI's), each change
audited with the staff user who made it. The commune's last active administrator can be
neither disabled nor made staff. An account of another commune does not exist here
(`not_found`); every POST carries the session's CSRF value and needs the admin role.

Passwords typed here go to the password rules and the hash only: they are never shown
again, kept in a form, logged or audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from .. import models
from ..api.deps import SessionDep
from ..refusal import Refused
from ..services import accounts, staff
from ..services.admin import AdminError
from .admin_pages import HOME, _commune, _stored, by, moments
from .deps import PREFIX, AdminDep, LangDep, page

STAFF_HOME = f"{HOME}/staff"
router = APIRouter(prefix=STAFF_HOME, include_in_schema=False)
Text = Annotated[str, Form()]
DONE = ("added", "disabled", "already_disabled", "enabled", "already_enabled", "password_reset", "role", "same_role")


def _own_account(session: Session, me: staff.StaffIdentity, user_id: str) -> models.StaffUser:
    text = user_id.strip()
    user = session.get(models.StaffUser, int(text)) if text.isascii() and text.isdigit() and len(text) < 10 else None
    if user is None or user.commune_code != me.commune_code:
        raise Refused("not_found")
    return user


def _render(
    request: Request,
    me: staff.StaffIdentity,
    lang: str,
    session: Session,
    *,
    error: AdminError | None = None,
    card: str = "",
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    commune = _commune(session, me)
    done = request.query_params.get("done", "")
    context = {
        "commune": commune,
        "accounts": accounts.accounts(session, commune.code),
        "roles": staff.ROLES,
        "error": error,
        "card": card,
        "typed": typed or {"username": "", "name": "", "role": "staff"},
        "done": done if done in DONE and error is None else "",
        "done_name": request.query_params.get("user", "")[:64],
        "home": HOME,
        "staff_home": STAFF_HOME,
        "moment": moments(commune),
        "password_min": staff.PASSWORD_MIN,
    }
    return page(request, "staff.html", lang, context, status=status, identity=me)


def _refused(
    request: Request, me: staff.StaffIdentity, lang: str, session: Session, error: AdminError, **kwargs: Any
) -> Any:
    session.rollback()  # nothing of this request is kept, and the page shows what is stored
    return _render(request, me, lang, session, error=error, status=422, **kwargs)


def _back(done: str, user: models.StaffUser) -> RedirectResponse:
    return RedirectResponse(f"{STAFF_HOME}?done={done}&user={user.username}#account-{user.id}", status_code=303)


def _after(request: Request, me: staff.StaffIdentity, user: models.StaffUser, done: str) -> RedirectResponse:
    """Back to the list, or to the overview when the admin just took away their own access
    (disabled, demoted, or a new password: their session has ended)."""
    if user.id == me.user_id and (user.disabled_at is not None or user.role != "admin" or done == "password_reset"):
        return RedirectResponse(f"{PREFIX}/", status_code=303)
    return _back(done, user)


def _password(password: str, again: str) -> str:
    if password != again:
        raise AdminError("Hai lần nhập mật khẩu không khớp.", "The two passwords differ.")
    return _stored(password)


@router.get("")
def staff_page(request: Request, me: AdminDep, lang: LangDep, session: SessionDep) -> Any:
    return _render(request, me, lang, session)


@router.post("")
def add_account(
    request: Request,
    me: AdminDep,
    lang: LangDep,
    session: SessionDep,
    csrf: Text = "",
    username: Text = "",
    name: Text = "",
    role: Text = "staff",
    password: Text = "",
    again: Text = "",
) -> Any:
    """A new account of this commune, with its first password (typed twice)."""
    staff.check_csrf(me, csrf)
    try:
        user = accounts.add(
            session,
            me.commune_code,
            _stored(username),
            _stored(name),
            role,
            _password(password, again),
            **by(request, me),
        )
    except AdminError as error:
        typed = {"username": username[:64], "name": name[:200], "role": role if role in staff.ROLES else "staff"}
        return _refused(request, me, lang, session, error, card="add", typed=typed)
    session.commit()
    return _back("added", user)


@router.post("/{user_id}/disable")
def disable(request: Request, user_id: str, me: AdminDep, lang: LangDep, session: SessionDep, csrf: Text = "") -> Any:
    """Disable the account (its sessions end); refused for the last active administrator."""
    staff.check_csrf(me, csrf)
    user = _own_account(session, me, user_id)
    try:
        done = accounts.disable(session, user, **by(request, me))
    except AdminError as error:
        return _refused(request, me, lang, session, error, card=f"account-{user_id}")
    session.commit()
    return _after(request, me, user, "disabled" if done else "already_disabled")


@router.post("/{user_id}/enable")
def enable(request: Request, user_id: str, me: AdminDep, session: SessionDep, csrf: Text = "") -> Any:
    staff.check_csrf(me, csrf)
    user = _own_account(session, me, user_id)
    done = accounts.enable(session, user, **by(request, me))
    session.commit()
    return _back("enabled" if done else "already_enabled", user)


@router.post("/{user_id}/password")
def reset_password(
    request: Request,
    user_id: str,
    me: AdminDep,
    lang: LangDep,
    session: SessionDep,
    csrf: Text = "",
    password: Text = "",
    again: Text = "",
) -> Any:
    """A new password for the account; its open sessions end."""
    staff.check_csrf(me, csrf)
    user = _own_account(session, me, user_id)
    try:
        accounts.reset_password(session, user, _password(password, again), **by(request, me))
    except AdminError as error:
        return _refused(request, me, lang, session, error, card=f"account-{user_id}")
    session.commit()
    return _after(request, me, user, "password_reset")


@router.post("/{user_id}/role")
def change_role(
    request: Request, user_id: str, me: AdminDep, lang: LangDep, session: SessionDep, csrf: Text = "", role: Text = ""
) -> Any:
    """Make the account staff or administrator; refused for the last active administrator."""
    staff.check_csrf(me, csrf)
    user = _own_account(session, me, user_id)
    try:
        done = accounts.change_role(session, user, role[:16], **by(request, me))
    except AdminError as error:
        return _refused(request, me, lang, session, error, card=f"account-{user_id}")
    session.commit()
    return _after(request, me, user, "role" if done else "same_role")


def _to_staff_page(request: Request, me: AdminDep) -> RedirectResponse:
    return RedirectResponse(STAFF_HOME, status_code=303)


for _path in ("/{user_id}/disable", "/{user_id}/enable", "/{user_id}/password", "/{user_id}/role"):
    router.add_api_route(_path, _to_staff_page, methods=["GET"], include_in_schema=False)
