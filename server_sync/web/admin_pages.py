"""The administrator's pages: the commune's hamlets, volunteers, enrolment codes, phones and
targets, changed through the same service functions as the admin CLI (server_sync/cli.py),
each change audited with the signed-in staff user (services/audit.py). A volunteer's own
page, the staff accounts and the audit trail have modules of their own
(volunteer_pages.py, staff_pages.py, audit_pages.py).

Every change is a form POST that carries the session's CSRF value. Bad input re-renders the
page with the service's bilingual message, HTTP 422, and nothing written: the request's
session is rolled back (api/deps.get_session) because only success commits. Success answers
303 back to the card with a `done=` notice, so a reload never repeats a change. The one
exception is a new enrolment code: it gets a page of its own, shown once, never stored in
plain. A hamlet, volunteer or phone of another commune does not exist here (`not_found`).
"""

from __future__ import annotations

import base64
import ipaddress
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import segno
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from survey.indicators import INDICATORS, PERIOD_INDICATORS, Target, default_config
from survey.times import DEFAULT_TIME_ZONE, as_utc, zone

from .. import models
from ..api.deps import SessionDep
from ..refusal import Refused
from ..services import admin, staff, volunteers
from ..services.admin import AdminError, Problem
from . import i18n
from .deps import PREFIX, AdminDep, LangDep, page

HOME = f"{PREFIX}/admin"
router = APIRouter(prefix=HOME, include_in_schema=False)

CSV_MAX_BYTES = 1024 * 1024  # a commune's hamlet list is a few kilobytes
CODE_DAYS_DEFAULT = 7
# the notice after a change (`done=`) and the card it is shown in (where the redirect scrolls)
DONE = {
    "imported": "hamlets",
    "team_set": "hamlets",
    "team_cleared": "hamlets",
    "volunteer_added": "volunteers",
    "volunteer_saved": "volunteers",
    "volunteer_unchanged": "volunteers",
    "deactivated": "volunteers",
    "reactivated": "volunteers",
    "code_revoked": "codes",
    "code_not_open": "codes",
    "revoked": "devices",
    "already_revoked": "devices",
    "targets_saved": "targets",
}
Text = Annotated[str, Form()]


# -- what the page shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerRow:
    volunteer: models.Volunteer
    hamlets: list[tuple[str, str]]  # (id, name)
    devices: list[models.Device]

    @property
    def active(self) -> bool:
        return self.volunteer.deactivated_at is None


# Every indicator with a target on the targets form: visit-measured, then period-entered.
TARGETED = INDICATORS + PERIOD_INDICATORS


@dataclass(frozen=True)
class TargetRow:
    """One indicator's line of the targets form, as stored or as just submitted."""

    id: str
    min: str
    strict: bool
    max: str
    default: Target | None


def moments(commune: models.Commune) -> Callable[[datetime | None, str], str]:
    """How the commune reads a stored UTC time: in its zone, 31/12/2027 08:05 or 2027-12-31 08:05."""
    tz = zone(commune.time_zone or DEFAULT_TIME_ZONE)

    def moment(value: datetime | None, lang: str) -> str:
        if value is None:
            return "—"
        return as_utc(value).astimezone(tz).strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M")

    return moment


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _commune(session: Session, me: staff.StaffIdentity) -> models.Commune:
    commune = session.get(models.Commune, me.commune_code)
    if commune is None:
        raise Refused("not_found")
    return commune


