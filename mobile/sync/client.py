"""The HTTP side of sync: gzip batches, timeouts, retries with backoff. requests only.

Retrying a sync is always safe: the server treats a re-sent record with the same content
as a duplicate, so a response lost on a weak link costs a second round trip, never a
second row. Client errors (4xx) are never retried: sending the same thing again cannot help.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

PROTOCOL = 2
APP_VERSION = "0.1.0"
MAX_RETRY_AFTER = 60.0  # seconds: a phone never waits longer on one request's Retry-After


@dataclass
class SyncError(Exception):
    """A request that did not succeed; `code` is in the `survey.errors` catalogue."""

    code: str
    status: int | None = None
    field: str = ""
    context: dict[str, Any] = dataclasses.field(default_factory=dict)
    retry_after: float | None = None  # seconds, from a 503 or 429 answer's Retry-After

    def __str__(self) -> str:
        return f"{self.code} (HTTP {self.status})" if self.status else self.code

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status >= 500 or self.status in (408, 429)

    @property
    def too_big(self) -> bool:
        """The server refused the request's size: the same records, sent in smaller parts, go through."""
        return self.code in ("batch_too_large", "body_too_large", "body_too_complex")


def _requests() -> Any:
    """`requests`, imported on first use: it costs a cheap phone a fifth of a second at start,
    before anything is synced."""
    import requests

    return requests


@dataclass
class SyncClient:
    base_url: str
    token: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = dataclasses.field(default_factory=lambda: _requests().Session())

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/api/v1/{path}"

    def health(self) -> dict[str, Any]:
        return self._call("GET", "health", None, retry=False)

    def enroll(self, code: str, device_name: str) -> dict[str, Any]:
        return self._call("POST", "enroll", {"code": code, "device_name": device_name}, retry=False)

    def sync(
        self, cursor: str | None, households: list[dict[str, Any]], visits: list[dict[str, Any]]
    ) -> dict[str, Any]:
        body = {
            "protocol": PROTOCOL,
            "app_version": APP_VERSION,
            "cursor": cursor,
            "households": households,
            "visits": visits,
        }
        return self._call("POST", "sync", body, retry=True)

    # -- one request, with retries ------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict[str, Any] | None, *, retry: bool) -> dict[str, Any]:
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            try:
                return self._once(method, path, body)
            except SyncError as error:
                if not error.retryable or attempt == attempts - 1:
                    raise
                asked = error.retry_after or 0.0
            # exponential backoff with jitter: many phones back on Wi-Fi at 17:00 must not
            # hammer the commune office's server in lock-step; a busy server says how long
            wait = self.backoff * (2**attempt) * (0.5 + random.random())
            self.sleep(max(wait, min(asked, MAX_RETRY_AFTER)))
        raise AssertionError("unreachable")

    def _once(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            data = gzip.compress(raw, compresslevel=6)
            headers["Content-Type"] = "application/json"
            headers["Content-Encoding"] = "gzip"
        requests = _requests()
        try:
            response = self.session.request(
                method, self.url(path), data=data, headers=headers, timeout=(self.connect_timeout, self.read_timeout)
            )
        except requests.Timeout as exc:
            raise SyncError("network_timeout") from exc
        except requests.RequestException as exc:
            raise SyncError("network_unreachable") from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.status_code >= 400:
            error = (payload or {}).get("error") if isinstance(payload, dict) else None
            retry_after = _seconds(response.headers.get("Retry-After"))
            if isinstance(error, dict) and error.get("code"):
                raise SyncError(
                    str(error["code"]),
                    response.status_code,
                    str(error.get("field", "")),
                    dict(error.get("context") or {}),
                    retry_after,
                )
            raise SyncError("server_error", response.status_code, retry_after=retry_after)
        if not isinstance(payload, dict):
            raise SyncError("server_error", response.status_code)
        return payload


def _seconds(value: str | None) -> float | None:
    """A Retry-After header given in seconds (the server's form); None otherwise."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
