"""A household: who lives there, its visits, what it still needs, and "new visit"."""

from __future__ import annotations

import flet as ft

from i18n import t
from state import member_label
from survey import checklist as checklists
from survey.errors import message
from survey.records import Status, Visit, parse_time

from .context import Ctx
from .widgets import big_button, title


def visit_line(visit: Visit, lang: str) -> ft.Control:
    definition = checklists.load(visit.checklist_version)
    outcome = next((o.label.text(lang) for o in definition.outcomes if o.value == visit.outcome), visit.outcome or "")
    when = parse_time(visit.visited_at).astimezone().strftime("%d/%m/%Y")
    if visit.status is Status.SYNCED:
        sync = t("synced", lang)
    elif visit.status is Status.REJECTED and visit.rejection:
        sync = t("rejected", lang, reason=message(visit.rejection["code"], lang, **visit.rejection.get("context", {})))
    else:
        sync = t("waiting", lang)
    return ft.Text(f"{when}: {outcome} ({sync})", size=15)


async def build(ctx: Ctx, household_id: str) -> ft.View:
    lang = ctx.lang
    detail = await ctx.io(ctx.state.household_detail, household_id)
    route = f"/household/{household_id}"
    if detail is None:
        return ft.View(route=route, appbar=ft.AppBar(title=ft.Text("")), controls=[ft.Text(t("not_found", lang))])
    household = detail.household
    members = {m.id: m for m in detail.members}
    definition = checklists.current()

    async def visit(_: ft.Event) -> None:
        wizard = await ctx.io(ctx.state.start_visit, household_id)
        ctx.go(f"/visit/{wizard.draft_key}")

    needs = [
        ft.Text("• " + definition.catalogue_label(f.code, lang)
                + (f" ({member_label(members[f.member_id], lang)})" if f.member_id in members else ""), size=15)
        for f in detail.follow_ups
    ]
    return ft.View(
        route=route,
        appbar=ft.AppBar(title=ft.Text(household.head_name)),
        scroll=ft.ScrollMode.AUTO,
        controls=[
            title(household.head_name),
            ft.Text(household.address, size=16),
            *([ft.Text(household.phone, size=16)] if household.phone else []),
            big_button(t("continue_visit" if detail.draft_key else "new_visit", lang), visit,
                       icon=ft.Icons.ASSIGNMENT, key="start-visit"),
            ft.Text(t("members", lang), size=18, weight=ft.FontWeight.BOLD),
            *([ft.Text("• " + member_label(m, lang), size=15) for m in detail.members]
              or [ft.Text(t("none_yet", lang), size=15)]),
            ft.Text(t("open_follow_ups", lang), size=18, weight=ft.FontWeight.BOLD),
            *(needs or [ft.Text(t("none_yet", lang), size=15)]),
            ft.Text(t("visits", lang), size=18, weight=ft.FontWeight.BOLD),
            *([visit_line(v, lang) for v in detail.visits] or [ft.Text(t("none_yet", lang), size=15)]),
        ],
    )
