"""Open follow-ups kept per completed visit, so the follow-up pages count and page them in
SQL (issue 12 §3) instead of deriving every household's needs on every view.

`visit_need` is derived data: it starts empty and the server fills it from the stored
visits at start and after each sync (`services.followups.catch_up`), so the upgrade needs
no data step and loses nothing.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_need",
        sa.Column("visit_id", sa.String(64), sa.ForeignKey("visit.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("member_id", sa.String(64)),
        sa.Column("relation", sa.String(64)),
        sa.Column("birth_year", sa.Integer),
        sa.Column("checklist_version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("visit_need")
    op.execute(sa.text("DELETE FROM meta WHERE key LIKE 'follow_ups:%'"))
