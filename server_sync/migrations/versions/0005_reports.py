"""Reports a commune signs and sends (issue 12).

- `period_figure`: the plan's targets no household visit measures, entered by staff per
  period (append-only; the latest entry of an indicator and period counts).
- `commune.report_settings`: how the commune's reports are headed and signed.
- `tally_change` gets a column pair for each new visit indicator (the three conditions of
  `adults_ready` and traceability codes); the derived tallies and timeline are rebuilt at
  the next start (TALLY_VERSION changed in survey.indicators).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NEW_INDICATORS = ("adults_smartphone", "adults_vneid_level2", "adults_payment_account", "businesses_traceability")


def upgrade() -> None:
    op.create_table(
        "period_figure",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("commune_code", sa.String(16), sa.ForeignKey("commune.code"), nullable=False),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("numerator", sa.Integer, nullable=False),
        sa.Column("denominator", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("staff_user_id", sa.Integer, sa.ForeignKey("staff_user.id"), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_period_figure_commune", "period_figure", ["commune_code", "indicator", "period"])
    with op.batch_alter_table("commune") as batch:
        batch.add_column(sa.Column("report_settings", sa.JSON, nullable=True))
    with op.batch_alter_table("tally_change") as batch:
        for indicator in NEW_INDICATORS:
            for prefix in ("n", "d"):
                batch.add_column(sa.Column(f"{prefix}_{indicator}", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("tally_change") as batch:
        for indicator in NEW_INDICATORS:
            for prefix in ("n", "d"):
                batch.drop_column(f"{prefix}_{indicator}")
    with op.batch_alter_table("commune") as batch:
        batch.drop_column("report_settings")
    op.drop_index("ix_period_figure_commune", "period_figure")
    op.drop_table("period_figure")
