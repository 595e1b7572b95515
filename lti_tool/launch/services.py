"""What a validated launch changes in our database, and platform registration.

``record_launch`` runs only after pylti1p3 and our checks accepted the id_token; it upserts
the person (tenant + sub), the course (context), the enrollment (role) and the resource
link, and refreshes guardian links from ``role_scope_mentor``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lti_tool import audit
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput, LaunchError, NotFound
from lti_tool.extensions import db
from lti_tool.launch import roles as lti_roles
from lti_tool.launch.lti import find_platform
from lti_tool.models import (
    Course,
    Deployment,
    Enrollment,
    EnrollmentStatus,
    LmsKind,
    Mentorship,
    Person,
    Platform,
    ResourceLink,
    Role,
)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DEEP_LINKING_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def clip(value: object, length: int) -> str:
    """LMS-supplied text cut to a column's length (PostgreSQL enforces VARCHAR limits)."""
    return str(value or "")[:length]


@dataclass(frozen=True)
class LaunchResult:
    """What the rest of the request needs to know about an accepted launch."""

    tenant_id: int
    person_id: int
    course_id: int | None
    roles: frozenset[Role]
    landing: Role | None
    message_type: str
    resource_link_id: int | None
    #: The ``activity`` custom parameter of the placement (``reflection`` for Deep Linked
    #: plan reflections), if any.
    activity: str | None = None


def _person(platform: Platform, body: Mapping[str, Any]) -> Person:
    sub = str(body["sub"])
    person = db.session.execute(
        select(Person).where(Person.tenant_id == platform.id, Person.sub == sub)
    ).scalar_one_or_none()
    if person is None:
        person = Person(tenant_id=platform.id, sub=sub)
        db.session.add(person)
    custom = body.get(CLAIM + "custom") or {}
    person.name = clip(body.get("name") or " ".join(
        str(p) for p in (body.get("given_name"), body.get("family_name")) if p)
        or person.name, 255)
    person.given_name = clip(body.get("given_name"), 255) or person.given_name
    person.family_name = clip(body.get("family_name"), 255) or person.family_name
    person.email = clip(body.get("email"), 320) or person.email
    person.lms_user_id = clip(custom.get("lms_user_id") or custom.get("canvas_user_id")
                              or person.lms_user_id, 255) or None
    person.last_launch_at = utcnow()
    return person


def _course(platform: Platform, body: Mapping[str, Any]) -> Course | None:
    context = body.get(CLAIM + "context") or {}
    context_id = context.get("id")
    if not context_id:
        return None
    course = db.session.execute(
        select(Course).where(Course.tenant_id == platform.id, Course.context_id == str(context_id))
    ).scalar_one_or_none()
    if course is None:
        course = Course(tenant_id=platform.id, context_id=str(context_id))
        db.session.add(course)
    custom = body.get(CLAIM + "custom") or {}
    course.title = clip(context.get("title") or course.title, 255)
    course.label = clip(context.get("label"), 255) or course.label
    course.lms_course_id = clip(custom.get("lms_course_id") or custom.get("canvas_course_id")
                                or course.lms_course_id, 255) or None
    course.deployment_id = clip(body.get(CLAIM + "deployment_id"), 255) or None
    nrps = body.get(NRPS_CLAIM) or {}
    if nrps.get("context_memberships_url"):
        course.nrps_url = clip(nrps["context_memberships_url"], 2048)
    if body.get(AGS_CLAIM):
        course.ags_endpoint = dict(body[AGS_CLAIM])
    return course


def _enrollments(course: Course, person: Person, roles: set[Role], raw: list[str]) -> None:
    existing = {
        e.role: e for e in db.session.execute(
            select(Enrollment).where(Enrollment.course_id == course.id,
                                     Enrollment.person_id == person.id)
        ).scalars()
    }
    now = utcnow()
    course_roles = roles & {Role.STUDENT, Role.TEACHER, Role.GUARDIAN}
    # The launch says which roles the person holds in this course *now*: a role it no
    # longer lists (a TA who became a student, an observer removed) stops granting access.
    for role, enrollment in existing.items():
        if role not in course_roles and enrollment.status == EnrollmentStatus.ACTIVE:
            enrollment.status = EnrollmentStatus.INACTIVE
    for role in course_roles:
        enrollment = existing.get(role)
        if enrollment is None:
            enrollment = Enrollment(course_id=course.id, person_id=person.id, role=role,
                                    source="launch")
            db.session.add(enrollment)
        enrollment.status = EnrollmentStatus.ACTIVE
        enrollment.lti_roles = raw
        enrollment.last_seen_at = now


