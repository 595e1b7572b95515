"""Records for tests, made directly in the database: no launch, no sandbox.

Each factory adds one real model row with sensible defaults, takes keyword overrides for any
column, flushes (so the row has its id) and returns it. Call them inside an app context; the
rows live in ``db.session`` until the test commits or the session is removed.

    t = factories.tenant()
    course = factories.course(t)
    student = factories.student_in(course)
    teacher = factories.teacher_of(course)
    assert policy.allowed(factories.actor(teacher), Action.READ_PLAN, student)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterable
from typing import Any, TypeVar

from lti_tool.actor import Actor
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment, Grade
from lti_tool.models import (
    Course,
    Enrollment,
    EnrollmentStatus,
    GrantRole,
    LmsKind,
    Mentorship,
    Person,
    Platform,
    Role,
    RoleGrant,
    Tenant,
)
from lti_tool.plans.models import Goal, GoalCategory, GoalStatus, Plan
from lti_tool.portfolio.models import Evidence, EvidenceKind, StoredFile

_serial = itertools.count(1)
T = TypeVar("T")


def _next() -> int:
    return next(_serial)


def _add(row: T) -> T:
    db.session.add(row)
    db.session.flush()
    return row


# -- tenants and registrations ------------------------------------------------------------


def tenant(**overrides: Any) -> Tenant:
    """A district's LMS (active)."""
    n = _next()
    values: dict[str, Any] = {"name": f"District {n}", "district": f"district-{n}", "active": True}
    return _add(Tenant(**(values | overrides)))


def platform(owner: Tenant | None = None, **overrides: Any) -> Platform:
    """A registration (issuer + client_id) of ``owner`` (a new tenant when None)."""
    owner = owner or tenant()
    n = _next()
    issuer = overrides.pop("issuer", f"https://lms-{n}.example.org")
    values: dict[str, Any] = {
        "tenant_id": owner.id,
        "name": f"LMS {n}",
        "issuer": issuer,
        "client_id": f"client-{n}",
        "auth_login_url": f"{issuer}/auth",
        "auth_token_url": f"{issuer}/token",
        "key_set_url": f"{issuer}/jwks",
        "lms": LmsKind.GENERIC,
        "active": True,
        "settings": {},
    }
    return _add(Platform(**(values | overrides)))


def tenant_with_platform(**overrides: Any) -> tuple[Tenant, Platform]:
    """A tenant and one registration of it; ``overrides`` go to the tenant."""
    owner = tenant(**overrides)
    return owner, platform(owner)


# -- people and courses -------------------------------------------------------------------


def person(owner: Tenant, **overrides: Any) -> Person:
    """Someone in ``owner`` with a unique ``sub`` and a made-up name."""
    n = _next()
    values: dict[str, Any] = {
        "tenant_id": owner.id,
        "sub": f"user-{n}",
        "name": f"Person {n}",
        "email": f"person{n}@example.org",
        "institution_roles": [],
    }
    return _add(Person(**(values | overrides)))


def course(owner: Tenant, **overrides: Any) -> Course:
    """A course (LTI context) of ``owner``."""
    n = _next()
    values: dict[str, Any] = {
        "tenant_id": owner.id,
        "context_id": f"context-{n}",
        "title": f"Course {n}",
        "label": f"C{n}",
    }
    return _add(Course(**(values | overrides)))


def enrollment(
    in_course: Course,
    who: Person,
    role: Role = Role.STUDENT,
    *,
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
    **overrides: Any,
) -> Enrollment:
    """``who`` holds ``role`` in ``in_course`` (active unless told otherwise)."""
    values: dict[str, Any] = {
        "course_id": in_course.id,
        "person_id": who.id,
        "role": role,
        "status": status,
        "lti_roles": [],
        "source": "launch",
    }
    return _add(Enrollment(**(values | overrides)))


def _tenant_of(in_course: Course) -> Tenant:
    owner = db.session.get(Tenant, in_course.tenant_id)
    assert owner is not None
    return owner


def student_in(
    in_course: Course, *, status: EnrollmentStatus = EnrollmentStatus.ACTIVE, **overrides: Any
) -> Person:
    """A new person enrolled as a learner in ``in_course``."""
    who = person(_tenant_of(in_course), **overrides)
    enrollment(in_course, who, Role.STUDENT, status=status)
    return who


