"""What every screen receives: the state, the language, and safe ways to do I/O and move.

A screen never blocks the event loop: anything that reads or writes goes through `io`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import flet as ft
from state import AppState

T = TypeVar("T")


@dataclass
class Ctx:
    page: ft.Page
    state: AppState
    rerender: Callable[[], Awaitable[None]]
    online: bool | None = None  # a link at the last check; None: the client cannot tell
    lang: str = "vi"
    enrol_link: tuple[str, str] | None = None  # (server, code) of an enrolment link that opened the app
    _io_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    on_saved: Callable[[], object] | None = None  # the shell's auto-sync, told about every save
    wizard_screen: Any = None  # the visit wizard on screen (views.visit.WizardScreen), else None

    async def io(self, fn: Callable[..., T], *args: Any) -> T:
        """Run storage work in a worker thread, one at a time, in the order asked."""
        async with self._io_lock:
            return await asyncio.to_thread(fn, *args)

    async def network(self, fn: Callable[..., T], *args: Any) -> T:
        """Run work that waits on the network in a worker thread, outside the storage queue.

        A sync may wait a minute on a weak link; screens keep opening meanwhile (the store
        itself is thread-safe, so the two never corrupt each other).
        """
        return await asyncio.to_thread(fn, *args)

    def saved(self) -> None:
        """A record was saved: the shell syncs it when the setting and the link allow."""
        if self.on_saved is not None:
            self.on_saved()

    def go(self, route: str) -> None:
        self.page.navigate(route)

    def background(self, coroutine: Callable[[], Awaitable[Any]]) -> None:
        self.page.run_task(coroutine)

    def snack(self, text: str) -> None:
        self.page.show_dialog(ft.SnackBar(ft.Text(text, size=16)))
