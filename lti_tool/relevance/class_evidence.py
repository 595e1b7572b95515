"""Class evidence: the evidence students attached from a course, as the relevance pages list it.

The class view lists the evidence of the class's active learners under each assignment; the
student's view lists a student's own. Both read it with :func:`evidence_query`, narrowed to
the students they show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Select, or_, select

from lti_tool.grades.models import Assignment
from lti_tool.models import Course, Person
from lti_tool.plans.models import Goal
from lti_tool.plans.reading import student_name
from lti_tool.portfolio.models import Evidence


@dataclass(frozen=True, slots=True)
class EvidenceInfo:
    """Evidence attached from an assignment of this course."""

    id: int
    student_id: int
    student_name: str
    title: str
    goal_statement: str | None
    attached_as: str
    created_at: dt.datetime


def evidence_query(course: Course) -> Select[Evidence, Person, str | None]:
    """Query: evidence attached from the course or its assignments, with student and goal."""
    # The goal is outer-joined, so its statement may be None, which the typing cannot see.
    return cast(
        "Select[Evidence, Person, str | None]",
        select(Evidence, Person, Goal.statement)
        .join(Person, Person.id == Evidence.student_id)
        .outerjoin(Goal, Goal.id == Evidence.goal_id)
        .where(
            Evidence.tenant_id == course.tenant_id,
            or_(
                Evidence.course_id == course.id,
                Evidence.assignment_id.in_(
                    select(Assignment.id).where(Assignment.course_id == course.id)
                ),
            ),
        )
        .order_by(Evidence.created_at, Evidence.id),
    )


def evidence_info(evidence: Evidence, person: Person, goal: str | None) -> EvidenceInfo:
    """One row of :func:`evidence_query` as pages show it."""
    return EvidenceInfo(
        id=evidence.id,
        student_id=evidence.student_id,
        student_name=student_name(person),
        title=evidence.snapshot_title or "Untitled work",
        goal_statement=goal,
        attached_as=evidence.attached_as,
        created_at=evidence.created_at,
    )
