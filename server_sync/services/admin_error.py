"""Bad input from commune staff, in both languages: its own module so that every service
(admin, audit, staff, volunteers) can raise it without importing the others."""

from __future__ import annotations


class AdminError(ValueError):
    """Bad input from commune staff: a Vietnamese and an English message, nothing written."""

    def __init__(self, vi: str, en: str, details: list[tuple[str, str]] | None = None) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en
        self.details = details or []  # one (vi, en) pair per offending item, e.g. per CSV row
