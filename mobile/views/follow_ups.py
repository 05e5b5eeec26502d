"""Cần hỗ trợ: who needs what next, hamlet by hamlet, from the checklist's gaps."""

from __future__ import annotations

import flet as ft

from i18n import t
from state import member_label
from survey import checklist as checklists

from .context import Ctx
from .home import navigation
from .widgets import title


async def build(ctx: Ctx) -> ft.View:
    lang = ctx.lang
    items = await ctx.io(ctx.state.follow_up_list)
    definition = checklists.current()
    body: list[ft.Control] = [title(t("follow_ups_nav", lang))]
    hamlet_id = household_id = None
    for item in items:
        if item.hamlet.id != hamlet_id:
            hamlet_id = item.hamlet.id
            body.append(ft.Text(item.hamlet.name, size=20, weight=ft.FontWeight.BOLD))
        if item.household.id != household_id:
            household_id = item.household.id
            body.append(ft.TextButton(item.household.head_name, key=f"follow-up:{household_id}",
                                      style=ft.ButtonStyle(text_style=ft.TextStyle(size=17)),
                                      on_click=lambda _, h=household_id: ctx.go(f"/household/{h}")))
        who = f" ({member_label(item.member, lang)})" if item.member else ""
        body.append(ft.Text("   • " + definition.catalogue_label(item.follow_up.code, lang) + who, size=15))
    if not items:
        body.append(ft.Text(t("no_follow_ups", lang), size=16))
    return ft.View(route="/follow-ups", appbar=ft.AppBar(title=ft.Text(t("follow_ups_nav", lang))),
                   controls=body, scroll=ft.ScrollMode.AUTO, navigation_bar=navigation(ctx, 1))
