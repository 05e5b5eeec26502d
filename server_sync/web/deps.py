"""Who is looking and in which language: the staff session cookie, the role, the language.

Identity is checked in a short transaction of its own (as for devices, api/deps.py), so a
page's reads never hold the SQLite write lock taken by `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from survey.errors import message
from survey.times import DEFAULT_TIME_ZONE, as_utc, local_day, zone

from .. import db
from ..refusal import Refused
from ..services import staff
from . import cells, i18n

COOKIE = "khaosat_staff"
SIGN_IN_COOKIE = "khaosat_sign_in"  # the sign-in form's login-CSRF token (web/pages.py)
LANG_COOKIE = "khaosat_lang"
PREFIX = "/dash"

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
templates.env.globals.update(
    message=message,
    cells=cells.cells,
    t=i18n.t,
    label=i18n.label,
    short=i18n.short,
    pct=i18n.percent,
    day=i18n.day,
    quarter_label=i18n.quarter_label,
    prefix=PREFIX,
)


def today(request: Request, commune: Any) -> date:
    """Today in the commune (its time zone, by the server's clock): what current figures,
    the default view and exports without a date are as of (DESIGN §3)."""
    return local_day(as_utc(request.app.state.clock()), zone(commune.time_zone or DEFAULT_TIME_ZONE))


def language(request: Request) -> str:
    """`?lang=` when given (and remembered by a cookie), else the cookie, else Vietnamese."""
    asked = request.query_params.get("lang")
    if asked in i18n.LANGS:
        return asked
    saved = request.cookies.get(LANG_COOKIE)
    return saved if saved in i18n.LANGS else "vi"


LangDep = Annotated[str, Depends(language)]


class SignInNeeded(Exception):
    """No valid staff session: the browser is sent to the sign-in page."""

    def __init__(self, code: str, next_url: str) -> None:
        super().__init__(code)
        self.code, self.next_url = code, next_url


def current_staff(request: Request) -> staff.StaffIdentity:
    """The signed-in staff member. Their session's last use is written on the side; when
    the database cannot take that write (full, or busy past its timeout) the session is read
    without it, so pages, reports and exports keep working (issue 10 §3)."""
    token = request.cookies.get(COOKIE)
    try:
        with request.app.state.side_sessions() as session:
            try:
                identity = staff.identify(session, token)
            except Refused as refused:
                db.commit_or_skip(session, "an expired staff session's removal")
                raise SignInNeeded(refused.code, _here(request)) from None
            db.commit_or_skip(session, "a staff session's last use")
        return identity
    except (DBAPIError, SATimeoutError) as exc:
        if db.fault(exc) is None:
            raise
    with request.app.state.read_sessions() as session:
        try:
            return staff.identify(session, token, touch=False)
        except Refused as refused:
            raise SignInNeeded(refused.code, _here(request)) from None


def current_admin(identity: Annotated[staff.StaffIdentity, Depends(current_staff)]) -> staff.StaffIdentity:
    staff.require_admin(identity)
    return identity


StaffDep = Annotated[staff.StaffIdentity, Depends(current_staff)]
AdminDep = Annotated[staff.StaffIdentity, Depends(current_admin)]


def _here(request: Request) -> str:
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


def sign_in_url(next_url: str = "", reason: str = "") -> str:
    query = []
    if next_url and next_url.startswith(PREFIX) and not next_url.startswith("//"):
        query.append(f"next={quote(next_url, safe='')}")
    if reason:
        query.append(f"reason={reason}")
    return f"{PREFIX}/sign-in" + ("?" + "&".join(query) if query else "")


def safe_next(next_url: str | None) -> str:
    """Only our own pages after signing in: never an address elsewhere."""
    value = next_url or ""
    if value.startswith(PREFIX) and not value.startswith("//") and "\\" not in value and "://" not in value:
        return value
    return f"{PREFIX}/"


def page(
    request: Request,
    name: str,
    lang: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    identity: staff.StaffIdentity | None = None,
) -> Any:
    """Render a template with what every page needs; remembers an explicit `?lang=`."""
    response = templates.TemplateResponse(
        request,
        name,
        {"lang": lang, "me": identity, "path": request.url.path, "query": request.url.query, **context},
        status_code=status,
    )
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response
