"""Where the server keeps its data and how much it accepts, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much one request may make the server do (DESIGN §7: request size limits), all
    checked before the expensive part: bytes on the wire and once decompressed, JSON
    elements and nesting before parsing, records per batch before any is read, and how long
    a client may take to send its body.

    Sizing: a real day is 20–40 visits; a phone sends at most 500 records per request
    (mobile/sync/service.py: BATCH), ~0.8 MB. The batch limits allow a commune-wide import
    (5,000 households, 20,000 visits) in one request. A visit is ~75 JSON values and ~1.6 KB
    (115 values and 2.4 KB for a large household), so 20,000 visits and 5,000 households
    take ~34 MB and 1.6 million values (2,000,000 allowed: a bigger batch is halved by the
    phone); the deepest record nests 7 levels.

    Memory: a server process holds 12–17 times the JSON it parses (bench/limits.py), so the
    decompressed limit, 36 MiB, is what keeps the heaviest allowed request under its budget
    (768 MiB); a bigger batch is refused and the phone sends it in halves. At most
    `parallel_bodies` requests read and work on their bodies at once, and only one of them
    may be larger than `large_body_bytes`; the others wait their turn (up to `queue_seconds`,
    then 503 `server_busy`).
    """

    body_bytes: int = 8 * MIB
    decompressed_bytes: int = 36 * MIB
    json_elements: int = 2_000_000
    json_depth: int = 32
    batch_households: int = 5_000
    batch_visits: int = 20_000
    # Enrolment (before any authentication): a code and a device name.
    small_body_bytes: int = 16 * 1024
    small_json_elements: int = 64
    # A client that stops sending its body is dropped after `body_idle_seconds` without a
    # byte, and any body must be in within `body_seconds` (8 MiB at 256 kbit/s takes ~260 s).
    body_idle_seconds: float = 30.0
    body_seconds: float = 300.0
    parallel_bodies: int = 4
    large_body_bytes: int = 4 * MIB
    queue_seconds: float = 30.0


def database_url(explicit: str | None = None) -> str:
    """`DATABASE_URL` when set (e.g. postgresql+psycopg://…), else a SQLite file in the data dir."""
    url = explicit or os.environ.get("DATABASE_URL")
    if url:
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3, not psycopg2
        return url
    data_dir = Path(os.environ.get("SERVER_DATA_DIR", "./data"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir.resolve() / 'server.db'}"
