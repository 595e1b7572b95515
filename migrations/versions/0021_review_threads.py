"""review threads: replies to plan comments, and notices ("What's new")

Revision ID: 0021_review_threads
Revises: 0020_caseloads
Create Date: 2026-12-07 19:50:00

* ``plan_comments.parent_id``: the comment a reply answers (NULL: a thread's first comment).
* ``notices``: one row per person who should hear of a change on a plan (ids only), read or
  not, and how it went out beyond Lodestar (Canvas conversation, email) or why it did not.
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0021_review_threads"
down_revision = "0020_caseloads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_comments") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_plan_comments_parent_id_plan_comments"),
            "plan_comments",
            ["parent_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(batch.f("ix_plan_comments_parent_id"), ["parent_id"], unique=False)
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("read_at", lti_tool.db.UTCDateTime(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("delivered_at", lti_tool.db.UTCDateTime(), nullable=True),
        sa.Column("delivery_error", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["people.id"],
            name=op.f("fk_notices_actor_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["plan_comments.id"],
            name=op.f("fk_notices_comment_id_plan_comments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_notices_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["people.id"],
            name=op.f("fk_notices_recipient_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["people.id"],
            name=op.f("fk_notices_student_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notices_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices") as batch:
        batch.create_index(batch.f("ix_notices_actor_id"), ["actor_id"], unique=False)
        batch.create_index(batch.f("ix_notices_comment_id"), ["comment_id"], unique=False)
        batch.create_index(batch.f("ix_notices_plan_id"), ["plan_id"], unique=False)
        batch.create_index(batch.f("ix_notices_student_id"), ["student_id"], unique=False)
        batch.create_index(batch.f("ix_notices_tenant_id"), ["tenant_id"], unique=False)
        batch.create_index("ix_notices_recipient_read", ["recipient_id", "read_at"], unique=False)


def downgrade() -> None:
    op.drop_table("notices")
    with op.batch_alter_table("plan_comments") as batch:
        batch.drop_index(batch.f("ix_plan_comments_parent_id"))
        batch.drop_constraint(
            batch.f("fk_plan_comments_parent_id_plan_comments"), type_="foreignkey"
        )
        batch.drop_column("parent_id")
