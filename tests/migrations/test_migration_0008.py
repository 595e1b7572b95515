"""Migration 0008 (CHECK constraints, foreign-key indexes, typed LMS API keys) on a database
that already holds rows: nothing is lost either way, and the keys still open the APIs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import JSON, TextClause, bindparam, func, inspect, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.exc import IntegrityError

from lti_tool import crypto
from lti_tool.extensions import db
from lti_tool.grades import lms_rest
from lti_tool.models import LmsKind, Platform
from tests.conftest import _make_app
from tests.migrations.test_migration_0004 import scratch_url  # noqa: F401 - the fixture

ROWS = [
    "INSERT INTO tenants (id, name, active, created_at) "
    "VALUES (3, 'District', true, '2026-01-01 00:00:00')",
    "INSERT INTO people (id, tenant_id, sub, name, institution_roles, created_at, updated_at) "
    "VALUES (5, 3, 'u-1', 'Ada', '[]', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO courses (id, tenant_id, context_id, title, created_at, updated_at) "
    "VALUES (21, 3, 'ctx', 'Biology', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO enrollments (id, course_id, person_id, role, status, lti_roles, source, "
    "created_at, updated_at) VALUES (31, 21, 5, 'student', 'active', '[]', 'launch', "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO role_grants (id, tenant_id, role, person_id, source, created_at) "
    "VALUES (41, 3, 'counselor', 5, 'operator', '2026-01-01 00:00:00')",
    "INSERT INTO plans (id, tenant_id, person_id, about, interests, strengths, skills, "
    "abilities, hobbies, career_exploration, college_planning, financial_planning, "
    "accommodations, framework_version, cluster_codes, pathway_codes, inventory_answers, "
    "created_at, updated_at) VALUES (51, 3, 5, '', '', '', '', '', '', '', '', '', '', '2024', "
    "'[]', '[]', '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO goals (id, plan_id, category, statement, measures, status, created_at, "
    "updated_at) VALUES (61, 51, 'career', 'Nurse', '', 'in_progress', "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO evidence (id, tenant_id, plan_id, goal_id, student_id, kind, attached_as, "
    "reflection, note, snapshot_title, snapshot_extra, created_at, updated_at) VALUES "
    "(71, 3, 51, 61, 5, 'url', 'student', '', '', 'Essay', '{}', '2026-01-01 00:00:00', "
    "'2026-01-01 00:00:00')",
]

COUNTS = {
    "tenants": 1,
    "platforms": 1,
    "people": 1,
    "courses": 1,
    "enrollments": 1,
    "role_grants": 1,
    "plans": 1,
    "goals": 1,
    "evidence": 1,
}


def _platform_row(settings: dict[str, Any]) -> TextClause:
    return text(
        "INSERT INTO platforms (id, tenant_id, name, issuer, client_id, auth_login_url, "
        "auth_token_url, key_set_url, lms, active, settings, institution_admins_are_admins, "
        "created_at) VALUES (7, 3, 'Canvas', 'https://c.example', 'c1', 'https://c.example/a', "
        "'https://c.example/t', 'https://c.example/k', 'canvas', true, :settings, false, "
        "'2026-01-01 00:00:00')"
    ).bindparams(bindparam("settings", settings, type_=JSON))


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(sql_table(name))).scalar_one())
            for name in COUNTS
        }


def _settings() -> dict[str, Any]:
    with db.engine.connect() as conn:
        raw = conn.execute(text("SELECT settings FROM platforms WHERE id = 7")).scalar_one()
    return raw if isinstance(raw, dict) else json.loads(raw)


def _checks(table: str) -> set[str]:
    return {str(c["name"]) for c in inspect(db.engine).get_check_constraints(table)}


def test_0008_moves_api_keys_and_keeps_every_row(
    scratch_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision="0007_user_sessions")
        settings = {
            "canvas_api_url": "https://district.instructure.com",
            "canvas_client_id": "170000000000001",
            "canvas_client_secret": crypto.encrypt("canvas-secret", lms_rest.SECRET_PURPOSE),
            "schoology_consumer_key": "district-key",
            "schoology_consumer_secret": crypto.encrypt(
                "schoology-secret", lms_rest.SECRET_PURPOSE
            ),
            "schoology_api_url": "https://api.schoology.com/v1",
            "schoology_timezone": "America/Chicago",
            "schoology_user_match": "sub",
            "web_origins": ["https://district.instructure.com"],
        }
        with db.engine.begin() as conn:
            conn.execute(text(ROWS[0]))
            conn.execute(_platform_row(settings))
            for sql in ROWS[1:]:
                conn.execute(text(sql))

        upgrade(revision="0008_data_layer")
        assert _counts() == COUNTS
        with db.engine.connect() as conn:
            keys = conn.execute(
                text("SELECT platform_id, kind, key_id FROM platform_api_keys ORDER BY kind")
            ).all()
        assert [tuple(k) for k in keys] == [
            (7, "canvas", "170000000000001"),
            (7, "schoology", "district-key"),
        ]
        secrets = {
            "canvas_client_id",
            "canvas_client_secret",
            "schoology_consumer_key",
            "schoology_consumer_secret",
        }
        assert _settings() == {k: v for k, v in settings.items() if k not in secrets}
        # The callers read the moved keys: the same secrets, decrypted as before.
        platform = db.session.get(Platform, 7)
        assert platform is not None
        config = lms_rest.canvas_config(platform)
        assert config is not None
        assert (config.base_url, config.client_id, config.client_secret) == (
            "https://district.instructure.com",
            "170000000000001",
            "canvas-secret",
        )
        key = lms_rest.api_key(platform, LmsKind.SCHOOLOGY)
        assert key is not None
        assert crypto.decrypt(key.secret_encrypted, lms_rest.SECRET_PURPOSE) == "schoology-secret"
        db.session.remove()

        assert _checks("enrollments") == {"ck_enrollments_role", "ck_enrollments_status"}
        assert "ix_evidence_student_id" in {
            i["name"] for i in inspect(db.engine).get_indexes("evidence")
        }
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE enrollments SET role = 'wizard' WHERE id = 31"))

        downgrade(revision="0007_user_sessions")
        assert _counts() == COUNTS
        assert _settings() == settings
        assert "platform_api_keys" not in inspect(db.engine).get_table_names()
        assert _checks("enrollments") == set()
        assert "ix_evidence_student_id" not in {
            i["name"] for i in inspect(db.engine).get_indexes("evidence")
        }
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT role FROM enrollments")).scalar() == "student"
            assert conn.execute(text("SELECT kind FROM evidence")).scalar() == "url"
        db.engine.dispose()


def test_0008_stops_on_a_value_it_does_not_know(
    scratch_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision="0007_user_sessions")
        with db.engine.begin() as conn:
            conn.execute(text(ROWS[0]))
            conn.execute(_platform_row({}))
            for sql in ROWS[1:4]:
                conn.execute(text(sql.replace("'student'", "'wizard'")))
        with pytest.raises(SystemExit):
            upgrade(revision="0008_data_layer")
        with db.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                == "0007_user_sessions"
            )
            assert conn.execute(text("SELECT role FROM enrollments")).scalar() == "wizard"
        assert _checks("enrollments") == set()
        db.engine.dispose()
