"""Migration 0004 (tenants) on a database that already has data: nothing is lost."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lti_tool.extensions import db
from tests.conftest import _make_app


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the suite's kind (SQLite file, or a new PostgreSQL database)."""
    base = os.environ.get("ILP_DATABASE_URL")
    if not base or base.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrate.sqlite'}"
        return
    name = "ilp_migrate_" + uuid.uuid4().hex[:8]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


ROWS = [
    "INSERT INTO platforms (id, name, issuer, client_id, auth_login_url, auth_token_url, "
    "key_set_url, lms, active, settings, created_at) VALUES (7, 'Moodle', 'https://m.example', "
    "'c1', 'https://m.example/a', 'https://m.example/t', 'https://m.example/k', 'moodle', "
    "true, '{}', '2026-01-01 00:00:00')",
    "INSERT INTO deployments (id, platform_id, deployment_id, created_at) "
    "VALUES (1, 7, 'd1', '2026-01-01 00:00:00')",
    "INSERT INTO people (id, tenant_id, sub, name, institution_roles, is_counselor, created_at, "
    "updated_at) VALUES (11, 7, 'u-student', 'Ada', '[]', false, '2026-01-01 00:00:00', "
    "'2026-01-01 00:00:00')",
    "INSERT INTO people (id, tenant_id, sub, name, institution_roles, is_counselor, created_at, "
    "updated_at) VALUES (12, 7, 'u-counselor', 'Cy', '[]', true, '2026-01-01 00:00:00', "
    "'2026-01-01 00:00:00')",
    "INSERT INTO courses (id, tenant_id, context_id, title, created_at, updated_at) "
    "VALUES (21, 7, 'ctx', 'Biology', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO enrollments (id, course_id, person_id, role, status, lti_roles, source, "
    "created_at, updated_at) VALUES (31, 21, 11, 'student', 'active', '[]', 'launch', "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO mentorships (id, tenant_id, guardian_id, student_id, active, created_at, "
    "updated_at) VALUES (41, 7, 12, 11, true, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
]


def test_0004_keeps_every_row_and_tenant_id(scratch_url: str, tmp_path: Path) -> None:
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision="0003_plans")
        with db.engine.begin() as conn:
            for sql in ROWS:
                conn.execute(text(sql))
        upgrade()
        with db.engine.connect() as conn:
            one = conn.execute(text("SELECT id, name FROM tenants")).all()
            assert [tuple(r) for r in one] == [(7, "Moodle")]
            assert conn.execute(text("SELECT tenant_id FROM platforms")).scalar() == 7
            assert conn.execute(text("SELECT platform_id FROM courses")).scalar() == 7
            assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 2
            assert conn.execute(text("SELECT count(*) FROM enrollments")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM mentorships")).scalar() == 1
            grants = conn.execute(text("SELECT tenant_id, role, person_id FROM role_grants")).all()
            assert [tuple(r) for r in grants] == [(7, "counselor", 12)]
            # A new tenant does not collide with the copied ids.
            conn.execute(
                text(
                    "INSERT INTO tenants (name, active, created_at) "
                    "VALUES ('next', true, '2026-01-02 00:00:00')"
                )
            )
            assert conn.execute(text("SELECT max(id) FROM tenants")).scalar() == 8
            conn.rollback()
        downgrade(revision="0003_plans")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT is_counselor FROM people WHERE id = 12")).scalar()
            assert conn.execute(text("SELECT count(*) FROM enrollments")).scalar() == 1
        db.engine.dispose()
