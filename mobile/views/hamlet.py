"""A hamlet's households: diacritic-insensitive search, filters, add a household."""

from __future__ import annotations

from typing import Any

import flet as ft
from i18n import t
from state import FILTERS, row_state

from storage import HouseholdRow
from survey.shape import FIELD_LIMITS

from .context import Ctx
from .widgets import big_button, clock_banner, title

PAGE = 40  # households drawn at a time: a longer list is slow to draw on a cheap phone


def household_tile(ctx: Ctx, row: HouseholdRow) -> ft.Control:
    household, summary = row.household, row.summary
    detail = t(f"state_{row_state(row)}", ctx.lang)
    if summary.follow_ups:
        detail += f" · {t('filter_follow_up', ctx.lang)}: {len(summary.follow_ups)}"
    return ft.ListTile(
        title=ft.Text(household.head_name, size=18),
        subtitle=ft.Text(f"{household.address}\n{detail}" if household.address else detail, size=14),
        on_click=lambda _: ctx.go(f"/household/{household.id}"),
        key=f"household:{household.id}",
    )


def filter_button(ctx: Ctx, name: str, chosen: bool, on_choose) -> ft.Control:
    """One filter of the hamlet list: a full-size button (≥ 48 dp), the chosen one filled and
    announced as selected; the filters wrap onto a second line rather than shrink."""
    label = t(f"filter_{name}", ctx.lang)
    style = ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=14, vertical=16), text_style=ft.TextStyle(size=16))

    async def tapped(_: ft.Event) -> None:
        await on_choose(name)

    button = (ft.FilledButton if chosen else ft.OutlinedButton)(
        label, icon=ft.Icons.CHECK if chosen else None, on_click=tapped, style=style, key=f"filter:{name}"
    )
    return ft.Semantics(selected=chosen, content=button)


def rows_column(ctx: Ctx, rows: list[HouseholdRow], shown: int = PAGE, more: Any = None) -> list[ft.Control]:
    """The first `shown` households, and a button that shows the next page (`more`): a list
    of hundreds is slow to draw on a cheap phone, and search narrows it anyway."""
    if not rows:
        return [ft.Text(t("no_households", ctx.lang), size=16)]
    tiles = [household_tile(ctx, r) for r in rows[:shown]]
    if len(rows) > shown and more is not None:
        tiles.append(
            big_button(
                t("more_households", ctx.lang, count=min(PAGE, len(rows) - shown), left=len(rows) - shown),
                more,
                icon=ft.Icons.EXPAND_MORE,
                primary=False,
                key="more-households",
            )
        )
    return tiles


async def build(ctx: Ctx, hamlet_id: str) -> ft.View:
    lang, state = ctx.lang, ctx.state
    hamlet, rows = await ctx.io(lambda: (state.hamlet(hamlet_id), state.households(hamlet_id)))
    if hamlet is None:
        return ft.View(
            route=f"/hamlet/{hamlet_id}", appbar=ft.AppBar(title=ft.Text("")), controls=[ft.Text(t("not_found", lang))]
        )
    current: dict[str, Any] = {"query": "", "filter": "all", "rows": rows, "shown": PAGE}
    listing = ft.Column(spacing=0)

    async def more(_: ft.Event) -> None:
        """The next page, added under the ones shown (only the new rows are drawn)."""
        shown = current["shown"]
        current["shown"] = shown + PAGE
        listing.controls = listing.controls[:shown] + rows_column(ctx, current["rows"][shown:], PAGE, more)
        listing.update()

    listing.controls = rows_column(ctx, rows, PAGE, more)

    async def refresh() -> None:
        query, chosen = current["query"], current["filter"]
        found = await ctx.io(state.households, hamlet_id, query, chosen)
        if (query, chosen) != (current["query"], current["filter"]):
            return  # the volunteer typed on: a newer search will draw
        current["rows"], current["shown"] = found, PAGE
        listing.controls = rows_column(ctx, found, PAGE, more)
        listing.update()

    async def typed(e: ft.Event) -> None:
        current["query"] = e.control.value or ""
        await refresh()

    filters = ft.Row(wrap=True, spacing=8, run_spacing=8, key="filters")

    def draw_filters() -> None:
        filters.controls = [filter_button(ctx, f, f == current["filter"], filtered) for f in FILTERS]

    async def filtered(chosen: str) -> None:
        current["filter"] = chosen
        draw_filters()
        filters.update()
        await refresh()

    search = ft.TextField(
        label=t("search", lang), prefix_icon=ft.Icons.SEARCH, on_change=typed, text_size=18, key="search"
    )
    draw_filters()
    return ft.View(
        route=f"/hamlet/{hamlet_id}",
        appbar=ft.AppBar(title=ft.Text(hamlet.name)),
        scroll=ft.ScrollMode.AUTO,
        floating_action_button=ft.FloatingActionButton(
            icon=ft.Icons.ADD,
            content=ft.Text(t("add_household", lang)),
            on_click=lambda _: ctx.go(f"/hamlet/{hamlet_id}/new"),
        ),
        controls=[search, filters, listing],
    )


