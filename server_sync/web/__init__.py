"""The commune staff's dashboard, served by the sync server under /dash.

Server-rendered pages with one small stylesheet and no script from anywhere else: they
load on a slow connection and print as they show. Errors on these pages are pages too
(with the code and the message in the reader's language), never a JSON body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from survey.errors import message

from ..services import dashboard
from .deps import PREFIX, SignInNeeded, language, page, sign_in_url

STATIC = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def install(app: FastAPI) -> None:
    from . import admin_pages, audit_pages, figure_pages, pages, staff_pages, volunteer_pages

    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="dash-static")
    app.include_router(pages.router)
    app.include_router(admin_pages.router)
    app.include_router(volunteer_pages.router)
    app.include_router(staff_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(figure_pages.router)
    app.state.web_error = error_page
    app.state.overview_cache = dashboard.OverviewCache()

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    @app.exception_handler(SignInNeeded)
    async def _sign_in(_request: Request, exc: SignInNeeded) -> RedirectResponse:
        reason = "session_expired" if exc.code == "session_expired" else ""
        return RedirectResponse(sign_in_url(exc.next_url, reason), status_code=303)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        if request.url.path.startswith(PREFIX):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            if not request.url.path.startswith(f"{PREFIX}/static"):
                response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data
        return response


def is_web(request: Request) -> bool:
    return request.url.path.startswith(PREFIX)


def error_page(request: Request, code: str, field: str, context: dict[str, Any], status: int) -> Response:
    lang = language(request)
    values = {**context, "field": field}
    return page(
        request,
        "error.html",
        lang,
        {
            "code": code,
            "status": status,
            "message": message(code, lang, **values),
            "other": message(code, "en" if lang == "vi" else "vi", **values),
        },
        status=status,
    )
