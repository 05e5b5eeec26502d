"""Where the server keeps its data and how much it accepts, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Request size limits (DESIGN §7): compressed and once decompressed."""

    body_bytes: int = 8 * MIB
    decompressed_bytes: int = 64 * MIB


def database_url(explicit: str | None = None) -> str:
    """`DATABASE_URL` when set (e.g. postgresql+psycopg://…), else a SQLite file in the data dir."""
    url = explicit or os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3, not psycopg2
        return url
    data_dir = Path(os.environ.get("SERVER_DATA_DIR", "./data"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir.resolve() / 'server.db'}"
