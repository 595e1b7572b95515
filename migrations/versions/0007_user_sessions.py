"""user_sessions: server-side sessions that end on sign-out, idleness and access changes

Revision ID: 0007_user_sessions
Revises: 0006_key_sets
Create Date: 2026-12-07 00:10:00
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0007_user_sessions"
down_revision = "0006_key_sets"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("roles", sa.String(length=100), nullable=False),
        sa.Column("launch_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("ended_at", lti_tool.db.UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_user_sessions_course_id_courses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_user_sessions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_user_sessions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("handle", name=op.f("uq_user_sessions_handle")),
    )
    with op.batch_alter_table("user_sessions") as batch:
        batch.create_index(batch.f("ix_user_sessions_course_id"), ["course_id"])
        batch.create_index(batch.f("ix_user_sessions_person_id"), ["person_id"])
        batch.create_index(batch.f("ix_user_sessions_tenant_id"), ["tenant_id"])


def downgrade():
    op.drop_table("user_sessions")
