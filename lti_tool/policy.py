"""Every access decision in Lodestar, in one place.

Views never compare roles by hand; they call ``require(actor, action, resource)``. Rules
(see DESIGN.md, "The people and what they do"):

* All resources belong to one tenant; an actor of another tenant is refused everything.
* A student reads and edits their own plan.
* A teacher sees the roster and grades of courses they teach, and reads the plans of students
  *actively* enrolled in a course they *actively* teach; re-checked on every request against
  the enrollments table, never trusted from the launch alone.
* A guardian reads the plans of students named in ``role_scope_mentor`` (active links).
* A counselor reviews plans across the tenant; an admin manages tenant settings, grants,
  registrations, export and deletion. Both rights come from Lodestar's own grants
  (``role_grants``), never from an LMS institution or system role by itself.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from lti_tool.actor import Actor
from lti_tool.errors import NotAuthorized
from lti_tool.extensions import db
from lti_tool.models import (
    Course,
    Enrollment,
    EnrollmentStatus,
    GrantRole,
    Mentorship,
    Person,
    Role,
    RoleGrant,
)


class Action(enum.StrEnum):
    """Things an actor may try to do, and the resource each one is checked against."""

    #: Course: roster, grades, class relevance view (teachers of the course).
    VIEW_CLASS = "view_class"
    #: Course: pull roster and grades from the LMS (teachers of the course).
    SYNC_CLASS = "sync_class"
    #: Course: tag the course and its assignments with clusters and skills.
    TAG_COURSE = "tag_course"
    #: Course: a student's "how this class connects to my plan" (active learners).
    VIEW_COURSE_AS_STUDENT = "view_course_as_student"
    #: Person (the student): read the plan.
    READ_PLAN = "read_plan"
    #: Person: read accommodation needs (student, counselor, guardian; not teachers).
    READ_ACCOMMODATIONS = "read_accommodations"
    #: Person: change the plan (the student only).
    EDIT_PLAN = "edit_plan"
    #: Person: comment on the plan (teachers of the student, counselors, guardians).
    COMMENT_PLAN = "comment_plan"
    #: Person: approve the yearly plan (counselors).
    REVIEW_PLAN = "review_plan"
    #: Person: sign off the yearly plan (the student's guardians).
    SIGN_PLAN = "sign_plan"
    #: Person: download the whole plan (student, guardian, counselor, admin).
    EXPORT_PLAN = "export_plan"
    #: Person: delete the plan on request (admin).
    DELETE_PLAN = "delete_plan"
    #: (Course, Person): attach class work as evidence to a student's goals.
    ATTACH_EVIDENCE = "attach_evidence"
    #: Course: place a Lodestar activity in the course (Deep Linking picker).
    PLACE_ACTIVITY = "place_activity"
    #: None: the counselor caseload and reports.
    REVIEW_CASELOAD = "review_caseload"
    #: None: tenant settings, registrations.
    ADMIN_TENANT = "admin_tenant"


def _teaches(person_id: int, course_id: int) -> bool:
    return bool(
        db.session.execute(
            select(
                exists().where(
                    Enrollment.person_id == person_id,
                    Enrollment.course_id == course_id,
                    Enrollment.role == Role.TEACHER,
                    Enrollment.status == EnrollmentStatus.ACTIVE,
                )
            )
        ).scalar()
    )


def teaches_student(teacher_id: int, student_id: int) -> bool:
    """True when the teacher and the student share an active enrollment in some course."""
    teacher = aliased(Enrollment)
    student = aliased(Enrollment)
    return bool(
        db.session.execute(
            select(
                exists().where(
                    and_(
                        teacher.person_id == teacher_id,
                        teacher.role == Role.TEACHER,
                        teacher.status == EnrollmentStatus.ACTIVE,
                        student.course_id == teacher.course_id,
                        student.person_id == student_id,
                        student.role == Role.STUDENT,
                        student.status == EnrollmentStatus.ACTIVE,
                    )
                )
            )
        ).scalar()
    )


def _learns(person_id: int, course_id: int) -> bool:
    return bool(
        db.session.execute(
            select(
                exists().where(
                    Enrollment.person_id == person_id,
                    Enrollment.course_id == course_id,
                    Enrollment.role == Role.STUDENT,
                    Enrollment.status == EnrollmentStatus.ACTIVE,
                )
            )
        ).scalar()
    )


def _is_student(person: Person) -> bool:
    """A learner in some course of the tenant (any status); institution roles do not count."""
    return bool(
        db.session.execute(
            select(
                exists().where(
                    Enrollment.person_id == person.id,
                    Enrollment.role == Role.STUDENT,
                )
            )
        ).scalar()
    )


def _guards(guardian_id: int, student_id: int) -> bool:
    return bool(
        db.session.execute(
            select(
                exists().where(
                    Mentorship.guardian_id == guardian_id,
                    Mentorship.student_id == student_id,
                    Mentorship.active.is_(True),
                )
            )
        ).scalar()
    )


def _granted(actor: Actor, roles: tuple[GrantRole, ...]) -> bool:
    return bool(
        db.session.execute(
            select(
                exists().where(
                    RoleGrant.tenant_id == actor.tenant_id,
                    RoleGrant.person_id == actor.person_id,
                    RoleGrant.role.in_(roles),
                )
            )
        ).scalar()
    )


def is_counselor(actor: Actor) -> bool:
    """Counselor rights (a counselor or admin grant), read from the database on every
    request, so a revoked grant stops working at once."""
    return _granted(actor, (GrantRole.COUNSELOR, GrantRole.ADMIN))


def is_admin(actor: Actor) -> bool:
    """Tenant admin rights (an admin grant)."""
    return _granted(actor, (GrantRole.ADMIN,))


def may_enable_deployment(
    tenant_id: int, *, sub: str, email: str | None, institution_admin: bool, rule_on: bool
) -> bool:
    """Whether the person of a signed launch from a deployment nobody enabled yet may enable
    it: an admin grant in the tenant (bound to them, or still naming their sub or email), or
    the registration's institution-admin rule. Asked again when the form comes back."""
    if rule_on and institution_admin:
        return True
    named = [
        and_(RoleGrant.person_id.is_(None), RoleGrant.sub == sub),
        and_(RoleGrant.person_id.is_not(None), Person.sub == sub),
    ]
    if email:
        named.append(
            and_(RoleGrant.person_id.is_(None), func.lower(RoleGrant.email) == email.lower())
        )
    return (
        db.session.execute(
            select(RoleGrant.id)
            .outerjoin(Person, Person.id == RoleGrant.person_id)
            .where(RoleGrant.tenant_id == tenant_id, RoleGrant.role == GrantRole.ADMIN, or_(*named))
            .limit(1)
        ).first()
        is not None
    )


