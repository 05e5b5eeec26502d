"""A busy, full or failing database (issue 10 §3): a clear answer with Retry-After, nothing
stored half, and reads keep working. Real SQLite and PostgreSQL: the write lock held by
another connection, a database that may not grow, a connection killed mid-request."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy.exc
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from server_sync import db
from server_sync.app import create_app
from server_sync.services import followups, staff
from sync.client import SyncClient, SyncError
from tests.survey.builders import completed_visit, household

from .conftest import SERVER_NOW, World, build_commune, enrol, serving
from .snapshot import snapshot
from .test_web_pages import ADMIN, desk

BUSY = 0.3  # seconds a writer waits for SQLite's lock in these tests (30 in production)


@pytest.fixture
def busy_world(database_url: str) -> Iterator[World]:
    """The conftest's commune; a writer gives up after BUSY seconds, or on PostgreSQL after
    a lock timeout of as long."""
    url = database_url
    if url.startswith("postgresql"):
        url += f"%20-c%20lock_timeout%3D{int(BUSY * 1000)}"
    app = create_app(url, clock=lambda: SERVER_NOW, busy_seconds=BUSY)
    try:
        with TestClient(app) as client:
            volunteer_id = build_commune(app)
            token, device_id = enrol(app, volunteer_id)
            with app.state.sessions.begin() as session:
                staff.create_staff(session, "06577", ADMIN[0], "Hoàng Văn Quân", "admin", ADMIN[1])
            yield World(app, client, token, device_id, volunteer_id)
    finally:
        app.state.engine.dispose()


class Holder:
    """Another connection holding the write lock (SQLite) or the change counter's row
    (PostgreSQL), as a long sync or a stuck process would."""

    def __init__(self, app: Any) -> None:
        self.engine = app.state.engine
        self.connection: Any = None

    def __enter__(self) -> Holder:
        if self.engine.dialect.name == "sqlite":
            self.connection = sqlite3.connect(self.engine.url.database, isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            self.connection = self.engine.connect()
            self.connection.execute(text("SELECT value FROM change_counter WHERE id = 1 FOR UPDATE"))
        return self

    def __exit__(self, *_: Any) -> None:
        self.connection.rollback()
        self.connection.close()


def assert_busy(answer: Any) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "5"


def test_a_locked_database_is_503_server_busy_and_reads_keep_working(busy_world: World) -> None:
    world = busy_world
    home = household("thon-na-pan")
    pair = [household("thon-na-pan", "Lò Văn Sáu"), household("thon-na-pan", "Lo Van Sau")]
    assert world.sync([home, *pair], [completed_visit(home)]).status_code == 200
    office = desk(world.client, ADMIN)
    before = snapshot(world.app)
    with Holder(world.app):
        answer = world.sync([household("thon-na-pan")])
        assert_busy(answer)
        error = answer.json()["error"]
        assert error["code"] == "server_busy" and error["message"]["vi"] and error["message"]["en"]
        # reads: the phone's coverage, as of a day, and the staff's pages and exports
        for url in ("/api/v1/coverage", "/api/v1/coverage?as_of=2026-06-30"):
            got = world.client.get(url, headers=world.auth)
            assert got.status_code == 200, (url, got.text)
        for url in (
            "/dash/",
            "/dash/?as_of=2026-06-30",
            "/dash/hamlets/thon-na-pan",
            "/dash/report",
            "/dash/exports/indicators.xlsx",
            "/dash/exports/follow-ups.csv",
        ):
            got = office.get(url)
            assert got.status_code == 200, (url, got.status_code)
        # a page that writes says so on a page of its own (never a 500)
        page = office.post(
            f"/dash/hamlets/thon-na-pan/duplicates/{pair[0].id}/{pair[1].id}",
            {"csrf": office.csrf(), "keep": pair[0].id, "confirm": "yes"},
        )
        assert page.status_code == 503 and 'data-code="server_busy"' in page.text
    assert snapshot(world.app) == before
    assert world.sync([household("thon-na-pan")]).status_code == 200  # the lock gone, it goes through


def test_the_phone_waits_as_long_as_a_busy_server_asks_then_says_it_is_busy(busy_world: World) -> None:
    world = busy_world
    slept: list[float] = []
    with serving(world.app) as port:
        client = SyncClient(f"http://127.0.0.1:{port}", token=world.token, sleep=slept.append, backoff=0.01)
        with Holder(world.app), pytest.raises(SyncError) as raised:
            client.sync(None, [household("thon-na-pan").to_dict()], [])
    assert (raised.value.code, raised.value.status, raised.value.retry_after) == ("server_busy", 503, 5.0)
    assert raised.value.retryable
    assert slept and all(seconds >= 5.0 for seconds in slept)  # Retry-After, not its own 10 ms


def test_a_full_disk_is_507_storage_full_and_reads_keep_working(busy_world: World) -> None:
    world = busy_world
    app, client = world.app, world.client
    if app.state.engine.dialect.name != "sqlite":
        pytest.skip("a full disk is made on SQLite (max_page_count); PostgreSQL's disk_full is classified below")
    homes = [household("thon-na-pan", f"Hộ {i}") for i in range(30)]
    assert world.sync(homes, [completed_visit(h) for h in homes]).status_code == 200  # timeline pending
    with app.state.sessions.begin() as session:  # the follow-ups taken in (a page would), the timeline not
        followups.catch_up(session, "06577")
    office = desk(client, ADMIN)

    @event.listens_for(app.state.engine, "connect")
    def _no_growth(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    app.state.engine.dispose()  # every connection from now on: the disk is full
    before = snapshot(app)
    more = [household("thon-na-pan", f"Hộ mới {i}", address="x" * 400) for i in range(200)]
    answer = world.sync(more)
    assert answer.status_code == 507, answer.text
    assert answer.headers["retry-after"] == "300"
    assert answer.json()["error"]["code"] == "storage_full"
    for url in ("/api/v1/coverage", "/api/v1/coverage?as_of=2026-06-30"):
        assert world.client.get(url, headers=world.auth).status_code == 200, url
    for url in (
        "/dash/",
        "/dash/?as_of=2026-11-01",
        "/dash/hamlets/thon-na-pan",
        "/dash/report",
        "/dash/exports/indicators.csv",
        "/dash/exports/indicators.xlsx?as_of=2026-11-01",
    ):
        got = office.get(url)
        assert got.status_code == 200, (url, got.status_code, got.text[:300])
    assert snapshot(app) == before


def test_a_postgresql_connection_killed_mid_request_is_503(busy_world: World) -> None:
    world = busy_world
    if world.app.state.engine.dialect.name != "postgresql":
        pytest.skip("a connection killed by the server is PostgreSQL's case (SQLite has no server)")
    before = snapshot(world.app)
    answers: list[Any] = []
    with world.app.state.engine.connect() as holder:
        holder.execute(text("SET lock_timeout = 0"))
        holder.execute(text("SELECT value FROM change_counter WHERE id = 1 FOR UPDATE"))
        # the sync waits for the row, with no lock timeout of its own this time
        with world.app.state.engine.connect() as setter:
            setter.execute(text("SELECT 1"))
        worker = threading.Thread(target=lambda: answers.append(world.sync([household("thon-na-pan")])))
        with world.app.state.engine.connect() as watcher:
            watcher.execute(text("SET lock_timeout = 0"))
            world.app.state.engine.pool.dispose()
            worker.start()
            waiting = None
            while waiting is None and worker.is_alive():  # the sync's backend, once it waits on the row
                watcher.commit()
                waiting = watcher.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query ILIKE '%change_counter%' AND pid <> pg_backend_pid()"
                    )
                ).scalar()
            assert waiting is not None, answers and answers[0].text
            watcher.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting})
            worker.join(60)
        holder.rollback()
    [answer] = answers
    assert_busy(answer)
    assert answer.json()["error"]["code"] == "server_busy"
    assert snapshot(world.app) == before
    assert world.sync([household("thon-na-pan")]).status_code == 200  # a fresh connection: it goes through


@pytest.mark.parametrize(
    "error, code",
    [
        (psycopg.errors.DiskFull("could not extend file: No space left on device"), "storage_full"),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), "server_busy"),
        (psycopg.errors.SerializationFailure("could not serialize access"), "server_busy"),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), "server_busy"),
        (psycopg.OperationalError("server closed the connection unexpectedly"), "server_busy"),
        (sqlite3.OperationalError("database is locked"), "server_busy"),
        (sqlite3.OperationalError("database or disk is full"), "storage_full"),
        (sqlite3.OperationalError("no such table: nowhere"), None),  # a fault of ours: 500
    ],
)
def test_database_errors_are_classified_by_what_the_caller_can_do(error: Exception, code: str | None) -> None:
    wrapped = sqlalchemy.exc.OperationalError("statement", {}, error)
    assert db.fault(wrapped) == code
    assert db.fault(sqlalchemy.exc.TimeoutError("QueuePool limit reached")) == "server_busy"
    assert db.fault(ValueError("not a database error")) is None


def test_figures_as_of_a_day_are_exact_when_the_timeline_cannot_catch_up(busy_world: World) -> None:
    world = busy_world
    home = household("thon-na-pan")
    assert world.sync([home], [completed_visit(home)]).status_code == 200  # waits for the catch-up
    url = "/api/v1/coverage?as_of=2026-11-28"
    office = desk(world.client, ADMIN)
    with Holder(world.app):  # the catch-up cannot be written: counted from the records instead
        held = world.client.get(url, headers=world.auth)
        trend = office.get("/dash/?as_of=2026-11-28")
    assert held.status_code == 200 and trend.status_code == 200
    after = world.client.get(url, headers=world.auth)  # caught up now, read from the timeline
    assert after.status_code == 200
    assert held.json() == after.json()
    assert held.json()["commune"]["visit_coverage"]["numerator"] == 1
