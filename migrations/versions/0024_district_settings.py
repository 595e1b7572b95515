"""district settings: the school year's first day, the current school year, and how long
archived graduates are kept; an index for the audit-log viewer

Revision ID: 0024_district_settings
Revises: 0023_sign_off
Create Date: 2026-12-07 19:45:00

* ``district_settings``: one row per tenant that changed a default (school year from July 1;
  archived graduates kept 365 days; no rollover yet). Tenants without a row keep the defaults.
* ``ix_audit_events_tenant_created``: the viewer pages a tenant's events newest first.
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0024_district_settings"
down_revision = "0023_sign_off"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "district_settings",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("school_year_start_month", sa.Integer(), server_default="7", nullable=False),
        sa.Column("school_year_start_day", sa.Integer(), server_default="1", nullable=False),
        sa.Column("current_school_year", sa.String(length=9), nullable=True),
        sa.Column("graduate_retention_days", sa.Integer(), server_default="365", nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_district_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_district_settings")),
    )
    with op.batch_alter_table("audit_events") as batch:
        batch.create_index(
            "ix_audit_events_tenant_created", ["tenant_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_index("ix_audit_events_tenant_created")
    op.drop_table("district_settings")