def _view(session: Session, commune: models.Commune, form: dict[str, Any]) -> dict[str, Any]:
    hamlets = admin.hamlets_of(session, commune.code)
    names = {h.id: h.name for h in hamlets}
    devices = admin.devices(session, commune.code)
    phones: dict[str, list[models.Device]] = {}
    for device, volunteer in devices:
        phones.setdefault(volunteer.id, []).append(device)
    people = [
        VolunteerRow(v, [(h, names.get(h, h)) for h in ids], phones.get(v.id, []))
        for v, ids in admin.volunteers(session, commune.code)
    ]
    current, defaults = admin.coverage_config(commune).targets, default_config().targets
    submitted = form.get("targets", {})
    targets = []
    for item in TARGETED:
        if item.id in submitted:
            low, strict, high = submitted[item.id]
        else:
            target = current.get(item.id)
            low, strict, high = (_number(target.min), target.strict, _number(target.max)) if target else ("", False, "")
        targets.append(TargetRow(item.id, low, strict, high, defaults.get(item.id)))
    return {
        "commune": commune,
        "hamlets": hamlets,
        "volunteers": people,
        "devices": devices,
        "open_codes": volunteers.open_codes(session, commune.code),  # expiry by the system clock, as enrolment
        "targets": targets,
        "close_margin": form.get("close_margin", _number(commune.close_margin)),
        "adult_age": form.get("adult_age", str(commune.adult_age)),
        "time_zone": form.get("time_zone", commune.time_zone),
        "campaign_start": form.get("campaign_start", commune.campaign_start.isoformat()),
        "new_volunteer": form.get("new_volunteer", ("", [])),
        "code_days": CODE_DAYS_DEFAULT,
        "code_days_range": admin.CODE_DAYS,
    }


def _render(
    request: Request,
    me: staff.StaffIdentity,
    lang: str,
    session: Session,
    *,
    status: int = 200,
    error: AdminError | None = None,
    card: str = "",
    form: dict[str, Any] | None = None,
) -> Any:
    commune = _commune(session, me)
    context = {
        **_view(session, commune, form or {}),
        "home": HOME,
        "moment": moments(commune),
        "error": error,
        "card": card,
        "done": _done(request) if error is None else None,
    }
    return page(request, "admin.html", lang, context, status=status, identity=me)


def _done(request: Request) -> dict[str, Any] | None:
    """The notice after a change (the redirect's `done=`), with an import's counts."""
    query = request.query_params
    key = query.get("done", "")
    if key not in DONE:
        return None
    counts = {name: _whole(query.get(name, "")) or 0 for name in ("added", "updated", "unchanged", "kept")}
    return {"key": key, "card": DONE[key], **counts, "no_team": query.get("team") == "0"}


