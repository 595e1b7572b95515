"""Migration 0024 (district settings) adds the settings table and the audit viewer's index,
keeping every audit event; going back drops both and keeps the events."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lti_tool.extensions import db
from tests.conftest import _make_app
from tests.migrations.test_migration_0004 import scratch_url  # noqa: F401 - the fixture
from tests.migrations.test_migration_0005 import insert_tenant_and_person

EVENT = (
    "INSERT INTO audit_events (tenant_id, actor_id, action, detail, created_at) "
    "VALUES (3, 5, 'plan.view', '{\"student_id\": 5}', '2026-01-01 00:00:00')"
)


def test_0024_adds_settings_and_the_index_both_ways(
    scratch_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision="0023_sign_off")
        insert_tenant_and_person()
        with db.engine.begin() as conn:
            conn.execute(text(EVENT))

        upgrade(revision="0024_district_settings")
        inspector = inspect(db.engine)
        assert "district_settings" in inspector.get_table_names()
        indexes = {i["name"] for i in inspector.get_indexes("audit_events")}
        assert "ix_audit_events_tenant_created" in indexes
        with db.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO district_settings (tenant_id, updated_at) VALUES (3, :ts)"),
                {"ts": "2026-01-01 00:00:00"},
            )
            row = conn.execute(
                text(
                    "SELECT school_year_start_month, school_year_start_day, "
                    "graduate_retention_days, current_school_year FROM district_settings"
                )
            ).one()
        assert tuple(row) == (7, 1, 365, None)  # the defaults

        downgrade(revision="0023_sign_off")
        inspector = inspect(db.engine)
        assert "district_settings" not in inspector.get_table_names()
        assert "ix_audit_events_tenant_created" not in {
            i["name"] for i in inspector.get_indexes("audit_events")
        }
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one() == 1
        db.engine.dispose()
