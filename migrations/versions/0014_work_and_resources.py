"""work and resources: work-based learning on plan items, community resources, recommendations

Revision ID: 0014_work_and_resources
Revises: 0012_postsecondary
Create Date: 2026-12-20 00:00:00

* ``plan_items`` gets nullable columns for work-based learning: organization, role,
  learning_kind (with its CHECK constraint), hours_per_week, total_hours, start_date,
  end_date and learned. Existing rows keep every value; a work entry's ``date`` is copied
  to its ``start_date`` (the work form asks for start and end dates now) and stays in
  ``date`` too, so the downgrade loses nothing of what was there before.
* ``community_resources``: the district's curated list (per tenant).
* ``resource_recommendations``: a counselor's recommendation of a resource into a plan.
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0014_work_and_resources"
down_revision = "0012_postsecondary"
branch_labels = None
depends_on = None

#: The allowed values, as the models' StrEnums stood at this revision.
LEARNING_KINDS = (
    "job",
    "internship",
    "apprenticeship",
    "job_shadow",
    "volunteer",
    "school_enterprise",
    "other",
)
CATEGORIES = (
    "tutoring",
    "mental_health",
    "food",
    "jobs_training",
    "college_access",
    "financial_aid",
    "transport",
    "other",
)
STATUSES = ("open", "done", "dismissed")


def _in_list(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("plan_items") as batch:
        batch.add_column(sa.Column("organization", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("role", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("learning_kind", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("hours_per_week", sa.Float(), nullable=True))
        batch.add_column(sa.Column("total_hours", sa.Float(), nullable=True))
        batch.add_column(sa.Column("start_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("end_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("learned", sa.Text(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_plan_items_learning_kind"), _in_list("learning_kind", LEARNING_KINDS)
        )
    op.execute(
        "UPDATE plan_items SET start_date = date "
        "WHERE kind = 'work' AND start_date IS NULL AND date IS NOT NULL"
    )

    op.create_table(
        "community_resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=60), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("serves", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            _in_list("category", CATEGORIES), name=op.f("ck_community_resources_category")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_community_resources_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["people.id"],
            name=op.f("fk_community_resources_created_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_resources")),
        sa.UniqueConstraint(
            "tenant_id", "name", name=op.f("uq_community_resources_tenant_id_name")
        ),
    )
    op.create_index(op.f("ix_community_resources_tenant_id"), "community_resources", ["tenant_id"])
    op.create_index(
        op.f("ix_community_resources_created_by"), "community_resources", ["created_by"]
    )

    op.create_table(
        "resource_recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recommended_by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_changed_at", lti_tool.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            _in_list("status", STATUSES), name=op.f("ck_resource_recommendations_status")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_resource_recommendations_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["community_resources.id"],
            name=op.f("fk_resource_recommendations_resource_id_community_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommended_by"],
            ["people.id"],
            name=op.f("fk_resource_recommendations_recommended_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_recommendations")),
        sa.UniqueConstraint(
            "plan_id",
            "resource_id",
            name=op.f("uq_resource_recommendations_plan_id_resource_id"),
        ),
    )
    for column in ("plan_id", "resource_id", "recommended_by"):
        op.create_index(
            op.f(f"ix_resource_recommendations_{column}"), "resource_recommendations", [column]
        )


def downgrade():
    for column in ("plan_id", "resource_id", "recommended_by"):
        op.drop_index(
            op.f(f"ix_resource_recommendations_{column}"), table_name="resource_recommendations"
        )
    op.drop_table("resource_recommendations")
    op.drop_index(op.f("ix_community_resources_created_by"), table_name="community_resources")
    op.drop_index(op.f("ix_community_resources_tenant_id"), table_name="community_resources")
    op.drop_table("community_resources")

    # A work entry added since keeps when it started in ``date``.
    op.execute(
        "UPDATE plan_items SET date = start_date "
        "WHERE kind = 'work' AND date IS NULL AND start_date IS NOT NULL"
    )
    with op.batch_alter_table("plan_items") as batch:
        batch.drop_constraint(op.f("ck_plan_items_learning_kind"), type_="check")
        for column in (
            "learned",
            "end_date",
            "start_date",
            "total_hours",
            "hours_per_week",
            "learning_kind",
            "role",
            "organization",
        ):
            batch.drop_column(column)
