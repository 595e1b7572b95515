"""Shared set-up for the benchmark scripts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from lti_tool.extensions import db


def fresh_schema(app: Any) -> None:
    """Drop every table of a non-SQLite database (a scratch one!) and migrate from zero."""
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            with db.engine.begin() as conn:
                for table in inspect(conn).get_table_names():
                    conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
        upgrade()
