"""Real-browser tests: the app served as a web app, driven by Playwright in Debian's chromium.

Nothing is downloaded: the browser is the system `chromium`, the app is served with
`FLET_WEB_NO_CDN=1`, and every https request from the page is aborted. Without chromium the
tests skip locally, but fail on CI (`CI` set): CI must never skip them silently.

Screenshots of every screen visited go to test-artifacts/e2e/<test>/ (git-ignored), with the
screen and its accessibility tree when a test fails.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .phone import PHONE, UI_TIMEOUT, AppServer, Phone

ON_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# -- the browser ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None:
        reason = "browser tests need Debian's `chromium` on PATH (apt-get install chromium)"
        if ON_CI:
            pytest.fail(f"{reason}; CI must run them, not skip them", pytrace=False)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[object]:
    # Module scope, not session: Playwright's sync API keeps an event loop running in this
    # thread while it lives, and later tests that call asyncio.run() would then fail.
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # not in the `test` extra: installed by hand (or by CI)
        if ON_CI:
            pytest.fail("browser tests need the `playwright` Python package", pytrace=False)
        pytest.skip("browser tests need the `playwright` Python package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def app_server(tmp_path: Path) -> Iterator[AppServer]:
    server = AppServer(tmp_path / "data", tmp_path / "logs")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def _artifact_dir(request: pytest.FixtureRequest) -> Path:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed  # read by the phone fixture's teardown
    return report


@pytest.fixture
def phone(browser, app_server: AppServer, request: pytest.FixtureRequest) -> Iterator[Phone]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="vi-VN")
    context.set_default_timeout(UI_TIMEOUT)
    device = Phone(context, app_server, _artifact_dir(request))
    try:
        device.open()
        yield device
        if getattr(request.node, "e2e_failed", False):  # what the screen showed when it failed
            try:
                device.shot("failure")
                (device.artifacts / "failure-accessibility.txt").write_text(
                    device.page.locator("body").aria_snapshot(), "utf-8"
                )
            except Exception as exc:  # the test's own failure is what matters; say why there is no shot
                print(f"no failure screenshot: {exc}")
    finally:
        context.close()
