"""The teacher's bulk attach: one assignment as evidence for many students at once.

The attach form lists the class's active assignments and learners with their goals. The
attach checks ``ATTACH_EVIDENCE`` for every chosen student here, where the students are
loaded, and refreshes the snapshot when the same assignment is attached to the same goal
again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lti_tool import audit, policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotAuthorized
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment, Grade
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Person, Role
from lti_tool.plans import reading as plan_services
from lti_tool.plans.models import Goal, Plan
from lti_tool.portfolio.evidence import evidence_audit
from lti_tool.portfolio.models import Evidence, EvidenceKind
from lti_tool.portfolio.snapshots import apply_snapshot, assignment_snapshot


@dataclass(frozen=True)
class LearnerRow:
    """An active learner of the class with their goals (for the attach form)."""

    person: Person
    goals: list[Goal]


@dataclass(frozen=True)
class AttachPage:
    """Everything the attach form shows."""

    course: Course
    assignments: list[Assignment]
    learners: list[LearnerRow]


def active_assignments(course: Course) -> list[Assignment]:
    """The course's active assignments (AGS line items and LMS assignments), due date order."""
    return list(
        db.session.execute(
            select(Assignment)
            .where(Assignment.course_id == course.id, Assignment.active.is_(True))
            .order_by(
                Assignment.due_at.is_(None), Assignment.due_at, Assignment.title, Assignment.id
            )
        ).scalars()
    )


def _learner_ids(course: Course) -> Any:
    return select(Enrollment.person_id).where(
        Enrollment.course_id == course.id,
        Enrollment.role == Role.STUDENT,
        Enrollment.status == EnrollmentStatus.ACTIVE,
    )


def active_learner_ids(course: Course) -> list[int]:
    """Ids of the course's active learners ("select all" on the attach form)."""
    return sorted(db.session.execute(_learner_ids(course)).scalars())


def attach_page(actor: Actor, course: Course) -> AttachPage:
    """The attach form's data in a fixed number of queries (three), whatever the class size.

    Writes one audit event first (the form shows the goals of every learner of the class);
    it is committed before the data is loaded so the commit does not expire what we show.
    """
    learner_ids = _learner_ids(course)
    shown = sorted(
        db.session.execute(
            select(Person.id).where(
                Person.tenant_id == course.tenant_id, Person.id.in_(learner_ids)
            )
        ).scalars()
    )
    audit.record(
        "evidence.attach_form",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="course",
        subject_id=course.id,
        students=shown,
        student_count=len(shown),
    )
    db.session.commit()
    learners = list(
        db.session.execute(
            select(Person)
            .where(Person.tenant_id == course.tenant_id, Person.id.in_(shown))
            .order_by(*plan_services.person_order())
        ).scalars()
    )
    goals: dict[int, list[Goal]] = {}
    for goal, person_id in db.session.execute(
        select(Goal, Plan.person_id)
        .join(Plan, Plan.id == Goal.plan_id)
        .where(Plan.tenant_id == course.tenant_id, Plan.person_id.in_(learner_ids))
        .order_by(Goal.id)
    ):
        goals.setdefault(person_id, []).append(goal)
    return AttachPage(
        course=course,
        assignments=active_assignments(course),
        learners=[LearnerRow(p, goals.get(p.id, [])) for p in learners],
    )


@dataclass(frozen=True)
class AttachOutcome:
    """What a bulk attach did."""

    assignment: Assignment
    created: int
    updated: int


def attach_assignment(
    actor: Actor,
    course: Course,
    assignment_id: int,
    selections: Mapping[int, int | None],
    note: str = "",
) -> AttachOutcome:
    """Attach one assignment as evidence to a goal of each chosen student.

    :param selections: student person id -> goal id (None: "the plan in general").
    :param note: an optional note from the teacher, shown with the evidence.
    :raises InvalidInput: no student chosen, an unknown assignment, or a goal that is not
        the student's (nothing is saved).
    :raises NotAuthorized: when the actor may not attach evidence for one of the students
        (not an active learner of a course the actor actively teaches).

    Re-attaching the same assignment to the same goal of a student refreshes the snapshot
    instead of adding a duplicate.
    """
    if not selections:
        raise InvalidInput("Tick at least one student.")
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.course_id != course.id or not assignment.active:
        raise InvalidInput("Choose one of this class's assignments.")
    student_ids = set(selections)
    students = {
        p.id: p
        for p in db.session.execute(
            select(Person).where(Person.tenant_id == actor.tenant_id, Person.id.in_(student_ids))
        ).scalars()
    }
    for student_id in sorted(student_ids):
        student = students.get(student_id)
        if student is None:
            raise NotAuthorized("You can attach evidence only for students of this class.")
        policy.require(actor, policy.Action.ATTACH_EVIDENCE, (course, student))

    plans = {
        p.person_id: p
        for p in db.session.execute(
            select(Plan).where(Plan.tenant_id == actor.tenant_id, Plan.person_id.in_(student_ids))
        ).scalars()
    }
    goal_ids = {g for g in selections.values() if g is not None}
    goals = (
        {g.id: g for g in db.session.execute(select(Goal).where(Goal.id.in_(goal_ids))).scalars()}
        if goal_ids
        else {}
    )
    for student_id, goal_id in selections.items():
        if goal_id is None:
            continue
        plan = plans.get(student_id)
        goal = goals.get(goal_id)
        if plan is None or goal is None or goal.plan_id != plan.id:
            raise InvalidInput(
                f"The goal chosen for {students[student_id].display_name} is "
                "not one of their goals. Reload the page and try again."
            )

    for student_id in student_ids - plans.keys():
        plans[student_id] = plan_services.get_or_create_plan(students[student_id])
    grades = {
        g.person_id: g
        for g in db.session.execute(
            select(Grade).where(
                Grade.assignment_id == assignment.id, Grade.person_id.in_(student_ids)
            )
        ).scalars()
    }
    existing = {
        (e.student_id, e.goal_id): e
        for e in db.session.execute(
            select(Evidence).where(
                Evidence.tenant_id == actor.tenant_id,
                Evidence.assignment_id == assignment.id,
                Evidence.kind == EvidenceKind.ASSIGNMENT,
                Evidence.student_id.in_(student_ids),
            )
        ).scalars()
    }
    note = (note or "").strip()
    created = updated = 0
    for student_id in sorted(student_ids):
        goal_id = selections[student_id]
        snapshot = assignment_snapshot(assignment, grades.get(student_id), course)
        evidence = existing.get((student_id, goal_id))
        if evidence is None:
            evidence = Evidence(
                tenant_id=actor.tenant_id,
                plan_id=plans[student_id].id,
                goal_id=goal_id,
                student_id=student_id,
                kind=EvidenceKind.ASSIGNMENT,
                course_id=course.id,
                assignment_id=assignment.id,
                attached_by=actor.person_id,
                attached_as="teacher",
                reflection="",
                note=note,
                **snapshot,
            )
            db.session.add(evidence)
            db.session.flush()
            evidence_audit(
                "evidence.create",
                actor,
                evidence,
                course_id=course.id,
                assignment_id=assignment.id,
                attached_as="teacher",
            )
            created += 1
        else:
            apply_snapshot(evidence, snapshot)
            evidence.attached_by = actor.person_id
            if note:
                evidence.note = note
            evidence_audit(
                "evidence.update",
                actor,
                evidence,
                course_id=course.id,
                assignment_id=assignment.id,
                change="snapshot refreshed",
            )
            updated += 1
    db.session.commit()
    return AttachOutcome(assignment=assignment, created=created, updated=updated)
