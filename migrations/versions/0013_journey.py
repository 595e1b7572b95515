"""the grade 6-12 journey: district steps, student ticks, the first-run guide, course plan grades

Revision ID: 0013_journey
Revises: 0014_work_and_resources
Create Date: 2026-12-07 03:30:00

* ``journey_steps``: a district's changes to the shipped journey (``plans/data/journey.json``):
  a row with a shipped key edits or hides that step, a row with a new key adds one.
* ``journey_ticks``: the steps a student ticked done (steps without a completion check).
* ``plans.show_guide``: whether the plan page offers the first-run guide. Existing plans get
  false (their students are past the first run); new plans are created with true.
* ``plan_settings``: a tenant's first grade of the course plan (9 by default; 6, 7 or 8 where
  the district plans middle school courses too). No row means the default, so nothing is
  written for existing tenants and existing course plans are untouched.
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0013_journey"
down_revision = "0014_work_and_resources"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plans") as batch:
        batch.add_column(
            sa.Column("show_guide", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "plan_settings",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("course_plan_first_grade", sa.Integer(), nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_plan_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_plan_settings")),
    )
    op.create_table(
        "journey_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("check", sa.String(length=60), nullable=True),
        sa.Column("at_least", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_journey_steps_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_steps")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_journey_steps_tenant_id_key")),
    )
    op.create_table(
        "journey_ticks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=60), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_journey_ticks_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_ticks")),
        sa.UniqueConstraint("plan_id", "step_key", name=op.f("uq_journey_ticks_plan_id_step_key")),
    )


def downgrade():
    op.drop_table("journey_ticks")
    op.drop_table("journey_steps")
    op.drop_table("plan_settings")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("show_guide")
