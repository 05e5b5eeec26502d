"""Settings: language, adult age used in counts, sync mode, server, backup export."""

from __future__ import annotations

import flet as ft
from i18n import t
from state import ADULT_AGES, SYNC_MODES

from .context import Ctx
from .home import navigation
from .widgets import big_button, title


def dropdown(identifier: str, label: str, value: str, options: list[tuple[str, str]], on_select) -> ft.Control:
    # Dropdowns have no accessible label of their own: give it the field's label and the chosen
    # option (what a screen reader says), and an identifier for browser tests.
    chosen = dict(options).get(value, "")
    return ft.Semantics(
        identifier=identifier,
        label=f"{label}: {chosen}",
        content=ft.Dropdown(
            label=label,
            value=value,
            on_select=on_select,
            text_size=18,
            options=[ft.DropdownOption(key=k, text=v) for k, v in options],
        ),
    )


async def build(ctx: Ctx) -> ft.View:
    lang, state = ctx.lang, ctx.state
    local_age, commune_age, mode, enrolment = await ctx.io(
        lambda: (state.local_adult_age, state.commune_adult_age, state.sync_mode, state.enrolment)
    )

    async def language(e: ft.Event) -> None:
        await ctx.io(state.set_language, e.control.value)
        await ctx.rerender()

    async def age(e: ft.Event) -> None:
        chosen = e.control.value
        await ctx.io(state.set_adult_age, None if chosen == "commune" else int(chosen))

    async def sync(e: ft.Event) -> None:
        await ctx.io(state.set_sync_mode, e.control.value)

    async def backup(_: ft.Event) -> None:
        """Save the backup where the volunteer chooses (the system's save dialog); where the
        client has no such dialog, into the app's folder, and say where."""
        name, data = await ctx.io(state.backup_bytes)
        try:
            where = await ft.FilePicker().save_file(file_name=name, src_bytes=data, allowed_extensions=["json"])
        except Exception:  # no save dialog on this client: keep it in the app's own folder
            path = await ctx.io(state.export_backup)
            ctx.snack(t("backup_done", lang, path=str(path)))
            return
        if where is None and not ctx.page.web:
            ctx.snack(t("backup_cancelled", lang))
            return
        ctx.snack(t("backup_saved", lang, name=name))

    async def share(_: ft.Event) -> None:
        """Hand the backup to another app (Zalo, e-mail, Drive): off the phone in one step."""
        name, data = await ctx.io(state.backup_bytes)
        try:
            await ft.Share().share_files(
                [ft.ShareFile(data=data, name=name, mime_type="application/json")], subject=name
            )
        except Exception:
            ctx.snack(t("share_unavailable", lang))

    async def restore(_: ft.Event) -> None:
        """Bring a backup onto this phone: what it holds that the phone has not, nothing twice."""
        try:
            files = await ft.FilePicker().pick_files(allowed_extensions=["json"], with_data=True)
        except Exception:
            ctx.snack(t("pick_unavailable", lang))
            return
        if not files or files[0].bytes is None:
            return
        counts, issues = await ctx.io(state.restore_backup, files[0].bytes)
        if counts is None:
            ctx.snack(issues[0].message(lang))
            return
        ctx.snack(t("restored_backup", lang, **counts))
        ctx.saved()

    if enrolment is None:
        server = t("not_enrolled", lang)
    else:
        server = t(
            "enrolled" if enrolment.get("status") == "enrolled" else "enrol_pending",
            lang,
            url=enrolment.get("server_url", ""),
        )
    return ft.View(
        route="/settings",
        appbar=ft.AppBar(title=ft.Text(t("settings_nav", lang)), automatically_imply_leading=False),
        scroll=ft.ScrollMode.AUTO,
        navigation_bar=navigation(ctx, 2),
        controls=[
            title(t("settings_nav", lang)),
            dropdown("language", t("language", lang), lang, [("vi", "Tiếng Việt"), ("en", "English")], language),
            dropdown(
                "adult-age",
                t("adult_age", lang),
                str(local_age) if local_age else "commune",
                [("commune", t("adult_age_commune", lang, age=commune_age))]
                + [(str(a), t("adult_age_local", lang, age=a)) for a in ADULT_AGES],
                age,
            ),
            dropdown("sync-mode", t("sync_mode", lang), mode, [(m, t(f"sync_{m}", lang)) for m in SYNC_MODES], sync),
            ft.Text(t("server", lang), size=18, weight=ft.FontWeight.BOLD),
            ft.Text(server, size=16),
            big_button(
                t("re_enrol" if (enrolment or {}).get("status") == "enrolled" else "enrol", lang),
                lambda _: ctx.go("/enrol"),
                primary=False,
                key="enrol",
            ),
            ft.Text(t("backup_title", lang), size=18, weight=ft.FontWeight.BOLD),
            ft.Text(t("backup_hint", lang), size=15),
            big_button(t("export_backup", lang), backup, icon=ft.Icons.SAVE_ALT, key="backup-save"),
            big_button(t("share_backup", lang), share, icon=ft.Icons.SHARE, primary=False, key="backup-share"),
            big_button(t("restore_backup", lang), restore, icon=ft.Icons.RESTORE, primary=False, key="backup-restore"),
        ],
    )
