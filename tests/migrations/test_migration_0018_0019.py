"""Migrations 0018 (soft delete) and 0019 (tenant time zone) keep every row: existing goals,
courses and evidence come through as not deleted, existing tenants with no zone; going back
keeps every row that was not deleted."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lti_tool.extensions import db
from tests.conftest import _make_app
from tests.migrations.test_migration_0004 import scratch_url  # noqa: F401 - the fixture
from tests.migrations.test_migration_0005 import insert_tenant_and_person

TS = {"ts": "2026-01-01 00:00:00"}
ROWS = (
    "INSERT INTO plans (id, tenant_id, person_id, about, created_at, updated_at) "
    "VALUES (7, 3, 5, 'I like maps', :ts, :ts)",
    "INSERT INTO goals (id, plan_id, category, statement, measures, status, created_at, "
    "updated_at) VALUES (:id, 7, 'career', :statement, '', 'in_progress', :ts, :ts)",
    "INSERT INTO course_plan_entries (id, plan_id, grade_level, course_name, subject, credits, "
    "status, created_at) VALUES (:id, 7, 9, :name, 'science', 1, 'completed', :ts)",
    "INSERT INTO evidence (id, tenant_id, plan_id, student_id, goal_id, kind, attached_as, "
    "reflection, note, snapshot_title, snapshot_extra, created_at, updated_at) VALUES "
    "(:id, 3, 7, 5, 1, 'url', 'student', :reflection, '', 'Map project', '{}', :ts, :ts)",
)


def _count(table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608


def test_0018_and_0019_keep_every_row_both_ways(
    scratch_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision="0017_reflection_activity")
        insert_tenant_and_person()
        plan, goal, course, evidence = (text(sql) for sql in ROWS)
        with db.engine.begin() as conn:
            conn.execute(plan, TS)
            for i in (1, 2):
                conn.execute(goal, {**TS, "id": i, "statement": f"Goal {i}"})
                conn.execute(course, {**TS, "id": i, "name": f"Course {i}"})
                conn.execute(evidence, {**TS, "id": i, "reflection": f"Reflection {i}"})

        upgrade(revision="0019_tenant_timezone")
        for table in ("goals", "course_plan_entries", "evidence"):
            assert "deleted_at" in {c["name"] for c in inspect(db.engine).get_columns(table)}
            with db.engine.connect() as conn:
                kept = conn.execute(
                    text(f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL")  # noqa: S608
                ).scalar_one()
            assert kept == 2, table
        with db.engine.connect() as conn:
            zones = conn.execute(text("SELECT timezone, platform_timezone FROM tenants")).one()
        assert tuple(zones) == (None, None)

        # One of each deleted (waiting for undo); going back removes only those.
        with db.engine.begin() as conn:
            for table in ("evidence", "course_plan_entries", "goals"):
                conn.execute(
                    text(f"UPDATE {table} SET deleted_at = :ts WHERE id = 2"),  # noqa: S608
                    TS,
                )
            conn.execute(text("UPDATE tenants SET timezone = 'America/Chicago'"))
        downgrade(revision="0017_reflection_activity")
        assert "timezone" not in {c["name"] for c in inspect(db.engine).get_columns("tenants")}
        for table in ("goals", "course_plan_entries", "evidence"):
            assert _count(table) == 1, table
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT statement FROM goals")).scalar_one() == "Goal 1"
            assert conn.execute(text("SELECT goal_id FROM evidence")).scalar_one() == 1
            assert conn.execute(text("SELECT about FROM plans")).scalar_one() == "I like maps"
        db.engine.dispose()
