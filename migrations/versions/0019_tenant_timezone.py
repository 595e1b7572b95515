"""tenant time zone: the district's own setting and the zone its LMS first sent

Revision ID: 0019_tenant_timezone
Revises: 0018_soft_delete
Create Date: 2026-12-07 16:30:00

* ``tenants.timezone``: the IANA time zone a district admin chose for its pages (empty: none).
* ``tenants.platform_timezone``: the first valid zone a launch from the district's LMS sent
  (Canvas's and Moodle's ``$Person.address.timezone``); used when the district chose none.

Existing tenants get neither (their pages keep showing UTC until a launch names a zone).
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_tenant_timezone"
down_revision = "0018_soft_delete"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("platform_timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("platform_timezone")
        batch.drop_column("timezone")
