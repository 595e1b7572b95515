"""saved occupations: occupations saved to a plan, the student's state and metro, goals about
an occupation, and a district's default state and metro

Revision ID: 0015_saved_occupations
Revises: 0013_journey
Create Date: 2026-12-09 01:00:00

* ``plan_saved_occupations``: an occupation (SOC 2018 code) a student saved to their plan,
  with a note of their own.
* ``plans.state_code`` and ``plans.metro_code``: where the student looks at jobs (a state's
  FIPS code and a BLS area code), chosen by the student.
* ``goals.soc_code``: the occupation a goal is about (a goal made from a saved occupation).
* ``career_area_defaults``: a district's default state and metro for its students.
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0015_saved_occupations"
down_revision = "0013_journey"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_saved_occupations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("soc_code", sa.String(length=7), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("saved_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_plan_saved_occupations_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_saved_occupations")),
        sa.UniqueConstraint(
            "plan_id", "soc_code", name=op.f("uq_plan_saved_occupations_plan_id_soc_code")
        ),
    )
    op.create_index(
        op.f("ix_plan_saved_occupations_soc_code"),
        "plan_saved_occupations",
        ["soc_code"],
        unique=False,
    )
    op.create_table(
        "career_area_defaults",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("state_code", sa.String(length=2), nullable=True),
        sa.Column("metro_code", sa.String(length=7), nullable=True),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_career_area_defaults_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_career_area_defaults")),
    )
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("state_code", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("metro_code", sa.String(length=7), nullable=True))
    with op.batch_alter_table("goals") as batch:
        batch.add_column(sa.Column("soc_code", sa.String(length=7), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("goals") as batch:
        batch.drop_column("soc_code")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("metro_code")
        batch.drop_column("state_code")
    op.drop_table("career_area_defaults")
    op.drop_index(op.f("ix_plan_saved_occupations_soc_code"), table_name="plan_saved_occupations")
    op.drop_table("plan_saved_occupations")