def _same_tenant(actor: Actor, resource: Any) -> bool:
    if isinstance(resource, tuple):
        return all(_same_tenant(actor, part) for part in resource)
    return getattr(resource, "tenant_id", actor.tenant_id) == actor.tenant_id


def allowed(actor: Actor, action: Action, resource: Any = None) -> bool:
    """Decide whether ``actor`` may do ``action`` on ``resource``."""
    if not _same_tenant(actor, resource):
        return False
    me = actor.person_id
    if action in {Action.VIEW_CLASS, Action.SYNC_CLASS, Action.TAG_COURSE, Action.PLACE_ACTIVITY}:
        return isinstance(resource, Course) and _teaches(me, resource.id)
    if action == Action.VIEW_COURSE_AS_STUDENT:
        return isinstance(resource, Course) and _learns(me, resource.id)
    if action == Action.ATTACH_EVIDENCE:
        if not (isinstance(resource, tuple) and len(resource) == 2):
            return False
        course, student = resource
        return (
            isinstance(course, Course)
            and isinstance(student, Person)
            and _teaches(me, course.id)
            and _learns(student.id, course.id)
        )
    if action in {Action.REVIEW_CASELOAD, Action.REVIEW_PLAN}:
        return is_counselor(actor)
    if action in {Action.ADMIN_TENANT, Action.DELETE_PLAN}:
        return is_admin(actor)
    if not isinstance(resource, Person):
        return False
    student_id = resource.id
    if action == Action.EDIT_PLAN:
        return student_id == me and _is_student(resource)
    if action == Action.SIGN_PLAN:
        return _guards(me, student_id)
    if action == Action.READ_PLAN:
        return (
            student_id == me
            or teaches_student(me, student_id)
            or _guards(me, student_id)
            or is_counselor(actor)
        )
    if action == Action.READ_ACCOMMODATIONS:
        return student_id == me or _guards(me, student_id) or is_counselor(actor)
    if action == Action.COMMENT_PLAN:
        return teaches_student(me, student_id) or _guards(me, student_id) or is_counselor(actor)
    if action == Action.EXPORT_PLAN:
        return student_id == me or _guards(me, student_id) or is_counselor(actor) or is_admin(actor)
    return False


def require(actor: Actor, action: Action, resource: Any = None) -> None:
    """Raise ``NotAuthorized`` unless ``allowed``."""
    if not allowed(actor, action, resource):
        raise NotAuthorized()
