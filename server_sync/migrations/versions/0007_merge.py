"""Duplicates merged by staff, and undone (issue 12 §4): `household_merge` records which
household was kept, which left the roster as its duplicate, from which day the pair counts
once, and the batches that merged and undid it. Visits are not touched (append-only).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "household_merge",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hamlet_id", sa.String(64), sa.ForeignKey("hamlet.id"), nullable=False),
        sa.Column("kept_id", sa.String(64), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("dropped_id", sa.String(64), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("from_day", sa.Date, nullable=False),
        sa.Column("staff_user_id", sa.Integer, sa.ForeignKey("staff_user.id"), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_seq", sa.Integer, nullable=False),
        sa.Column("undone_by", sa.Integer, sa.ForeignKey("staff_user.id"), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_seq", sa.Integer, nullable=True),
    )
    for column in ("hamlet_id", "kept_id", "dropped_id"):
        op.create_index(f"ix_household_merge_{column}", "household_merge", [column])


def downgrade() -> None:
    for column in ("hamlet_id", "kept_id", "dropped_id"):
        op.drop_index(f"ix_household_merge_{column}", "household_merge")
    op.drop_table("household_merge")
