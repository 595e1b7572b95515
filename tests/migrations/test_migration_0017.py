"""Migration 0017 (the reflection activity's settings and the teacher's reviews) adds two
tables beside existing rows and removes them again without touching anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from lti_tool.extensions import db
from tests.conftest import _make_app
from tests.migrations.test_migration_0004 import scratch_url  # noqa: F401 - the fixture
from tests.migrations.test_migration_0005 import insert_tenant_and_person

TS = {"ts": "2026-01-01 00:00:00"}
ACTIVITY = text(
    "INSERT INTO reflection_activities (id, tenant_id, course_id, resource_link_id, title, "
    "instructions, points, scoring, rubric, created_at, updated_at) VALUES "
    "(:id, 3, 21, 61, 'Plan reflection', '', 10, :scoring, '[]', :ts, :ts)"
)


def test_0017_adds_the_reflection_tables_and_keeps_everything_else(
    scratch_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision="0016_course_plan")
        insert_tenant_and_person()
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO courses (id, tenant_id, context_id, title, created_at, "
                    "updated_at) VALUES (21, 3, 'ctx', 'Biology', :ts, :ts)"
                ),
                TS,
            )
            conn.execute(
                text(
                    "INSERT INTO resource_links (id, course_id, resource_link_id, title, custom, "
                    "created_at, updated_at) VALUES (61, 21, 'rl-1', 'Plan reflection', "
                    ":custom, :ts, :ts)"
                ),
                {**TS, "custom": '{"activity": "reflection"}'},
            )
        upgrade(revision="0017_reflection_activity")
        tables = set(inspect(db.engine).get_table_names())
        assert {"reflection_activities", "reflection_reviews"} <= tables
        with db.engine.begin() as conn:
            conn.execute(ACTIVITY, {**TS, "id": 1, "scoring": "rubric"})
            conn.execute(
                text(
                    "INSERT INTO reflection_reviews (id, tenant_id, activity_id, student_id, "
                    "level, score, comment, scored_at, gradebook, created_at, updated_at) "
                    "VALUES (1, 3, 1, 5, 'Clear', 7, 'Good', :ts, 'sent', :ts, :ts)"
                ),
                TS,
            )
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(ACTIVITY, {**TS, "id": 2, "scoring": "guesswork"})
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM resource_links")).scalar() == (
                "Plan reflection"
            )
        downgrade(revision="0016_course_plan")
        tables = set(inspect(db.engine).get_table_names())
        assert not {"reflection_activities", "reflection_reviews"} & tables
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM people WHERE id = 5")).scalar() == "Ada"
            assert conn.execute(text("SELECT count(*) FROM resource_links")).scalar() == 1
        db.engine.dispose()