def _mentorships(platform: Platform, guardian: Person, student_subs: list[str]) -> None:
    wanted = set(student_subs)
    students = {
        p.sub: p for p in db.session.execute(
            select(Person).where(Person.tenant_id == platform.id, Person.sub.in_(wanted))
        ).scalars()
    } if wanted else {}
    for sub in wanted - students.keys():
        # The child has not launched yet: create a stub that sync or their launch fills in.
        person = Person(tenant_id=platform.id, sub=sub, name="")
        db.session.add(person)
        students[sub] = person
    db.session.flush()
    links = {
        m.student_id: m for m in db.session.execute(
            select(Mentorship).where(Mentorship.guardian_id == guardian.id)
        ).scalars()
    }
    wanted_ids = {p.id for p in students.values()}
    for student_id in wanted_ids:
        link = links.get(student_id)
        if link is None:
            db.session.add(Mentorship(tenant_id=platform.id, guardian_id=guardian.id,
                                      student_id=student_id))
        else:
            link.active = True
    for student_id, link in links.items():
        if student_id not in wanted_ids:
            link.active = False


def _resource_link(course: Course, body: Mapping[str, Any]) -> ResourceLink | None:
    link = body.get(CLAIM + "resource_link") or {}
    if not link.get("id"):
        return None
    row = db.session.execute(
        select(ResourceLink).where(ResourceLink.course_id == course.id,
                                   ResourceLink.resource_link_id == str(link["id"]))
    ).scalar_one_or_none()
    if row is None:
        row = ResourceLink(course_id=course.id, resource_link_id=str(link["id"]))
        db.session.add(row)
    row.title = clip(link.get("title"), 255) or row.title
    row.custom = dict(body.get(CLAIM + "custom") or {})
    return row


def record_launch(body: Mapping[str, Any]) -> LaunchResult:
    """Upsert everything an accepted launch tells us and return who is here.

    :raises LaunchError: if the platform vanished between validation and now.
    """
    aud = body.get("aud")
    client_id = body.get("azp") or (aud[0] if isinstance(aud, list) else aud)
    platform = find_platform(str(body["iss"]), str(client_id))
    if platform is None:
        raise LaunchError("This platform is no longer registered.", status_code=403)

    raw_roles = [str(r) for r in body.get(CLAIM + "roles") or []]
    mentor_scope = [str(s) for s in body.get(CLAIM + "role_scope_mentor") or []]
    context_roles = lti_roles.context_roles(raw_roles, has_mentor_scope=bool(mentor_scope))
    roles = set(context_roles)
    person = _person(platform, body)
    person.institution_roles = sorted(lti_roles.institution_roles(raw_roles))
    db.session.flush()
    roles |= {Role(r) for r in person.institution_roles}
    if person.is_counselor:
        roles.add(Role.COUNSELOR)
    if Role.ADMIN in roles:
        roles.add(Role.COUNSELOR)

    course = _course(platform, body)
    link = None
    if course is not None:
        db.session.flush()
        _enrollments(course, person, context_roles, raw_roles)
        link = _resource_link(course, body)
    if Role.GUARDIAN in roles or lti_roles.has_mentor_role(raw_roles):
        # An empty role_scope_mentor revokes every link this guardian had.
        _mentorships(platform, person, mentor_scope)
    db.session.flush()
    audit.record("launch", tenant_id=platform.id, actor_id=person.id,
                 subject_type="course" if course else None,
                 subject_id=course.id if course else None,
                 roles=sorted(roles),
                 message_type=str(body.get(CLAIM + "message_type")))
    db.session.commit()
    return LaunchResult(
        tenant_id=platform.id, person_id=person.id,
        course_id=course.id if course else None, roles=frozenset(roles),
        landing=lti_roles.landing_role(roles),
        message_type=str(body.get(CLAIM + "message_type")),
        resource_link_id=link.id if link else None,
        activity=str((body.get(CLAIM + "custom") or {}).get("activity") or "") or None,
    )


