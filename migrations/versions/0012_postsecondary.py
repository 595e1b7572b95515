"""postsecondary and financial planning: district program catalogue, the student's list with
application tracker, financial-checklist adaptations and ticks

Revision ID: 0012_postsecondary
Revises: 0011_resume
Create Date: 2026-12-07 03:30:00

Four new tables; nothing existing changes:

* ``catalogue_programs``: a tenant's catalogue of schools and programs (replaced by import).
* ``postsecondary_options`` and ``application_tasks``: the schools and programs a student
  considers, with the essays and recommendation letters each application asks for.
* ``checklist_adaptations``: a tenant's edits, hidden items and own items of the shipped
  financial-planning checklist; ``checklist_ticks``: items a student ticked done.
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0012_postsecondary"
down_revision = "0011_resume"
branch_labels = None
depends_on = None

PROGRAM_KINDS = (
    "two_year",
    "four_year",
    "apprenticeship",
    "cte_certificate",
    "military",
    "work",
)
APPLICATION_STATUSES = (
    "researching",
    "planning_to_apply",
    "applying",
    "applied",
    "accepted",
    "waitlisted",
    "not_accepted",
    "enrolled",
    "not_going",
)
TASK_KINDS = ("essay", "letter")
TASK_STATUSES = ("not_started", "in_progress", "done")


def _in_list(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        "catalogue_programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("institution", sa.String(length=255), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("credential", sa.String(length=120), nullable=False),
        sa.Column("cip_code", sa.String(length=10), nullable=True),
        sa.Column("control", sa.String(length=40), nullable=False),
        sa.Column("cost_per_year", sa.Integer(), nullable=True),
        sa.Column("tuition_in_state", sa.Integer(), nullable=True),
        sa.Column("tuition_out_of_state", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.String(length=10), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_release", sa.String(length=160), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            _in_list("kind", PROGRAM_KINDS), name=op.f("ck_catalogue_programs_kind")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_catalogue_programs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_programs")),
    )
    op.create_index(op.f("ix_catalogue_programs_tenant_id"), "catalogue_programs", ["tenant_id"])

    op.create_table(
        "postsecondary_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("catalogue_program_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("institution", sa.String(length=255), nullable=False),
        sa.Column("location", sa.String(length=160), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("goal_ids", sa.JSON(), nullable=False),
        sa.Column("soc_codes", sa.JSON(), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            _in_list("kind", PROGRAM_KINDS), name=op.f("ck_postsecondary_options_kind")
        ),
        sa.CheckConstraint(
            _in_list("status", APPLICATION_STATUSES),
            name=op.f("ck_postsecondary_options_status"),
        ),
        sa.ForeignKeyConstraint(
            ["catalogue_program_id"],
            ["catalogue_programs.id"],
            name=op.f("fk_postsecondary_options_catalogue_program_id_catalogue_programs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_postsecondary_options_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postsecondary_options")),
    )
    op.create_index(op.f("ix_postsecondary_options_plan_id"), "postsecondary_options", ["plan_id"])
    op.create_index(
        op.f("ix_postsecondary_options_catalogue_program_id"),
        "postsecondary_options",
        ["catalogue_program_id"],
    )

    op.create_table(
        "application_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(_in_list("kind", TASK_KINDS), name=op.f("ck_application_tasks_kind")),
        sa.CheckConstraint(
            _in_list("status", TASK_STATUSES), name=op.f("ck_application_tasks_status")
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["postsecondary_options.id"],
            name=op.f("fk_application_tasks_option_id_postsecondary_options"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_tasks")),
    )
    op.create_index(op.f("ix_application_tasks_option_id"), "application_tasks", ["option_id"])

    op.create_table(
        "checklist_adaptations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_checklist_adaptations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_adaptations")),
        sa.UniqueConstraint(
            "tenant_id", "key", name=op.f("uq_checklist_adaptations_tenant_id_key")
        ),
    )

    op.create_table(
        "checklist_ticks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=60), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_checklist_ticks_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_ticks")),
        sa.UniqueConstraint(
            "plan_id", "item_key", name=op.f("uq_checklist_ticks_plan_id_item_key")
        ),
    )


def downgrade():
    op.drop_table("checklist_ticks")
    op.drop_table("checklist_adaptations")
    op.drop_index(op.f("ix_application_tasks_option_id"), table_name="application_tasks")
    op.drop_table("application_tasks")
    op.drop_index(
        op.f("ix_postsecondary_options_catalogue_program_id"), table_name="postsecondary_options"
    )
    op.drop_index(op.f("ix_postsecondary_options_plan_id"), table_name="postsecondary_options")
    op.drop_table("postsecondary_options")
    op.drop_index(op.f("ix_catalogue_programs_tenant_id"), table_name="catalogue_programs")
    op.drop_table("catalogue_programs")
