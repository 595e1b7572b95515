"""caseloads: students' grade level, graduation year and school from the LMS or SIS, archived
graduates, and the rules that assign students to counselors

Revision ID: 0020_caseloads
Revises: 0019_tenant_timezone
Create Date: 2026-12-07 19:40:00

* ``people.grade_level``, ``graduation_year``, ``school``, ``student_info_source``: what the
  LMS or SIS says of a student (launch custom parameters, Canvas REST, a CSV import). Empty for
  existing people: the student's own entry in their plan still counts.
* ``people.archived_at``: a graduate archived at a year-end rollover (NULL: not archived).
* ``caseload_rules``: an admin's assignment of students to a counselor's grant (a named
  student, a grade level, an alphabetical range of family names, or a school).
* ``plan_snapshots.status`` (draft, submitted, returned, approved), ``submitted_at``,
  ``returned_at``, ``returned_by``: the two-way review of a school year's plan. Existing
  snapshots a counselor approved become ``approved``; the others ``draft``.
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0020_caseloads"
down_revision = "0019_tenant_timezone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("grade_level", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("graduation_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("school", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("student_info_source", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("archived_at", lti_tool.db.UTCDateTime(), nullable=True))
        batch.create_index(batch.f("ix_people_archived_at"), ["archived_at"], unique=False)
    op.create_table(
        "caseload_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "student",
                "grade",
                "alpha",
                "school",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("grade_level", sa.Integer(), nullable=True),
        sa.Column("alpha_from", sa.String(length=1), nullable=True),
        sa.Column("alpha_to", sa.String(length=1), nullable=True),
        sa.Column("school", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["people.id"],
            name=op.f("fk_caseload_rules_created_by_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["role_grants.id"],
            name=op.f("fk_caseload_rules_grant_id_role_grants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["people.id"],
            name=op.f("fk_caseload_rules_student_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_caseload_rules_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caseload_rules")),
    )
    with op.batch_alter_table("caseload_rules") as batch:
        batch.create_index(batch.f("ix_caseload_rules_created_by"), ["created_by"], unique=False)
        batch.create_index(batch.f("ix_caseload_rules_student_id"), ["student_id"], unique=False)
        batch.create_index(
            "ix_caseload_rules_tenant_grant", ["tenant_id", "grant_id"], unique=False
        )

    with op.batch_alter_table("plan_snapshots") as batch:
        batch.add_column(
            sa.Column(
                "status",
                sa.Enum(
                    "draft",
                    "submitted",
                    "returned",
                    "approved",
                    name="status",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                server_default="draft",
                nullable=False,
            )
        )
        batch.add_column(sa.Column("submitted_at", lti_tool.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("returned_at", lti_tool.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("returned_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_plan_snapshots_returned_by_people"),
            "people",
            ["returned_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(batch.f("ix_plan_snapshots_returned_by"), ["returned_by"], unique=False)
    op.execute(
        sa.text("UPDATE plan_snapshots SET status = 'approved' WHERE approved_at IS NOT NULL")
    )


def downgrade() -> None:
    with op.batch_alter_table("plan_snapshots") as batch:
        batch.drop_index(batch.f("ix_plan_snapshots_returned_by"))
        batch.drop_constraint(batch.f("fk_plan_snapshots_returned_by_people"), type_="foreignkey")
        batch.drop_column("returned_by")
        batch.drop_column("returned_at")
        batch.drop_column("submitted_at")
        batch.drop_constraint(batch.f("ck_plan_snapshots_status"), type_="check")
        batch.drop_column("status")
    op.drop_table("caseload_rules")
    with op.batch_alter_table("people") as batch:
        batch.drop_index(batch.f("ix_people_archived_at"))
        batch.drop_column("archived_at")
        batch.drop_column("student_info_source")
        batch.drop_column("school")
        batch.drop_column("graduation_year")
        batch.drop_column("grade_level")
