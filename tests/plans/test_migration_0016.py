"""Migration 0016 (course plan from real data) on a database that already holds courses
typed as free text: every row is kept, grades on the scale are spelled as the scale spells
them, percentages become their letter, and other text is kept as typed; downgrading keeps
every row too.

The revision before 0016 is read from the migration itself, so the test holds wherever the
revision is chained."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from lti_tool import MIGRATIONS_DIR
from lti_tool.extensions import db
from tests.conftest import _make_app
from tests.migrations.test_migration_0004 import scratch_url  # noqa: F401 - the fixture
from tests.migrations.test_migration_0008 import ROWS as ROWS_0008

REVISION = "0016_course_plan"
GRADES = {
    81: ("b+", "B+"),
    82: ("87 %", "B+"),
    83: ("pass", "Pass"),
    84: ("A+++ 120%", "A+++ 120%"),
    85: (None, None),
    86: ("  ", None),
    87: ("A-", "A-"),
}


def _previous() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    down = script.get_revision(REVISION).down_revision
    assert isinstance(down, str)
    return down


def _grades() -> dict[int, str | None]:
    with db.engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, final_grade FROM course_plan_entries")).all())


def test_0016_maps_free_text_grades_and_keeps_every_row(
    scratch_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision=_previous())
        with db.engine.begin() as conn:
            for sql in ROWS_0008[:2] + ROWS_0008[5:6]:  # tenant, person, plan
                conn.execute(text(sql))
            for entry_id, (grade, _) in GRADES.items():
                conn.execute(
                    text(
                        "INSERT INTO course_plan_entries (id, plan_id, grade_level, course_name, "
                        "subject, credits, status, final_grade, created_at) VALUES (:id, 51, 10, "
                        "'Biology', 'science', 1.0, 'completed', :grade, '2026-01-01 00:00:00')"
                    ),
                    {"id": entry_id, "grade": grade},
                )

        upgrade(revision=REVISION)
        assert _grades() == {k: after for k, (_, after) in GRADES.items()}
        with db.engine.connect() as conn:
            sources = set(
                conn.execute(text("SELECT DISTINCT source FROM course_plan_entries")).scalars()
            )
            scale = conn.execute(text("SELECT grade_scale FROM plan_settings")).all()
        assert sources == {"manual"}
        assert scale == []  # no district row yet: the default scale applies

        downgrade(revision=_previous())
        assert _grades() == {k: after for k, (_, after) in GRADES.items()}
        upgrade(revision=REVISION)
        assert len(_grades()) == len(GRADES)
        db.engine.dispose()