# -- platform registration ---------------------------------------------------------------

def add_platform(*, issuer: str, client_id: str, deployment_ids: list[str], auth_login_url: str,
                 auth_token_url: str, key_set_url: str, name: str | None = None,
                 lms: str = LmsKind.GENERIC, district: str | None = None,
                 auth_audience: str | None = None) -> Platform:
    """Register a platform (or add deployments to an existing one with the same client).

    :raises InvalidInput: for malformed URLs or an unknown LMS kind.
    """
    for label, value in (("auth login URL", auth_login_url), ("token URL", auth_token_url),
                         ("key set URL", key_set_url), ("issuer", issuer)):
        if not value.startswith(("https://", "http://")):
            raise InvalidInput(f"The {label} must be an http(s) URL, got {value!r}")
    if lms not in {k.value for k in LmsKind}:
        raise InvalidInput(f"Unknown LMS kind {lms!r}; use one of "
                           + ", ".join(k.value for k in LmsKind))
    platform = db.session.execute(
        select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)
    ).scalar_one_or_none()
    if platform is None:
        platform = Platform(issuer=issuer, client_id=client_id, name=name or issuer,
                            auth_login_url=auth_login_url, auth_token_url=auth_token_url,
                            key_set_url=key_set_url, lms=LmsKind(lms), district=district,
                            auth_audience=auth_audience, settings={})
        db.session.add(platform)
    else:
        platform.auth_login_url, platform.auth_token_url = auth_login_url, auth_token_url
        platform.key_set_url, platform.lms = key_set_url, LmsKind(lms)
        platform.active = True
        if name:
            platform.name = name
    db.session.flush()
    known = {d.deployment_id for d in platform.deployments}
    for deployment_id in deployment_ids:
        if deployment_id not in known:
            platform.deployments.append(Deployment(deployment_id=deployment_id))
    db.session.commit()
    return platform


def get_platform(platform_id: int) -> Platform:
    """One registration.

    :raises NotFound: for an unknown id.
    """
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        raise NotFound(f"No platform with id {platform_id}")
    return platform


def list_platforms() -> list[Platform]:
    """All registrations, oldest first."""
    return list(db.session.execute(select(Platform).order_by(Platform.id)).scalars())


def remove_platform(platform_id: int, *, purge: bool = False) -> Platform:
    """Deactivate a registration (launches stop); ``purge`` deletes it and its tenant data.

    :raises NotFound: for an unknown id.
    """
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        raise NotFound(f"No platform with id {platform_id}")
    if purge:
        db.session.delete(platform)
    else:
        platform.active = False
    db.session.commit()
    return platform



def mark_counselor(platform_id: int, *, sub: str | None = None, email: str | None = None,
                   counselor: bool = True) -> Person:
    """Give (or take) counselor rights to a person of a tenant, before or after they launch.

    :raises InvalidInput: when neither sub nor email is given.
    :raises NotFound: for an unknown platform, or an unknown email.
    """
    if not sub and not email:
        raise InvalidInput("Name the person by --sub or --email")
    if db.session.get(Platform, platform_id) is None:
        raise NotFound(f"No platform with id {platform_id}")
    query = select(Person).where(Person.tenant_id == platform_id)
    query = query.where(Person.sub == sub) if sub else query.where(Person.email == email)
    person = db.session.execute(query).scalars().first()
    if person is None:
        if not sub:
            raise NotFound(f"Nobody with email {email} has launched Lodestar yet; use --sub")
        person = Person(tenant_id=platform_id, sub=sub, name="")
        db.session.add(person)
    person.is_counselor = counselor
    db.session.flush()
    audit.record("person.counselor" if counselor else "person.not_counselor",
                 tenant_id=platform_id, actor_id=None, subject_type="person",
                 subject_id=person.id)
    db.session.commit()
    return person
