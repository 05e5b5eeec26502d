"""The plan's targets no visit measures (DESIGN §3): every staff member sees them and their
history; administrators enter a figure per period, correct it by entering it again, or
take it back. Rules and messages come from survey.figures and the error catalogue.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from survey.figures import Period
from survey.indicators import PERIOD_INDICATORS

from .. import models
from ..api.deps import SessionDep, timeline_current
from ..refusal import Refused
from ..services import admin, figures, staff
from .admin_pages import moments
from .deps import PREFIX, LangDep, StaffDep, page, today

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(timeline_current)])
Text = Annotated[str, Form()]
DONE = ("entered", "corrected", "withdrawn", "nothing_to_withdraw", "restored", "nothing_to_restore")


def _commune(session: Any, me: staff.StaffIdentity) -> models.Commune:
    commune = session.get(models.Commune, me.commune_code)
    if commune is None:
        raise Refused("not_found")
    return commune


def _render(
    request: Request,
    me: staff.StaffIdentity,
    lang: str,
    session: Any,
    *,
    form: dict[str, str] | None = None,
    issues: list[Any] | None = None,
    status: int = 200,
) -> Any:
    commune = _commune(session, me)
    now = today(request, commune)
    config = admin.coverage_config(commune)
    rows = figures.history(session, commune.code)
    latest: dict[str, figures.EntryRow] = {}
    for row in rows:  # newest first: the first current entry of an indicator is its latest period
        if row.current and (
            row.entry.indicator not in latest or row.entry.period > latest[row.entry.indicator].entry.period
        ):
            latest[row.entry.indicator] = row
    shown = figures.as_of(config, figures.current_of(rows), now)
    years = list(range(commune.campaign_start.year, now.year + 1))
    done = request.query_params.get("done", "")
    context = {
        "commune": commune,
        "indicators": PERIOD_INDICATORS,
        "targets": config.targets,
        "latest": latest,
        "shown": shown,
        "close_margin": config.close_margin,
        "history": rows,
        "years": years,
        "form": form or {"year": str(now.year), "quarter": str((now.month - 1) // 3 + 1)},
        "issues": {i.field: i for i in issues or []},
        "done": done if done in DONE and not issues else "",
        "today": now,
        "moment": moments(commune),
    }
    return page(request, "figures.html", lang, context, status=status, identity=me)


@router.get("/figures")
def figures_page(request: Request, me: StaffDep, lang: LangDep, session: SessionDep) -> Any:
    return _render(request, me, lang, session)


@router.post("/figures")
def enter_figure(
    request: Request,
    me: StaffDep,
    lang: LangDep,
    session: SessionDep,
    csrf: Text = "",
    indicator: Text = "",
    year: Text = "",
    quarter: Text = "",
    numerator: Text = "",
    denominator: Text = "",
    source: Text = "",
) -> Any:
    """One figure; entering an indicator's period again corrects it (the first stays in the
    history). A refused entry is shown again as typed, each problem on its field."""
    staff.check_csrf(me, csrf)
    staff.require_admin(me)
    commune = _commune(session, me)
    period = year.strip()[:4] + (f"-Q{quarter.strip()[:1]}" if quarter.strip() not in ("", "year") else "")
    form = {
        "indicator": indicator[:40],
        "year": year[:4],
        "quarter": quarter[:4],
        "numerator": numerator[:20],
        "denominator": denominator[:20],
        "source": source[:600],
    }
    before = figures.current(session, commune.code)
    try:
        row = figures.enter(
            session,
            commune,
            indicator=indicator[:40],
            period=period,
            numerator=numerator[:20],
            denominator=denominator[:20],
            source=source[:600],
            staff_user_id=me.user_id,
            now=request.app.state.clock(),
            today=today(request, commune),
        )
    except figures.FigureRefused as refused:
        return _render(request, me, lang, session, form=form, issues=refused.issues, status=422)
    session.commit()
    corrected = (row.indicator, Period.parse(row.period)) in before
    return RedirectResponse(f"{PREFIX}/figures?done={'corrected' if corrected else 'entered'}#latest", status_code=303)


@router.post("/figures/withdraw")
def withdraw_figure(
    request: Request,
    me: StaffDep,
    session: SessionDep,
    csrf: Text = "",
    indicator: Text = "",
    period: Text = "",
) -> Any:
    """Take back a figure entered by mistake; entering it again puts it back."""
    staff.check_csrf(me, csrf)
    staff.require_admin(me)
    commune = _commune(session, me)
    taken = figures.withdraw(
        session,
        commune,
        indicator=indicator[:40],
        period=period[:10],
        staff_user_id=me.user_id,
        now=request.app.state.clock(),
    )
    session.commit()
    return RedirectResponse(
        f"{PREFIX}/figures?done={'withdrawn' if taken else 'nothing_to_withdraw'}#latest", status_code=303
    )


@router.post("/figures/restore")
def restore_figure(request: Request, me: StaffDep, session: SessionDep, csrf: Text = "", entry: Text = "") -> Any:
    """Undo a withdrawal from the history: the figure counts again with its values."""
    staff.check_csrf(me, csrf)
    staff.require_admin(me)
    commune = _commune(session, me)
    entry_id = int(entry) if entry.isascii() and entry.isdigit() and len(entry) <= 12 else -1
    done = figures.restore(session, commune, entry_id=entry_id, staff_user_id=me.user_id, now=request.app.state.clock())
    session.commit()
    return RedirectResponse(
        f"{PREFIX}/figures?done={'restored' if done else 'nothing_to_restore'}#history", status_code=303
    )


@router.get("/figures/withdraw")
@router.get("/figures/restore")
def _withdraw_by_get() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/figures", status_code=303)
