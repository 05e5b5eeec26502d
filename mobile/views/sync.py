"""Sync: send what waits, see each record's result, fix what the server refused."""

from __future__ import annotations

import asyncio

import flet as ft
from i18n import t
from state import RejectedItem

from survey.errors import message
from survey.records import Visit

from .context import Ctx
from .home import when_text
from .widgets import big_button, clock_banner, day_text, title


async def build(ctx: Ctx) -> ft.View:
    lang, state = ctx.lang, ctx.state
    waiting, last, rejected, enrolment, notices, clock = await ctx.io(
        lambda: (
            state.waiting_to_sync(),
            state.last_sync,
            state.rejected_items(),
            state.enrolment,
            state.last_sync_notices(),
            state.clock_issue(),
        )
    )
    status = ft.Text(t("waiting_sync", lang, count=waiting), size=18, key="sync-waiting")
    refused = (
        [ft.Text(t("refused_count", lang, count=len(rejected)), size=16, color=ft.Colors.RED_700, key="sync-refused")]
        if rejected
        else []
    )
    progress = ft.ProgressBar(value=0, visible=False, height=10)
    outcome = ft.Column()

    async def run(_: ft.Event) -> None:
        button.disabled, progress.visible, progress.value = True, True, None
        outcome.controls = [ft.Text(t("syncing", lang), size=16)]
        ctx.page.update()

        loop = asyncio.get_running_loop()

        async def show_progress(value: float) -> None:
            progress.value = value
            progress.update()

        def moved(done: int, total: int) -> None:
            # called from the worker thread: the update itself runs on the event loop
            asyncio.run_coroutine_threadsafe(show_progress(done / total if total else 1.0), loop)

        await ctx.network(state.sync_now, moved)
        await ctx.rerender()  # counts, refusals and the report (kept by the state) redrawn together

    outcome.controls = report_texts(state.last_report, lang)
    button = big_button(t("sync_now", lang), run, icon=ft.Icons.SYNC, key="sync-now")
    server = (enrolment or {}).get("server_url") or t("not_enrolled", lang)
    body: list[ft.BaseControl] = [title(t("sync_title", lang))]
    if clock is not None:
        body.append(clock_banner(clock, lang))
    body += [
        ft.Text(server, size=14),
        status,
        *refused,
        ft.Text(when_text(last, lang, state.config.zone), size=14, color=ft.Colors.GREY_700),
        button,
        progress,
        outcome,
    ]
    if notices:
        body.append(ft.Text(t("conflicts_title", lang), size=18, weight=ft.FontWeight.BOLD))
        body += [
            ft.Text("• " + n.text(lang), size=15, color=ft.Colors.AMBER_900, key=f"conflict:{n.household_id}")
            for n in notices
        ]
    if rejected:
        body.append(ft.Text(t("rejected_title", lang), size=18, weight=ft.FontWeight.BOLD))
        for item in rejected:
            body.append(rejected_row(ctx, item))
    return ft.View(
        route="/sync", appbar=ft.AppBar(title=ft.Text(t("sync_title", lang))), controls=body, scroll=ft.ScrollMode.AUTO
    )


def report_texts(report, lang: str) -> list[ft.Control]:
    """What the last sync did, in words: it stays on screen until the next sync. Records the
    server already had or kept another version of are never counted as sent."""
    if report is None:
        return []
    if report.error is not None:
        return [ft.Text(message(report.error.code, lang, **report.error.context), color=ft.Colors.RED_700, size=16)]
    return [
        ft.Text(
            t(
                "sync_done",
                lang,
                accepted=report.accepted,
                duplicate=report.duplicate,
                conflict=report.conflict,
                rejected=report.rejected,
                roster=report.roster_households,
            ),
            size=16,
            key="sync-report",
        )
    ]


def rejected_row(ctx: Ctx, item: RejectedItem) -> ft.Control:
    """A refused record stays on the phone: whose it is, why in plain words, what to do, and
    the button that does it."""
    lang, record = ctx.lang, item.record
    if item.fix == "visit_household":  # refused with its household: the household is what to fix
        assert isinstance(record, Visit)  # RejectedItem: this fix is a visit's
        what = t("visit_of", lang, name=item.head_name, when=day_text(record.visited_at, ctx.state.config.zone))

        async def fix(_: ft.Event) -> None:
            ctx.go(f"/household/{record.household_id}/edit")
    elif item.fix in ("visit", "visit_time"):
        assert isinstance(record, Visit)  # RejectedItem: this fix is a visit's
        what = t("visit_of", lang, name=item.head_name, when=day_text(record.visited_at, ctx.state.config.zone))

        async def fix(_: ft.Event) -> None:
            wizard = await ctx.io(ctx.state.fix_rejected_visit, record.id)
            ctx.go(f"/visit/{wizard.draft_key}")
    elif item.fix == "household_time":
        what = t("household_label", lang, name=item.head_name)

        async def fix(_: ft.Event) -> None:
            fixed, issues = await ctx.io(ctx.state.fix_household_time, record.id)
            if fixed is None:
                ctx.snack(issues[0].message(lang) if issues else t("not_found", lang))
                return
            ctx.snack(t("fixed_time", lang))
            ctx.saved()
            await ctx.rerender()
    else:
        what = t("household_label", lang, name=item.head_name)

        async def fix(_: ft.Event) -> None:
            ctx.go(f"/household/{record.id}/edit")

    return ft.Card(
        key=f"rejected:{record.id}",
        content=ft.Container(
            padding=12,
            content=ft.Column(
                [
                    ft.Text(what, size=16, weight=ft.FontWeight.BOLD),
                    ft.Text(item.reason(lang), size=15, color=ft.Colors.RED_700),
                    ft.Text(item.hint(lang), size=15),
                    ft.FilledButton(
                        t("fix_time" if item.fix == "household_time" else "fix", lang),
                        icon=ft.Icons.EDIT,
                        on_click=fix,
                        style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=20, vertical=14)),
                    ),
                ]
            ),
        ),
    )
