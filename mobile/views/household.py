"""A household: who lives there, its visits, what it still needs, and "new visit"."""

from __future__ import annotations

import flet as ft
from i18n import t
from state import member_label

from survey import checklist as checklists
from survey.errors import message
from survey.records import Status, Visit

from .context import Ctx
from .hamlet import household_fields
from .widgets import big_button, clock_banner, day_text, title, warning_box


def visit_line(visit: Visit, lang: str, tz: object) -> ft.Control:
    definition = checklists.load(visit.checklist_version)
    outcome = next((o.label.text(lang) for o in definition.outcomes if o.value == visit.outcome), visit.outcome or "")
    when = day_text(visit.visited_at, tz)
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

    async def restore(_: ft.Event) -> None:
        restored, issues = await ctx.io(ctx.state.restore_household, household_id)
        if restored is None:
            ctx.snack("; ".join(i.message(lang) for i in issues))
            return
        ctx.snack(t("restored", lang))
        ctx.saved()
        await ctx.rerender()

    removed = (
        [
            warning_box(
                t(
                    "household_removed",
                    lang,
                    reason=t(f"removed_{household.removed_reason or 'moved'}", lang),
                    day=day_text(household.removed_at, ctx.state.config.zone),
                ),
                key="household-removed",
            ),
            big_button(t("restore", lang), restore, icon=ft.Icons.UNDO, key="restore-household"),
        ]
        if household.removed_at is not None
        else []
    )
    needs = [
        ft.Text(
            "• "
            + definition.catalogue_label(f.code, lang)
            + (f" ({member_label(members[f.member_id], lang)})" if f.member_id in members else ""),
            size=15,
        )
        for f in detail.follow_ups
    ]
    return ft.View(
        route=route,
        appbar=ft.AppBar(title=ft.Text(household.head_name)),
        scroll=ft.ScrollMode.AUTO,
        controls=[
            title(household.head_name),
            *removed,
            ft.Text(household.address, size=16),
            *([ft.Text(household.phone, size=16)] if household.phone else []),
            big_button(
                t("continue_visit" if detail.draft_key else "new_visit", lang),
                visit,
                icon=ft.Icons.ASSIGNMENT,
                key="start-visit",
            ),
            big_button(
                t("edit_household", lang),
                lambda _: ctx.go(f"{route}/edit"),
                icon=ft.Icons.EDIT,
                primary=False,
                key="edit-household",
            ),
            ft.Text(t("members", lang), size=18, weight=ft.FontWeight.BOLD),
            *(
                [ft.Text("• " + member_label(m, lang), size=15) for m in detail.members]
                or [ft.Text(t("none_yet", lang), size=15)]
            ),
            ft.Text(t("open_follow_ups", lang), size=18, weight=ft.FontWeight.BOLD),
            *(needs or [ft.Text(t("none_yet", lang), size=15)]),
            ft.Text(t("visits", lang), size=18, weight=ft.FontWeight.BOLD),
            *(
                [visit_line(v, lang, ctx.state.config.zone) for v in detail.visits]
                or [ft.Text(t("none_yet", lang), size=15)]
            ),
        ],
    )


async def build_edit(ctx: Ctx, household_id: str) -> ft.View:
    """Put a household's details right (name, address, phone), offline; the change goes to
    the server at the next sync, and a refusal it had is cleared once it is fixed."""
    lang, state = ctx.lang, ctx.state
    household, clock = await ctx.io(lambda: (state.repo.household(household_id), state.clock_issue()))
    route = f"/household/{household_id}/edit"
    if household is None:
        return ft.View(route=route, appbar=ft.AppBar(title=ft.Text("")), controls=[ft.Text(t("not_found", lang))])
    name, address, phone = household_fields(lang, household.head_name, household.address, household.phone)
    messages = ft.Column()
    refused = household.rejection or {}
    reason = (
        [
            ft.Text(
                message(refused.get("code", "server_error"), lang, **refused.get("context", {})),
                size=15,
                color=ft.Colors.RED_700,
            )
        ]
        if refused
        else []
    )

    async def save(_: ft.Event) -> None:
        edited, issues = await ctx.io(
            lambda: state.edit_household(
                household_id, head_name=name.value or "", address=address.value or "", phone=phone.value or ""
            )
        )
        if edited is None:
            messages.controls = [ft.Text(i.message(lang), color=ft.Colors.RED_700, size=16) for i in issues]
            messages.update()
            return
        ctx.snack(t("saved_household", lang))
        ctx.saved()
        ctx.go(f"/household/{household_id}")

    return ft.View(
        route=route,
        appbar=ft.AppBar(title=ft.Text(t("edit_household", lang))),
        scroll=ft.ScrollMode.AUTO,
        controls=[
            title(household.head_name),
            *([clock_banner(clock, lang)] if clock else []),
            *reason,
            name,
            address,
            phone,
            messages,
            big_button(t("save", lang), save, icon=ft.Icons.SAVE, key="save-household"),
        ],
    )
