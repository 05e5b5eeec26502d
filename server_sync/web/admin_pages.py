"""The administrator's pages (hamlets, volunteers, enrolment codes, targets): see below."""

from __future__ import annotations

from fastapi import APIRouter

from .deps import PREFIX

router = APIRouter(prefix=f"{PREFIX}/admin", include_in_schema=False)
