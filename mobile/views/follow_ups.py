"""Cần hỗ trợ: who needs what next in one hamlet, from the checklist's gaps."""

from __future__ import annotations

import flet as ft
from i18n import t
from state import FollowUpItem, member_label

from survey import checklist as checklists

from .context import Ctx
from .home import navigation
from .widgets import big_button, title

PAGE = 25  # households drawn at a time: enough for a day's round, light on a cheap phone


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
    # one entry per household: its name (a button to open it) and its needs in one text
    groups: list[tuple[FollowUpItem, list[str]]] = []
    for item in items:
        who = f" ({member_label(item.member, lang)})" if item.member else ""
        line = "• " + definition.catalogue_label(item.follow_up.code, lang) + who
        if groups and groups[-1][0].household.id == item.household.id:
            groups[-1][1].append(line)
        else:
            groups.append((item, [line]))
    if groups:
        body.append(ft.Text(t("follow_ups_count", lang, households=len(groups), needs=len(items)), size=16))
    listing = ft.Column(spacing=4)

    def entries(start: int) -> list[ft.Control]:
        shown: list[ft.Control] = []
        for item, lines in groups[start : start + PAGE]:
            shown.append(
                ft.TextButton(
                    item.household.head_name,
                    key=f"follow-up:{item.household.id}",
                    style=ft.ButtonStyle(text_style=ft.TextStyle(size=17)),
                    on_click=lambda _, h=item.household.id: ctx.go(f"/household/{h}?from={route}"),
                )
            )
            shown.append(ft.Text("\n".join(lines), size=15))
        if start + PAGE < len(groups):
            left = len(groups) - start - PAGE
            shown.append(
                big_button(
                    t("more_households", lang, count=min(PAGE, left), left=left),
                    lambda _, at=start + PAGE: more(at),
                    icon=ft.Icons.EXPAND_MORE,
                    primary=False,
                    key="more-follow-ups",
                )
            )
        return shown

    def more(start: int) -> None:
        listing.controls = listing.controls[:-1] + entries(start)  # the button gives way to the next page
        listing.update()

    listing.controls = entries(0)
    body.append(listing)
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
