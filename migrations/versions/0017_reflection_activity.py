"""reflection activity: a teacher's settings of each plan reflection placement, and the
teacher's score and comment on each student's reflection

Revision ID: 0017_reflection_activity
Revises: 0016_course_plan
Create Date: 2026-12-07 16:20:00

* ``reflection_activities``: title, instructions, points, due date and scoring (completion,
  or a rubric of named levels with points) of one placement (resource link) of the activity.
  Existing placements get their row at their next launch, with the defaults they had
  (10 points, completion), so nothing needs copying here.
* ``reflection_reviews``: the teacher's rubric level or completion mark, score and comment
  for one student's reflection, and whether the LMS gradebook took it.
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0017_reflection_activity"
down_revision = "0016_course_plan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reflection_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("due_at", lti_tool.db.UTCDateTime(), nullable=True),
        sa.Column(
            "scoring",
            sa.Enum(
                "completion",
                "rubric",
                name="scoring",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_reflection_activities_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["people.id"],
            name=op.f("fk_reflection_activities_created_by_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_links.id"],
            name=op.f("fk_reflection_activities_resource_link_id_resource_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reflection_activities_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection_activities")),
        sa.UniqueConstraint(
            "resource_link_id", name=op.f("uq_reflection_activities_resource_link_id")
        ),
    )
    op.create_index(
        op.f("ix_reflection_activities_course_id"), "reflection_activities", ["course_id"]
    )
    op.create_index(
        op.f("ix_reflection_activities_tenant_id"), "reflection_activities", ["tenant_id"]
    )
    op.create_table(
        "reflection_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=80), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("scored_by", sa.Integer(), nullable=True),
        sa.Column("scored_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("gradebook", sa.String(length=20), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["reflection_activities.id"],
            name=op.f("fk_reflection_reviews_activity_id_reflection_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scored_by"],
            ["people.id"],
            name=op.f("fk_reflection_reviews_scored_by_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["people.id"],
            name=op.f("fk_reflection_reviews_student_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reflection_reviews_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection_reviews")),
        sa.UniqueConstraint(
            "activity_id", "student_id", name=op.f("uq_reflection_reviews_activity_id_student_id")
        ),
    )
    op.create_index(op.f("ix_reflection_reviews_student_id"), "reflection_reviews", ["student_id"])
    op.create_index(op.f("ix_reflection_reviews_tenant_id"), "reflection_reviews", ["tenant_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reflection_reviews_tenant_id"), table_name="reflection_reviews")
    op.drop_index(op.f("ix_reflection_reviews_student_id"), table_name="reflection_reviews")
    op.drop_table("reflection_reviews")
    op.drop_index(op.f("ix_reflection_activities_tenant_id"), table_name="reflection_activities")
    op.drop_index(op.f("ix_reflection_activities_course_id"), table_name="reflection_activities")
    op.drop_table("reflection_activities")
