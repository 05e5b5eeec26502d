"""Home: my hamlets with progress against the main targets, sync status, offline badge."""

from __future__ import annotations

import flet as ft
from i18n import t
from state import HamletProgress

from .context import Ctx
from .widgets import big_button, clock_banner, demo_banner, moment_text, percent_text, sync_badge, title, warning_box

MAIN_TARGETS = ("adults_ready", "households_guided")


def indicator_text(progress: HamletProgress, indicator: str, lang: str) -> str:
    value = progress.coverage[indicator]
    target = value.target.describe() if value.target else ""
    text = t(indicator if indicator == "adults_ready" else "guided", lang, value=percent_text(value.percent, lang))
    return f"{text} ({t('target', lang, value=target)})"


def hamlet_card(ctx: Ctx, progress: HamletProgress) -> ft.Control:
    """One hamlet: its name, a bar of households visited, and the main targets. Few controls
    (one text holds the lines): home lists every hamlet, and each control costs a cheap phone
    time to draw and send."""
    lang = ctx.lang
    share = progress.visited / progress.total if progress.total else 0.0
    lines = [t("visited_of", lang, visited=progress.visited, total=progress.total)]
    lines += [indicator_text(progress, i, lang) for i in MAIN_TARGETS]
    return ft.Container(
        padding=16,
        border_radius=12,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        on_click=lambda _: ctx.go(f"/hamlet/{progress.hamlet.id}"),
        key=f"hamlet:{progress.hamlet.id}",
        content=ft.Column(
            spacing=6,
            controls=[
                ft.Text(progress.hamlet.name, size=20, weight=ft.FontWeight.BOLD),
                ft.ProgressBar(value=share, height=10),
                ft.Text("\n".join(lines), size=15),
            ],
        ),
    )


def when_text(iso: str | None, lang: str, tz: object) -> str:
    if not iso:
        return t("never_synced", lang)
    return t("last_sync", lang, when=moment_text(iso, tz))


def navigation(ctx: Ctx, selected: int) -> ft.NavigationBar:
    routes = ("/", "/follow-ups", "/settings")

    def chose(e: ft.Event) -> None:
        ctx.go(routes[int(e.control.selected_index)])

    return ft.NavigationBar(
        selected_index=selected,
        on_change=chose,
        destinations=[
            ft.NavigationBarDestination(icon=ft.Icons.HOME, label=t("home_nav", ctx.lang)),
            ft.NavigationBarDestination(icon=ft.Icons.VOLUNTEER_ACTIVISM, label=t("follow_ups_nav", ctx.lang)),
            ft.NavigationBarDestination(icon=ft.Icons.SETTINGS, label=t("settings_nav", ctx.lang)),
        ],
    )


async def build(ctx: Ctx) -> ft.View:
    state = ctx.state
    progress, counts, last_sync, demo, clock, ages, attempt, enrolment, refused_access = await ctx.io(
        lambda: (
            state.hamlet_progress(),
            state.sync_counts(),
            state.last_sync,
            state.is_demo,
            state.clock_issue(),
            (state.local_adult_age, state.commune_adult_age),
            state.last_attempt(),
            state.enrolment,
            state.access_refused(),
        )
    )
    waiting, refused = counts["complete"], counts["rejected"]
    lang = ctx.lang
    body: list[ft.BaseControl] = []
    if demo:
        body.append(demo_banner(lang))
    if clock is not None:
        body.append(clock_banner(clock, lang))
    if refused_access is not None:  # the server will not take this phone's records until staff act
        body.append(warning_box(refused_access.message(lang), key="sync-refused"))
    if enrolment is not None and enrolment.get("status") == "pending":  # a code kept for when the server answers
        body.append(warning_box(t("enrol_waiting", lang, url=enrolment.get("server_url", "")), key="enrol-waiting"))
        body.append(big_button(t("enrol", lang), lambda _: ctx.go("/enrol"), primary=False, key="enrol-again"))
    body += [
        ft.Row(
            [title(t("my_hamlets", lang)), sync_badge(ctx.online, attempt, lang, state.config.zone)],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            wrap=True,
        ),
        ft.ListTile(
            title=ft.Text(t("waiting_sync", lang, count=waiting), size=16, key="waiting"),
            subtitle=ft.Text(when_text(last_sync, lang, state.config.zone), size=14),
            leading=ft.Icon(ft.Icons.SYNC),
            on_click=lambda _: ctx.go("/sync"),
        ),
    ]
    if refused:
        body.append(
            ft.ListTile(
                title=ft.Text(t("refused_count", lang, count=refused), size=16, color=ft.Colors.RED_700, key="refused"),
                leading=ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.RED_700),
                on_click=lambda _: ctx.go("/sync"),
            )
        )
    local_age, commune_age = ages
    if local_age and local_age != commune_age:  # figures counted otherwise than the commune's: say so
        body.append(
            ft.Text(
                t("adult_age_differs", lang, age=local_age, commune=commune_age),
                size=14,
                color=ft.Colors.AMBER_900,
                key="adult-age-differs",
            )
        )
    body += [hamlet_card(ctx, p) for p in progress] or [ft.Text(t("empty_store", lang), size=18)]
    return ft.View(
        route="/",
        appbar=ft.AppBar(
            title=ft.Text(t("app_title", lang)),
            automatically_imply_leading=False,
        ),
        controls=body,
        scroll=ft.ScrollMode.AUTO,
        navigation_bar=navigation(ctx, 0),
    )
