"""Migration 0020 (caseloads and review status) keeps every row: existing people get no
LMS grade level and are not archived, a snapshot a counselor approved comes through as
``approved`` and the others as ``draft``; going back keeps every person and snapshot."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lti_tool.extensions import db
from tests.conftest import _make_app
from tests.migrations.test_migration_0004 import scratch_url  # noqa: F401 - the fixture
from tests.migrations.test_migration_0005 import insert_tenant_and_person

TS = {"ts": "2026-01-01 00:00:00"}


def test_0020_keeps_every_row_and_marks_approved_snapshots(
    scratch_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision="0019_tenant_timezone")
        insert_tenant_and_person()
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO plans (id, tenant_id, person_id, about, created_at, updated_at) "
                    "VALUES (7, 3, 5, 'I like maps', :ts, :ts)"
                ),
                TS,
            )
            snapshot = text(
                "INSERT INTO plan_snapshots (id, plan_id, school_year, data, approved_by, "
                "approved_at, created_at, updated_at) VALUES (:id, 7, :year, '{}', :by, :at, "
                ":ts, :ts)"
            )
            conn.execute(snapshot, {**TS, "id": 1, "year": "2025-2026", "by": 5, "at": TS["ts"]})
            conn.execute(snapshot, {**TS, "id": 2, "year": "2026-2027", "by": None, "at": None})

        upgrade(revision="0020_caseloads")
        with db.engine.connect() as conn:
            person = conn.execute(
                text("SELECT name, grade_level, school, archived_at FROM people")
            ).one()
            statuses = dict(
                conn.execute(text("SELECT school_year, status FROM plan_snapshots")).all()
            )
        assert tuple(person) == ("Ada", None, None, None)
        assert statuses == {"2025-2026": "approved", "2026-2027": "draft"}
        assert "caseload_rules" in inspect(db.engine).get_table_names()

        downgrade(revision="0019_tenant_timezone")
        columns = {c["name"] for c in inspect(db.engine).get_columns("plan_snapshots")}
        assert "status" not in columns
        assert "caseload_rules" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM plan_snapshots")).scalar_one() == 2
            assert conn.execute(text("SELECT name FROM people")).scalar_one() == "Ada"
        db.engine.dispose()
