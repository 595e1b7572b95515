"""each Dynamic Registration signs with its own key set

Revision ID: 0006_key_sets
Revises: 0005_person_tombstone
Create Date: 2026-12-02 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_key_sets"
down_revision = "0005_person_tombstone"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tool_keys") as batch:
        batch.add_column(sa.Column("key_set", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_tool_keys_key_set"), ["key_set"])
    with op.batch_alter_table("platforms") as batch:
        batch.add_column(sa.Column("key_set", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("platforms") as batch:
        batch.drop_column("key_set")
    with op.batch_alter_table("tool_keys") as batch:
        batch.drop_index(batch.f("ix_tool_keys_key_set"))
        batch.drop_column("key_set")
