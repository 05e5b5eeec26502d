"""The audit trail page for administrators (DESIGN §7: who changed what, set-up included):
the commune's rows newest first, a page of services/audit.PAGE at a time, filtered by kind,
by who (a staff user, a volunteer's phones, one phone, the command line), by record id and
by a range of the commune's days. Filters are checked at the boundary (services/audit.py);
a bad one shows the page with the message and no rows, status 422.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from ..api.deps import SessionDep
from ..services import accounts, admin, audit
from ..services.admin import AdminError
from . import i18n
from .admin_pages import HOME, _commune, moments
from .deps import AdminDep, LangDep, page

AUDIT_HOME = f"{HOME}/audit"
router = APIRouter(prefix=AUDIT_HOME, include_in_schema=False)
FILTERS = ("kind", "who", "record", "from", "to")


def _cursor(text: str | None, vi: str, en: str) -> int | None:
    value = (text or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    raise AdminError(
        f"Trang {vi} {value[:20]!r} không hợp lệ: hãy dùng các nút chuyển trang.",
        f"The {en} page {value[:20]!r} is not valid: use the paging links.",
    )


@router.get("")
def audit_page(request: Request, me: AdminDep, lang: LangDep, session: SessionDep) -> Any:
    commune = _commune(session, me)
    query = request.query_params
    asked = {name: (query.get(name) or "")[:80] for name in FILTERS}
    error: AdminError | None = None
    found = audit.Page([], None, None)
    try:
        filters = audit.parse_filters(asked)
        before = _cursor(query.get("before"), "cũ hơn", "older")
        after = _cursor(query.get("after"), "mới hơn", "newer")
        found = audit.trail(session, commune, filters, before=before, after=after)
    except AdminError as refused:
        error = refused
    kept = {name: value for name, value in asked.items() if value}

    def link(**cursor: int) -> str:
        return f"{AUDIT_HOME}?{urlencode({**kept, **cursor})}"

    people = accounts.accounts(session, commune.code)
    context = {
        "commune": commune,
        "rows": found.rows,
        "asked": asked,
        "kinds": audit.KINDS,
        "staff": people,
        "volunteers": [v for v, _ in admin.volunteers(session, commune.code)],
        "older": link(before=found.older) if found.older is not None else "",
        "newer": link(after=found.newer) if found.newer is not None else "",
        "newest": AUDIT_HOME + (f"?{urlencode(kept)}" if kept else ""),
        "error": error,
        "home": HOME,
        "audit_home": AUDIT_HOME,
        "moment": moments(commune),
        "page_size": audit.PAGE,
        "word": i18n.audit_word,
        "field": i18n.audit_field,
        "value": i18n.audit_value,
    }
    return page(request, "audit.html", lang, context, status=422 if error else 200, identity=me)
