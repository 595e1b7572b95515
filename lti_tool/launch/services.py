"""What a validated launch changes in our database, and platform registration.

``record_launch`` runs only after pylti1p3 and our checks accepted the id_token; it upserts
the person (tenant + sub), the course (context), the enrollment (role) and the resource
link, and refreshes guardian links from ``role_scope_mentor``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from lti_tool import audit, hygiene, policy, session_records
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput, LaunchError, LaunchRequired, NotAuthorized, NotFound
from lti_tool.extensions import db
from lti_tool.launch import grants, placements, provisional, student_info, tenancy
from lti_tool.launch import roles as lti_roles
from lti_tool.lti_vocab import (
    AGS_CLAIM,
    CONTEXT_CLAIM,
    CUSTOM_CLAIM,
    DEPLOYMENT_ID_CLAIM,
    LIS_CLAIM,
    MESSAGE_TYPE_CLAIM,
    NRPS_CLAIM,
    RESOURCE_LINK_CLAIM,
    ROLE_SCOPE_MENTOR_CLAIM,
    ROLES_CLAIM,
)
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
    RoleGrant,
    Tenant,
)
from lti_tool.tenants import (
    COMMON_ZONES,
    effective_zone_name,
    find_platform,
    note_platform_zone,
    set_district_zone,
    tenant_platforms,
)

#: Context types that are courses (LIS v2 course vocabulary, full or short form). A
#: context of another type (Canvas user navigation sends the Account) is no course.
COURSE_CONTEXT_TYPES = ("CourseOffering", "CourseSection", "CourseTemplate")


def clip(value: object, length: int) -> str:
    """LMS-supplied text cut to a column's length (PostgreSQL enforces VARCHAR limits)."""
    return hygiene.clean_text(str(value or ""))[:length]


def present(value: object) -> str | None:
    """An LMS value as text, or None when absent or still an unexpanded ``$variable``.

    Canvas leaves a substitution variable it cannot expand (``$Canvas.course.id`` outside a
    course) as its literal name; Moodle does the same for unknown ones.
    """
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = hygiene.clean_text(str(value)).strip()
    return None if not text or text.startswith("$") else text


def _claim(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A claim that must be a JSON object; anything else counts as absent."""
    value = body.get(name)
    return value if isinstance(value, dict) else {}


def custom_params(body: Mapping[str, Any]) -> dict[str, str]:
    """The launch's custom parameters with unexpanded ``$variables`` left out."""
    return {
        str(k): v
        for k, raw in _claim(body, CUSTOM_CLAIM).items()
        if (v := present(raw)) is not None
    }


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


def _person(tenant_id: int, body: Mapping[str, Any]) -> Person:
    sub = str(body["sub"])
    person = db.session.execute(
        select(Person).where(Person.tenant_id == tenant_id, Person.sub == sub)
    ).scalar_one_or_none()
    custom = custom_params(body)
    if person is None:
        # Known from the district's course list before this first launch: the same human.
        person = provisional.adopt_person(
            tenant_id,
            sub,
            lms_user_id=custom.get("lms_user_id") or custom.get("canvas_user_id"),
            sis_id=present(_claim(body, LIS_CLAIM).get("person_sourcedid")),
        )
    if person is None:
        person = Person(tenant_id=tenant_id, sub=sub)
        db.session.add(person)
    given, family = present(body.get("given_name")), present(body.get("family_name"))
    name = present(body.get("name")) or " ".join(p for p in (given, family) if p)
    person.name = clip(name or person.name, 255)
    person.given_name = clip(given, 255) or person.given_name
    person.family_name = clip(family, 255) or person.family_name
    person.email = clip(present(body.get("email")), 320) or person.email
    person.lms_user_id = (
        clip(custom.get("lms_user_id") or custom.get("canvas_user_id") or person.lms_user_id, 255)
        or None
    )
    sis = present(_claim(body, LIS_CLAIM).get("person_sourcedid"))
    person.sis_id = clip(sis, 255) or person.sis_id
    person.last_launch_at = utcnow()
    # Their own launch brings them back after a deletion on request (a fresh start).
    person.erased_at = None
    return person


def is_course_context(context: Mapping[str, Any]) -> bool:
    """Whether an LTI context claim names a course (its ``type`` absent, or a course type)."""
    types = context.get("type")
    if types is None:
        return True
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list):
        return False
    # Full URIs end in "#CourseOffering"; LTI 1.1 URNs in "/CourseSection".
    return any(
        isinstance(t, str) and t.replace("/", "#").rsplit("#", 1)[-1] in COURSE_CONTEXT_TYPES
        for t in types
    )


