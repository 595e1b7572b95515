"""The student's own graded work: what they may link as evidence of their goals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select

from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment, Grade
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Person, Role
from lti_tool.portfolio.snapshots import assignment_snapshot


@dataclass(frozen=True)
class WorkItem:
    """One of the student's graded work items (a grade on an active assignment)."""

    grade: Grade
    assignment: Assignment
    course: Course

    @property
    def label(self) -> str:
        """e.g. "Biology 1: Cell lab (8/10)"."""
        text = f"{self.course.display_title}: {self.assignment.title or 'Untitled'}"
        score, maximum = self.grade.score, self.grade.score_maximum
        if score is not None:
            text += f" ({score:g}/{maximum:g})" if maximum is not None else f" ({score:g})"
        return text


def graded_work(
    person: Person, *, course_id: int | None = None, grade_id: int | None = None
) -> list[WorkItem]:
    """The person's own graded work in courses where they are an active learner (one query).

    :param course_id: only work of this course.
    :param grade_id: only this grade (empty when it is not the person's).
    """
    query = (
        select(Grade, Assignment, Course)
        .join(Assignment, Assignment.id == Grade.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .join(
            Enrollment,
            and_(
                Enrollment.course_id == Course.id,
                Enrollment.person_id == person.id,
                Enrollment.role == Role.STUDENT,
                Enrollment.status == EnrollmentStatus.ACTIVE,
            ),
        )
        .where(
            Grade.person_id == person.id,
            Assignment.active.is_(True),
            Course.tenant_id == person.tenant_id,
            or_(Grade.score.is_not(None), Grade.submitted_at.is_not(None)),
        )
        .order_by(
            Course.title, Assignment.due_at.is_(None), Assignment.due_at, Assignment.title, Grade.id
        )
    )
    if course_id is not None:
        query = query.where(Course.id == course_id)
    if grade_id is not None:
        query = query.where(Grade.id == grade_id)
    return [WorkItem(g, a, c) for g, a, c in db.session.execute(query)]


def own_work(person: Person, grade_id: int | None, course_id: int | None = None) -> WorkItem:
    found = graded_work(person, grade_id=grade_id, course_id=course_id) if grade_id else []
    if not found:
        raise InvalidInput("That piece of work is not one of your own graded assignments.")
    return found[0]


def submission_snapshot(work: WorkItem) -> dict[str, Any]:
    """The snapshot of a student's own graded work (grade + assignment + attachments)."""
    return assignment_snapshot(work.assignment, work.grade, work.course)
