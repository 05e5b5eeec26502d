"""Incremental coverage: each household's latest completed visit and tallies, per-hamlet sums.

The new columns and table hold derived data only: they start empty and the server rebuilds
them from stored visits at start (`services.tallies.ensure_current`), so upgrading a
database with years of visits loses nothing and needs no data step here.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("latest_visit_id", sa.String(64)))
        batch.add_column(sa.Column("latest_visited_at", sa.String(40)))
        batch.add_column(sa.Column("tallies", sa.JSON))
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("tallies", sa.JSON))
    op.create_table(
        "hamlet_tally",
        sa.Column("hamlet_id", sa.String(64), sa.ForeignKey("hamlet.id"), primary_key=True),
        sa.Column("adult_age", sa.Integer, primary_key=True),
        sa.Column("indicator", sa.String(40), primary_key=True),
        sa.Column("numerator", sa.Integer, nullable=False),
        sa.Column("denominator", sa.Integer, nullable=False),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("meta")
    op.drop_table("hamlet_tally")
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("tallies")
    with op.batch_alter_table("household") as batch:
        for column in ("tallies", "latest_visited_at", "latest_visit_id"):
            batch.drop_column(column)
