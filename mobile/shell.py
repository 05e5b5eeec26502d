"""The app shell: the route is the single source of truth for which screen shows.

Each route names one screen module; the screens under it are light placeholders, there for
the back arrow and the Android back gesture, and are built for real only when shown.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import flet as ft
from i18n import t
from state import AppState, enrolment_link

from storage import default_data_dir
from storage.owner import StoreInUse
from survey.times import Clock, system_clock
from views import follow_ups, hamlet, home, household, settings, sync, visit, welcome
from views.context import Ctx

Builder = Callable[..., Awaitable[ft.View]]
ROUTES: list[tuple[re.Pattern[str], Builder]] = [
    (re.compile(r"^/$"), home.build),
    (re.compile(r"^/welcome$"), welcome.build),
    (re.compile(r"^/enrol$"), welcome.build_enrol),
    (re.compile(r"^/hamlet/(?P<hamlet_id>[\w-]+)$"), hamlet.build),
    (re.compile(r"^/hamlet/(?P<hamlet_id>[\w-]+)/new$"), hamlet.build_new),
    (re.compile(r"^/household/(?P<household_id>[\w-]+)$"), household.build),
    (re.compile(r"^/household/(?P<household_id>[\w-]+)/edit$"), household.build_edit),
    (re.compile(r"^/visit/(?P<draft_key>[\w-]+)$"), visit.build),
    (re.compile(r"^/follow-ups$"), follow_ups.build),
    (re.compile(r"^/follow-ups/(?P<hamlet_id>[\w-]+)$"), follow_ups.build),
    (re.compile(r"^/settings$"), settings.build),
    (re.compile(r"^/sync$"), sync.build),
]
OPEN_BEFORE_SET_UP = ("/welcome", "/enrol")
STATUS_SCREENS = ("/", "/sync")  # the screens that show the network badge or sync state
SYNC_EVERY_SECONDS = 180  # while records wait (Router.keep_syncing)


def route_path(route: str) -> str:
    """The screen part of a route: its query and fragment dropped ("/enrol?code=…" → "/enrol");
    a whole link handed over as the route ("khaosat://enrol?…") is its host's screen."""
    path = urlsplit(route).path if "://" in route else route.split("#", 1)[0].split("?", 1)[0]
    if "://" in route:
        path = "/" + urlsplit(route).netloc + path
    return path if path.startswith("/") else "/" + path


def came_from(route: str) -> str | None:
    """The list a screen was opened from, when it is not the screen's usual parent: a
    household opened from the follow-ups (`/household/<id>?from=/follow-ups/<hamlet>`) goes
    back there. Only the app's own list routes are honoured."""
    if "?" not in route:
        return None
    origin = parse_qs(route.split("?", 1)[1]).get("from", [""])[0]
    return origin if re.match(r"^/follow-ups(/[\w-]+)?$", origin) else None


def parent_routes(state: AppState, route: str, origin: str | None = None) -> list[str]:
    """The screens a volunteer came through to reach `route`, top-most last; `origin` is the
    list it was opened from when that is not its usual parent (`came_from`)."""
    if origin is not None and route.startswith("/household/"):
        return ["/", origin] if route.count("/") == 2 else ["/", origin, route.rsplit("/", 1)[0]]
    if match := re.match(r"^/hamlet/([\w-]+)/new$", route):
        return ["/", f"/hamlet/{match[1]}"]
    if route.startswith(("/hamlet/", "/follow-ups")) or route in ("/settings", "/sync"):
        return ["/"]
    if route == "/enrol":
        return ["/welcome"] if not state.is_set_up else ["/", "/settings"]
    if match := re.match(r"^/household/([\w-]+)/edit$", route):
        return [*parent_routes(state, f"/household/{match[1]}"), f"/household/{match[1]}"]
    if match := re.match(r"^/household/([\w-]+)$", route):
        found = state.repo.household(match[1])
        return ["/", f"/hamlet/{found.hamlet_id}"] if found else ["/"]
    if match := re.match(r"^/visit/([\w-]+)$", route):
        draft = state.repo.draft(match[1]) or {}
        household_id = draft.get("visit", {}).get("household_id", "")
        return [*parent_routes(state, f"/household/{household_id}"), f"/household/{household_id}"]
    return []


