"""Typed dependencies: a database session per request and the calling device."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import Session

from .. import db
from ..services import timeline
from ..services.enrolment import DeviceScope, authenticate


def get_session(request: Request) -> Iterator[Session]:
    """Nothing is committed unless the route says so: a refused request changes nothing.

    A GET (or HEAD) only reads: its session is a read-only one (server_sync/db.py), which
    never holds the write lock however long the report takes."""
    factory = request.app.state.read_sessions if request.method in ("GET", "HEAD") else request.app.state.sessions
    with factory() as session:
        try:
            yield session
        finally:
            session.rollback()


SessionDep = Annotated[Session, Depends(get_session)]
log = logging.getLogger("server_sync")


def server_now(request: Request) -> datetime:
    """The server's clock (`create_app(clock=...)`): what records are judged against and
    what "today" is in each commune."""
    return request.app.state.clock()


NowDep = Annotated[datetime, Depends(server_now)]
_bearer = HTTPBearer(auto_error=False, description="The device token from /api/v1/enroll")


def current_device(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> DeviceScope:
    """Who is calling, checked in a short transaction of its own.

    On SQLite every transaction takes the write lock (BEGIN IMMEDIATE). Authenticating on
    the request's session would hold that lock in one worker thread while the route waits
    for another: with dozens of phones syncing at once, lock holders then wait for threads
    held by lock waiters, and everything stalls until timeouts. Here the lock is released
    before the route starts. Only `last_seen` is written, and at most once per interval.
    """
    known = getattr(request.state, "device", None)  # checked already, before the body was read
    if known is not None:
        return known
    token = credentials.credentials if credentials else None
    if request.method in ("GET", "HEAD"):  # a read: known without a write (last seen moves at syncs)
        with request.app.state.read_sessions() as session:
            return authenticate(session, token, touch=False)
    with request.app.state.sessions() as session:
        scope = authenticate(session, token)
        session.commit()
    return scope


def device_of(request: Request) -> DeviceScope:
    """`current_device` from the request's Authorization header alone (api/body.py calls it
    before reading the body). Raises `Refused` (401) as `authenticate` does."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    credentials = (
        HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
        if scheme.lower() == "bearer" and token.strip()
        else None
    )
    return current_device(request, credentials)


DeviceDep = Annotated[DeviceScope, Depends(current_device)]


def timeline_current(request: Request) -> None:
    """Take the syncs' changes into the coverage timeline in a short transaction of its own,
    so that as-of and trend reads find it current and the work is kept, not rolled back with
    the read (services/timeline.py: catch_up)."""
    try:
        with request.app.state.side_sessions() as session:
            if timeline.catch_up(session):
                db.commit_or_skip(session, "the timeline's catch-up")
    except (DBAPIError, SATimeoutError) as exc:
        if db.fault(exc) is None:
            raise
        # The write lock or the disk is not to be had: the figures are read from the timeline
        # as last stored (current figures are kept at every sync and are never behind).
        log.warning("timeline catch-up skipped (%s): as-of figures as last stored", db.fault(exc))
