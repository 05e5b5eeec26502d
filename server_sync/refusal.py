"""A request the server refuses as a whole, by code; the HTTP status follows from the code.

Services raise `Refused`; only the API edge turns it into a status and a message from the
one catalogue (`survey.errors`), so services stay free of HTTP and of human text.
"""

from __future__ import annotations

from typing import Any

STATUS: dict[str, int] = {
    "body_not_json": 400,
    "body_not_gzip": 400,
    "token_missing": 401,
    "token_invalid": 401,
    "token_revoked": 401,
    "enrolment_code_invalid": 401,
    "enrolment_code_expired": 401,
    "enrolment_code_used": 401,
    "enrolment_code_revoked": 401,
    "hamlet_forbidden": 403,
    "volunteer_inactive": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "body_timeout": 408,
    "body_too_large": 413,
    "body_too_complex": 413,
    "batch_too_large": 413,
    "content_type_unsupported": 415,
    "schema_invalid": 422,
    "protocol_unsupported": 422,
    "date_invalid": 422,
    "adult_age_unsupported": 422,
    "export_flavour_invalid": 422,
    "server_error": 500,
    "server_busy": 503,
    "storage_full": 507,
    "sign_in_failed": 401,
    "session_missing": 401,
    "session_expired": 401,
    "csrf_invalid": 403,
    "role_forbidden": 403,
    "sign_in_locked": 429,
    "enrolment_locked": 429,
    "follow_up_page_invalid": 422,
    "need_unknown": 422,
}


class Refused(Exception):
    def __init__(self, code: str, field: str = "", context: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.context = dict(context or {})

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 422)
