"""Engine, sessions and migrations for SQLite (default) and PostgreSQL.

SQLite runs in WAL mode with foreign keys on, and every writing transaction starts with
`BEGIN IMMEDIATE`: a sync reads then writes, and a deferred transaction that another
writer overtook would fail with "database is locked" instead of waiting its turn.

Reads (every GET: reports, exports, pages) use `read_sessions`: on SQLite a deferred
transaction with `PRAGMA query_only`, which WAL lets run beside a writer and which cannot
take the write lock; on PostgreSQL a READ ONLY transaction. A report that takes seconds
never holds up a sync, and a read that tried to write would fail loudly in tests.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import Session, sessionmaker

from .settings import database_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger("server_sync")


BUSY_SECONDS = 30.0  # how long a SQLite writer waits for the lock before the request is 503


def make_engine(url: str | None = None, *, busy_seconds: float = BUSY_SECONDS, **kwargs: Any) -> Engine:
    """An engine for `url` (see `settings.database_url`); on SQLite a writer waits up to
    `busy_seconds` for the write lock, then the request answers 503 `server_busy`."""
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_seconds}, **kwargs)
        _sqlite_setup(engine, busy_seconds)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)

    @event.listens_for(engine, "begin")
    def _on_begin_pg(connection: Any) -> None:
        wait_ms = connection.get_execution_options().get("wait_ms")
        if wait_ms is not None:  # a side write (side_session_factory): wait briefly for locks
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait_ms)}")

    return engine


def _sqlite_setup(engine: Engine, busy_seconds: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("read_only"):
            connection.exec_driver_sql("PRAGMA query_only=1")
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("PRAGMA query_only=0")
            connection.exec_driver_sql(f"PRAGMA busy_timeout={options.get('wait_ms', int(busy_seconds * 1000))}")
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_current(url: str | None = None, *, busy_seconds: float = BUSY_SECONDS) -> tuple[Engine, sessionmaker[Session]]:
    """An engine and sessions over a database brought up to date: the schema migrated, the
    derived coverage tallies rebuilt if another version made them and the follow-ups of a
    commune never taken in (an upgrade) derived (server, CLI, `make run`)."""
    from .services import followups, tallies  # services build on this module

    engine = make_engine(url, busy_seconds=busy_seconds)
    migrate(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        tallies.ensure_current(session)
        followups.catch_up_new(session)
    return engine, sessions


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


SIDE_BUSY_SECONDS = 0.5  # a write beside a read waits this long for the lock, then is skipped


def side_session_factory(engine: Engine, busy_seconds: float = SIDE_BUSY_SECONDS) -> sessionmaker[Session]:
    """Sessions for the bookkeeping a read writes on the side (a staff session's last use,
    the timeline's catch-up): they wait at most `busy_seconds` for a lock, then fail, and
    the read goes on without them (`commit_or_skip`), so a page never waits for a long sync.
    The same pool as every other session; each transaction sets its own wait (SQLite: the
    busy timeout; PostgreSQL: the lock timeout)."""
    return sessionmaker(engine.execution_options(wait_ms=int(busy_seconds * 1000)), expire_on_commit=False)


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read (see the module's docstring); a write in one raises."""
    options: dict[str, Any] = {"read_only": True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    return sessionmaker(engine.execution_options(**options), expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision`; an existing database keeps its data.

    On SQLite a migration may rebuild a table (SQLite cannot change a column's type), which
    its foreign keys would refuse mid-way: they are switched off for the migration, as
    Alembic advises, and every key is checked before it commits.
    """
    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        if sqlite:
            assert raw is not None  # a connection just checked out of the pool
            raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"migration left a dangling foreign key: {tuple(broken)}")
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# -- a busy, full or failing database (issue 10 §3) -----------------------------------------------

# PostgreSQL's SQLSTATEs: serialization failure, deadlock, lock timeout, a statement cancelled
# (statement_timeout), the server shutting down or the connection lost.
_BUSY_STATES = {"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03", "08000", "08003", "08006"}
_FULL_STATES = {"53100"}  # disk_full


def fault(exc: BaseException) -> str | None:
    """What a database error means for the caller, as a code of the catalogue:
    "storage_full" (the disk is full: nothing was written), "server_busy" (locked, busy, a
    lost connection: nothing was written, retrying is safe), or None (a fault of ours).

    The transaction was rolled back in every case: a sync is all-or-nothing."""
    if isinstance(exc, SATimeoutError):  # no pooled connection free in time
        return "server_busy"
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    text = str(orig).lower()
    if state in _FULL_STATES or "disk is full" in text or "no space left" in text:
        return "storage_full"
    if (
        exc.connection_invalidated
        or state in _BUSY_STATES
        or "database is locked" in text
        or "database is busy" in text
        or "database table is locked" in text
    ):
        return "server_busy"
    if isinstance(exc, OperationalError) and type(orig).__module__.startswith("psycopg"):
        return "server_busy"  # connection-level trouble on PostgreSQL
    return None


def commit_or_skip(session: Session, what: str) -> bool:
    """Commit bookkeeping a read does on the side (a device's or a staff session's last
    seen, the timeline's catch-up); when the database cannot take the write (full, busy),
    roll it back and go on: a read never fails because a write beside it could not be made.
    True if committed."""
    try:
        session.commit()
        return True
    except (DBAPIError, SATimeoutError) as exc:
        if fault(exc) is None:
            raise
        session.rollback()
        log.warning("%s not written (%s): the read goes on", what, fault(exc))
        return False


def serialise(session: Session, *keys: str) -> None:
    """Hold a transaction-long lock on each key, in one order (no deadlock between two
    callers), so that counting-then-writing under these keys is atomic: PostgreSQL advisory
    locks; SQLite's writers are serial already (`BEGIN IMMEDIATE`)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
