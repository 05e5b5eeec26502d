"""Sync: send what waits, see each record's result, fix what the server refused."""

from __future__ import annotations

import asyncio

import flet as ft

from i18n import t
from survey.errors import message
from survey.records import Household

from .context import Ctx
from .home import when_text
from .widgets import big_button, title


async def build(ctx: Ctx) -> ft.View:
    lang, state = ctx.lang, ctx.state
    waiting, last, rejected, enrolment = await ctx.io(
        lambda: (state.waiting_to_sync(), state.last_sync, state.rejected_records(), state.enrolment))
    status = ft.Text(t("waiting_sync", lang, count=waiting), size=18, key="sync-waiting")
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
    body: list[ft.Control] = [
        title(t("sync_title", lang)), ft.Text(server, size=14), status,
        ft.Text(when_text(last, lang), size=14, color=ft.Colors.GREY_700),
        button, progress, outcome,
    ]
    if rejected:
        body.append(ft.Text(t("rejected_title", lang), size=18, weight=ft.FontWeight.BOLD))
        for record in rejected:
            body.append(rejected_row(ctx, record))
    return ft.View(route="/sync", appbar=ft.AppBar(title=ft.Text(t("sync_title", lang))),
                   controls=body, scroll=ft.ScrollMode.AUTO)


def report_texts(report, lang: str) -> list[ft.Control]:
    """What the last sync did, in words: it stays on screen until the next sync."""
    if report is None:
        return []
    if report.error is not None:
        return [ft.Text(message(report.error.code, lang, **report.error.context), color=ft.Colors.RED_700, size=16)]
    return [ft.Text(t("sync_done", lang, accepted=report.accepted + report.duplicate, rejected=report.rejected,
                      roster=report.roster_households), size=16, key="sync-report")]


def rejected_row(ctx: Ctx, record) -> ft.Control:
    """A refused record stays on the phone, with the server's reason and a way to fix it."""
    lang = ctx.lang
    rejection = record.rejection or {}
    reason = message(rejection.get("code", "server_error"), lang, **rejection.get("context", {}))
    if isinstance(record, Household):
        what, target = record.head_name, f"/household/{record.id}"

        async def fix(_: ft.Event) -> None:
            ctx.go(target)
    else:
        what = t("visit_of", lang, when=record.visited_at[:10])

        async def fix(_: ft.Event) -> None:
            wizard = await ctx.io(ctx.state.fix_rejected_visit, record.id)
            ctx.go(f"/visit/{wizard.draft_key}")
    return ft.Card(content=ft.Container(padding=12, content=ft.Column([
        ft.Text(what, size=16, weight=ft.FontWeight.BOLD),
        ft.Text(reason, size=15, color=ft.Colors.RED_700),
        ft.TextButton(t("fix", lang), icon=ft.Icons.EDIT, on_click=fix),
    ])))
