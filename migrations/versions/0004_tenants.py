"""tenants hold registrations; Lodestar grants; SIS ids; per-course guardian links;
launch assertions; pending deployments

A tenant is now the district's LMS, not one registration. Every existing platform becomes
its own tenant with the *same id*, so every ``tenant_id`` already stored keeps pointing at
the same people, courses and plans; only the foreign keys move from ``platforms`` to
``tenants``. Counselor marks become grants. Nothing is lost.

Revision ID: 0004_tenants
Revises: 0003_plans
Create Date: 2026-12-01 23:40:00
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0004_tenants"
down_revision = "0003_plans"
branch_labels = None
depends_on = None

#: Every table whose ``tenant_id`` pointed at ``platforms.id``.
TENANT_TABLES = (
    "people",
    "courses",
    "mentorships",
    "audit_events",
    "sync_runs",
    "lms_credentials",
    "transcript_entries",
    "plans",
    "programs_of_study",
    "evidence",
    "stored_files",
)


def _repoint(table: str, old: str, new: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(f"fk_{table}_tenant_id_{old}", type_="foreignkey")
        batch.create_foreign_key(
            f"fk_{table}_tenant_id_{new}", new, ["tenant_id"], ["id"], ondelete="CASCADE"
        )


def upgrade():
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("district", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
    )
    # One tenant per existing platform, same id: stored tenant_ids stay valid.
    op.execute(
        "INSERT INTO tenants (id, name, district, active, created_at) "
        "SELECT id, name, district, active, created_at FROM platforms"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('tenants', 'id'), "
            "COALESCE((SELECT MAX(id) FROM tenants), 0) + 1, false)"
        )

    with op.batch_alter_table("platforms") as batch:
        batch.add_column(sa.Column("tenant_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "institution_admins_are_admins",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    op.execute("UPDATE platforms SET tenant_id = id")
    with op.batch_alter_table("platforms") as batch:
        batch.alter_column("tenant_id", existing_type=sa.Integer(), nullable=False)
        batch.create_index(batch.f("ix_platforms_tenant_id"), ["tenant_id"])
        batch.create_foreign_key(
            "fk_platforms_tenant_id_tenants", "tenants", ["tenant_id"], ["id"], ondelete="CASCADE"
        )

    for table in TENANT_TABLES:
        _repoint(table, "platforms", "tenants")

    with op.batch_alter_table("deployments") as batch:
        batch.add_column(
            sa.Column("approved", sa.Boolean(), nullable=False, server_default=sa.true())
        )

    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("platform_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_courses_platform_id_platforms",
            "platforms",
            ["platform_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute("UPDATE courses SET platform_id = tenant_id")

    with op.batch_alter_table("enrollments") as batch:
        batch.add_column(sa.Column("asserted_at", lti_tool.db.UTCDateTime(), nullable=True))

    with op.batch_alter_table("mentorships") as batch:
        batch.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch.drop_constraint("uq_mentorships_guardian_id_student_id", type_="unique")
        batch.create_unique_constraint(
            "uq_mentorships_guardian_id_student_id_course_id",
            ["guardian_id", "student_id", "course_id"],
        )
        batch.create_foreign_key(
            "fk_mentorships_course_id_courses", "courses", ["course_id"], ["id"], ondelete="CASCADE"
        )

    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("sub", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_role_grants_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_role_grants_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"],
            ["people.id"],
            name=op.f("fk_role_grants_granted_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
    )
    op.create_index("ix_role_grants_tenant_person", "role_grants", ["tenant_id", "person_id"])
    # Counselor marks become grants (the data moves before the column goes).
    op.execute(
        "INSERT INTO role_grants (tenant_id, role, person_id, sub, source, created_at) "
        "SELECT tenant_id, 'counselor', id, sub, 'operator', created_at FROM people "
        "WHERE is_counselor"
    )

    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("sis_id", sa.String(length=255), nullable=True))
        batch.drop_column("is_counselor")


def downgrade():
    bind = op.get_bind()
    mismatched = bind.execute(
        sa.text(
            "SELECT count(*) FROM tenants t WHERE (SELECT count(*) FROM platforms p "
            "WHERE p.tenant_id = t.id) <> 1 OR NOT EXISTS (SELECT 1 FROM platforms p "
            "WHERE p.id = t.id AND p.tenant_id = t.id)"
        )
    ).scalar()
    if mismatched:
        raise RuntimeError(
            "Cannot downgrade: some tenants hold several registrations or a "
            "registration whose id differs from its tenant's; data would be "
            "given to the wrong registration."
        )
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("is_counselor", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.drop_column("sis_id")
    op.execute(
        "UPDATE people SET is_counselor = true WHERE id IN (SELECT person_id FROM "
        "role_grants WHERE role IN ('counselor', 'admin') AND person_id IS NOT NULL)"
    )
    op.drop_index("ix_role_grants_tenant_person", table_name="role_grants")
    op.drop_table("role_grants")
    with op.batch_alter_table("mentorships") as batch:
        batch.drop_constraint("fk_mentorships_course_id_courses", type_="foreignkey")
        batch.drop_constraint("uq_mentorships_guardian_id_student_id_course_id", type_="unique")
        batch.drop_column("course_id")
        batch.create_unique_constraint(
            "uq_mentorships_guardian_id_student_id", ["guardian_id", "student_id"]
        )
    with op.batch_alter_table("enrollments") as batch:
        batch.drop_column("asserted_at")
    with op.batch_alter_table("courses") as batch:
        batch.drop_constraint("fk_courses_platform_id_platforms", type_="foreignkey")
        batch.drop_column("platform_id")
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("approved")
    # Checked above: every tenant is one registration with the same id.
    for table in TENANT_TABLES:
        _repoint(table, "tenants", "platforms")
    with op.batch_alter_table("platforms") as batch:
        batch.drop_constraint("fk_platforms_tenant_id_tenants", type_="foreignkey")
        batch.drop_index(batch.f("ix_platforms_tenant_id"))
        batch.drop_column("institution_admins_are_admins")
        batch.drop_column("tenant_id")
    op.drop_table("tenants")
