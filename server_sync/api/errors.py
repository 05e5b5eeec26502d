"""Every refusal becomes one error body, with its message from the one catalogue."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from starlette.exceptions import HTTPException

from survey.errors import message

from .. import db
from ..refusal import STATUS, Refused
from .schemas import ErrorOut

log = logging.getLogger("server_sync")


def error_body(code: str, field: str = "", context: dict[str, Any] | None = None) -> dict[str, Any]:
    context = dict(context or {})
    values = {**context, "field": field}
    return {
        "error": {
            "code": code,
            "field": field,
            "context": context,
            "message": {"vi": message(code, "vi", **values), "en": message(code, "en", **values)},
        }
    }


def field_path(location: tuple[Any, ...]) -> str:
    """('body', 'visits', 3, 'members') → visits[3].members"""
    path = ""
    for part in location[1:] if location and location[0] in ("body", "query", "header") else location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def respond(
    request: Request,
    code: str,
    field: str = "",
    context: dict[str, Any] | None = None,
    status: int = 422,
    headers: dict[str, str] | None = None,
) -> Response:
    """The error body, or an error page for the staff dashboard's paths (see server_sync/web)."""
    web_error = getattr(request.app.state, "web_error", None)
    if web_error is not None and request.url.path.startswith("/dash"):
        return web_error(request, code, field, dict(context or {}), status)
    return JSONResponse(error_body(code, field, context), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        return respond(request, exc.code, exc.field, exc.context, exc.status, headers=retry_after(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first: dict[str, Any] = dict(exc.errors()[0]) if exc.errors() else {"loc": (), "msg": "invalid", "type": ""}
        if first.get("type") == "json_invalid":
            problem = str((first.get("ctx") or {}).get("error", "not JSON"))
            return respond(request, "body_not_json", "", {"problem": problem}, 400)
        field = field_path(tuple(first.get("loc", ())))
        return respond(request, "schema_invalid", field, {"problem": str(first.get("msg", ""))}, 422)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        code = {400: "body_not_json", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "schema_invalid"
        )
        return respond(request, code, status=exc.status_code, headers=dict(exc.headers or {}))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        return _database_fault(request, exc)

    @app.exception_handler(SATimeoutError)
    async def _pool(request: Request, exc: SATimeoutError) -> Response:
        return _database_fault(request, exc)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        # Text the database cannot hold (e.g. a NUL byte, which PostgreSQL refuses) got past
        # the checks: the request is refused as invalid input, nothing was written.
        log.warning("input refused by the database: %s", exc.orig)
        return respond(request, "schema_invalid", "", {"problem": "text not allowed"}, 422)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error")
        return respond(request, "server_error", status=500)


RETRY_AFTER = {"server_busy": 5, "storage_full": 300}  # seconds, in the Retry-After header


def retry_after(refusal: Refused) -> dict[str, str] | None:
    """A Retry-After header for a refusal that time puts right: a busy server, a full disk,
    a client held back (`minutes` in its context)."""
    if refusal.code in RETRY_AFTER:
        return {"Retry-After": str(RETRY_AFTER[refusal.code])}
    if refusal.status == 429 and isinstance(refusal.context.get("minutes"), int):
        return {"Retry-After": str(refusal.context["minutes"] * 60)}
    return None


def _database_fault(request: Request, exc: Exception) -> Response:
    """A busy or locked database, a lost connection: 503 `server_busy`; a full disk: 507
    `storage_full`; both with Retry-After, and nothing was written (the transaction rolled
    back). Anything else is a fault of ours: 500 (DESIGN §7; issue 10 §3)."""
    code = db.fault(exc)
    if code is None:
        log.exception("database error")
        return respond(request, "server_error", status=500)
    log.warning("database %s: %s", code, getattr(exc, "orig", exc))
    return respond(request, code, status=STATUS[code], headers={"Retry-After": str(RETRY_AFTER[code])})


_ERROR = {"model": ErrorOut}
# What the routes may answer besides 200, for the OpenAPI document.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {**_ERROR, "description": "body_not_json, body_not_gzip"},
    401: {**_ERROR, "description": "token or enrolment code missing, invalid, expired, used or revoked"},
    403: {**_ERROR, "description": "hamlet_forbidden, volunteer_inactive (the volunteer is paused by commune staff)"},
    404: {**_ERROR, "description": "not_found"},
    415: {**_ERROR, "description": "content_type_unsupported"},
    408: {**_ERROR, "description": "body_timeout"},
    413: {**_ERROR, "description": "body_too_large, body_too_complex, batch_too_large"},
    422: {**_ERROR, "description": "schema_invalid, protocol_unsupported, date_invalid, adult_age_unsupported"},
    429: {**_ERROR, "description": "enrolment_locked (too many wrong enrolment codes from this client)"},
    503: {**_ERROR, "description": "server_busy (with Retry-After): nothing was stored, send again"},
    507: {**_ERROR, "description": "storage_full (with Retry-After): nothing was stored"},
}
