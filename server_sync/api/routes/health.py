from __future__ import annotations

from fastapi import APIRouter

from survey import checklist

from ... import PROTOCOL, __version__
from ..schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
def health() -> HealthOut:
    return HealthOut(status="ok", version=__version__, protocol=PROTOCOL, checklist_versions=list(checklist.versions()))
