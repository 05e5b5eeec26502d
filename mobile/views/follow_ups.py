"""Cần hỗ trợ: who needs what next in one hamlet, from the checklist's gaps."""

from __future__ import annotations

import flet as ft
from i18n import t
from state import member_label

from survey import checklist as checklists

from .context import Ctx
from .home import navigation
from .widgets import title

SHOWN = 120  # households per screen: enough for a day's round, light on a cheap phone


async def build(ctx: Ctx, hamlet_id: str | None = None) -> ft.View:
    lang, state = ctx.lang, ctx.state
    hamlets = await ctx.io(state.repo.hamlets)
    chosen = next((h for h in hamlets if h.id == hamlet_id), hamlets[0] if hamlets else None)
    items = await ctx.io(state.follow_up_list, chosen.id) if chosen else []
    definition = checklists.current()
    body: list[ft.BaseControl] = [title(t("follow_ups_nav", lang))]
    if len(hamlets) > 1:
        body.append(
            ft.Semantics(
                identifier="follow-up-hamlet",
                label=f"{t('hamlet', lang)}: {chosen.name if chosen else ''}",
                content=ft.Dropdown(
                    label=t("hamlet", lang),
                    value=chosen.id if chosen else None,
                    text_size=18,
                    options=[ft.DropdownOption(key=h.id, text=h.name) for h in hamlets],
                    on_select=lambda e: ctx.go(f"/follow-ups/{e.control.value}"),
                ),
            )
        )
    route = f"/follow-ups/{chosen.id}" if hamlet_id and chosen else "/follow-ups"
    household_id, households = None, 0
    for item in items:
        if item.household.id != household_id:
            household_id = item.household.id
            households += 1
            if households > SHOWN:
                body.append(ft.Text(t("more_follow_ups", lang), size=14))
                break
            body.append(
                ft.TextButton(
                    item.household.head_name,
                    key=f"follow-up:{household_id}",
                    style=ft.ButtonStyle(text_style=ft.TextStyle(size=17)),
                    on_click=lambda _, h=household_id: ctx.go(f"/household/{h}?from={route}"),
                )
            )
        who = f" ({member_label(item.member, lang)})" if item.member else ""
        body.append(ft.Text("   • " + definition.catalogue_label(item.follow_up.code, lang) + who, size=15))
    if not items:
        body.append(ft.Text(t("no_follow_ups", lang), size=16))
    return ft.View(
        route=route,
        appbar=ft.AppBar(title=ft.Text(t("follow_ups_nav", lang)), automatically_imply_leading=False),
        controls=body,
        scroll=ft.ScrollMode.AUTO,
        navigation_bar=navigation(ctx, 1),
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,  # the picker's whole width: no name cut
    )
