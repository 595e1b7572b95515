"""O*NET reference data and districts' SOC -> career cluster crosswalks

Revision ID: 0010_onet_crosswalk
Revises: 0009_occupations
Create Date: 2026-12-07 03:00:00

* ``onet_releases``, ``onet_occupations``, ``onet_related_occupations``: the loaded O*NET
  database release (global, replaced whole by ``ilp reference load-onet``).
* ``crosswalk_overrides``: a district's own crosswalk lines, per tenant
  (``ilp reference load-crosswalk``).
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0010_onet_crosswalk"
down_revision = "0009_occupations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "onet_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("release_date", sa.String(length=100), nullable=True),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("occupation_count", sa.Integer(), nullable=False),
        sa.Column("loaded_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onet_releases")),
    )
    op.create_table(
        "onet_occupations",
        sa.Column("onet_soc_code", sa.String(length=10), nullable=False),
        sa.Column("soc_code", sa.String(length=7), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("realistic", sa.Float(), nullable=True),
        sa.Column("investigative", sa.Float(), nullable=True),
        sa.Column("artistic", sa.Float(), nullable=True),
        sa.Column("social", sa.Float(), nullable=True),
        sa.Column("enterprising", sa.Float(), nullable=True),
        sa.Column("conventional", sa.Float(), nullable=True),
        sa.Column("high_point_code", sa.String(length=3), nullable=True),
        sa.Column("job_zone", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("onet_soc_code", name=op.f("pk_onet_occupations")),
    )
    op.create_index(
        op.f("ix_onet_occupations_soc_code"), "onet_occupations", ["soc_code"], unique=False
    )
    op.create_table(
        "onet_related_occupations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("onet_soc_code", sa.String(length=10), nullable=False),
        sa.Column("related_code", sa.String(length=10), nullable=False),
        sa.Column("tier", sa.String(length=50), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["onet_soc_code"],
            ["onet_occupations.onet_soc_code"],
            name=op.f("fk_onet_related_occupations_onet_soc_code_onet_occupations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onet_related_occupations")),
        sa.UniqueConstraint(
            "onet_soc_code",
            "related_code",
            name=op.f("uq_onet_related_occupations_onet_soc_code_related_code"),
        ),
    )
    op.create_table(
        "crosswalk_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("soc_code", sa.String(length=7), nullable=False),
        sa.Column("cluster_2024", sa.String(length=120), nullable=False),
        sa.Column("subcluster_2024", sa.String(length=120), nullable=True),
        sa.Column("cluster_2008", sa.String(length=120), nullable=False),
        sa.Column("pathway_2008", sa.String(length=120), nullable=True),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_crosswalk_overrides_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crosswalk_overrides")),
        sa.UniqueConstraint(
            "tenant_id", "soc_code", name=op.f("uq_crosswalk_overrides_tenant_id_soc_code")
        ),
    )


def downgrade():
    op.drop_table("crosswalk_overrides")
    op.drop_table("onet_related_occupations")
    op.drop_index(op.f("ix_onet_occupations_soc_code"), table_name="onet_occupations")
    op.drop_table("onet_occupations")
    op.drop_table("onet_releases")
