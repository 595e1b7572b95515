"""course plan from real data: where each course came from, its term and LMS score, the
district's grade scale, and final grades on the scale

Revision ID: 0016_course_plan
Revises: 0015_saved_occupations
Create Date: 2026-12-10 01:00:00

* ``course_plan_entries.term``, ``source`` (``manual``, ``canvas`` or ``lodestar``),
  ``lms_course_id`` and ``score_percent``: a course imported from the LMS, with its score.
* ``plans.courses_imported_at``: when the course plan last took the courses from the LMS.
* ``plan_settings.grade_scale``: the district's grade scale (``plus_minus`` by default).

Final grades typed before the scale are mapped onto it where they can be ("b+" is "B+",
"87 %" is "B+", "pass" is "Pass"); any other text is kept as it was typed (the page shows it,
and editing the course asks for a grade of the scale). Downgrading keeps the mapped grades.
"""

import re

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0016_course_plan"
down_revision = "0015_saved_occupations"
branch_labels = None
depends_on = None

SOURCES = ("manual", "canvas", "lodestar")

# The plus/minus scale as it ships (``lti_tool.plans.grade_scale``), frozen here so that the
# migration means the same thing whatever the code becomes.
_BANDS = (
    ("A+", 97),
    ("A", 93),
    ("A-", 90),
    ("B+", 87),
    ("B", 83),
    ("B-", 80),
    ("C+", 77),
    ("C", 73),
    ("C-", 70),
    ("D+", 67),
    ("D", 63),
    ("D-", 60),
    ("F", 0),
)
_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d+)?)\s*%?$")


def mapped_grade(text):
    """The plus/minus scale's spelling of an old free-text grade, or None to keep it."""
    value = (text or "").strip()
    upper = value.upper()
    for letter, _ in _BANDS:
        if upper == letter:
            return letter
    if upper in ("P", "PASS", "PASSED"):
        return "Pass"
    if upper in ("FAIL", "FAILED"):
        return "Fail"
    match = _PERCENT.match(value)
    if match and float(match.group(1)) <= 100:
        percent = float(match.group(1))
        return next(letter for letter, low in _BANDS if percent >= low)
    return None


def upgrade() -> None:
    with op.batch_alter_table("course_plan_entries") as batch:
        batch.add_column(sa.Column("term", sa.String(length=100), nullable=True))
        batch.add_column(
            sa.Column("source", sa.String(length=20), server_default="manual", nullable=False)
        )
        batch.add_column(sa.Column("lms_course_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("score_percent", sa.Float(), nullable=True))
        batch.create_check_constraint(
            "source", "source IN (" + ", ".join(repr(s) for s in SOURCES) + ")"
        )
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("courses_imported_at", lti_tool.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table("plan_settings") as batch:
        batch.add_column(
            sa.Column(
                "grade_scale",
                sa.String(length=20),
                server_default="plus_minus",
                nullable=False,
            )
        )
    entries = sa.table(
        "course_plan_entries",
        sa.column("id", sa.Integer()),
        sa.column("final_grade", sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(entries.c.id, entries.c.final_grade).where(entries.c.final_grade.is_not(None))
    ).all()
    for row_id, grade in rows:
        mapped = mapped_grade(grade)
        if not (grade or "").strip():
            bind.execute(entries.update().where(entries.c.id == row_id).values(final_grade=None))
        elif mapped is not None and mapped != grade:
            bind.execute(entries.update().where(entries.c.id == row_id).values(final_grade=mapped))


def downgrade() -> None:
    with op.batch_alter_table("plan_settings") as batch:
        batch.drop_column("grade_scale")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("courses_imported_at")
    with op.batch_alter_table("course_plan_entries") as batch:
        batch.drop_constraint("source", type_="check")
        batch.drop_column("score_percent")
        batch.drop_column("lms_course_id")
        batch.drop_column("source")
        batch.drop_column("term")
