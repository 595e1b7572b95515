"""Migration 0014 (work-based learning on plan items, community resources, recommendations) on
a database that already holds plan items: nothing is lost either way, a work entry's date
becomes its start date, and the new columns and tables hold what the models write.

The revision before 0014 is read from the migration itself, so the test holds wherever the
revision is chained."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.exc import IntegrityError

from lti_tool import MIGRATIONS_DIR
from lti_tool.extensions import db
from tests.conftest import _make_app
from tests.migrations.test_migration_0004 import scratch_url  # noqa: F401 - the fixture
from tests.migrations.test_migration_0008 import ROWS as ROWS_0008

REVISION = "0014_work_and_resources"
ITEMS = [
    (81, "work", "Lifeguard", "Summers at the pool", "2025-06-01", None),
    (82, "service", "Food bank", "", "2025-11-20", None),
    (83, "assessment", "PSAT", "", "2025-10-15", "1180"),
    (84, "work", "Babysitting", "", None, None),
]
COUNTS = {"tenants": 1, "people": 1, "plans": 1, "goals": 1, "plan_items": len(ITEMS)}


def _previous() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    down = script.get_revision(REVISION).down_revision
    assert isinstance(down, str)
    return down


def _items() -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, kind, title, detail, date, score FROM plan_items ORDER BY id")
        ).all()
    return [(r[0], r[1], r[2], r[3], str(r[4]) if r[4] else None, r[5]) for r in rows]


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(sql_table(name))).scalar_one())
            for name in COUNTS
        }


def test_0014_keeps_every_item_both_ways(scratch_url: str, tmp_path: Path) -> None:  # noqa: F811
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision=_previous())
        with db.engine.begin() as conn:
            for sql in ROWS_0008[:2] + ROWS_0008[5:7]:  # tenant, person, plan, goal
                conn.execute(text(sql))
            for item_id, kind, title, detail, date, score in ITEMS:
                conn.execute(
                    text(
                        "INSERT INTO plan_items (id, plan_id, kind, title, detail, date, score, "
                        "created_at) VALUES (:id, 51, :kind, :title, :detail, :date, :score, "
                        "'2026-01-01 00:00:00')"
                    ),
                    {
                        "id": item_id,
                        "kind": kind,
                        "title": title,
                        "detail": detail,
                        "date": dt.date.fromisoformat(date) if date else None,
                        "score": score,
                    },
                )
        before = _items()
        assert before == ITEMS

        upgrade(revision=REVISION)
        assert _counts() == COUNTS
        assert _items() == before
        with db.engine.connect() as conn:
            starts = dict(conn.execute(text("SELECT id, start_date FROM plan_items")).all())
        # A work entry's date is its start date now; other kinds are left as they were.
        assert {k: str(v) if v else None for k, v in starts.items()} == {
            81: "2025-06-01",
            82: None,
            83: None,
            84: None,
        }
        tables = set(inspect(db.engine).get_table_names())
        assert {"community_resources", "resource_recommendations"} <= tables
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE plan_items SET organization = 'Family', learning_kind = 'job', "
                    "hours_per_week = 6.5, learned = 'Patience' WHERE id = 84"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO community_resources (id, tenant_id, name, category, description, "
                    "serves, active, created_at, updated_at) VALUES (91, 3, 'Homework Club', "
                    "'tutoring', '', '', true, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO resource_recommendations (id, plan_id, resource_id, note, "
                    "recommended_by, status, created_at, updated_at) VALUES (95, 51, 91, 'Go', "
                    "5, 'open', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE plan_items SET learning_kind = 'pirate' WHERE id = 84"))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE resource_recommendations SET status = 'maybe'"))

        downgrade(revision=_previous())
        assert _counts() == COUNTS
        assert _items() == before
        columns = {c["name"] for c in inspect(db.engine).get_columns("plan_items")}
        assert "start_date" not in columns and "learning_kind" not in columns
        tables = set(inspect(db.engine).get_table_names())
        assert "community_resources" not in tables and "resource_recommendations" not in tables

        # And up again: the same rows, the work entry's start date again from its date.
        upgrade(revision=REVISION)
        assert _items() == before
        db.engine.dispose()
