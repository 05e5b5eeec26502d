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

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from .settings import database_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("read_only"):
            connection.exec_driver_sql("PRAGMA query_only=1")
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("PRAGMA query_only=0")
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_current(url: str | None = None) -> tuple[Engine, sessionmaker[Session]]:
    """An engine and sessions over a database brought up to date: the schema migrated and the
    derived coverage tallies rebuilt if another version made them (server, CLI, `make run`)."""
    from .services import tallies  # services build on this module

    engine = make_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        tallies.ensure_current(session)
    return engine, sessions


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


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
        if sqlite:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # outside any transaction
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"migration left a dangling foreign key: {tuple(broken)}")
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
