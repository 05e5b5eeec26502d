"""The staff pages: sign in and out, the overview, a hamlet, the printable report, downloads.

Routes stay thin: they read the query, call `services.*` and render a template.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from .. import db, models
from ..api.deps import SessionDep, timeline_current
from ..refusal import Refused
from ..services import (
    admin,
    coverage,
    dashboard,
    exports,
    figures,
    followups,
    households,
    merges,
    report,
    report_docx,
    staff,
    timeline,
)
from . import charts
from .deps import COOKIE, PREFIX, SIGN_IN_COOKIE, LangDep, StaffDep, page, safe_next, sign_in_url, today

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(timeline_current)])
HOUSEHOLD_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the phone's UUIDs
log = logging.getLogger("server_sync")


# -- signing in and out -----------------------------------------------------------------------


def _sign_in_form(request: Request, lang: str, context: dict[str, Any], status: int = 200) -> Any:
    """The sign-in page with a fresh login-CSRF token: in the form and in a cookie of this
    site only (SameSite=Strict), which a page elsewhere can neither read nor send, so no
    other site can sign a browser into an account of its choosing (login CSRF)."""
    token = secrets.token_urlsafe(24)
    response = page(request, "sign_in.html", lang, {**context, "csrf": token}, status=status)
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=3600,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme.lower() == "https",
    )
    return response


@router.get("/sign-in")
def sign_in_page(request: Request, lang: LangDep, next: str = "", reason: str = "") -> Any:
    notice = reason if reason in ("session_expired", "session_missing", "signed_out") else ""
    return _sign_in_form(request, lang, {"next": safe_next(next), "notice": notice, "error": None})


@router.post("/sign-in")
def sign_in(
    request: Request,
    lang: LangDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Any:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not (csrf and expected and hmac.compare_digest(csrf.encode(), expected.encode())):
        return _sign_in_form(
            request,
            lang,
            {"next": safe_next(next), "notice": "", "username": username[:64], "error": Refused("csrf_invalid")},
            status=403,
        )
    client = request.client.host if request.client else ""
    with request.app.state.sessions() as session:
        try:
            token, _identity = staff.sign_in(session, username[:200], password[:1024], client)
        except Refused as refused:
            session.commit()  # the failure counts towards the lock even though the answer is no
            return _sign_in_form(
                request,
                lang,
                {"next": safe_next(next), "notice": "", "error": refused, "username": username[:64]},
                status=refused.status,
            )
        session.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(staff.SESSION_TTL.total_seconds()),
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme.lower() == "https",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path=PREFIX)
    return response


@router.post("/sign-out")
def sign_out(request: Request, me: StaffDep, csrf: Annotated[str, Form()] = "") -> Any:
    staff.check_csrf(me, csrf)
    with request.app.state.sessions() as session:
        staff.sign_out(session, request.cookies.get(COOKIE))
        session.commit()
    response = RedirectResponse(sign_in_url(reason="signed_out"), status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


# -- overview, hamlet, report -----------------------------------------------------------------


def _commune(session: Any, me: staff.StaffIdentity) -> models.Commune:
    commune = session.get(models.Commune, me.commune_code)
    if commune is None:
        raise Refused("not_found")
    return commune


def _dates(as_of: Any, now: Any) -> dict[str, Any]:
    shown = as_of or now
    return {
        "as_of": as_of,
        "today": now,
        "future": as_of is not None and as_of > now,
        "quarter_shown": timeline.quarter_end(shown.year, (shown.month - 1) // 3 + 1),
        "quarters": dashboard.QUARTERS,
        "interim": dashboard.INTERIM_REVIEW,
        "final": dashboard.FINAL_REVIEW,
    }


@router.get("/")
def overview(
    request: Request,
    me: StaffDep,
    lang: LangDep,
    session: SessionDep,
    as_of: str = "",
    page_: Annotated[str, Query(alias="page")] = "",
) -> Any:
    day = dashboard.parse_as_of(as_of)
    commune = _commune(session, me)
    now = today(request, commune)
    view = dashboard.overview(session, commune, day, today=now, cache=request.app.state.overview_cache)
    pages_ = dashboard.Pages.of(len(view.rows), page_)
    rows = view.rows[pages_.first : pages_.last]
    config, entered = admin.coverage_config(commune), figures.current(session, commune.code)  # read once
    return page(
        request,
        "overview.html",
        lang,
        {
            "view": view,
            "shown": dashboard.SHOWN,
            "also": [view.report.total[i] for i in dashboard.ALSO_SHOWN],
            "parts_shown": (*dashboard.READY_PARTS, "adults_ready"),
            "parts": [
                (r, *dashboard.ready_parts(view.report.hamlets[r.hamlet_id or ""], view.close_margin)) for r in rows
            ],
            "parts_total": dashboard.ready_parts(view.report.total, view.close_margin),
            "period": figures.as_of(config, entered, min(day or now, now)),
            "charts": _charts(view.trend, view.close_margin, lang, figures_of=(config, entered)),
            "pages": pages_,
            "rows": rows,
            **_dates(day, now),
        },
        identity=me,
    )


def _charts(trend: Any, margin: float, lang: str, *, figures_of: tuple[Any, Any] | None = None) -> Any:
    """The quarterly trend as SVG charts: the hamlet table's indicators and, for the commune
    (`figures_of`: its configuration and current period entries), the period-entered figures
    as of each quarter end."""
    indicators: tuple[str, ...] = dashboard.SHOWN
    rows = [(day, [cov[i] for i in indicators]) for day, cov in trend]
    if figures_of is not None and rows:
        entered = figures.trend(*figures_of, [day for day, _ in rows])
        for (_, values), (_, found) in zip(rows, entered, strict=True):
            values.extend(f.value for f in found.values())
        indicators = (*indicators, *(entered[0][1].keys()))
    return charts.trend_charts(rows, indicators, margin, lang)


@router.get("/report")
def report_page(request: Request, me: StaffDep, lang: LangDep, session: SessionDep, as_of: str = "") -> Any:
    """The report in the layout of Nghị định 30/2020 (the same content as the Word file),
    with the date picker and, for administrators, how the report is headed and signed."""
    day = dashboard.parse_as_of(as_of)
    commune = _commune(session, me)
    now = today(request, commune)
    content = report.build(session, commune, day, today=now, cache=request.app.state.overview_cache)
    return page(
        request,
        "report.html",
        lang,
        {
            "report": content,
            "as_of_note": report.as_of_note(content),
            "closing": report.closing_line(content),
            "status_vi": report_docx.STATUS,
            "setting_keys": report.REPORT_SETTINGS,
            "limits": report.LIMITS,
            "setting_limit": report.SETTING_LIMIT,
            "done": request.query_params.get("done", ""),
            **_dates(day, now),
        },
        identity=me,
    )


@router.get("/report.docx")
def report_docx_download(request: Request, me: StaffDep, session: SessionDep, as_of: str = "") -> Response:
    """The report as an editable Word file, named by the commune, the kind and the day."""
    day = dashboard.parse_as_of(as_of)
    commune = _commune(session, me)
    now = today(request, commune)
    content = report.build(session, commune, day, today=now, cache=request.app.state.overview_cache)
    kind = {"interim": "so-ket", "final": "tong-ket"}.get(content.kind, "bao-cao")
    stem = f"{kind}-{commune.code}-{content.day.isoformat()}"
    return _download(report_docx.to_docx(content), stem, stem, "docx")


@router.post("/report/settings")
def report_settings(
    request: Request,
    me: StaffDep,
    session: SessionDep,
    as_of: str = "",
    csrf: Annotated[str, Form()] = "",
    issuing_body: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
    plan_name: Annotated[str, Form()] = "",
    recipients: Annotated[str, Form()] = "",
    signature_titles: Annotated[str, Form()] = "",
    signer: Annotated[str, Form()] = "",
) -> Any:
    """How the commune's reports are headed and signed (administrators; audited). An empty
    field goes back to its default."""
    staff.check_csrf(me, csrf)
    staff.require_admin(me)
    day = dashboard.parse_as_of(as_of)
    commune = _commune(session, me)
    typed = {
        "issuing_body": issuing_body,
        "number": number,
        "place": place,
        "plan_name": plan_name,
        "recipients": recipients,
        "signature_titles": signature_titles,
        "signer": signer,
    }
    values = {key: typed[key][: report.SETTING_LIMIT + 1] for key in report.REPORT_SETTINGS}
    try:
        report.save_settings(session, commune, values, me.user_id, request.app.state.clock())
    except admin.AdminError as error:
        raise Refused("admin_refused", "", {"vi": error.vi, "en": error.en}) from None
    session.commit()
    query = f"?as_of={day.isoformat()}&done=settings" if day else "?done=settings"
    return RedirectResponse(f"{PREFIX}/report{query}#settings", status_code=303)


def _hamlet(session: Any, me: staff.StaffIdentity, hamlet_id: str) -> models.Hamlet:
    if not admin.SLUG.fullmatch(hamlet_id):
        raise Refused("not_found")  # no hamlet has such an id: not even asked (PostgreSQL refuses NUL)
    hamlet = session.get(models.Hamlet, hamlet_id)
    if hamlet is None or hamlet.commune_code != me.commune_code:
        raise Refused("not_found")  # another commune's hamlet does not exist for this user
    return hamlet


def _follow_ups_current(request: Request, me: staff.StaffIdentity, hamlet_id: str | None) -> None:
    """Take the syncs' visits into the commune's follow-up counts in a short transaction of
    its own (services/followups.py: catch_up), before the page's read starts, so the read
    sees them. A hamlet of another commune is refused first: such a request writes nothing.
    When the database cannot take the write, the page reads the counts as last kept and
    says how many households they may lack (`followups.behind`)."""
    try:
        with request.app.state.side_sessions() as side:
            if hamlet_id is not None:
                _hamlet(side, me, hamlet_id)
            followups.catch_up(side, me.commune_code)
            db.commit_or_skip(side, "the follow-ups' catch-up")
    except (DBAPIError, SATimeoutError) as exc:
        if db.fault(exc) is None:
            raise
        log.warning("follow-up catch-up skipped (%s): follow-ups as last kept", db.fault(exc))


def _query(**params: str | None) -> str:
    """`?k=v&` of the non-empty `params`, ready for one more parameter (a page link)."""
    kept = {k: v for k, v in params.items() if v}
    return "?" + (urlencode(kept) + "&" if kept else "")


@router.get("/hamlets/{hamlet_id}")
def hamlet_page(
    request: Request,
    hamlet_id: str,
    me: StaffDep,
    lang: LangDep,
    session: SessionDep,
    as_of: str = "",
    done: str = "",
    need: str = "",
    page_: Annotated[str, Query(alias="page")] = "",
) -> Any:
    day = dashboard.parse_as_of(as_of)
    need_code = followups.parse_need(need)
    if not admin.SLUG.fullmatch(hamlet_id):
        raise Refused("not_found")
    _follow_ups_current(request, me, hamlet_id)
    hamlet = _hamlet(session, me, hamlet_id)
    commune = _commune(session, me)
    fields = staff.PERSONAL_FIELDS.get(me.role, frozenset())
    now = today(request, commune)
    view = dashboard.overview_of_hamlet(session, commune, hamlet.id, day, today=now)
    needs = followups.summary(session, commune.code, hamlet_id=hamlet.id)
    listing = followups.follow_up_page(session, needs, need=need_code, page=page_, fields=fields)
    as_of_text = day.isoformat() if day else None
    context = {
        "hamlet": hamlet,
        "view": view,
        "shown": dashboard.SHOWN,
        "fields": fields,
        "status": households.hamlet_status(session, hamlet.id, fields=fields),
        "needs": needs,
        "need": need_code,
        "listing": listing,
        "behind": followups.behind(session, commune.code),
        "here": _query(as_of=as_of_text),
        "list_base": _query(as_of=as_of_text, need=need_code),
        "download": _query(hamlet=hamlet.id, need=need_code).rstrip("&"),
        "duplicates": households.likely_duplicates(session, hamlet.id, fields=fields),
        "activity": households.volunteer_activity(session, hamlet.id, today=now),
        "charts": _charts(view.trend, view.close_margin, lang),
        "merged": merges.merged_pairs(session, hamlet.id, fields=fields),
        "done": done if done in ("merged", "dismissed", "unmerged") else "",
        **_dates(day, now),
    }
    return page(request, "hamlet.html", lang, context, identity=me)


@router.get("/follow-ups")
def follow_ups_page(
    request: Request,
    me: StaffDep,
    lang: LangDep,
    session: SessionDep,
    hamlet: str = "",
    need: str = "",
    page_: Annotated[str, Query(alias="page")] = "",
) -> Any:
    """The commune's open follow-ups: households needing each need per hamlet (each count
    links to its list), and the list a page at a time, filtered by hamlet and need."""
    need_code = followups.parse_need(need)
    if hamlet and not admin.SLUG.fullmatch(hamlet):
        raise Refused("not_found")
    _follow_ups_current(request, me, hamlet or None)
    commune = _commune(session, me)
    hamlet_id = _hamlet(session, me, hamlet).id if hamlet else None
    fields = staff.PERSONAL_FIELDS.get(me.role, frozenset())
    needs = followups.summary(session, commune.code)
    listing = followups.follow_up_page(session, needs, hamlet_id=hamlet_id, need=need_code, page=page_, fields=fields)
    context = {
        "commune": commune,
        "fields": fields,
        "needs": needs,
        "hamlet_id": hamlet_id,
        "hamlet_name": next((h.name for h in needs.hamlets if h.hamlet_id == hamlet_id), ""),
        "need": need_code,
        "listing": listing,
        "behind": followups.behind(session, commune.code),
        "list_base": _query(hamlet=hamlet_id, need=need_code),
        "download": _query(hamlet=hamlet_id, need=need_code).rstrip("&"),
        **_dates(None, today(request, commune)),
    }
    return page(request, "follow_ups.html", lang, context, identity=me)


@router.post("/hamlets/{hamlet_id}/duplicates")
def decide_duplicate(
    request: Request,
    hamlet_id: str,
    me: StaffDep,
    session: SessionDep,
    first: Annotated[str, Form()] = "",
    second: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Any:
    staff.check_csrf(me, csrf)
    staff.require_admin(me)
    hamlet = _hamlet(session, me, hamlet_id)
    if not (HOUSEHOLD_ID.fullmatch(first) and HOUSEHOLD_ID.fullmatch(second)):
        raise Refused("not_found")
    if not households.in_hamlet(session, hamlet.id, {first, second}):
        raise Refused("not_found")  # a household of another hamlet or commune does not exist here
    if decision == "merge":  # chosen, confirmed and done on the pair's own page (issue 12 §4)
        return RedirectResponse(_pair_url(hamlet.id, first, second), status_code=303)
    try:
        if decision == "dismiss":
            households.dismiss_duplicate(session, first, second, me.user_id, hamlet_id=hamlet.id)
        else:
            raise Refused("schema_invalid", "decision", {"problem": decision[:40]})
    except admin.AdminError as error:
        raise Refused("admin_refused", "", {"vi": error.vi, "en": error.en}) from None
    session.commit()
    return RedirectResponse(f"{PREFIX}/hamlets/{quote(hamlet.id)}?done=dismissed#duplicates", status_code=303)


def _pair_url(hamlet_id: str, a: str, b: str) -> str:
    return f"{PREFIX}/hamlets/{quote(hamlet_id)}/duplicates/{quote(a)}/{quote(b)}"


def _merge_pair(session: Any, me: staff.StaffIdentity, hamlet_id: str, a: str, b: str) -> models.Hamlet:
    """The hamlet, once the caller is an administrator and both ids are households of it
    (hence of the caller's commune); 404 otherwise, as for anything not there."""
    staff.require_admin(me)
    hamlet = _hamlet(session, me, hamlet_id)
    if not (HOUSEHOLD_ID.fullmatch(a) and HOUSEHOLD_ID.fullmatch(b)) or not households.in_hamlet(
        session, hamlet.id, {a, b}
    ):
        raise Refused("not_found")
    return hamlet


def _merge_page(
    request: Request, session: Any, me: staff.StaffIdentity, lang: str, hamlet: models.Hamlet, a: str, b: str, keep: str
) -> Any:
    fields = staff.PERSONAL_FIELDS.get(me.role, frozenset())
    try:
        pair = merges.choice(session, hamlet.id, a, b, fields=fields)
    except admin.AdminError as error:
        raise Refused("admin_refused", "", {"vi": error.vi, "en": error.en}) from None
    sides = {pair.first.household_id: pair.first, pair.second.household_id: pair.second}
    context: dict[str, Any] = {"hamlet": hamlet, "pair": pair, "fields": fields, "confirming": bool(keep)}
    if keep:
        if keep not in sides:
            raise Refused("schema_invalid", "keep", {"problem": keep[:40]})
        context["kept"] = sides[keep]
        context["dropped"] = next(s for k, s in sides.items() if k != keep)
    return page(request, "merge.html", lang, context, identity=me)


@router.get("/hamlets/{hamlet_id}/duplicates/{a}/{b}")
def merge_page(
    request: Request, hamlet_id: str, a: str, b: str, me: StaffDep, lang: LangDep, session: SessionDep
) -> Any:
    """Both households side by side, the one with the newest completed visit suggested
    (issue 12 §4); administrators only."""
    hamlet = _merge_pair(session, me, hamlet_id, a, b)
    return _merge_page(request, session, me, lang, hamlet, a, b, "")


@router.post("/hamlets/{hamlet_id}/duplicates/{a}/{b}")
def merge_pair(
    request: Request,
    hamlet_id: str,
    a: str,
    b: str,
    me: StaffDep,
    lang: LangDep,
    session: SessionDep,
    keep: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Any:
    """The choice: without `confirm=yes`, the confirmation step (nothing written); with it,
    the merge (services/merges.py), then back to the hamlet."""
    staff.check_csrf(me, csrf)
    hamlet = _merge_pair(session, me, hamlet_id, a, b)
    if keep not in (a, b):
        raise Refused("schema_invalid", "keep", {"problem": keep[:40]})
    if confirm != "yes":
        return _merge_page(request, session, me, lang, hamlet, a, b, keep)
    drop = b if keep == a else a
    try:
        merges.merge(session, keep, drop, me.user_id, hamlet_id=hamlet.id, now=request.app.state.clock())
    except admin.AdminError as error:
        raise Refused("admin_refused", "", {"vi": error.vi, "en": error.en}) from None
    session.commit()
    return RedirectResponse(f"{PREFIX}/hamlets/{quote(hamlet.id)}?done=merged#merged", status_code=303)


@router.post("/hamlets/{hamlet_id}/merges/{merge_id}/undo")
def undo_merge(
    request: Request,
    hamlet_id: str,
    merge_id: int,
    me: StaffDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Any:
    """Both households back on the roster as they were (services/merges.py: undo); audited."""
    staff.check_csrf(me, csrf)
    staff.require_admin(me)
    hamlet = _hamlet(session, me, hamlet_id)
    try:
        merges.undo(session, merge_id, me.user_id, hamlet_id=hamlet.id, now=request.app.state.clock())
    except admin.AdminError as error:
        if error.code == "not_found":
            raise Refused("not_found") from None
        raise Refused("admin_refused", "", {"vi": error.vi, "en": error.en}) from None
    session.commit()
    return RedirectResponse(f"{PREFIX}/hamlets/{quote(hamlet.id)}?done=unmerged#merged", status_code=303)


# -- downloads --------------------------------------------------------------------------------

# File flavours each kind offers; the first is the default (no `flavour` in the query).
FLAVOURS: dict[str, tuple[str, ...]] = {"csv": exports.CSV_FLAVOURS, "xlsx": ("plain",)}


def _download(data: bytes, stem: str, ascii_stem: str, kind: str) -> Response:
    media = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "csv": "text/csv; charset=utf-8",
        "xlsx": exports.XLSX_MEDIA_TYPE,
    }[kind]
    disposition = f"attachment; filename=\"{ascii_stem}.{kind}\"; filename*=UTF-8''{quote(stem)}.{kind}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


def _kind(kind: str) -> str:
    if kind not in FLAVOURS:
        raise Refused("not_found")
    return kind


def _flavour(kind: str, flavour: str) -> str:
    """The `flavour` query value, checked against what `kind` offers: "plain" when empty;
    anything else is refused with `export_flavour_invalid` (422), never a server error."""
    offered = FLAVOURS[kind]
    if not flavour:
        return offered[0]
    if flavour not in offered:
        raise Refused(
            "export_flavour_invalid", "flavour", {"value": flavour[:40], "kind": kind, "allowed": ", ".join(offered)}
        )
    return flavour


def _stem(stem: str, flavour: str) -> str:
    return stem if flavour == "plain" else f"{stem}-{flavour}"


@router.get("/exports/indicators.{kind}")
def indicators_download(
    request: Request,
    kind: str,
    me: StaffDep,
    lang: LangDep,
    session: SessionDep,
    as_of: str = "",
    flavour: str = "",
) -> Response:
    kind = _kind(kind)
    flavour = _flavour(kind, flavour)
    day = dashboard.parse_as_of(as_of)
    commune = _commune(session, me)
    now = today(request, commune)
    report_ = coverage.report(session, commune, as_of=day, today=now)
    names = {h.id: h.name for h in admin.hamlets_of(session, commune.code)}
    when = (day or now).isoformat()
    if kind == "csv":
        data = exports.indicator_csv(report_, names, lang, commune.name, today=now, flavour=flavour)
    else:
        data = exports.indicator_xlsx(
            report_, names, lang, commune.name, today=now, commune_code=commune.code, province=commune.province
        )
    stem = _stem(f"chi-tieu-{commune.code}-{when}" if lang == "vi" else f"indicators-{commune.code}-{when}", flavour)
    return _download(data, stem, stem, kind)


@router.get("/exports/follow-ups.{kind}")
def follow_ups_download(
    request: Request,
    kind: str,
    me: StaffDep,
    lang: LangDep,
    session: SessionDep,
    hamlet: str = "",
    need: str = "",
    flavour: str = "",
) -> Response:
    """The follow-up list as a file: a row per household, a column per need
    (`households.follow_up_sheet`), from the follow-ups the pages count and list (kept in
    `visit_need`, taken in first as the pages do); derived from the visits instead when
    the database could not take them in (`followups.behind`), so the file is never behind."""
    kind = _kind(kind)
    flavour = _flavour(kind, flavour)
    need_code = followups.parse_need(need)
    if hamlet and not admin.SLUG.fullmatch(hamlet):
        raise Refused("not_found")
    _follow_ups_current(request, me, hamlet or None)
    commune = _commune(session, me)
    hamlet_id = _hamlet(session, me, hamlet).id if hamlet else None
    fields = staff.PERSONAL_FIELDS.get(me.role, frozenset())
    read = followups.kept_follow_ups if followups.behind(session, commune.code) == 0 else households.follow_ups
    rows = read(session, commune.code, hamlet_id=hamlet_id, need=need_code, fields=fields)
    sheet = households.follow_up_sheet(rows, lang, fields=fields)
    if kind == "csv":
        data = exports.to_csv(sheet, flavour)
    else:
        label = next((n.label for n in followups.catalogue() if n.code == need_code), None) if need_code else None
        heading = households.follow_up_heading(commune, lang, today=today(request, commune), need=label)
        data = exports.to_xlsx([sheet], heading)
    stem = (
        ("can-ho-tro" if lang == "vi" else "follow-ups")
        + f"-{commune.code}"
        + (f"-{hamlet_id}" if hamlet_id else "")
        + (f"-{need_code.replace('_', '-')}" if need_code else "")
    )
    return _download(data, _stem(stem, flavour), _stem(stem, flavour), kind)
