"""Helpers for the relevance and plan review tests: tokens, plans, HTML tables, query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from lti_tool.extensions import db
from lti_tool.models import Course, Person
from lti_tool.plans.models import Goal, GoalCategory, GoalStatus, Plan
from tests.lti_driver import LtiDriver, token_of

HEALTH = "2024.healthcare-human-services"
DIGITAL = "2024.digital-technology"
MANUFACTURING = "2024.advanced-manufacturing"
AGRICULTURE = "2024.agriculture"


def launch(lti: LtiDriver, user: Any, course: Any | None = None) -> str:
    """Launch ``user`` (into ``course``) and return their launch token."""
    return token_of(lti.launch(user, course))


def course_id(app: Flask, context_id: str) -> int:
    with app.app_context():
        return int(
            db.session.execute(
                select(Course.id).where(Course.context_id == context_id)
            ).scalar_one()
        )


def person_id(app: Flask, sub: str) -> int:
    with app.app_context():
        return int(db.session.execute(select(Person.id).where(Person.sub == sub)).scalar_one())


def synced_class(lti: LtiDriver, app: Flask, teacher_index: int = 0) -> dict[str, Any]:
    """A teacher launches into their course and syncs roster and grades (inline)."""
    teacher = lti.person("teacher", teacher_index)
    course = lti.course_of(teacher)
    token = launch(lti, teacher, course)
    cid = course_id(app, course.context_id)
    response = lti.client.post(f"/courses/{cid}/sync", data={"lt": token})
    assert response.status_code == 302
    return {
        "teacher": teacher,
        "course": course,
        "course_id": cid,
        "token": token,
        "students": lti.state.district.students_of(course.context_id),
    }


def set_plan(
    app: Flask,
    sub: str,
    *,
    clusters: Sequence[str] = (),
    goals: Sequence[tuple[str, str | None]] = (),
    skills: str = "",
    achieved: int = 0,
    **fields: Any,
) -> int:
    """Give the student with ``sub`` a plan with these clusters and goals; return its id."""
    with app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == sub)).scalar_one()
        plan = db.session.execute(
            select(Plan).where(Plan.person_id == person.id)
        ).scalar_one_or_none()
        if plan is None:
            plan = Plan(tenant_id=person.tenant_id, person_id=person.id, about="")
            db.session.add(plan)
        plan.cluster_codes = list(clusters)
        plan.skills = skills
        for key, value in fields.items():
            setattr(plan, key, value)
        db.session.flush()
        for i, (statement, cluster) in enumerate(goals):
            db.session.add(
                Goal(
                    plan_id=plan.id,
                    category=GoalCategory.CAREER,
                    statement=statement,
                    cluster_code=cluster,
                    status=GoalStatus.ACHIEVED if i < achieved else GoalStatus.IN_PROGRESS,
                    target_date=dt.date(2027, 6, 1),
                )
            )
        db.session.commit()
        return plan.id


class _Tables(HTMLParser):
    """Collects the text of every table cell, table by table (by caption)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None
        self._name = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows, self._name = [], f"table{len(self.tables)}"
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in {"td", "th"} and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self._name = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in {"td", "th"} and self._cell is not None and self._rows is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._name] = self._rows
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    """Every table of a page as rows of cell texts, keyed by the start of its caption."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def table(html: str, caption_start: str) -> list[list[str]]:
    """The table whose caption starts with ``caption_start``."""
    for name, rows in tables(html).items():
        if name.startswith(caption_start):
            return rows
    raise AssertionError(f"no table captioned {caption_start!r} in {list(tables(html))}")


def row_of(rows: list[list[str]], name: str) -> dict[str, str]:
    """The row whose first cell starts with ``name``, keyed by the header cells."""
    header = rows[0]
    for row in rows[1:]:
        if row and row[0].startswith(name):
            return dict(zip(header, row, strict=True))
    raise AssertionError(f"no row for {name!r}")


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Collect every SQL statement the app's engine runs inside the block."""
    statements: list[str] = []

    def before(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def add_evidence(
    app: Flask,
    *,
    sub: str,
    assignment_title: str,
    course_id: int,
    goal_statement: str | None = None,
    attached_as: str = "teacher",
) -> int:
    """Attach an assignment as evidence to a student's plan, as the evidence pages would."""
    from lti_tool.grades.models import Assignment
    from lti_tool.portfolio.models import Evidence, EvidenceKind

    with app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == sub)).scalar_one()
        plan = db.session.execute(select(Plan).where(Plan.person_id == person.id)).scalar_one()
        assignment = db.session.execute(
            select(Assignment).where(
                Assignment.course_id == course_id, Assignment.title == assignment_title
            )
        ).scalar_one()
        goal_id = (
            db.session.execute(
                select(Goal.id).where(Goal.plan_id == plan.id, Goal.statement == goal_statement)
            ).scalar_one()
            if goal_statement
            else None
        )
        evidence = Evidence(
            tenant_id=person.tenant_id,
            plan_id=plan.id,
            goal_id=goal_id,
            student_id=person.id,
            kind=EvidenceKind.ASSIGNMENT,
            course_id=course_id,
            assignment_id=assignment.id,
            attached_as=attached_as,
            snapshot_title=assignment.title,
            snapshot_score=18.0,
            snapshot_score_maximum=20.0,
        )
        db.session.add(evidence)
        db.session.commit()
        return evidence.id


def tag(
    lti: LtiDriver,
    app: Flask,
    cls: dict[str, Any],
    *,
    clusters: Sequence[str] = (),
    skills: str = "",
    assignments: dict[str, tuple[Sequence[str], str]] | None = None,
) -> None:
    """Tag the class through the tag form, as its teacher."""
    from lti_tool.grades.models import Assignment

    with app.app_context():
        ids = dict(
            db.session.execute(
                select(Assignment.title, Assignment.id).where(
                    Assignment.course_id == cls["course_id"], Assignment.active.is_(True)
                )
            ).all()
        )
    data: dict[str, Any] = {
        "lt": cls["token"],
        "course_clusters": list(clusters),
        "course_skills": skills,
        "assignment": [str(i) for i in ids.values()],
    }
    for title, (a_clusters, a_skills) in (assignments or {}).items():
        data[f"a{ids[title]}_clusters"] = list(a_clusters)
        data[f"a{ids[title]}_skills"] = a_skills
    response = lti.client.post(f"/courses/{cls['course_id']}/tags", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