class Router:
    def __init__(self, page: ft.Page, state: AppState) -> None:
        self.page, self.state = page, state
        self.ctx = Ctx(page=page, state=state, rerender=self.show, lang=state.lang)
        self.ctx.on_saved = lambda: self.page.run_task(self.auto_sync)
        self._showing = asyncio.Lock()
        self.links: set[str] | None = None  # the link kinds the phone reported; None: it cannot tell
        self._syncing = False
        self._again = False
        self._ask_leave = False  # the browser's Back left a visit: ask once it is drawn again

    async def show(self, _: object = None) -> None:
        """Draw the screen the route names (and placeholders for the ones beneath it)."""
        async with self._showing:
            route = route_path(self.page.route or "/")
            link = enrolment_link(self.page.route or "")
            if link is not None:  # the QR's link opened the app (or the web app's address carried it)
                self.ctx.enrol_link, route = link, "/enrol"
            if await self.guard_wizard(route):
                return
            set_up, lang = await self.ctx.io(lambda: (self.state.is_set_up, self.state.lang))
            self.ctx.lang = lang
            self.page.locale_configuration = locale_for(lang)
            if not set_up and route not in OPEN_BEFORE_SET_UP:
                route = "/welcome"
            view = await self.build(route)
            parents = await self.ctx.io(parent_routes, self.state, route, came_from(self.page.route or ""))
            self.page.views.clear()
            self.page.views.extend([ft.View(route=r) for r in parents] + [view])
            self.page.update()
            if self._ask_leave and self.ctx.wizard_screen is not None:
                self._ask_leave = False
                self.ctx.wizard_screen.ask_leave()

    async def guard_wizard(self, route: str) -> bool:
        """The browser's Back (or a typed address) leaving a visit with an answer given: back
        to the visit, and the same question as the wizard's own Back (keep, stay or throw
        away). True when it did so. The draft is saved either way: nothing is ever lost."""
        screen, self.ctx.wizard_screen = self.ctx.wizard_screen, None
        if screen is None or route == screen.route:
            return False
        if screen.wizard.visit.outcome is None:  # nothing answered: no draft left behind
            await self.ctx.io(self.state.discard, screen.wizard)
            return False
        if await self.ctx.io(self.state.repo.draft, screen.wizard.draft_key) is None:
            return False
        # back to the visit first; the question is asked once its screen is drawn again (a
        # dialog opened under screens being replaced is orphaned by Flutter's navigator)
        self._ask_leave = True
        self.page.run_task(self.page.push_route, screen.route)
        return True

    async def build(self, route: str) -> ft.View:
        for pattern, builder in ROUTES:
            if match := pattern.match(route):
                return await builder(self.ctx, **match.groupdict())
        return await home.build(self.ctx)

    async def popped(self, e: ft.ViewPopEvent) -> None:
        """Android back / app-bar arrow: go to the screen beneath."""
        full = self.page.route or "/"
        parents = await self.ctx.io(parent_routes, self.state, route_path(full), came_from(full))
        await self.page.push_route(parents[-1] if parents else "/")

    async def offer_resume(self) -> None:
        """After a crash or a swipe-away: offer the visit that was in progress."""
        key = await self.ctx.io(self.state.latest_draft)
        if key is None or (self.page.route or "").startswith("/visit/"):
            return
        draft = await self.ctx.io(self.state.repo.draft, key)
        name = (draft or {}).get("household", {}).get("head_name", "")
        lang = self.ctx.lang

        async def resume(_: ft.Event) -> None:
            self.page.pop_dialog()
            await self.page.push_route(f"/visit/{key}")

        self.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(t("resume_title", lang)),
                content=ft.Text(t("resume_body", lang, name=name), size=16),
                actions=[
                    ft.TextButton(t("later", lang), on_click=lambda _: self.page.pop_dialog()),
                    ft.FilledButton(t("resume", lang), on_click=resume),
                ],
            )
        )

    async def auto_sync(self) -> None:
        """Sync without being asked, when the setting and the link allow and something waits
        (AppState.should_auto_sync): on start, after each save, when the link changes and
        every few minutes. One at a time; a request while one runs runs once after it."""
        if self._syncing:
            self._again = True
            return
        self._syncing = True
        try:
            while True:
                self._again = False
                if not await self.ctx.io(self.state.should_auto_sync, self.links):
                    break
                report = await self.ctx.network(self.state.sync_now)
                if report.error is not None or not self._again:
                    break
        finally:
            self._syncing = False
        await self.redraw_status()

    async def keep_syncing(self) -> None:
        """Every few minutes, while records wait: a link that came back unnoticed, a server that
        was down, are tried again without the volunteer thinking of it."""
        while True:
            await asyncio.sleep(SYNC_EVERY_SECONDS)
            await self.auto_sync()

    async def watch_network(self) -> None:
        """Follow the link type; a client that cannot tell (tests, some browsers) leaves it
        unknown, and the sync setting alone decides."""
        try:
            connectivity = ft.Connectivity()

            async def changed(e: ft.Event) -> None:
                kinds = getattr(e, "connectivity", [])
                self.links, self.ctx.online = _names(kinds), _online(kinds)
                await self.redraw_status()
                await self.auto_sync()  # Wi-Fi is back: send the day's visits

            connectivity.on_change = changed
            kinds = await asyncio.wait_for(connectivity.get_connectivity(), timeout=5)
        except Exception:
            return
        self.links, online = _names(kinds), _online(kinds)
        if online != self.ctx.online:
            self.ctx.online = online
            await self.redraw_status()
        await self.auto_sync()

    async def redraw_status(self) -> None:
        """Network news redraws only screens that show it, never a form being typed in, and
        never under an open dialog (Flutter would orphan it: its buttons would stop working)."""
        if any(isinstance(d, ft.AlertDialog) and d.open for d in self.page._dialogs.controls):
            return
        if route_path(self.page.route or "/") in STATUS_SCREENS:
            await self.show()