def household_fields(lang: str, head_name: str = "", address: str = "", phone: str = "") -> tuple[ft.TextField, ...]:
    """The household's details as the volunteer types them, limited as the server's rules
    limit them (survey.shape.FIELD_LIMITS): nothing typed here can be refused for length."""
    name = ft.TextField(
        label=t("head_name", lang), value=head_name, text_size=18, autofocus=True, max_length=FIELD_LIMITS["head_name"]
    )
    where = ft.TextField(
        label=t("address", lang),
        value=address,
        text_size=18,
        multiline=True,
        min_lines=1,
        max_lines=4,
        max_length=FIELD_LIMITS["address"],
    )
    number = ft.TextField(
        label=t("phone", lang),
        value=phone,
        text_size=18,
        keyboard_type=ft.KeyboardType.PHONE,
        max_length=FIELD_LIMITS["phone"],
    )
    return name, where, number


async def build_new(ctx: Ctx, hamlet_id: str) -> ft.View:
    """Register a household the roster does not have yet."""
    lang = ctx.lang
    hamlet, clock = await ctx.io(lambda: (ctx.state.hamlet(hamlet_id), ctx.state.clock_issue()))
    name, address, phone = household_fields(lang)
    messages = ft.Column()
    warned: dict[str, tuple[str, ...]] = {}  # the details a likely-duplicate warning was shown for

    async def save(_: ft.Event) -> None:
        typed = (name.value or "", address.value or "", phone.value or "")
        if warned.get("for") != typed:
            same = await ctx.io(lambda: ctx.state.likely_duplicates(hamlet_id, *typed))
            if same:  # say so first; a second tap on the same details adds it anyway
                warned["for"] = typed
                messages.controls = duplicate_warning(ctx, same)
                save_button.content = t("add_anyway", lang)
                ctx.page.update()
                return
        household, issues = await ctx.io(ctx.state.add_household, hamlet_id, *typed)
        if household is None:
            messages.controls = [ft.Text(i.message(lang), color=ft.Colors.RED_700, size=16) for i in issues]
            messages.update()
            return
        ctx.saved()
        ctx.go(f"/household/{household.id}")

    save_button = big_button(t("save", lang), save, icon=ft.Icons.SAVE, key="save-household")

    def edited(_: ft.Event) -> None:
        """Details changed after a likely-duplicate warning: the warning no longer holds."""
        if warned:
            warned.clear()
            messages.controls = []
            save_button.content = t("save", lang)
            ctx.page.update()

    name.on_change = address.on_change = phone.on_change = edited

    return ft.View(
        route=f"/hamlet/{hamlet_id}/new",
        appbar=ft.AppBar(title=ft.Text(t("add_household", lang))),
        scroll=ft.ScrollMode.AUTO,
        controls=[
            title(hamlet.name if hamlet else ""),
            *([clock_banner(clock, lang)] if clock else []),
            name,
            address,
            phone,
            messages,
            save_button,
        ],
    )


def duplicate_warning(ctx: Ctx, same: list) -> list[ft.Control]:
    """ "May be the same as …": each likely duplicate named, with its address and phone, and a
    way to open it; saving again adds the new household anyway."""
    lang = ctx.lang
    controls: list[ft.Control] = [ft.Text(t("maybe_same", lang), size=16, weight=ft.FontWeight.BOLD, key="maybe-same")]
    for home in same:
        details = " · ".join(x for x in (home.address, home.phone) if x)
        controls.append(
            ft.Card(
                content=ft.Container(
                    padding=12,
                    content=ft.Column(
                        [
                            ft.Text(home.head_name, size=18, weight=ft.FontWeight.BOLD),
                            *([ft.Text(details, size=15)] if details else []),
                            big_button(
                                t("open_existing", lang),
                                lambda _, h=home.id: ctx.go(f"/household/{h}"),
                                icon=ft.Icons.OPEN_IN_NEW,
                                primary=False,
                                key=f"open-existing:{home.id}",
                            ),
                        ]
                    ),
                )
            )
        )
    controls.append(ft.Text(t("maybe_same_hint", lang), size=15))
    return controls