def _course(platform: Platform, body: Mapping[str, Any]) -> Course | None:
    context = _claim(body, CONTEXT_CLAIM)
    context_id = present(context.get("id"))
    if not context_id or not is_course_context(context):
        return None
    course = db.session.execute(
        select(Course).where(
            Course.tenant_id == platform.tenant_id, Course.context_id == context_id
        )
    ).scalar_one_or_none()
    custom = custom_params(body)
    if course is None:
        course = provisional.adopt_course(
            platform.tenant_id,
            clip(context_id, 255),
            custom.get("lms_course_id") or custom.get("canvas_course_id"),
        )
    if course is None:
        course = Course(tenant_id=platform.tenant_id, context_id=clip(context_id, 255))
        db.session.add(course)
    course.title = clip(present(context.get("title")) or course.title, 255)
    course.label = clip(present(context.get("label")), 255) or course.label
    course.lms_course_id = (
        clip(
            custom.get("lms_course_id") or custom.get("canvas_course_id") or course.lms_course_id,
            255,
        )
        or None
    )
    course.deployment_id = clip(present(body.get(DEPLOYMENT_ID_CLAIM)), 255) or None
    course.platform_id = platform.id
    nrps_url = present(_claim(body, NRPS_CLAIM).get("context_memberships_url"))
    if hygiene.http_url(nrps_url):  # a malformed (or overlong) service URL is not kept
        course.nrps_url = nrps_url
    if _claim(body, AGS_CLAIM):
        course.ags_endpoint = dict(_claim(body, AGS_CLAIM))
    return course


def _enrollments(course: Course, person: Person, roles: set[Role], raw: list[str]) -> None:
    existing = {
        e.role: e
        for e in db.session.execute(
            select(Enrollment).where(
                Enrollment.course_id == course.id, Enrollment.person_id == person.id
            )
        ).scalars()
    }
    now = utcnow()
    course_roles = roles & {Role.STUDENT, Role.TEACHER, Role.GUARDIAN}
    # The launch says which roles the person holds in this course *now*: a role it no
    # longer lists (a TA who became a student, an observer removed) stops granting access.
    for role, held in existing.items():
        if role not in course_roles:
            held.asserted_at = None
            if held.status == EnrollmentStatus.ACTIVE:
                held.status = EnrollmentStatus.INACTIVE
    for role in course_roles:
        enrollment = existing.get(role)
        if enrollment is None:
            enrollment = Enrollment(
                course_id=course.id, person_id=person.id, role=role, source="launch"
            )
            db.session.add(enrollment)
        enrollment.status = EnrollmentStatus.ACTIVE
        if enrollment.lti_roles != raw:
            enrollment.lti_roles = raw
        enrollment.last_seen_at = now
        enrollment.asserted_at = now


def _mentorships(
    tenant_id: int, guardian: Person, course: Course | None, student_subs: list[str]
) -> None:
    """Set the guardian's links *for this course* to the students the launch names.

    Canvas lists in ``role_scope_mentor`` only the students observed in the launch's course
    (and leaves the claim out when there are none), so links of other courses are untouched.
    A launch without a course only adds links.
    """
    wanted = set(student_subs)
    students = (
        {
            p.sub: p
            for p in db.session.execute(
                select(Person).where(Person.tenant_id == tenant_id, Person.sub.in_(wanted))
            ).scalars()
        }
        if wanted
        else {}
    )
    for sub in wanted - students.keys():
        # The child has not launched yet: create a stub that sync or their launch fills in.
        person = Person(tenant_id=tenant_id, sub=clip(sub, 255), name="")
        db.session.add(person)
        students[sub] = person
    db.session.flush()
    course_id = course.id if course is not None else None
    rows = list(
        db.session.execute(
            select(Mentorship).where(Mentorship.guardian_id == guardian.id)
        ).scalars()
    )
    links = {m.student_id: m for m in rows if m.course_id == course_id}
    # Links made before links were per course: a course launch that names the child adopts
    # the old link; it is never deactivated by another course's launch.
    legacy = {m.student_id: m for m in rows if m.course_id is None}
    wanted_ids = {p.id for p in students.values()}
    for student_id in wanted_ids:
        link = links.get(student_id)
        if link is None and course_id is not None and student_id in legacy:
            link = legacy.pop(student_id)
            link.course_id = course_id
        if link is None:
            db.session.add(
                Mentorship(
                    tenant_id=tenant_id,
                    guardian_id=guardian.id,
                    student_id=student_id,
                    course_id=course_id,
                )
            )
        else:
            link.active = True
    if course_id is not None:
        # Legacy links this launch does not name end too (as every link did before links
        # were per course): the course that still names the child makes its own link.
        for student_id, link in [*links.items(), *legacy.items()]:
            if student_id not in wanted_ids:
                link.active = False


