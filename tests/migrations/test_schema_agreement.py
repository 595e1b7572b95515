"""The migrations and the models describe one schema: after ``upgrade head`` Alembic finds
nothing to change, and the database holds every CHECK constraint of the models' enum
columns, allowing the same values (Alembic does not compare CHECK constraints itself)."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import CheckConstraint, Enum, inspect

from lti_tool.extensions import db
from tests.conftest import _make_app
from tests.migrations.test_migration_0004 import scratch_url  # noqa: F401 - the fixture


def test_upgrade_head_matches_the_models(scratch_url: str, tmp_path: Path) -> None:  # noqa: F811
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            inspector = inspect(conn)
            # SQLite gives back "role IN ('a', 'b')", PostgreSQL "role = ANY (ARRAY['a', ...])":
            # the quoted values are what both say.
            in_database = {
                (table, str(check["name"])): set(re.findall(r"'([^']*)'", check["sqltext"]))
                for table in inspector.get_table_names()
                for check in inspector.get_check_constraints(table)
            }
        db.engine.dispose()
    assert differences == []
    declared = {
        (table.name, f"ck_{table.name}_{column.name}"): set(column.type.enums)
        for table in db.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, Enum)
    }
    assert len(declared) >= 14
    assert declared == in_database
    # Every CHECK the models declare is one of those (named by the naming convention).
    assert {
        (table.name, str(constraint.name))
        for table in db.metadata.tables.values()
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    } == set(declared)
