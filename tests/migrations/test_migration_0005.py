"""Migration 0005 (the tombstone column ``people.erased_at``) keeps every person, both ways."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lti_tool.extensions import db
from tests.conftest import _make_app
from tests.migrations.test_migration_0004 import scratch_url  # noqa: F401 - the fixture


def test_0005_adds_erased_at_and_keeps_people(
    scratch_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision="0004_tenants")
        insert_tenant_and_person()
        upgrade(revision="0005_person_tombstone")
        assert "erased_at" in {c["name"] for c in inspect(db.engine).get_columns("people")}
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT name, erased_at FROM people WHERE id = 5")).one()
            assert tuple(row) == ("Ada", None)
        downgrade(revision="0004_tenants")
        assert "erased_at" not in {c["name"] for c in inspect(db.engine).get_columns("people")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM people WHERE id = 5")).scalar() == "Ada"
        db.engine.dispose()


def insert_tenant_and_person() -> None:
    """Tenant 3 with person 5 ("Ada"), written with SQL that every revision since 0004 takes."""
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tenants (id, name, active, created_at) "
                "VALUES (3, 'District', true, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO people (id, tenant_id, sub, name, institution_roles, created_at, "
                "updated_at) VALUES (5, 3, 'u-1', 'Ada', '[]', '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00')"
            )
        )