def _has_active_links(guardian: Person) -> bool:
    return (
        db.session.execute(
            select(Mentorship.id)
            .where(Mentorship.guardian_id == guardian.id, Mentorship.active.is_(True))
            .limit(1)
        ).first()
        is not None
    )


def _stored_course_roles(person: Person) -> set[Role]:
    """Course roles the person holds anywhere in the tenant (for launches without a course)."""
    return {
        Role(str(r))
        for r in db.session.execute(
            select(Enrollment.role)
            .where(
                Enrollment.person_id == person.id,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Enrollment.role.in_([Role.STUDENT, Role.TEACHER]),
            )
            .distinct()
        ).scalars()
    }


def _resource_link(course: Course, body: Mapping[str, Any]) -> ResourceLink | None:
    link = _claim(body, RESOURCE_LINK_CLAIM)
    link_id = present(link.get("id"))
    if not link_id:
        return None
    row = db.session.execute(
        select(ResourceLink).where(
            ResourceLink.course_id == course.id, ResourceLink.resource_link_id == link_id
        )
    ).scalar_one_or_none()
    if row is None:
        row = ResourceLink(course_id=course.id, resource_link_id=clip(link_id, 255))
        db.session.add(row)
    row.title = clip(present(link.get("title")), 255) or row.title
    custom = custom_params(body)
    if row.custom != custom:
        row.custom = custom
    return row


def launch_roles(body: Mapping[str, Any]) -> list[str]:
    """The launch's role URIs, normalised (anything but a list of strings counts as none)."""
    roles = body.get(ROLES_CLAIM)
    return lti_roles.normalize_all(roles if isinstance(roles, list) else [])


def launch_platform(body: Mapping[str, Any]) -> Platform:
    """The registration an accepted id_token came from.

    :raises LaunchError: if the platform vanished between validation and now.
    """
    aud = body.get("aud")
    client_id = body.get("azp") or (aud[0] if isinstance(aud, list) and aud else aud)
    platform = find_platform(str(body["iss"]), str(client_id))
    if platform is None:
        raise LaunchError("This platform is no longer registered.", status_code=403)
    return platform


