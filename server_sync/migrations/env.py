"""Alembic environment: the server runs migrations itself (`db.migrate`), on the
connection it hands over in `config.attributes["connection"]`."""

from __future__ import annotations

from alembic import context

from server_sync.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=connection.dialect.name == "sqlite"
)
with context.begin_transaction():
    context.run_migrations()
