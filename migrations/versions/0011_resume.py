"""resume: the student's resume choices

Revision ID: 0011_resume
Revises: 0010_onet_crosswalk
Create Date: 2026-12-08 01:00:00

* ``resume_settings``: one row per plan with the resume's section order, the sections left
  out, the hidden entries (ids and field names only) and the contact details shown. The
  resume never stores text of its own: it reads the plan every time.

Hours on activities, work and service are the work-learning fields of 0014.
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0011_resume"
down_revision = "0010_onet_crosswalk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resume_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("section_order", sa.JSON(), nullable=False),
        sa.Column("left_out", sa.JSON(), nullable=False),
        sa.Column("hidden", sa.JSON(), nullable=False),
        sa.Column("contact", sa.JSON(), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_resume_settings_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resume_settings")),
        sa.UniqueConstraint("plan_id", name=op.f("uq_resume_settings_plan_id")),
    )


def downgrade() -> None:
    op.drop_table("resume_settings")
