"""Every server test runs against each real database: a SQLite file and PostgreSQL.

PostgreSQL is the one TEST_DATABASE_URL names (default postgresql://127.0.0.1:5432/test:
trust auth, database `test`; without a user in the URL, postgres then root are tried); each
test gets a fresh schema, dropped afterwards. When it is not reachable the PostgreSQL runs
are skipped, except under CI (env CI set), where they fail.
"""

from __future__ import annotations

import gzip
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from server_sync.app import create_app
from server_sync.services import admin, enrolment, staff

PG_URL = make_url(os.environ.get("TEST_DATABASE_URL") or "postgresql://127.0.0.1:5432/test")
PG_HOST, PG_PORT, PG_DB = PG_URL.host or "127.0.0.1", PG_URL.port or 5432, PG_URL.database or "test"
_pg_user: list[str | None] = []


def _pg_connect(user: str, **kwargs: Any) -> Any:
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=user, password=PG_URL.password, **kwargs)


def postgres_user() -> str | None:
    """The URL's user, or the first of postgres and root that PostgreSQL lets in; None when
    it is not reachable."""
    if not _pg_user:
        import psycopg

        found = None
        for user in [PG_URL.username] if PG_URL.username else ["postgres", "root"]:
            try:
                _pg_connect(user, connect_timeout=3).close()
                found = user
                break
            except psycopg.Error:
                continue
        _pg_user.append(found)
    return _pg_user[0]


def _pg_admin(sql: str) -> None:
    user = postgres_user()
    assert user is not None
    with _pg_connect(user, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    user = postgres_user()
    if user is None:
        reason = f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}/{PG_DB} as postgres or root"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set: PostgreSQL runs are required)")
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    _pg_admin(f"CREATE SCHEMA {schema}")
    try:
        login = f"{user}:{quote(PG_URL.password, safe='')}" if PG_URL.password else user
        yield f"postgresql+psycopg://{login}@{PG_HOST}:{PG_PORT}/{PG_DB}?options=-csearch_path%3D{schema}"
    finally:
        _pg_admin(f"DROP SCHEMA {schema} CASCADE")


# The server's clock in these tests: fixed, so that "today", "current" and "in the future"
# mean the same on every run, whatever the date (DESIGN §3: current figures are as of today).
SERVER_NOW = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)  # 12:00 on 29/11/2026 in Vietnam


@pytest.fixture
def app(database_url: str) -> Iterator[Any]:
    application = create_app(database_url, clock=lambda: SERVER_NOW)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class World:
    """A commune with three hamlets and one enrolled volunteer working in two of them."""

    app: Any
    client: TestClient
    token: str
    device_id: str
    volunteer_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def sync(
        self,
        households: list[Any] = (),
        visits: list[Any] = (),
        cursor: str | None = None,
        *,
        gzipped: bool = False,
        token: str | None = None,
    ) -> Any:
        body = {
            "protocol": 2,
            "app_version": "0.1.0",
            "cursor": cursor,
            "households": [h.to_dict() if hasattr(h, "to_dict") else h for h in households],
            "visits": [v.to_dict() if hasattr(v, "to_dict") else v for v in visits],
        }
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token or self.token}"}
        if gzipped:
            raw, headers["Content-Encoding"] = gzip.compress(raw), "gzip"
        return self.client.post("/api/v1/sync", content=raw, headers=headers)

    def session(self) -> Any:
        return self.app.state.sessions.begin()


HAMLETS = [
    ("thon-na-pan", "Thôn Nà Pàn", "2026-03-01"),
    ("thon-khon-chu", "Thôn Khòn Chu", None),
    ("thon-pac-ma", "Thôn Pác Mạ", "2027-01-01"),
]
SCOPE = ("thon-na-pan", "thon-khon-chu")  # the volunteer's; thon-pac-ma is someone else's


def build_commune(app: Any) -> str:
    with app.state.sessions.begin() as session:
        admin.create_commune(session, "06577", "Xã Thống Nhất", "Lạng Sơn", targets={"adults_ready": {"min": 90}})
        for hamlet_id, name, since in HAMLETS:
            admin.add_hamlet(session, "06577", hamlet_id, name, since)
        volunteer = admin.add_volunteer(session, "06577", "Hoàng Thị Hoa", SCOPE)
        return volunteer.id


def enrol(app: Any, volunteer_id: str, name: str = "Samsung A05") -> tuple[str, str]:
    with app.state.sessions.begin() as session:
        code = enrolment.issue_code(session, volunteer_id)
    with app.state.sessions.begin() as session:
        done = enrolment.enroll(session, code, name)
        return done.token, done.scope.device_id


@pytest.fixture
def world(app: Any, client: TestClient) -> World:
    volunteer_id = build_commune(app)
    token, device_id = enrol(app, volunteer_id)
    return World(app, client, token, device_id, volunteer_id)


@pytest.fixture
def office(world: World) -> World:
    """The commune's office: an administrator (test_web_pages.ADMIN) and a staff member
    (test_web_pages.STAFF) beside the world's volunteer."""
    with world.session() as session:
        staff.create_staff(session, "06577", "quan.tri", "Hoàng Văn Quân", "admin", "quan-tri-vien-2026")
        staff.create_staff(session, "06577", "lan.nguyen", "Nguyễn Thị Lan", "staff", "mat-khau-can-bo-1")
    return world


@contextmanager
def serving(app: Any, **config: Any) -> Iterator[int]:
    """`app` served by a real uvicorn (`config`: more of uvicorn.Config's settings) on a
    free port of 127.0.0.1, in a thread: its port. For what only a socket can show (a
    half-sent body, a silent connection, a phone's own HTTP client)."""
    import socket
    import threading

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    up = threading.Event()
    while not up.wait(0.05):  # uvicorn has no start event: poll its flag
        if server.started or not thread.is_alive():
            up.set()
    assert server.started, "uvicorn did not start"
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
