"""What the database holds, table by table, to prove a refused request changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server_sync.models import Base


def snapshot(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    with app.state.sessions() as session:
        return {
            name: sorted((tuple(repr(v) for v in row) for row in session.execute(select(table))), key=repr)
            for name, table in Base.metadata.tables.items()
        }
