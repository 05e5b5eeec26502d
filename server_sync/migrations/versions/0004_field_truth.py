"""Field truth: instants, the commune's days, household revisions and placements.

- Every time column becomes a UTC timestamp (it was the phone's ISO text, compared as
  text): visits' `visited_at`, households' `created_at`, `updated_at`, `removed_at` and
  `latest_visited_at`. The phone's text stays inside each record's content.
- The commune gets its time zone (default Asia/Ho_Chi_Minh) and campaign start (default
  2026-01-01); every stored day (`visited_day`, `created_day`, `removed_day`) is
  recomputed as the commune's calendar day (it was the day in the offset the phone wrote).
- Households get a server revision (1 for every existing one), every kept version in
  `household_revision`, and their hamlet and roster history in `household_placement`,
  started from what each household row says.
- `timeline_pending` only keeps the household and the batch: what stood before is read from
  placements and visits of earlier batches. The derived tallies and timeline are rebuilt
  at the next start (their signature changed in services/tallies.py).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
CHUNK = 2_000


def _zone(name: str) -> Any:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone(timedelta(hours=7))  # Vietnam: UTC+7 all year since 1975


def _instant(value: Any) -> datetime | None:
    """The stored text as a UTC instant (a text without an offset was written as UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _day(moment: datetime | None, zone: Any) -> date | None:
    return None if moment is None else moment.astimezone(zone).date()


def _swap(table: str, columns: list[str], nullable: dict[str, bool]) -> None:
    """Replace each text column by the filled timestamp column `<name>_utc`."""
    with op.batch_alter_table(table) as batch:
        for name in columns:
            batch.drop_column(name)
    with op.batch_alter_table(table) as batch:
        for name in columns:
            batch.alter_column(
                f"{name}_utc", new_column_name=name, existing_type=sa.DateTime(timezone=True), nullable=nullable[name]
            )


def upgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("commune") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=False, server_default=DEFAULT_ZONE))
        batch.add_column(sa.Column("campaign_start", sa.Date, nullable=False, server_default="2026-01-01"))
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="1"))
        for name in ("created_at", "updated_at", "removed_at", "latest_visited_at"):
            batch.add_column(sa.Column(f"{name}_utc", sa.DateTime(timezone=True)))
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("visited_at_utc", sa.DateTime(timezone=True)))

    zone_of_hamlet = {hamlet: _zone(DEFAULT_ZONE) for (hamlet,) in connection.execute(sa.text("SELECT id FROM hamlet"))}
    received = {}

    h = sa.table(
        "household",
        sa.column("id", sa.String),
        sa.column("content", sa.JSON),
        sa.column("created_at_utc", sa.DateTime(timezone=True)),
        sa.column("updated_at_utc", sa.DateTime(timezone=True)),
        sa.column("removed_at_utc", sa.DateTime(timezone=True)),
        sa.column("latest_visited_at_utc", sa.DateTime(timezone=True)),
        sa.column("created_day", sa.Date),
        sa.column("removed_day", sa.Date),
    )
    rows = connection.execute(
        sa.text(
            "SELECT id, hamlet_id, created_at, updated_at, removed_at, latest_visited_at, content, change_seq, received_at "
            "FROM household"
        )
    ).all()
    updates, revisions, placements = [], [], []
    for home_id, hamlet_id, created, updated, removed, latest, stored, seq, received_at in rows:
        zone = zone_of_hamlet.get(hamlet_id) or _zone(DEFAULT_ZONE)
        created_at, removed_at = _instant(created), _instant(removed)
        content = dict(json.loads(stored) if isinstance(stored, str) else stored)
        content["revision"] = 1
        created_day, removed_day = _day(created_at, zone), _day(removed_at, zone)
        updates.append(
            {
                "b_id": home_id,
                "c": created_at,
                "u": _instant(updated) or created_at,
                "r": removed_at,
                "l": _instant(latest),
                "cd": created_day,
                "rd": removed_day,
                "content": content,
            }
        )
        revisions.append(
            {
                "household_id": home_id,
                "revision": 1,
                "content": content,
                "change_seq": seq,
                "received_at": _instant(received_at),
            }
        )
        placements.append(
            {
                "household_id": home_id,
                "position": 0,
                "day": created_day,
                "hamlet_id": hamlet_id,
                "on_roster": True,
                "change_seq": seq,
            }
        )
        if removed_day is not None:
            placements.append(
                {
                    "household_id": home_id,
                    "position": 1,
                    "day": max(removed_day, created_day),
                    "hamlet_id": hamlet_id,
                    "on_roster": False,
                    "change_seq": seq,
                }
            )
        received[home_id] = received_at
    statement = (
        sa.update(h)
        .where(h.c.id == sa.bindparam("b_id"))
        .values(
            created_at_utc=sa.bindparam("c"),
            updated_at_utc=sa.bindparam("u"),
            removed_at_utc=sa.bindparam("r"),
            latest_visited_at_utc=sa.bindparam("l"),
            created_day=sa.bindparam("cd"),
            removed_day=sa.bindparam("rd"),
            content=sa.bindparam("content", type_=sa.JSON),
        )
    )
    for start in range(0, len(updates), CHUNK):
        connection.execute(statement, updates[start : start + CHUNK])

    v = sa.table(
        "visit",
        sa.column("id", sa.String),
        sa.column("visited_at_utc", sa.DateTime(timezone=True)),
        sa.column("visited_day", sa.Date),
    )
    visit_updates = []
    for visit_id, hamlet_id, visited in connection.execute(sa.text("SELECT id, hamlet_id, visited_at FROM visit")):
        moment = _instant(visited) or datetime(1970, 1, 1, tzinfo=UTC)
        visit_updates.append(
            {"b_id": visit_id, "at": moment, "day": _day(moment, zone_of_hamlet.get(hamlet_id) or _zone(DEFAULT_ZONE))}
        )
    statement = (
        sa.update(v)
        .where(v.c.id == sa.bindparam("b_id"))
        .values(visited_at_utc=sa.bindparam("at"), visited_day=sa.bindparam("day"))
    )
    for start in range(0, len(visit_updates), CHUNK):
        connection.execute(statement, visit_updates[start : start + CHUNK])

    _swap(
        "household",
        ["created_at", "updated_at", "removed_at", "latest_visited_at"],
        {"created_at": False, "updated_at": False, "removed_at": True, "latest_visited_at": True},
    )
    _swap("visit", ["visited_at"], {"visited_at": False})

    revision_table = op.create_table(
        "household_revision",
        sa.Column("household_id", sa.String(64), sa.ForeignKey("household.id"), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("change_seq", sa.Integer, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    placement_table = op.create_table(
        "household_placement",
        sa.Column("household_id", sa.String(64), sa.ForeignKey("household.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("hamlet_id", sa.String(64), sa.ForeignKey("hamlet.id"), nullable=False),
        sa.Column("on_roster", sa.Boolean, nullable=False),
        sa.Column("change_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_household_placement_hamlet", "household_placement", ["hamlet_id"])
    for start in range(0, len(revisions), CHUNK):
        op.bulk_insert(revision_table, revisions[start : start + CHUNK])
    for start in range(0, len(placements), CHUNK):
        op.bulk_insert(placement_table, placements[start : start + CHUNK])

    connection.execute(sa.text("DELETE FROM timeline_pending"))  # the rebuild at start takes everything in
    with op.batch_alter_table("timeline_pending") as batch:
        for name in ("old_hamlet_id", "old_created_day", "old_removed_day"):
            batch.drop_column(name)


def downgrade() -> None:
    raise NotImplementedError("0004 turns text times into instants: restore a backup taken before upgrading")