def record_launch(body: Mapping[str, Any]) -> LaunchResult:
    """Upsert everything an accepted launch tells us and return who is here.

    Pages and course rights follow the *course* roles of the launch; admin and counselor
    rights come from Lodestar's grants only (see ``launch/grants.py``).

    :raises LaunchError: if the platform vanished between validation and now.
    """
    body = hygiene.clean_claim(body)  # already clean from a validated launch; cheap
    platform = launch_platform(body)
    tenant_id = platform.tenant_id
    raw_roles = launch_roles(body)
    scope = body.get(ROLE_SCOPE_MENTOR_CLAIM)
    mentor_scope = (
        [str(s) for s in scope if isinstance(s, (str, int))] if isinstance(scope, list) else []
    )
    person = _person(tenant_id, body)
    institution = lti_roles.institution_roles(raw_roles)
    person.institution_roles = sorted(institution)
    db.session.flush()
    provisional.absorb(person)
    grants.bind_pending(person)
    grants.apply_platform_rule(platform, person, institution_admin=Role.ADMIN in institution)

    course = _course(platform, body)
    context_roles = lti_roles.context_roles(raw_roles, has_mentor_scope=True)
    if Role.STUDENT in context_roles:
        # A learner's grade level, graduation year and school (custom parameters); never a
        # teacher's, a parent's or staff's, even when the LMS sends the fields to everyone
        # (``$Canvas.account.name`` as the school, say): they would count as students.
        student_info.apply_launch(person, custom_params(body))
    if Role.TEACHER in context_roles or Role.ADMIN in institution:
        # The LMS's zone for this person (Canvas and Moodle expand $Person.address.timezone;
        # Moodle's "99" is "the site's default"): the first valid one a teacher's or an
        # administrator's launch sends is the district's default (a student's or a parent's
        # own setting never is: they may be anywhere).
        note_platform_zone(platform.tenant, custom_params(body).get(placements.TIMEZONE_FIELD))
    is_mentor = Role.GUARDIAN in context_roles
    if is_mentor:
        _mentorships(tenant_id, person, course, mentor_scope)
        db.session.flush()
        if not _has_active_links(person):
            context_roles.discard(Role.GUARDIAN)
    link = None
    if course is not None:
        db.session.flush()
        _enrollments(course, person, context_roles, raw_roles)
        link = _resource_link(course, body)
    db.session.flush()
    roles = set(context_roles) | grants.roles_of(person)
    if course is None:
        # No course (Canvas user navigation): pages follow the course roles the person
        # holds in the tenant, never the launch's institution roles.
        stored = _stored_course_roles(person)
        if Role.TEACHER not in stored:
            roles |= stored
        if _has_active_links(person):
            roles.add(Role.GUARDIAN)
    landing = lti_roles.landing_role(roles if course is not None else roles - {Role.TEACHER})
    message_type = str(body.get(MESSAGE_TYPE_CLAIM))
    audit.record(
        "launch",
        tenant_id=tenant_id,
        actor_id=person.id,
        subject_type="course" if course else None,
        subject_id=course.id if course else None,
        roles=sorted(roles),
        platform_id=platform.id,
        message_type=message_type,
    )
    db.session.commit()
    return LaunchResult(
        tenant_id=tenant_id,
        person_id=person.id,
        course_id=course.id if course else None,
        roles=frozenset(roles),
        landing=landing,
        message_type=message_type,
        resource_link_id=link.id if link else None,
        activity=custom_params(body).get("activity"),
    )


# -- platform registration ---------------------------------------------------------------


def add_platform(
    *,
    issuer: str,
    client_id: str,
    deployment_ids: list[str],
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    name: str | None = None,
    lms: str = LmsKind.GENERIC,
    district: str | None = None,
    auth_audience: str | None = None,
    tenant: int | str | None = None,
) -> Platform:
    """Register a platform (or add deployments to an existing one with the same client).

    ``tenant`` (an id or a name) chooses the tenant a new registration joins; without it
    the rules of :func:`lti_tool.launch.tenancy.tenant_for_registration` decide.

    :raises InvalidInput: for malformed URLs, an unknown LMS kind, or a registration that
        already belongs to another tenant than the one named.
    """
    for label, value in (
        ("auth login URL", auth_login_url),
        ("token URL", auth_token_url),
        ("key set URL", key_set_url),
        ("issuer", issuer),
    ):
        if hygiene.http_url(value) is None:
            raise InvalidInput(f"The {label} must be an http(s) URL, got {value!r}")
    if lms not in {k.value for k in LmsKind}:
        raise InvalidInput(
            f"Unknown LMS kind {lms!r}; use one of " + ", ".join(k.value for k in LmsKind)
        )
    platform = db.session.execute(
        select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)
    ).scalar_one_or_none()
    chosen = tenancy.tenant_for_registration(
        issuer,
        tenant=tenant,
        name=name,
        district=district,
        existing=platform,
        key_set_url=key_set_url,
        auth_login_url=auth_login_url,
    )
    if platform is None:
        platform = Platform(
            issuer=issuer,
            client_id=client_id,
            name=name or issuer,
            tenant_id=chosen.id,
            auth_login_url=auth_login_url,
            auth_token_url=auth_token_url,
            key_set_url=key_set_url,
            lms=LmsKind(lms),
            district=district,
            auth_audience=auth_audience,
            settings={},
        )
        db.session.add(platform)
    else:
        platform.auth_login_url, platform.auth_token_url = auth_login_url, auth_token_url
        platform.key_set_url, platform.lms = key_set_url, LmsKind(lms)
        platform.active = True
        chosen.active = True
        if name:
            platform.name = name
    db.session.flush()
    known = {d.deployment_id: d for d in platform.deployments}
    for deployment_id in deployment_ids:
        if deployment_id in known:
            known[deployment_id].approved = True  # the operator named it: enabled
        else:
            platform.deployments.append(Deployment(deployment_id=deployment_id))
    db.session.commit()
    return platform


