"""The test factories make real rows that satisfy the schema (on SQLite and PostgreSQL)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Enrollment, EnrollmentStatus, GrantRole, Role
from lti_tool.plans.models import GoalStatus
from lti_tool.portfolio.models import Evidence, EvidenceKind
from tests import factories


def test_every_factory_makes_a_row_that_commits(app: Flask) -> None:
    with app.app_context():
        tenant, registration = factories.tenant_with_platform(name="Lakeside")
        assert registration.tenant_id == tenant.id and tenant.name == "Lakeside"
        course = factories.course(tenant, title="Engineering")
        student = factories.student_in(course, name="Sam Student")
        teacher = factories.teacher_of(course)
        guardian = factories.person(tenant)
        link = factories.mentorship(guardian, student, course)
        counselor = factories.person(tenant)
        grant = factories.grant(counselor)
        plan = factories.plan(student, grade_level=10)
        goal = factories.goal(plan, status=GoalStatus.IN_PROGRESS)
        work = factories.assignment(course)
        result = factories.grade(work, student)
        upload = factories.stored_file(student)
        linked = factories.evidence(plan, goal)
        attached = factories.evidence(
            plan,
            None,
            kind=EvidenceKind.ASSIGNMENT,
            course_id=course.id,
            assignment_id=work.id,
            attached_by=teacher.id,
            attached_as="teacher",
        )
        filed = factories.evidence(plan, goal, kind=EvidenceKind.FILE, file_id=upload.id)
        db.session.commit()

        assert student.tenant_id == teacher.tenant_id == tenant.id
        assert link.active and link.course_id == course.id
        assert grant.role == GrantRole.COUNSELOR and grant.person_id == counselor.id
        assert plan.person_id == student.id and plan.grade_level == 10
        assert goal.plan_id == plan.id and result.score == 8.0
        assert upload.size == len(upload.content)
        assert {linked.goal_id, attached.goal_id, filed.goal_id} == {goal.id, None}
        assert (
            db.session.scalar(
                select(func.count()).select_from(Evidence).where(Evidence.student_id == student.id)
            )
            == 3
        )
        roles = dict(db.session.execute(select(Enrollment.person_id, Enrollment.role)).all())
        assert roles == {student.id: Role.STUDENT, teacher.id: Role.TEACHER}


def test_overrides_and_unique_defaults(app: Flask) -> None:
    with app.app_context():
        tenant = factories.tenant()
        course = factories.course(tenant)
        people = [factories.person(tenant) for _ in range(3)]
        assert len({p.sub for p in people}) == 3
        assert factories.person(tenant, sub="chosen", email=None).sub == "chosen"
        dropped = factories.student_in(course, status=EnrollmentStatus.INACTIVE)
        row = db.session.scalars(select(Enrollment).where(Enrollment.person_id == dropped.id))
        assert row.one().status == EnrollmentStatus.INACTIVE
        actor = factories.actor(people[0], course, roles=[Role.TEACHER])
        assert (actor.tenant_id, actor.person_id, actor.course_id) == (
            tenant.id,
            people[0].id,
            course.id,
        )
        assert actor.roles == frozenset({Role.TEACHER})
        db.session.commit()
