"""data layer: CHECK constraints on enum columns, foreign-key indexes, typed LMS API keys

Revision ID: 0008_data_layer
Revises: 0007_user_sessions
Create Date: 2026-12-07 01:00:00

* Every enum-like column gets a CHECK constraint listing its values (``ck_<table>_<column>``).
  A row holding a value outside the list stops the upgrade with a message naming the table,
  the column and the values; nothing is changed or deleted to make it pass.
* Foreign-key columns that queries (and ON DELETE cascades) filter on get an index.
* LMS REST API keys move from ``platforms.settings`` (``canvas_client_id`` /
  ``canvas_client_secret``, ``schoology_consumer_key`` / ``schoology_consumer_secret``) to
  the ``platform_api_keys`` table. The secrets stay encrypted exactly as they were (the same
  ciphertext is copied), so the migration needs no key; the downgrade puts them back.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0008_data_layer"
down_revision = "0007_user_sessions"
branch_labels = None
depends_on = None

#: (table, column): the allowed values, as the models' StrEnums stood at this revision.
ENUM_VALUES = {
    ("platforms", "lms"): ("canvas", "schoology", "moodle", "generic"),
    ("enrollments", "role"): ("student", "teacher", "guardian", "counselor", "admin"),
    ("enrollments", "status"): ("active", "inactive"),
    ("role_grants", "role"): ("admin", "counselor"),
    ("user_sessions", "mode"): ("cookie", "frame"),
    ("tool_keys", "status"): ("active", "previous", "retired"),
    ("sync_runs", "kind"): ("roster", "grades", "canvas", "canvas_transcript", "schoology"),
    ("sync_runs", "status"): ("queued", "running", "succeeded", "partial", "failed"),
    ("goals", "category"): ("academic", "career", "college", "personal", "financial"),
    ("goals", "status"): ("not_started", "in_progress", "achieved", "revised"),
    ("course_plan_entries", "status"): ("planned", "in_progress", "completed"),
    ("plan_items", "kind"): (
        "activity",
        "accomplishment",
        "work",
        "service",
        "assessment",
        "contact",
    ),
    ("evidence", "kind"): ("assignment", "submission", "file", "url"),
}

#: Foreign-key columns that get an index: ``ix_<table>_<column>``.
FK_INDEXES = [
    ("assignment_tags", "tagged_by"),
    ("audit_events", "actor_id"),
    ("course_tags", "tagged_by"),
    ("courses", "platform_id"),
    ("evidence", "attached_by"),
    ("evidence", "course_id"),
    ("evidence", "file_id"),
    ("evidence", "goal_id"),
    ("evidence", "student_id"),
    ("evidence", "tenant_id"),
    ("lms_credentials", "tenant_id"),
    ("mentorships", "course_id"),
    ("mentorships", "student_id"),
    ("plan_comments", "author_id"),
    ("plan_snapshots", "approved_by"),
    ("plan_snapshots", "signed_by"),
    ("plans", "person_id"),
    ("plans", "program_of_study_id"),
    ("role_grants", "granted_by"),
    ("role_grants", "person_id"),
    ("stored_files", "owner_id"),
    ("stored_files", "tenant_id"),
    ("sync_runs", "person_id"),
    ("sync_runs", "requested_by"),
    ("sync_runs", "tenant_id"),
    ("transcript_entries", "tenant_id"),
]

#: kind -> (settings key of the key id, settings key of the encrypted secret).
API_KEY_SETTINGS = {
    "canvas": ("canvas_client_id", "canvas_client_secret"),
    "schoology": ("schoology_consumer_key", "schoology_consumer_secret"),
}

LMS_KINDS = ENUM_VALUES[("platforms", "lms")]

platforms = sa.table("platforms", sa.column("id", sa.Integer), sa.column("settings", sa.JSON))


def _in_list(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _enum_tables():
    tables = {}
    for (table, column), values in ENUM_VALUES.items():
        tables.setdefault(table, []).append((column, values))
    return tables


def upgrade():
    conn = op.get_bind()
    for (table, column), values in ENUM_VALUES.items():
        strays = (
            conn.execute(
                sa.text(
                    f"SELECT DISTINCT {column} FROM {table} "  # noqa: S608 - this file's own names
                    f"WHERE NOT ({_in_list(column, values)})"
                )
            )
            .scalars()
            .all()
        )
        if strays:
            raise RuntimeError(
                f"{table}.{column} holds values Lodestar does not know: {sorted(strays)}; "
                f"allowed are {list(values)}. Correct those rows, then upgrade again."
            )
    for table, columns in _enum_tables().items():
        with op.batch_alter_table(table) as batch:
            for column, values in columns:
                batch.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), _in_list(column, values)
                )
    for table, column in FK_INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])

    keys = op.create_table(
        "platform_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key_id", sa.String(length=255), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(_in_list("kind", LMS_KINDS), name=op.f("ck_platform_api_keys_kind")),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_platform_api_keys_platform_id_platforms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_api_keys")),
        sa.UniqueConstraint(
            "platform_id", "kind", name=op.f("uq_platform_api_keys_platform_id_kind")
        ),
    )
    now = dt.datetime.now(dt.UTC)
    moved = []
    for platform_id, settings in conn.execute(
        sa.select(platforms.c.id, platforms.c.settings)
    ).all():
        settings = dict(settings or {})
        taken = False
        for kind, (id_key, secret_key) in API_KEY_SETTINGS.items():
            # Only a complete key moves; anything else stays where it is.
            if settings.get(id_key) and settings.get(secret_key):
                moved.append(
                    {
                        "platform_id": platform_id,
                        "kind": kind,
                        "key_id": str(settings.pop(id_key)),
                        "secret_encrypted": str(settings.pop(secret_key)),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                taken = True
        if taken:
            conn.execute(
                platforms.update().where(platforms.c.id == platform_id).values(settings=settings)
            )
    if moved:
        op.bulk_insert(keys, moved)


def downgrade():
    conn = op.get_bind()
    keys = sa.table(
        "platform_api_keys",
        sa.column("platform_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("key_id", sa.String),
        sa.column("secret_encrypted", sa.Text),
    )
    by_platform = {}
    for platform_id, kind, key_id, secret in conn.execute(
        sa.select(keys.c.platform_id, keys.c.kind, keys.c.key_id, keys.c.secret_encrypted)
    ).all():
        if kind in API_KEY_SETTINGS:
            id_key, secret_key = API_KEY_SETTINGS[kind]
            by_platform.setdefault(platform_id, {}).update({id_key: key_id, secret_key: secret})
    for platform_id, values in by_platform.items():
        settings = conn.execute(
            sa.select(platforms.c.settings).where(platforms.c.id == platform_id)
        ).scalar_one()
        conn.execute(
            platforms.update()
            .where(platforms.c.id == platform_id)
            .values(settings={**(settings or {}), **values})
        )
    op.drop_table("platform_api_keys")

    for table, column in FK_INDEXES:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    for table, columns in _enum_tables().items():
        with op.batch_alter_table(table) as batch:
            for column, _values in columns:
                batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
