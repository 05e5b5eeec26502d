"""Administration over five years (issue 12 §4).

- `volunteer.deactivated_at`: a volunteer paused by commune staff; their phones' syncs are
  refused (`volunteer_inactive`) and their codes do not enrol until they are reactivated.
  Nothing of theirs is deleted.
- `volunteer_hamlet.added_seq`: the change sequence at which a hamlet joined a volunteer's
  scope (NULL: from the start), so a phone's next sync brings that hamlet's households
  whatever its cursor (services/roster.py).
- `enrolment_code.revoked_at`: an unused code staff took back; it no longer enrols.
- `audit.commune_code`: the commune each audit row belongs to, filled for every row written
  from now on and worked out here for the rows already stored (by the staff user, the
  record's hamlet, or the device's volunteer), with an index for the audit page, which
  reads one commune's rows newest first, a page at a time.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Each existing audit row's commune, the first that answers: the staff user who made the
# change (dashboard edits, figures, report settings), the household's or the visit's hamlet,
# the device's volunteer (a refused visit is stored nowhere else), a commune row's own code.
BACKFILL = (
    "UPDATE audit SET commune_code = (SELECT s.commune_code FROM staff_user s WHERE s.id = audit.staff_user_id) "
    "WHERE commune_code IS NULL AND staff_user_id IS NOT NULL",
    "UPDATE audit SET commune_code = (SELECT m.commune_code FROM household h JOIN hamlet m ON m.id = h.hamlet_id "
    "WHERE h.id = audit.record_id) WHERE commune_code IS NULL AND kind = 'household'",
    "UPDATE audit SET commune_code = (SELECT m.commune_code FROM visit v JOIN hamlet m ON m.id = v.hamlet_id "
    "WHERE v.id = audit.record_id) WHERE commune_code IS NULL AND kind = 'visit'",
    "UPDATE audit SET commune_code = (SELECT o.commune_code FROM device d JOIN volunteer o ON o.id = d.volunteer_id "
    "WHERE d.id = audit.device_id) WHERE commune_code IS NULL AND device_id IS NOT NULL",
    "UPDATE audit SET commune_code = (SELECT c.code FROM commune c WHERE c.code = audit.record_id) "
    "WHERE commune_code IS NULL AND kind = 'commune'",
)


def upgrade() -> None:
    with op.batch_alter_table("volunteer") as batch:
        batch.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("volunteer_hamlet") as batch:
        batch.add_column(sa.Column("added_seq", sa.Integer, nullable=True))
    with op.batch_alter_table("enrolment_code") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("commune_code", sa.String(16), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)
    op.create_index("ix_audit_commune_at", "audit", ["commune_code", "at", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_commune_at", "audit")
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("commune_code")
    with op.batch_alter_table("enrolment_code") as batch:
        batch.drop_column("revoked_at")
    with op.batch_alter_table("volunteer_hamlet") as batch:
        batch.drop_column("added_seq")
    with op.batch_alter_table("volunteer") as batch:
        batch.drop_column("deactivated_at")