def locale_for(lang: str) -> ft.LocaleConfiguration:
    """Flutter's own words (the back button's name, "N characters remaining") in the app's
    language: a screen reader must not speak English in the Vietnamese app."""
    supported = [ft.Locale("vi", "VN"), ft.Locale("en", "US")]
    return ft.LocaleConfiguration(supported_locales=supported, current_locale=supported[0 if lang == "vi" else 1])


def app_theme() -> ft.Theme:
    """Large targets everywhere (≥ 48 dp): the phone's standard density on every platform (a
    browser's default is compact), and buttons padded to 48 dp, dialog buttons included."""
    tall = ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=16, vertical=16))
    return ft.Theme(
        color_scheme_seed="#16804A",
        visual_density=ft.VisualDensity.STANDARD,
        text_button_theme=ft.TextButtonTheme(style=tall),
        filled_button_theme=ft.FilledButtonTheme(style=tall),
        outlined_button_theme=ft.OutlinedButtonTheme(style=tall),
        icon_button_theme=ft.IconButtonTheme(style=ft.ButtonStyle(padding=12)),
    )


def _names(kinds: object) -> set[str]:
    return {getattr(k, "value", str(k)) for k in kinds} if isinstance(kinds, list) else set()


def _online(kinds: object) -> bool:
    return bool(_names(kinds) - {"none"})


async def build_shell(page: ft.Page, data_dir: Path | str | None = None, clock: Clock = system_clock) -> Router | None:
    """The app on `page` over the store in `data_dir` (the phone's data folder by default),
    with the phone's `clock` (tests give one that is wrong)."""
    page.title = t("app_title")
    page.theme = app_theme()
    page.locale_configuration = locale_for("vi")
    page.theme_mode = ft.ThemeMode.LIGHT
    page.views.clear()
    page.views.append(ft.View(route="/", controls=[ft.ProgressRing(), ft.Text(t("loading"))]))
    page.update()

    # Opening the store reads files: never on the event loop, or the UI freezes.
    try:
        state = await asyncio.to_thread(AppState.open, data_dir or default_data_dir(), clock)
    except StoreInUse as busy:  # another copy of the app has the data folder: say so, touch nothing
        page.views.clear()
        page.views.append(
            ft.View(
                route="/",
                controls=[
                    ft.Icon(ft.Icons.LOCK, size=48),
                    ft.Text(busy.text("vi"), size=18),
                    ft.Text(busy.text("en"), size=16),
                ],
            )
        )
        page.update()
        return None
    router = Router(page, state)
    page.on_route_change = router.show
    page.on_view_pop = router.popped
    await router.show()
    await router.offer_resume()
    page.run_task(router.watch_network)
    page.run_task(router.auto_sync)  # records left waiting when the app last closed
    page.run_task(router.keep_syncing)
    return router
