"""Drive the real app without a phone: a real Flet Session over a fake client.

Controls are plain dataclasses, so a test builds the real screens, reads their texts and
fires their handlers. Only the Flutter client is replaced, by a small one that answers
what the app asks of a client: `push_route` (navigate, then report the route change like a
real client), and "no answer available" for device services such as connectivity.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flet as ft
import msgpack
from flet.controls.base_control import BaseControl
from flet.messaging.connection import Connection
from flet.messaging.protocol import MessageAction, configure_encode_object_for_msgpack
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub
from shell import Router, build_shell


class FakeClient(Connection):
    def __init__(self) -> None:
        super().__init__()
        self.pubsubhub = PubSubHub()
        self.session: Session | None = None
        self.sent = 0  # messages sent; like a real transport, none is kept
        self.tasks: set[asyncio.Task] = set()
        self.calls: list[tuple[str, Any]] = []  # (method, args) the app asked of the client
        self.answers: dict[str, Any] = {}  # what a device service answers (save_file, pick_files…)

    def send_message(self, message: Any) -> None:
        # Encode as the real transports do: encoding records what the client now has,
        # which the next update diffs against.
        msgpack.packb([message.action, message.body], default=configure_encode_object_for_msgpack(BaseControl))
        self.sent += 1
        if message.action == MessageAction.INVOKE_METHOD:
            body = message.body
            task = self.loop.create_task(self._answer(body.control_id, body.call_id, body.name, body.args))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _answer(self, control_id: int, call_id: str, name: str, args: Any) -> None:
        assert self.session is not None
        self.calls.append((name, args))
        if name == "push_route":
            self.session.handle_invoke_method_results(control_id, call_id, None, None)
            page = self.session.page
            page.route = args["route"]
            await self.session.dispatch_event(page._i, "route_change", {"route": args["route"]})
        elif name in self.answers:
            self.session.handle_invoke_method_results(control_id, call_id, self.answers[name], None)
        elif name in ("confirm_pop", "scroll_to"):
            self.session.handle_invoke_method_results(control_id, call_id, None, None)
        else:
            self.session.handle_invoke_method_results(control_id, call_id, None, f"{name}: not on this client")


class App:
    """One running app: its page, its router, and helpers to look and tap."""

    def __init__(self, router: Router, client: FakeClient) -> None:
        self.router, self.client = router, client

    @property
    def page(self) -> ft.Page:
        return self.router.page

    @property
    def view(self) -> ft.View:
        return self.page.views[-1]

    def texts(self) -> list[str]:
        return texts(self.view)

    @property
    def dialog(self) -> Any:
        """The dialog (or snack bar) open on top, else None."""
        shown = [d for d in self.page._dialogs.controls if d.open]
        return shown[-1] if shown else None

    async def tap_in_dialog(self, label: str) -> None:
        """Tap the open dialog's button whose text is `label`."""
        dialog = self.dialog
        for control in walk(dialog):
            if isinstance(control, (ft.FilledButton, ft.OutlinedButton, ft.TextButton)) and control.content == label:
                await self.fire(control)
                return
        raise LookupError(f"no button {label!r} in the dialog {texts(dialog) if dialog else None}")

    def find(self, kind: type, **match: Any) -> Any:
        for control in walk(self.view):
            if isinstance(control, kind) and all(_matches(getattr(control, k, None), v) for k, v in match.items()):
                return control
        raise LookupError(f"no {kind.__name__} with {match} in {self.texts()}")

    async def go(self, route: str) -> None:
        await self.page.push_route(route)
        await self.settle()

    async def fire(self, control: Any, event: str = "click", data: Any = None) -> None:
        handler = getattr(control, f"on_{event}")
        if handler is None and event == "change":
            return  # a field read only when its form is submitted
        result = handler(ft.Event(name=event, control=control, data=data))
        if inspect.isawaitable(result):
            await result
        await self.settle()

    def enter(self, control: Any, value: Any) -> None:
        """What the volunteer typed or chose, applied as a client's patch is (session.apply_patch):
        the control's value changes without Python-side change tracking, as on a phone."""
        self._session.apply_patch(control._i, {"value": value})

    async def choose(self, control: Any, value: Any) -> None:
        self.enter(control, value)
        await self.fire(control, "change" if not isinstance(control, ft.Dropdown) else "select")

    async def settle(self) -> None:
        """Let navigation and background saves finish, as a client would wait for them."""
        for _ in range(50):
            await asyncio.sleep(0.01)
            pending = [
                t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done() and not _forever(t)
            ]
            if not pending:
                return
            await asyncio.wait(pending, timeout=2)


def _forever(task: asyncio.Task) -> bool:
    """The app's own long-lived tasks (network watch, the periodic sync): never "settled"."""
    return any(name in repr(task.get_coro()) for name in ("watch_network", "keep_syncing"))


def _matches(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) and isinstance(actual, str):
        return actual == wanted
    if isinstance(wanted, str) and isinstance(actual, ft.Text):
        return actual.value == wanted
    return actual == wanted


async def start_app(data_dir: Path, clock: Any = None) -> App:
    client = FakeClient()
    client.loop = asyncio.get_running_loop()
    session = Session(client)
    client.session = session
    client.page_url = "http://127.0.0.1:8550"  # a web client reports where it runs
    session.page.platform = ft.PagePlatform.ANDROID  # the client reports its platform: a phone's
    # What the server does when a client registers: send it the whole page, encoded.
    msgpack.packb(session.get_page_patch(), default=configure_encode_object_for_msgpack(BaseControl))
    router = await build_shell(session.page, data_dir, *([clock] if clock is not None else []))
    app = App(router, client)
    app._session = session  # the page only holds a weak reference to its session
    await app.settle()
    return app


def walk(control: Any) -> Iterator[Any]:
    """Every control under `control`, depth first."""
    if control is None:
        return
    yield control
    for name in (
        "appbar",
        "bottom_appbar",
        "content",
        "title",
        "subtitle",
        "leading",
        "label",
        "floating_action_button",
        "navigation_bar",
    ):
        child = getattr(control, name, None)
        if isinstance(child, ft.BaseControl):
            yield from walk(child)
    for name in ("controls", "actions", "segments", "destinations"):
        for child in getattr(control, name, None) or ():
            if isinstance(child, ft.BaseControl):
                yield from walk(child)


def texts(control: Any) -> list[str]:
    found = []
    for c in walk(control):
        if isinstance(c, ft.Text) and isinstance(c.value, str):
            found.append(c.value)
        elif isinstance(getattr(c, "content", None), str):
            found.append(c.content)
        elif isinstance(getattr(c, "label", None), str):
            found.append(c.label)
        if isinstance(c, ft.TextField) and isinstance(c.error, str):
            found.append(c.error)  # a field's own error line
    return found
