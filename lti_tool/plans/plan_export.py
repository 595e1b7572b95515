"""Exporting a plan: the download with its snapshots and grades, and the printable page.

Exports never create a plan: a student without one exports the empty document. Both the
download and the printout are audited (``plan.export``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment, Grade
from lti_tool.models import Course, Person
from lti_tool.plans.editing import iso_or_none
from lti_tool.plans.plan_data import plan_document, redact
from lti_tool.plans.reading import empty_plan, find_plan
from lti_tool.plans.yearly_snapshots import snapshot_summary, snapshots


def grade_rows(student: Person) -> list[dict[str, Any]]:
    """The student's per-assignment grades (with the teacher's comments) as the LMS last
    reported them, by course and assignment."""
    rows = db.session.execute(
        select(Grade, Assignment, Course)
        .join(Assignment, Assignment.id == Grade.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(Grade.person_id == student.id, Course.tenant_id == student.tenant_id)
        .order_by(Course.title, Assignment.due_at, Assignment.title, Grade.id)
    ).all()
    return [
        {
            "course": course.display_title,
            "course_id": course.id,
            "assignment": assignment.title,
            "assignment_id": assignment.id,
            "due_at": iso_or_none(assignment.due_at),
            "score": grade.score,
            "score_maximum": grade.score_maximum,
            "state": grade.state,
            "comment": grade.comment or "",
            "submitted_at": iso_or_none(grade.submitted_at),
            "graded_at": iso_or_none(grade.graded_at),
            "url": grade.url,
        }
        for grade, assignment, course in rows
    ]


def export_document(
    actor: Actor,
    student: Person,
    *,
    show_accommodations: bool,
    export_format: str = "json",
    files: int | None = None,
) -> dict[str, Any]:
    """The whole plan with its yearly snapshots and grades, for download; audited
    (``plan.export`` with the ``format``: ``json`` or ``zip``, and for a zip the number of
    files in it).

    Never creates a plan: a student without one exports the empty document."""
    plan = find_plan(student) or empty_plan(student)
    document = redact(plan_document(plan), show_accommodations=show_accommodations)
    document["snapshots"] = [
        {
            **snapshot_summary(s),
            "data": redact(s.data or {}, show_accommodations=show_accommodations),
        }
        for s in snapshots(plan, with_data=True)
    ]
    document["grades"] = grade_rows(student)
    document["exported_by"] = actor.person_id
    extra: dict[str, Any] = {} if files is None else {"files": files}
    audit.record(
        "plan.export",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="plan",
        subject_id=plan.id,
        student_id=student.id,
        format=export_format,
        **extra,
    )
    db.session.commit()
    return document


def printable_document(student: Person, *, show_accommodations: bool) -> dict[str, Any]:
    """The plan document the printable page shows (not audited: the caller audits)."""
    plan = find_plan(student) or empty_plan(student)
    return redact(plan_document(plan), show_accommodations=show_accommodations)


def print_document(actor: Actor, student: Person, *, show_accommodations: bool) -> dict[str, Any]:
    """The plan document for the printable page; audited (``plan.export``, ``print``).

    Never creates a plan: a student without one prints the empty document."""
    plan = find_plan(student) or empty_plan(student)
    document = redact(plan_document(plan), show_accommodations=show_accommodations)
    audit.record(
        "plan.export",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="plan",
        subject_id=plan.id,
        student_id=student.id,
        format="print",
    )
    db.session.commit()
    return document
