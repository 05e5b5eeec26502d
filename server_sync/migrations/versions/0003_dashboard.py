"""The staff dashboard: accounts, sessions, sign-in failures, duplicate decisions, and the
per-day and per-quarter tally changes behind coverage "as of" a date and its trend.

`tally_change` is derived data like `hamlet_tally`: it starts empty and the server fills it
from the stored records at start (`services.tallies.ensure_current`). `timeline_pending`
lists households a sync changed that the timeline has not taken in yet; `visit.change_seq`
says which batch brought a visit (NULL: before this revision).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The indicators as of this revision; a later indicator gets its columns in its own revision.
INDICATORS = (
    "adults_ready",
    "adults_online_services",
    "households_guided",
    "households_waste_sorting",
    "households_waste_partly",
    "businesses_digital",
    "products_online",
    "hamlets_with_team",
    "visit_coverage",
)


def upgrade() -> None:
    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("commune_code", sa.String(16), sa.ForeignKey("commune.code"), nullable=False, index=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "staff_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_user.id"), nullable=False, index=True),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("client", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "duplicate_dismissal",
        sa.Column("first_id", sa.String(64), sa.ForeignKey("household.id"), primary_key=True),
        sa.Column("second_id", sa.String(64), sa.ForeignKey("household.id"), primary_key=True),
        sa.Column("staff_user_id", sa.Integer, sa.ForeignKey("staff_user.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "tally_change",
        sa.Column("hamlet_id", sa.String(64), sa.ForeignKey("hamlet.id"), primary_key=True),
        sa.Column("adult_age", sa.Integer, primary_key=True),
        sa.Column("period", sa.String(1), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        *[
            sa.Column(f"{prefix}_{indicator}", sa.Integer, nullable=False, server_default="0")
            for indicator in INDICATORS
            for prefix in ("n", "d")
        ],
    )
    op.create_index("ix_tally_change_age_period_day", "tally_change", ["adult_age", "period", "day"])
    op.create_table(
        "timeline_pending",
        sa.Column("household_id", sa.String(64), primary_key=True),
        sa.Column("old_hamlet_id", sa.String(64)),
        sa.Column("old_created_day", sa.Date),
        sa.Column("old_removed_day", sa.Date),
        sa.Column("seq", sa.Integer, nullable=False),
    )
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("change_seq", sa.Integer))
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("staff_user_id", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("staff_user_id")
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("change_seq")
    for table in (
        "timeline_pending",
        "tally_change",
        "duplicate_dismissal",
        "sign_in_failure",
        "staff_session",
        "staff_user",
    ):
        op.drop_table(table)