def _whole(text: str | None, digits: int = 6) -> int | None:
    """A whole number typed in ASCII digits ("²" and "٣" are digits to str.isdigit, not to int)."""
    value = (text or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= digits else None


def _stored(text: str) -> str:
    """Text that may reach the database: PostgreSQL refuses a NUL byte, so it is refused here."""
    if "\x00" in text:
        raise AdminError("Nội dung có ký tự không hợp lệ (NUL).", "The text contains an invalid character (NUL).")
    return text


def by(request: Request, me: staff.StaffIdentity) -> dict[str, Any]:
    """Who makes a change and when, as the audited services take it: the signed-in staff
    user, at the server's clock."""
    return {"staff_user_id": me.user_id, "now": request.app.state.clock()}


def _back(card: str, done: str, **counts: int) -> RedirectResponse:
    query = "&".join([f"done={done}", *(f"{name}={value}" for name, value in counts.items())])
    return RedirectResponse(f"{HOME}?{query}#{card}", status_code=303)


def _refused(
    request: Request,
    me: staff.StaffIdentity,
    lang: str,
    session: Session,
    error: AdminError,
    card: str,
    form: dict[str, Any] | None = None,
) -> Any:
    session.rollback()  # nothing of this request is kept, and the page shows what is stored
    return _render(request, me, lang, session, status=422, error=error, card=card, form=form)


def _own_hamlet(session: Session, me: staff.StaffIdentity, hamlet_id: str) -> models.Hamlet:
    hamlet = session.get(models.Hamlet, hamlet_id) if "\x00" not in hamlet_id else None
    if hamlet is None or hamlet.commune_code != me.commune_code:
        raise Refused("not_found")
    return hamlet


def _own_volunteer(session: Session, me: staff.StaffIdentity, volunteer_id: str) -> models.Volunteer:
    volunteer = session.get(models.Volunteer, volunteer_id) if "\x00" not in volunteer_id else None
    if volunteer is None or volunteer.commune_code != me.commune_code:
        raise Refused("not_found")
    return volunteer


def _own_device(session: Session, me: staff.StaffIdentity, device_id: str) -> tuple[models.Device, models.Volunteer]:
    device = session.get(models.Device, device_id) if "\x00" not in device_id else None
    volunteer = session.get(models.Volunteer, device.volunteer_id) if device is not None else None
    if device is None or volunteer is None or volunteer.commune_code != me.commune_code:
        raise Refused("not_found")
    return device, volunteer


@router.get("")
def admin_page(request: Request, me: AdminDep, lang: LangDep, session: SessionDep) -> Any:
    return _render(request, me, lang, session)


# -- hamlets ------------------------------------------------------------------------------------


def _upload(file: UploadFile | None) -> bytes:
    data = file.file.read(CSV_MAX_BYTES + 1) if file is not None else b""
    if not data:
        raise AdminError("Chưa chọn tệp CSV, hoặc tệp trống.", "No CSV file was chosen, or the file is empty.")
    if len(data) > CSV_MAX_BYTES or b"\x00" in data:
        raise AdminError(
            f"Tệp không phải là tệp CSV (lớn quá {CSV_MAX_BYTES // 1024} KB, hoặc có ký tự NUL).",
            f"The file is not a CSV file (over {CSV_MAX_BYTES // 1024} KB, or with NUL characters).",
        )
    return data


@router.post("/hamlets/import")
def import_hamlets(
    request: Request,
    me: AdminDep,
    lang: LangDep,
    session: SessionDep,
    csrf: Text = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Any:
    staff.check_csrf(me, csrf)
    try:
        parsed = admin.parse_hamlets_csv(_upload(file))  # every row checked before anything is written
        summary = admin.import_hamlets(session, me.commune_code, parsed, **by(request, me))
    except AdminError as error:
        return _refused(request, me, lang, session, error, "hamlets")
    session.commit()
    return _back(
        "hamlets",
        "imported",
        added=summary.added,
        updated=summary.updated,
        unchanged=summary.unchanged,
        kept=len(summary.not_in_file),
        team=int(parsed.has_team_column),
    )


@router.post("/hamlets/{hamlet_id}/team")
def set_team(
    request: Request,
    hamlet_id: str,
    me: AdminDep,
    lang: LangDep,
    session: SessionDep,
    csrf: Text = "",
    since: Text = "",
    action: Text = "set",
) -> Any:
    staff.check_csrf(me, csrf)
    hamlet = _own_hamlet(session, me, hamlet_id)
    if action not in ("set", "clear"):
        raise Refused("schema_invalid", "action", {"problem": action[:40]})
    try:
        admin.set_team(session, hamlet.id, None if action == "clear" else since, **by(request, me))
    except AdminError as error:
        return _refused(request, me, lang, session, error, "hamlets")
    session.commit()
    return _back("hamlets", "team_cleared" if action == "clear" else "team_set")


# -- volunteers, enrolment codes, phones ----------------------------------------------------------


@router.post("/volunteers")
def add_volunteer(
    request: Request,
    me: AdminDep,
    lang: LangDep,
    session: SessionDep,
    csrf: Text = "",
    name: Text = "",
    hamlets: Annotated[list[str], Form()] = [],  # noqa: B006 — FastAPI copies it
) -> Any:
    staff.check_csrf(me, csrf)
    try:
        admin.new_volunteer(session, me.commune_code, _stored(name), hamlets, **by(request, me))
    except AdminError as error:
        return _refused(
            request, me, lang, session, error, "volunteers", {"new_volunteer": (name[: admin.NAME_MAX], hamlets)}
        )
    session.commit()
    return _back("volunteers", "volunteer_added")


def server_url(request: Request) -> str:
    """Where phones will reach this server, for the enrolment QR.

    SERVER_URL when the operator set it: behind a proxy or a port forward only they know
    the address phones use. Otherwise the address the admin's browser used to open this
    page, since phones on the same network reach the server the same way, except when
    that is a loopback address (localhost, 127.0.0.1, ::1; the page was opened on the
    server machine itself): to a phone it would mean the phone. Then the CLI's guess is
    used, this machine's LAN address on the same port.
    """
    host = request.url.hostname or ""
    if os.environ.get("SERVER_URL") or _loopback(host):
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        return admin.guess_server_url(port)
    return str(request.base_url)


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _days(text: str) -> int:
    value = _whole(text, digits=3)
    if value is None:
        low, high = admin.CODE_DAYS
        raise AdminError(
            f"Số ngày hiệu lực {text[:20]!r} không phải là số nguyên từ {low} đến {high}.",
            f"The number of days {text[:20]!r} is not a whole number from {low} to {high}.",
        )
    return value


@router.post("/volunteers/{volunteer_id}/code")
def issue_code(
    request: Request,
    volunteer_id: str,
    me: AdminDep,
    lang: LangDep,
    session: SessionDep,
    csrf: Text = "",
    days: Text = str(CODE_DAYS_DEFAULT),
) -> Any:
    staff.check_csrf(me, csrf)
    volunteer = _own_volunteer(session, me, volunteer_id)
    now = datetime.now(UTC)  # enrolment checks expiry by the system clock too
    try:
        ttl = admin.code_ttl(_days(days))
        address = admin.check_server_url(server_url(request))
        # only its hash is stored; refused for a paused volunteer
        code = volunteers.issue_code(session, volunteer, ttl=ttl, staff_user_id=me.user_id, now=now)
    except AdminError as error:
        return _refused(request, me, lang, session, error, "codes")
    session.commit()
    link = admin.enrol_link(address, code)
    # the same QR as the CLI's PNG (error correction M); a viewBox, so the stylesheet sizes it
    svg = segno.make(link, error="m", micro=False).svg_inline(scale=8, border=4, omitsize=True)
    return page(
        request,
        "admin_code.html",
        lang,
        {
            "volunteer": volunteer,
            "code": code,
            "link": link,
            "server": address,
            "qr": Markup(svg),
            "png": base64.b64encode(admin.enrol_qr_png(link, (volunteer.name, code))).decode("ascii"),
            "expires": moments(_commune(session, me))(now + ttl, lang),
            "days": ttl.days,
            "home": HOME,
        },
        identity=me,
    )


@router.post("/devices/{device_id}/revoke")
def revoke_device(
    request: Request,
    device_id: str,
    me: AdminDep,
    lang: LangDep,
    session: SessionDep,
    csrf: Text = "",
    confirm: Text = "",
) -> Any:
    """The first POST asks for confirmation (a page, no script); the second, `confirm=1`, revokes."""
    staff.check_csrf(me, csrf)
    device, volunteer = _own_device(session, me, device_id)
    if device.revoked_at is not None:
        return _back("devices", "already_revoked")
    if confirm != "1":
        return page(
            request,
            "admin_revoke.html",
            lang,
            {"device": device, "volunteer": volunteer, "moment": moments(_commune(session, me)), "home": HOME},
            identity=me,
        )
    revoked = volunteers.revoke_device(session, device, volunteer, **by(request, me))
    session.commit()
    return _back("devices", "revoked" if revoked else "already_revoked")


# -- targets and settings -----------------------------------------------------------------------


def _percent(text: str, field_vi: str, field_en: str) -> float | None:
    """A percentage typed by staff ("90", "92.5" or "92,5"); empty is None."""
    value = (text or "").strip().replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise AdminError(f"{field_vi} {text[:20]!r} không phải là số.", f"{field_en} {text[:20]!r} is not a number.")
    return number


def _target(low_text: str, high_text: str, strict: bool) -> dict[str, Any] | None:
    low = _percent(low_text, "Mức tối thiểu", "The minimum")
    high = _percent(high_text, "Mức tối đa", "The maximum")
    if low is None:
        if high is not None:
            raise AdminError("Có mức tối đa thì cần mức tối thiểu.", "A maximum needs a minimum.")
        return None  # no target; "must exceed" means nothing without a minimum
    return {"min": low, "strict": strict, "max": high}


@router.post("/targets")
def save_targets(
    request: Request,
    me: AdminDep,
    lang: LangDep,
    session: SessionDep,
    csrf: Text = "",
    indicator: Annotated[list[str], Form()] = [],  # noqa: B006 — FastAPI copies these
    min: Annotated[list[str], Form()] = [],  # noqa: B006 — the form's field names
    max: Annotated[list[str], Form()] = [],  # noqa: B006
    strict: Annotated[list[str], Form()] = [],  # noqa: B006 — the ids whose box is ticked
    close_margin: Annotated[str | None, Form()] = None,
    adult_age: Annotated[str | None, Form()] = None,
    time_zone: Annotated[str | None, Form()] = None,
    campaign_start: Annotated[str | None, Form()] = None,
) -> Any:
    """Every indicator's target, the close margin, the adult age, the commune's time zone and
    campaign start, all or nothing. A target equal to the default is stored as "the default",
    so a later change of defaults reaches it."""
    staff.check_csrf(me, csrf)
    commune = _commune(session, me)
    problems: list[Problem] = []
    if not len(indicator) == len(min) == len(max):
        problems.append(
            Problem(
                "admin_refused",
                "Biểu mẫu chỉ tiêu không đầy đủ; hãy tải lại trang.",
                "The targets form is incomplete; reload the page.",
            )
        )
    defaults = default_config().targets
    for indicator_id, low, high in zip(indicator, min, max, strict=False):
        try:
            target = _target(low, high, indicator_id in strict)
            wanted = None if target is None else Target(target["min"], target["strict"], target["max"])
            admin.set_target(
                session, commune, indicator_id, target, default=wanted == defaults.get(indicator_id), **by(request, me)
            )
        except AdminError as error:
            problems.append(
                Problem(
                    error.code,
                    f"{i18n.label('vi', indicator_id)}: {error.vi}",
                    f"{i18n.label('en', indicator_id)}: {error.en}",
                )
            )
    if close_margin is not None:
        try:
            margin = _percent(close_margin, "Biên “gần đạt”", "The “close” margin")
            admin.set_close_margin(session, commune, math.nan if margin is None else margin, **by(request, me))
        except AdminError as error:
            problems.append(Problem(error.code, error.vi, error.en))
    if adult_age is not None:
        try:
            admin.set_adult_age(session, commune, _whole(adult_age, digits=3) or -1, **by(request, me))
        except AdminError as error:
            problems.append(Problem(error.code, error.vi, error.en))
    if campaign_start is not None:
        try:
            admin.set_campaign_start(session, commune, campaign_start[:40], **by(request, me))
        except AdminError as error:
            problems.append(Problem(error.code, error.vi, error.en))
    if time_zone is not None and not problems:  # last: a new zone recomputes every stored day
        try:
            admin.set_time_zone(session, commune, time_zone[:64], **by(request, me))
        except AdminError as error:
            problems.append(Problem(error.code, error.vi, error.en))
    if problems:
        form = {
            "targets": {i: (lo, i in strict, hi) for i, lo, hi in zip(indicator, min, max, strict=False)},
            "close_margin": close_margin or "",
            "adult_age": adult_age or "",
            "time_zone": time_zone or "",
            "campaign_start": campaign_start or "",
        }
        refusal = AdminError(
            f"Có {len(problems)} lỗi; chưa ghi gì.", f"{len(problems)} problem(s); nothing was saved.", problems
        )
        return _refused(request, me, lang, session, refusal, "targets", form)
    session.commit()
    return _back("targets", "targets_saved")


# -- a POST-only address opened by GET --------------------------------------------------------------


def _to_admin_page(request: Request, me: AdminDep) -> Response:
    """The language link on a result page, or a reload after a refusal, lands on the admin page
    (a new enrolment code is never shown twice)."""
    lang = request.query_params.get("lang")
    return RedirectResponse(HOME + (f"?lang={lang}" if lang in i18n.LANGS else ""), status_code=303)


for _path in (
    "/hamlets/import",
    "/hamlets/{hamlet_id}/team",
    "/volunteers",
    "/volunteers/{volunteer_id}/code",
    "/devices/{device_id}/revoke",
    "/targets",
):
    router.add_api_route(_path, _to_admin_page, methods=["GET"], include_in_schema=False)