def platforms_with_client_id(client_id: str) -> list[Platform]:
    """Registrations with this client_id under any issuer."""
    return list(
        db.session.execute(
            select(Platform).where(Platform.client_id == client_id).order_by(Platform.id)
        ).scalars()
    )


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
    """Deactivate a registration (its launches stop); ``purge`` deletes it, and with the
    tenant's last registration the tenant and all its data.

    :raises NotFound: for an unknown id.
    """
    platform = get_platform(platform_id)
    tenant = db.session.get(Tenant, platform.tenant_id)
    if purge:
        others = [p for p in tenant.platforms if p.id != platform.id] if tenant else []
        db.session.delete(tenant if tenant is not None and not others else platform)
    else:
        platform.active = False
    db.session.commit()
    return platform


def mark_counselor(
    platform_id: int, *, sub: str | None = None, email: str | None = None, counselor: bool = True
) -> None:
    """``ilp people mark-counselor``: ``grants.grant`` / ``grants.revoke_matching`` on the
    platform's tenant (kept for existing scripts).

    :raises InvalidInput: when neither sub nor email is given.
    :raises NotFound: for an unknown platform.
    """
    tenant_id = get_platform(platform_id).tenant_id
    if counselor:
        grants.grant(tenant_id, "counselor", sub=sub, email=email)
    elif not (sub or email):
        raise InvalidInput("Name the person by --sub or --email")
    else:
        grants.revoke_matching(tenant_id, "counselor", sub=sub, email=email)


def set_admin_rule(platform_id: int, enabled: bool) -> Platform:
    """Turn the "institution admins are Lodestar admins" rule of a registration on or off.

    :raises NotFound: for an unknown id.
    """
    platform = get_platform(platform_id)
    platform.institution_admins_are_admins = enabled
    db.session.flush()
    if not grants.rule_on_in_tenant(platform.tenant_id):
        rule_made = (RoleGrant.tenant_id == platform.tenant_id, RoleGrant.source == grants.RULE)
        losing = db.session.execute(select(RoleGrant.person_id).where(*rule_made)).scalars()
        session_records.end_sessions_of([pid for pid in losing if pid is not None])
        db.session.execute(delete(RoleGrant).where(*rule_made))
    audit.record(
        "platform.rule",
        tenant_id=platform.tenant_id,
        actor_id=None,
        subject_type="platform",
        subject_id=platform.id,
        enabled=enabled,
    )
    db.session.commit()
    return platform


#: At most this many deployments may wait for approval per registration.
MAX_PENDING_DEPLOYMENTS = 20


def record_pending_deployment(platform: Platform, deployment_id: str) -> Deployment | None:
    """Remember a deployment first seen in a *signed* launch of a known registration, to be
    enabled by a Lodestar admin (Canvas can register a key with no deployment yet)."""
    deployment_id = clip(present(deployment_id), 255)
    if not deployment_id:
        return None
    row = db.session.execute(
        select(Deployment).where(
            Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id
        )
    ).scalar_one_or_none()
    if row is None:
        waiting = db.session.execute(
            select(func.count(Deployment.id)).where(
                Deployment.platform_id == platform.id, Deployment.approved.is_(False)
            )
        ).scalar_one()
        if waiting >= MAX_PENDING_DEPLOYMENTS:
            return None
        row = Deployment(platform_id=platform.id, deployment_id=deployment_id, approved=False)
        db.session.add(row)
        audit.record(
            "deployment.pending",
            tenant_id=platform.tenant_id,
            actor_id=None,
            subject_type="platform",
            subject_id=platform.id,
        )
        db.session.commit()
    return row


