"""Communes, hamlets, volunteers, enrolment, devices, households, visits, audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "commune",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("province", sa.String(200), nullable=False),
        sa.Column("adult_age", sa.Integer, nullable=False),
        sa.Column("close_margin", sa.Float, nullable=False),
        sa.Column("targets", sa.JSON, nullable=False),
    )
    op.create_table(
        "hamlet",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("commune_code", sa.String(16), sa.ForeignKey("commune.code"), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("team_active_since", sa.String(32)),
    )
    op.create_table(
        "volunteer",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("commune_code", sa.String(16), sa.ForeignKey("commune.code"), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "volunteer_hamlet",
        sa.Column("volunteer_id", sa.String(36), sa.ForeignKey("volunteer.id"), primary_key=True),
        sa.Column("hamlet_id", sa.String(64), sa.ForeignKey("hamlet.id"), primary_key=True),
    )
    op.create_table(
        "enrolment_code",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("volunteer_id", sa.String(36), sa.ForeignKey("volunteer.id"), nullable=False, index=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("volunteer_id", sa.String(36), sa.ForeignKey("volunteer.id"), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen", TZ),
        sa.Column("revoked_at", TZ),
    )
    op.create_table(
        "household",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("hamlet_id", sa.String(64), sa.ForeignKey("hamlet.id"), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("removed_at", sa.String(40)),
        sa.Column("created_day", sa.Date, nullable=False),
        sa.Column("removed_day", sa.Date),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("change_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_household_hamlet_seq", "household", ["hamlet_id", "change_seq"])
    op.create_table(
        "visit",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(64), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("hamlet_id", sa.String(64), sa.ForeignKey("hamlet.id"), nullable=False),
        sa.Column("visited_at", sa.String(40), nullable=False),
        sa.Column("visited_day", sa.Date),
        sa.Column("outcome", sa.String(32)),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("device_id", sa.String(36)),
    )
    op.create_index("ix_visit_household", "visit", ["household_id", "outcome", "visited_day"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("device_id", sa.String(36)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False, index=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("old_fingerprint", sa.String(64)),
        sa.Column("new_fingerprint", sa.String(64)),
        sa.Column("old_content", sa.JSON),
        sa.Column("new_content", sa.JSON),
    )
    op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO change_counter (id, value) VALUES (1, 0)")


def downgrade() -> None:
    for table in (
        "change_counter",
        "audit",
        "visit",
        "household",
        "device",
        "enrolment_code",
        "volunteer_hamlet",
        "volunteer",
        "hamlet",
        "commune",
    ):
        op.drop_table(table)
