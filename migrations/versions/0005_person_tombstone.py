"""people.erased_at: the anonymised tombstone a deletion on request leaves

Revision ID: 0005_person_tombstone
Revises: 0004_tenants
Create Date: 2026-12-02 00:50:00
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0005_person_tombstone"
down_revision = "0004_tenants"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("erased_at", lti_tool.db.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("people") as batch:
        batch.drop_column("erased_at")
