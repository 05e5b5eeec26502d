"""The app as a killable process, and a phone-sized browser page driving it like a volunteer.

Flutter draws on a canvas; what Playwright sees is Flutter's semantics tree (built once
`flt-semantics-placeholder` is clicked): buttons, textboxes, radios, checkboxes and tabs by
their accessible names, and texts as spans or as the labels of merged nodes (a tappable
card reads as one node whose label holds all its texts).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PHONE = {"width": 360, "height": 800}
START_TIMEOUT = 30.0  # seconds for the app process to serve HTTP
STOP_TIMEOUT = 10.0  # seconds for it to exit on a signal before SIGKILL
UI_TIMEOUT = 20_000  # milliseconds for the browser to show something
NETWORK_CHECK = 6.0  # seconds after a page load by which the app's network check has answered
ONLINE_BADGE = re.compile(r"^(Có mạng|Online)$")  # the home screen's network badge


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`make run` as a subprocess on one port and one data directory; killable, restartable."""

    def __init__(self, data_dir: Path, log_dir: Path) -> None:
        self.data_dir, self.log_dir = data_dir, log_dir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        assert self.process is None, "already running"
        self.starts += 1
        env = dict(
            os.environ,
            FLET_FORCE_WEB_SERVER="1",
            FLET_WEB_NO_CDN="1",
            FLET_SERVER_IP="127.0.0.1",
            FLET_SERVER_PORT=str(self.port),
            FLET_APP_STORAGE_DATA=str(self.data_dir),
        )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"app-{self.starts}.log", "wb") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, str(REPO / "mobile" / "main.py")],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited with {self.process.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.kill()
        raise TimeoutError(f"the app did not serve {self.url} within {START_TIMEOUT:.0f} s: {self.log()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Stop the app; SIGKILL by default, as when a phone kills the process."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)  # the app's own process group (start_new_session)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """Stop the app politely (SIGTERM), as an OS closing it; SIGKILL if it lingers."""
        self.kill(signal.SIGTERM)

    def restart(self) -> None:
        self.kill()
        self.start()

    def log(self) -> str:
        path = self.log_dir / f"app-{self.starts}.log"
        return path.read_text("utf-8", "replace")[-3000:] if path.exists() else ""


class Phone:
    """A 360×800 page on the app, with the taps and looks a volunteer makes."""

    def __init__(self, context, server: AppServer, artifacts: Path) -> None:
        self.context, self.server, self.artifacts = context, server, artifacts
        self.page = self._new_page()
        self.shots = 0
        self.loaded_at = 0.0

    # opening ---------------------------------------------------------------------------------
    def open(self) -> None:
        self.page.goto(self.server.url)
        self.enable_semantics()

    def reload(self) -> None:
        self.page.reload()
        self.enable_semantics()

    def relaunch(self) -> None:
        """Open the app afresh, as a phone's launcher does after the app was killed.

        A new tab: the old one's web client would otherwise reconnect to the restarted server
        on its own and leave its session id behind for the next page load to re-attach to.
        """
        old, self.page = self.page, self._new_page()
        old.close()
        self.open()

    def _new_page(self):
        page = self.context.new_page()
        page.route("https://**/*", lambda route: route.abort())  # nothing leaves the machine
        return page

    def settle_network(self) -> None:
        """Wait for the app's first network check after a (re)load, which redraws the screen.

        The app asks the client for its link type once per session and redraws the whole
        screen when the answer differs from "offline" (within 5 s: its own timeout). A redraw
        drops a field's focus and anything typed and not yet saved, so tests that type wait
        for it. On home, the badge tells: "online" means it has come. Elsewhere (or when the
        badge still says offline) wait out the app's timeout.
        """
        deadline = self.loaded_at + NETWORK_CHECK
        while time.monotonic() < deadline:
            if self.page.get_by_text(ONLINE_BADGE).is_visible():
                return
            time.sleep(0.1)

    def enable_semantics(self) -> None:
        """Flutter builds its accessibility tree (what Playwright reads) only when asked."""
        placeholder = self.page.locator("flt-semantics-placeholder")
        placeholder.wait_for(state="attached", timeout=UI_TIMEOUT * 2)
        self.page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
        self.loaded_at = time.monotonic()
        self.page.locator("flt-semantics-host flt-semantics").first.wait_for(state="attached", timeout=UI_TIMEOUT)

    # looking ---------------------------------------------------------------------------------
    def text(self, text: str, exact: bool = False):
        """A visible text: a Text's own span, or part of the label of a merged node (a card)."""
        spans = self.page.get_by_text(text, exact=exact)
        labelled = self.page.locator(f"[aria-label{'' if exact else '*'}={_css_string(text)}]")
        return spans.or_(labelled).first

    def see(self, text: str, exact: bool = False, timeout: float = UI_TIMEOUT) -> None:
        self.text(text, exact).wait_for(state="visible", timeout=timeout)

    def wait_until(self, check, message: str, timeout: float = UI_TIMEOUT / 1000) -> None:
        if not _wait_until(check, timeout):
            raise AssertionError(message)

    # doing -----------------------------------------------------------------------------------
    def button(self, name: str, exact: bool = True):
        return self.page.get_by_role("button", name=name, exact=exact)

    def tap(self, name: str, exact: bool = True, nth: int = 0) -> None:
        """Tap a button by its accessible name."""
        self._press(self.button(name, exact).nth(nth))

    def open_card(self, text: str) -> None:
        """Tap a card (a tappable container: its texts are merged into one accessible name)."""
        self._press(self.text(text))

    def tab(self, name: str) -> None:
        self._press(self.page.get_by_role("tab", name=name, exact=True))

    def type_into(self, label: str, text: str, nth: int = 0) -> None:
        """Type as a person does: focus the field, wait for Flutter to own the focus, then keys.

        `locator.fill()` is unreliable with Flutter's text inputs.
        """
        field = self.page.get_by_role("textbox", name=label, exact=True).nth(nth)
        for _ in range(3):
            self._focus(field, label)
            self.page.wait_for_timeout(300)
            # A screen that has just slid in may still hand the focus back to what it had
            # before (the back arrow): then tap the field again.
            if field.evaluate("el => document.activeElement === el"):
                break
        else:
            raise AssertionError(f"the field {label!r} keeps losing the focus")
        self.page.keyboard.type(text, delay=20)
        if not field.evaluate("el => document.activeElement === el"):
            raise AssertionError(f"the field {label!r} lost the focus while typing {text!r}")

    def field_text(self, label: str, nth: int = 0) -> str:
        """What a text field shows, as the accessibility tree reports it.

        Flutter puts a field's text into the accessibility tree only while the field is being
        edited, so the field is focused first (a tap, as a volunteer checking it would).
        """
        field = self.page.get_by_role("textbox", name=label, exact=True).nth(nth)
        self._focus(field, label)
        match = re.search(r'^- textbox "[^"]*": "?(.*?)"?$', field.aria_snapshot(), re.M)
        return match[1] if match else ""

    def choose(self, label: str, nth: int = 0) -> None:
        """Pick a radio button by its label (nth when several questions share the label)."""
        self._check("radio", label, nth)

    def tick(self, label: str, nth: int = 0) -> None:
        """Tick a checkbox by its label."""
        self._check("checkbox", label, nth)

    def _check(self, role: str, label: str, nth: int) -> None:
        target = self.page.get_by_role(role, name=label, exact=True).nth(nth)
        for _ in range(3):
            self._press(target)
            if _wait_until(lambda: target.get_attribute("aria-checked") == "true", timeout=3):
                return
        raise AssertionError(f"the {role} {label!r} does not get checked")

    def _focus(self, field, label: str) -> None:
        last: Exception | None = None
        for _ in range(3):
            self._press(field)
            try:
                self.page.wait_for_function(
                    "el => document.activeElement === el", arg=field.element_handle(), timeout=3000
                )
                return
            except Exception as exc:  # not focused yet (a Flutter repaint): press again
                last = exc
        raise AssertionError(f"the field {label!r} never took the focus: {last}")

    def _press(self, target) -> None:
        """Scroll the control into view, let the scroll come to rest, then tap it.

        A tap on a list that is still scrolling only stops the scroll (as on a phone), and a
        redraw may replace the control's node meanwhile: then look it up again.
        """
        from playwright.sync_api import Error

        for attempt in range(4):
            try:
                target.wait_for(state="visible", timeout=UI_TIMEOUT)
                target.scroll_into_view_if_needed(timeout=5000)
                box, deadline = None, time.monotonic() + 3
                while time.monotonic() < deadline:
                    now = target.bounding_box(timeout=5000)
                    if now is not None and now == box:
                        break
                    box = now
                    time.sleep(0.1)
                target.click(timeout=5000)
                return
            except Error:
                if attempt == 3:
                    raise
                time.sleep(0.3)

    # recording -------------------------------------------------------------------------------
    def shot(self, name: str) -> Path:
        """A PNG of the screen as the volunteer sees it, numbered in the order taken."""
        self.shots += 1
        path = self.artifacts / f"{self.shots:02d}-{name}.png"
        self.page.mouse.move(-1, -1)  # no hover tooltip: a finger does not hover
        self.page.wait_for_timeout(400)  # let Flutter finish its transition
        self.page.screenshot(path=str(path))
        return path


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wait_until(check, timeout: float = UI_TIMEOUT / 1000) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False