def approve_deployment(
    platform_id: int, deployment_id: str, *, approved_by: int | None = None
) -> Deployment:
    """Enable a deployment that waits for approval.

    :raises NotFound: when the registration has no such deployment.
    """
    platform = get_platform(platform_id)
    row = db.session.execute(
        select(Deployment).where(
            Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"Platform {platform_id} has no deployment {deployment_id!r}")
    row.approved = True
    audit.record(
        "deployment.approved",
        tenant_id=platform.tenant_id,
        actor_id=approved_by,
        subject_type="platform",
        subject_id=platform.id,
    )
    db.session.commit()
    return row


def pending_deployments(tenant_id: int) -> list[tuple[Platform, Deployment]]:
    """Deployments of the tenant's registrations that wait for an admin."""
    return [
        (p, d)
        for p, d in db.session.execute(
            select(Platform, Deployment)
            .join(Deployment, Deployment.platform_id == Platform.id)
            .where(Platform.tenant_id == tenant_id, Deployment.approved.is_(False))
            .order_by(Deployment.id)
        ).all()
    ]


APPROVAL_SALT = "lodestar-deployment-approval"
#: Seconds the "enable this deployment" form stays valid.
APPROVAL_MAX_AGE = 900


def approver_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """Who launched, as far as enabling a deployment goes (kept in the approval token)."""
    return {
        "s": str(body.get("sub") or ""),
        "e": present(body.get("email")),
        "a": Role.ADMIN in lti_roles.institution_roles(launch_roles(body)),
    }


def may_approve(platform: Platform, who: Mapping[str, Any]) -> bool:
    """Ask the policy whether this launcher may enable a deployment of ``platform``."""
    return policy.may_enable_deployment(
        platform.tenant_id,
        sub=str(who["s"]),
        email=who.get("e"),
        institution_admin=bool(who.get("a")),
        rule_on=platform.institution_admins_are_admins,
    )


def _approval_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=APPROVAL_SALT)


def approval_token(platform: Platform, deployment_id: str, who: Mapping[str, Any]) -> str:
    """A short-lived signed answer form for the admin who launched."""
    return _approval_serializer().dumps({"p": platform.id, "d": deployment_id, **who})


def approve_with_token(token: str) -> tuple[Platform, Deployment]:
    """Enable the deployment a valid approval token names.

    :raises LaunchRequired: when the token is forged, malformed or expired.
    """
    try:
        data = _approval_serializer().loads(token, max_age=APPROVAL_MAX_AGE)
        platform_id, deployment_id, sub = int(data["p"]), str(data["d"]), str(data["s"])
    except (BadSignature, KeyError, TypeError, ValueError) as err:
        raise LaunchRequired(
            "This form has expired. Open Lodestar again from your course to enable it."
        ) from err
    platform = get_platform(platform_id)
    if not may_approve(platform, data):  # the grant may have been revoked since
        raise NotAuthorized()
    person = db.session.execute(
        select(Person).where(Person.tenant_id == platform.tenant_id, Person.sub == sub)
    ).scalar_one_or_none()
    deployment = approve_deployment(
        platform_id, deployment_id, approved_by=person.id if person else None
    )
    return platform, deployment


def admin_overview(tenant_id: int) -> dict[str, Any]:
    """What the admin page shows: the tenant, its registrations, pending deployments and
    grants."""
    tenant = db.session.get(Tenant, tenant_id)
    return {
        "tenant": tenant,
        "zone": effective_zone_name(tenant),
        "zone_choices": COMMON_ZONES,
        "platforms": tenant_platforms(tenant_id),
        "pending": pending_deployments(tenant_id),
        "grants": grants.list_grants(tenant_id),
    }


def set_time_zone(tenant_id: int, name: str, *, actor_id: int) -> str | None:
    """The district admin sets (or clears) the time zone its pages show times in.

    :raises InvalidInput: when ``name`` is not an IANA time zone name.
    """
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound()
    zone = set_district_zone(tenant, name)
    audit.record("tenant.timezone_set", tenant_id=tenant_id, actor_id=actor_id, zone=zone)
    db.session.commit()
    return zone


def taught_courses(actor: Any) -> list[Course]:
    """Courses the actor actively teaches (for the welcome page outside a course)."""
    return list(
        db.session.execute(
            select(Course)
            .join(Enrollment, Enrollment.course_id == Course.id)
            .where(
                Enrollment.person_id == actor.person_id,
                Enrollment.role == Role.TEACHER,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Course.tenant_id == actor.tenant_id,
            )
            .order_by(Course.title)
        ).scalars()
    )
