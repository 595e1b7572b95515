"""Every access decision in Lodestar, in one place.

Views never compare roles by hand; they call ``require(actor, action, resource)``. Rules
(see DESIGN.md, "The people and what they do"):

* All resources belong to one tenant; an actor of another tenant is refused everything.
* A student reads and edits their own plan.
* A teacher sees the roster and grades of courses they teach, and reads the plans of students
  *actively* enrolled in a course they *actively* teach; re-checked on every request against
  the enrollments table, never trusted from the launch alone.
* A guardian reads the plans of students named in ``role_scope_mentor`` (active links).
* A counselor (marked by the tenant admin, or an institution Administrator) reviews plans
  across the tenant.
* An admin manages tenant settings, registrations, export and deletion.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased

from lti_tool.errors import NotAuthorized
from lti_tool.extensions import db
from lti_tool.launch.session import Actor
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Mentorship, Person, Role


class Action(enum.StrEnum):
    """Things an actor may try to do."""

    VIEW_CLASS = "view_class"
    SYNC_CLASS = "sync_class"
    READ_PLAN = "read_plan"
    EDIT_PLAN = "edit_plan"
    REVIEW_CASELOAD = "review_caseload"
    ADMIN_TENANT = "admin_tenant"


def _teaches(person_id: int, course_id: int) -> bool:
    return bool(db.session.execute(select(exists().where(
        Enrollment.person_id == person_id, Enrollment.course_id == course_id,
        Enrollment.role == Role.TEACHER, Enrollment.status == EnrollmentStatus.ACTIVE,
    ))).scalar())


def teaches_student(teacher_id: int, student_id: int) -> bool:
    """True when the teacher and the student share an active enrollment in some course."""
    teacher = aliased(Enrollment)
    student = aliased(Enrollment)
    return bool(db.session.execute(select(exists().where(and_(
        teacher.person_id == teacher_id, teacher.role == Role.TEACHER,
        teacher.status == EnrollmentStatus.ACTIVE,
        student.course_id == teacher.course_id, student.person_id == student_id,
        student.role == Role.STUDENT, student.status == EnrollmentStatus.ACTIVE,
    )))).scalar())


def _guards(guardian_id: int, student_id: int) -> bool:
    return bool(db.session.execute(select(exists().where(
        Mentorship.guardian_id == guardian_id, Mentorship.student_id == student_id,
        Mentorship.active.is_(True),
    ))).scalar())


def is_counselor(actor: Actor) -> bool:
    """Counselor rights, read from the database (a tenant admin may revoke them any time)."""
    person = db.session.get(Person, actor.person_id)
    if person is None or person.tenant_id != actor.tenant_id:
        return False
    return person.is_counselor or Role.ADMIN in (person.institution_roles or [])


def is_admin(actor: Actor) -> bool:
    """Tenant admin rights (institution Administrator at the latest launch)."""
    person = db.session.get(Person, actor.person_id)
    return bool(person and person.tenant_id == actor.tenant_id
                and Role.ADMIN in (person.institution_roles or []))


def allowed(actor: Actor, action: Action, resource: Any = None) -> bool:
    """Decide whether ``actor`` may do ``action`` on ``resource``."""
    tenant_id = getattr(resource, "tenant_id", actor.tenant_id)
    if tenant_id != actor.tenant_id:
        return False
    if action in {Action.VIEW_CLASS, Action.SYNC_CLASS}:
        return isinstance(resource, Course) and _teaches(actor.person_id, resource.id)
    if action == Action.READ_PLAN:
        assert isinstance(resource, Person)
        return (resource.id == actor.person_id
                or teaches_student(actor.person_id, resource.id)
                or _guards(actor.person_id, resource.id)
                or is_counselor(actor))
    if action == Action.EDIT_PLAN:
        assert isinstance(resource, Person)
        return resource.id == actor.person_id
    if action == Action.REVIEW_CASELOAD:
        return is_counselor(actor)
    if action == Action.ADMIN_TENANT:
        return is_admin(actor)
    return False


def require(actor: Actor, action: Action, resource: Any = None) -> None:
    """Raise ``NotAuthorized`` unless ``allowed``."""
    if not allowed(actor, action, resource):
        raise NotAuthorized()
