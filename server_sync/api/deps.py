"""Typed dependencies: a database session per request and the calling device."""

from __future__ import annotations

from typing import Annotated, Iterator

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from ..services.enrolment import DeviceScope, authenticate


def get_session(request: Request) -> Iterator[Session]:
    """Nothing is committed unless the route says so: a refused request changes nothing."""
    with request.app.state.sessions() as session:
        try:
            yield session
        finally:
            session.rollback()


SessionDep = Annotated[Session, Depends(get_session)]
_bearer = HTTPBearer(auto_error=False, description="The device token from /api/v1/enroll")


def current_device(session: SessionDep,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> DeviceScope:
    return authenticate(session, credentials.credentials if credentials else None)


DeviceDep = Annotated[DeviceScope, Depends(current_device)]
