"""First run: language, then enrol with the commune's server or try the demo commune."""

from __future__ import annotations

import flet as ft
from i18n import t

from .context import Ctx
from .widgets import big_button, issue_texts, title


async def build(ctx: Ctx) -> ft.View:
    lang = ctx.lang

    def pick_language(code: str):
        async def handler(_: ft.Event) -> None:
            await ctx.io(ctx.state.set_language, code)
            await ctx.rerender()

        return handler

    async def demo(_: ft.Event) -> None:
        await ctx.io(ctx.state.use_demo)
        if (ctx.page.route or "/") == "/":
            # The welcome screen is drawn on "/" itself: pushing "/" again is no route change
            # for a real client, so nothing would redraw. Redraw here instead.
            await ctx.rerender()
        else:
            ctx.go("/")

    return ft.View(
        route="/welcome",
        appbar=ft.AppBar(title=ft.Text(t("app_title", lang)), automatically_imply_leading=False),
        scroll=ft.ScrollMode.AUTO,
        controls=[
            title(t("welcome", lang)),
            ft.Text(t("choose_language", lang), size=18),
            ft.Row(
                [
                    big_button("Tiếng Việt", pick_language("vi"), primary=lang == "vi"),
                    big_button("English", pick_language("en"), primary=lang == "en"),
                ],
                wrap=True,
            ),
            ft.Divider(),
            ft.Text(t("start_how", lang), size=18),
            big_button(t("enrol", lang), lambda _: ctx.go("/enrol"), icon=ft.Icons.QR_CODE),
            big_button(t("try_demo", lang), demo, icon=ft.Icons.SCHOOL, primary=False),
        ],
    )


async def build_enrol(ctx: Ctx) -> ft.View:
    lang = ctx.lang
    current = await ctx.io(lambda: ctx.state.enrolment) or {}
    url = ft.TextField(
        label=t("server_url", lang),
        value=current.get("server_url", ""),
        text_size=18,
        keyboard_type=ft.KeyboardType.URL,
    )
    code = ft.TextField(label=t("enrol_code", lang), value=current.get("code", ""), text_size=18)
    messages = ft.Column()

    async def submit(_: ft.Event) -> None:
        messages.controls = [ft.ProgressRing(), ft.Text(t("enrolling", lang), size=16)]
        messages.update()
        issues = await ctx.network(ctx.state.enrol, url.value or "", code.value or "")
        offline = [i for i in issues if i.code in ("network_unreachable", "network_timeout")]
        if offline and current.get("status") != "enrolled":  # the code is kept: the app enrols at the next sync
            messages.controls = [ft.Text(t("enrol_saved", lang), size=16)]
            messages.update()
            ctx.go("/")
            return
        messages.controls = issue_texts(issues, lang) or [ft.Text(t("enrolled_ok", lang), size=16)]
        messages.update()
        if not issues:
            await ctx.network(ctx.state.sync_now)  # the roster of the volunteer's hamlets
            ctx.go("/")

    return ft.View(
        route="/enrol",
        appbar=ft.AppBar(title=ft.Text(t("enrol", lang))),
        controls=[url, code, messages, big_button(t("save", lang), submit)],
    )
