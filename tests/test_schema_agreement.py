"""The migrations and the models describe one schema: after ``upgrade head`` Alembic finds
nothing to change, and every CHECK constraint the models declare is in the database."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import CheckConstraint, inspect

from lti_tool.extensions import db
from tests.conftest import _make_app
from tests.test_migration_0004 import scratch_url  # noqa: F401 - the fixture


def test_upgrade_head_matches_the_models(scratch_url: str, tmp_path: Path) -> None:  # noqa: F811
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            inspector = inspect(conn)
            in_database = {(table, check["name"]) for table in inspector.get_table_names()
                           for check in inspector.get_check_constraints(table)}
        db.engine.dispose()
    assert differences == []
    declared = {(table.name, str(constraint.name)) for table in db.metadata.tables.values()
                for constraint in table.constraints if isinstance(constraint, CheckConstraint)}
    assert declared
    assert declared == in_database
