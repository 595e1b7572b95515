"""soft delete: goals, courses of the course plan and evidence can be undeleted for a while

Revision ID: 0018_soft_delete
Revises: 0017_reflection_activity
Create Date: 2026-12-07 16:30:00

* ``goals.deleted_at``, ``course_plan_entries.deleted_at``, ``evidence.deleted_at``: when the
  student deleted the row (NULL: not deleted). A deleted row is hidden everywhere and can be
  restored ("Undo") until ``ilp purge-deleted`` removes it for good. Existing rows stay as
  they are (NULL), so nothing is lost.
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0018_soft_delete"
down_revision = "0017_reflection_activity"
branch_labels = None
depends_on = None

TABLES = ("goals", "course_plan_entries", "evidence")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("deleted_at", lti_tool.db.UTCDateTime(), nullable=True))
            batch.create_index(batch.f(f"ix_{table}_deleted_at"), ["deleted_at"], unique=False)


def downgrade() -> None:
    # Rows deleted but not purged yet are removed for good: the older schema cannot hide them.
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE deleted_at IS NOT NULL"))  # noqa: S608
        with op.batch_alter_table(table) as batch:
            batch.drop_index(batch.f(f"ix_{table}_deleted_at"))
            batch.drop_column("deleted_at")
