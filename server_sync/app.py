"""The FastAPI application: `create_app()` migrates the database and mounts protocol v2."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, FastAPI
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from survey.times import system_clock

from . import __version__, db, web
from .api import errors
from .api.routes import coverage, enroll, health, sync
from .services import exports
from .settings import Limits


def create_app(
    database_url: str | None = None,
    *,
    limits: Limits | None = None,
    clock: Callable[[], datetime] = system_clock,
    busy_seconds: float = db.BUSY_SECONDS,
) -> FastAPI:
    """The server over `database_url` (else DATABASE_URL, else SQLite in SERVER_DATA_DIR).

    The schema is upgraded to the newest revision first, and derived coverage tallies are
    rebuilt if they were made by another version, so an old database just works. `clock`
    is the server's clock (tests inject one; records are judged and "today" read by it).
    `busy_seconds`: how long a SQLite writer waits for the write lock before its request
    answers 503 `server_busy`.
    """
    engine, sessions = db.open_current(database_url, busy_seconds=busy_seconds)
    app = FastAPI(
        title="Khảo sát CĐS – sync server",
        version=__version__,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.engine, app.state.sessions = engine, sessions
    app.state.read_sessions = db.read_session_factory(engine)
    app.state.side_sessions = db.side_session_factory(engine, min(db.SIDE_BUSY_SECONDS, busy_seconds))
    app.state.limits = limits or Limits()
    app.state.clock = clock
    app.add_middleware(
        GZipMiddleware,
        minimum_size=1024,
        compresslevel=6,  # 9 costs 3× the time for ~5 % less
        # an XLSX file is a zip already
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, exports.XLSX_MEDIA_TYPE),
    )
    errors.install(app)
    api = APIRouter(prefix="/api/v1")
    for module in (health, enroll, sync, coverage):
        api.include_router(module.router)
    app.include_router(api)
    web.install(app)
    return app
