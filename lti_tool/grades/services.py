"""Reading the roster we hold for a course (sync writes it; pages only read)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.grades.models import Assignment, Grade
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Person, Role


@dataclass(frozen=True)
class RosterRow:
    """One line of the class roster."""

    person: Person
    role: Role
    status: EnrollmentStatus


def roster(course: Course, *, include_inactive: bool = False) -> list[RosterRow]:
    """The course's people known so far (teachers first, then students by name)."""
    query = (
        select(Enrollment, Person)
        .join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.course_id == course.id)
    )
    if not include_inactive:
        query = query.where(Enrollment.status == EnrollmentStatus.ACTIVE)
    rows = [
        RosterRow(person=p, role=Role(e.role), status=EnrollmentStatus(e.status))
        for e, p in db.session.execute(query)
    ]
    order = {Role.TEACHER: 0, Role.STUDENT: 1, Role.GUARDIAN: 2}
    rows.sort(
        key=lambda r: (
            order.get(r.role, 3),
            (r.person.family_name or r.person.name or "").lower(),
            r.person.name.lower(),
        )
    )
    return rows


@dataclass(frozen=True)
class AssignmentSummary:
    """An assignment with how many results we hold and their average percentage."""

    assignment: Assignment
    graded: int
    average_percent: float | None


def assignment_summaries(course: Course) -> list[AssignmentSummary]:
    """Active assignments of a course with result counts, in one query."""
    rows = db.session.execute(
        select(
            Assignment,
            func.count(Grade.score),
            func.avg(Grade.score / func.nullif(Grade.score_maximum, 0)),
        )
        .outerjoin(Grade, Grade.assignment_id == Assignment.id)
        .where(Assignment.course_id == course.id, Assignment.active.is_(True))
        .group_by(Assignment.id)
        .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.title)
    ).all()
    return [
        AssignmentSummary(a, int(n), round(float(avg) * 100, 1) if avg is not None else None)
        for a, n, avg in rows
    ]


def course_grades(course: Course) -> dict[int, float]:
    """Each student's grade in the course so far, as a percentage (0-100, one decimal), from
    the synced results of its active assignments: points earned over points possible, over
    the graded results only. Students with no graded result are left out. One query.
    """
    maximum = func.coalesce(Grade.score_maximum, Assignment.score_maximum)
    rows = db.session.execute(
        select(Grade.person_id, func.sum(Grade.score), func.sum(maximum))
        .join(Assignment, Assignment.id == Grade.assignment_id)
        .where(
            Assignment.course_id == course.id,
            Assignment.active.is_(True),
            Grade.score.is_not(None),
            maximum > 0,
        )
        .group_by(Grade.person_id)
    ).all()
    return {
        int(person_id): round(100 * float(earned or 0) / float(possible), 1)
        for person_id, earned, possible in rows
        if possible
    }
