"""First run: language, then enrol with the commune's server or try the demo commune."""

from __future__ import annotations

import flet as ft
from i18n import t
from state import enrolment_link

from .context import Ctx
from .widgets import big_button, issue_texts, title, warning_box


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
    """The server address and the one-time code, typed, pasted as a whole link, or filled
    from the QR's link that opened the app. On a phone that is enrolled already, enrolling
    again is an explicit choice, warned about first; a refused code changes nothing."""
    lang, state = ctx.lang, ctx.state
    current, enrolled, waiting = await ctx.io(lambda: (state.enrolment or {}, state.enrolled, state.waiting_to_sync()))
    link, ctx.enrol_link = ctx.enrol_link, None
    server_value, code_value = link if link else (current.get("server_url", ""), current.get("code", ""))
    if enrolled and not link:
        code_value = ""  # the code already used is spent: a new enrolment needs a new one
    url = ft.TextField(
        label=t("server_url", lang),
        value=server_value,
        text_size=18,
        keyboard_type=ft.KeyboardType.URL,
        key="enrol-server",
    )
    code = ft.TextField(label=t("enrol_code", lang), value=code_value, text_size=18, key="enrol-code")
    messages = ft.Column()

    def pasted(e: ft.Event) -> None:
        """A whole enrolment link pasted into either field fills both."""
        found = enrolment_link(e.control.value or "")
        if found is not None:
            url.value, code.value = found
            messages.controls = [ft.Text(t("link_filled", lang), size=16)]
            ctx.page.update()

    url.on_change = code.on_change = pasted

    async def enrol_now() -> None:
        messages.controls = [ft.ProgressRing(), ft.Text(t("enrolling", lang), size=16)]
        messages.update()
        found = enrolment_link(code.value or "") or enrolment_link(url.value or "")
        server_text, code_text = found if found else (url.value or "", code.value or "")
        issues = await ctx.network(state.enrol, server_text, code_text)
        offline = [i for i in issues if i.code in ("network_unreachable", "network_timeout")]
        if offline and not enrolled:  # the code is kept: the app enrols at the next sync
            messages.controls = [ft.Text(t("enrol_saved", lang), size=16)]
            messages.update()
            ctx.go("/")
            return
        if issues and enrolled:
            issues_shown = [
                *issue_texts(issues, lang),
                ft.Text(t("still_enrolled", lang), size=16, key="still-enrolled"),
            ]
        else:
            issues_shown = issue_texts(issues, lang)
        messages.controls = issues_shown or [ft.Text(t("enrolled_ok", lang), size=16)]
        messages.update()
        if not issues:
            await ctx.network(state.sync_now)  # the roster of the volunteer's hamlets
            ctx.go("/")

    async def submit(_: ft.Event) -> None:
        if not enrolled:
            await enrol_now()
            return

        async def confirmed(_: ft.Event) -> None:
            ctx.page.pop_dialog()
            await enrol_now()

        ctx.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(t("re_enrol_title", lang)),
                content=ft.Text(t("re_enrol_body", lang, url=current.get("server_url", ""), count=waiting), size=16),
                actions=[
                    ft.TextButton(t("cancel", lang), on_click=lambda _: ctx.page.pop_dialog(), key="re-enrol-cancel"),
                    ft.FilledButton(t("re_enrol_confirm", lang), on_click=confirmed, key="re-enrol-confirm"),
                ],
                actions_alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            )
        )

    warning = (
        [
            warning_box(
                t("re_enrol_warning", lang, url=current.get("server_url", ""))
                + (" " + t("re_enrol_unsent", lang, count=waiting) if waiting else ""),
                key="re-enrol-warning",
            ),
        ]
        if enrolled
        else []
    )
    return ft.View(
        route="/enrol",
        appbar=ft.AppBar(title=ft.Text(t("re_enrol" if enrolled else "enrol", lang))),
        scroll=ft.ScrollMode.AUTO,
        controls=[
            *warning,
            ft.Text(t("enrol_how", lang), size=16),
            url,
            code,
            messages,
            big_button(t("re_enrol" if enrolled else "enrol_submit", lang), submit, key="enrol-submit"),
        ],
    )