def teacher_of(
    in_course: Course, *, status: EnrollmentStatus = EnrollmentStatus.ACTIVE, **overrides: Any
) -> Person:
    """A new person enrolled as an instructor in ``in_course``."""
    who = person(_tenant_of(in_course), **overrides)
    enrollment(in_course, who, Role.TEACHER, status=status)
    return who


def mentorship(
    guardian: Person,
    student: Person,
    in_course: Course | None = None,
    *,
    active: bool = True,
    **overrides: Any,
) -> Mentorship:
    """``guardian`` may see ``student`` (a ``role_scope_mentor`` link, per course)."""
    values: dict[str, Any] = {
        "tenant_id": student.tenant_id,
        "guardian_id": guardian.id,
        "student_id": student.id,
        "course_id": in_course.id if in_course else None,
        "active": active,
    }
    return _add(Mentorship(**(values | overrides)))


def grant(who: Person, role: GrantRole = GrantRole.COUNSELOR, **overrides: Any) -> RoleGrant:
    """A Lodestar counselor (or admin) right for ``who`` in their tenant."""
    values: dict[str, Any] = {
        "tenant_id": who.tenant_id,
        "role": role,
        "person_id": who.id,
        "source": "operator",
    }
    return _add(RoleGrant(**(values | overrides)))


# -- plans and evidence -------------------------------------------------------------------


def plan(student: Person, **overrides: Any) -> Plan:
    """The (empty) plan of ``student``."""
    values: dict[str, Any] = {
        "tenant_id": student.tenant_id,
        "person_id": student.id,
        "cluster_codes": [],
        "pathway_codes": [],
        "inventory_answers": {},
    }
    return _add(Plan(**(values | overrides)))


def goal(of_plan: Plan, **overrides: Any) -> Goal:
    """A career goal of ``of_plan``, not started."""
    values: dict[str, Any] = {
        "plan_id": of_plan.id,
        "category": GoalCategory.CAREER,
        "statement": f"Goal {_next()}: shadow an engineer",
        "status": GoalStatus.NOT_STARTED,
        "target_date": dt.date(2027, 6, 1),
    }
    return _add(Goal(**(values | overrides)))


def assignment(in_course: Course, **overrides: Any) -> Assignment:
    """An AGS line item of ``in_course``."""
    n = _next()
    values: dict[str, Any] = {
        "course_id": in_course.id,
        "source": "ags",
        "external_id": f"https://lms.example.org/lineitems/{n}",
        "title": f"Assignment {n}",
        "score_maximum": 10.0,
        "active": True,
    }
    return _add(Assignment(**(values | overrides)))


def grade(of_assignment: Assignment, student: Person, **overrides: Any) -> Grade:
    """``student``'s result on ``of_assignment`` (8 of its maximum)."""
    values: dict[str, Any] = {
        "assignment_id": of_assignment.id,
        "person_id": student.id,
        "score": 8.0,
        "score_maximum": of_assignment.score_maximum,
        "attachments": [],
    }
    return _add(Grade(**(values | overrides)))


def stored_file(owner: Person, content: bytes = b"My essay.\n", **overrides: Any) -> StoredFile:
    """A work sample ``owner`` uploaded (a text file by default)."""
    values: dict[str, Any] = {
        "tenant_id": owner.tenant_id,
        "owner_id": owner.id,
        "filename": "essay.txt",
        "content_type": "text/plain",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "content": content,
    }
    return _add(StoredFile(**(values | overrides)))


def evidence(of_plan: Plan, of_goal: Goal | None = None, **overrides: Any) -> Evidence:
    """A web link the student attached to ``of_plan`` (and ``of_goal``) with a reflection."""
    values: dict[str, Any] = {
        "tenant_id": of_plan.tenant_id,
        "plan_id": of_plan.id,
        "goal_id": of_goal.id if of_goal else None,
        "student_id": of_plan.person_id,
        "kind": EvidenceKind.URL,
        "attached_by": of_plan.person_id,
        "attached_as": "student",
        "reflection": "This project showed me how much I like building things.",
        "snapshot_title": "My project",
        "snapshot_url": "https://example.org/project",
        "snapshot_extra": {},
    }
    return _add(Evidence(**(values | overrides)))


# -- who is asking ------------------------------------------------------------------------


def actor(who: Person, in_course: Course | None = None, roles: Iterable[Role] = ()) -> Actor:
    """The actor a launch of ``who`` (in ``in_course``, with ``roles``) would give."""
    return Actor(
        tenant_id=who.tenant_id,
        person_id=who.id,
        course_id=in_course.id if in_course else None,
        roles=frozenset(roles),
    )
