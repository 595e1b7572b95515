"""Core records every feature shares: tenants, registrations, people, courses, grants.

A *tenant* is one district's LMS (``Tenant``). It holds any number of registrations
(``Platform``: issuer + client_id; Moodle gives every registration its own client id) and
deployments. Every person, course and plan row carries ``tenant_id`` and no query ever
crosses it; people are matched by ``sub`` within the tenant, so a student has one plan per
district LMS however many registrations it has. The operator decides which tenant a
registration joins (see ``launch/tenancy.py``).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import created_at, enum_string, intpk, str255, updated_at, url
from lti_tool.extensions import Model


class LmsKind(enum.StrEnum):
    """Which LMS family a platform is; decides which REST adapter sync may use."""

    CANVAS = "canvas"
    SCHOOLOGY = "schoology"
    MOODLE = "moodle"
    GENERIC = "generic"


class Role(enum.StrEnum):
    """Lodestar's own roles, derived from LTI role claims (see ``launch/roles.py``)."""

    STUDENT = "student"
    TEACHER = "teacher"
    GUARDIAN = "guardian"
    COUNSELOR = "counselor"
    ADMIN = "admin"


class GrantRole(enum.StrEnum):
    """Rights that only Lodestar itself grants (never an LMS claim by itself)."""

    ADMIN = "admin"
    COUNSELOR = "counselor"


class Tenant(Model):
    """One district's LMS: the boundary no query crosses."""

    __tablename__ = "tenants"

    id: Mapped[intpk]
    name: Mapped[str255]
    #: A label for the district that owns this LMS (several tenants may share it).
    district: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]
    #: The IANA time zone the district chose for its pages (``America/Chicago``); None: the
    #: LMS's zone below. See :func:`lti_tool.tenants.effective_zone_name`.
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: The first valid zone a launch from the district's LMS sent (its people's default).
    platform_timezone: Mapped[str | None] = mapped_column(String(64))

    platforms: Mapped[list[Platform]] = relationship(
        back_populates="tenant",
        order_by="Platform.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Tenant {self.id} {self.name!r}>"


class Platform(Model):
    """An LMS registration: one issuer + client_id, belonging to one tenant."""

    __tablename__ = "platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str255]
    #: The platform's ``iss`` claim, e.g. ``https://canvas.instructure.com``.
    issuer: Mapped[str] = mapped_column(String(512))
    #: The client_id the LMS issued to Lodestar (Canvas: the developer key id).
    client_id: Mapped[str255]
    #: OIDC authorization endpoint of the platform (where login redirects the browser).
    auth_login_url: Mapped[url]
    #: OAuth2 token endpoint for LTI Advantage service tokens.
    auth_token_url: Mapped[url]
    #: The platform's public JWKS, used to verify id_tokens.
    key_set_url: Mapped[url]
    #: ``aud`` for client assertions if the platform wants something other than the token URL.
    auth_audience: Mapped[str | None] = mapped_column(String(2048))
    lms: Mapped[LmsKind] = mapped_column(enum_string(LmsKind, "lms"), default=LmsKind.GENERIC)
    district: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Per-LMS REST settings (Canvas API base URL, Schoology consumer key id, ...).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Operator rule: institution/system Administrators of this LMS are Lodestar admins
    #: (off by default: Canvas puts institution Administrator on every help-desk and
    #: sub-account admin).
    institution_admins_are_admins: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The tool key set this registration signs with (None: the shared set). Dynamic
    #: Registration gives every registration its own.
    key_set: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created_at]

    tenant: Mapped[Tenant] = relationship(back_populates="platforms")
    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )

    def __repr__(self) -> str:
        return f"<Platform {self.id} {self.name!r} {self.issuer} {self.client_id}>"


class Deployment(Model):
    """A deployment of Lodestar inside a platform (``deployment_id`` claim)."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[intpk]
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    #: The LTI ``https://purl.imsglobal.org/spec/lti/claim/deployment_id`` value.
    deployment_id: Mapped[str255]
    #: False for a deployment first seen in a signed launch of a known registration: it
    #: waits until a Lodestar admin enables it (Canvas registers keys without deployments).
    approved: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]

    platform: Mapped[Platform] = relationship(back_populates="deployments")


class Person(Model):
    """Someone who launched Lodestar or was listed by the LMS roster, within one tenant."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("tenant_id", "sub"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    #: The LTI ``sub`` claim: the platform's stable, opaque user id.
    sub: Mapped[str255]
    name: Mapped[str] = mapped_column(String(255), default="")
    given_name: Mapped[str | None] = mapped_column(String(255))
    family_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    #: The LMS's own user id (Canvas ``$Canvas.user.id`` custom variable), for REST calls.
    #: Only a launch's custom parameters write it; never NRPS.
    lms_user_id: Mapped[str | None] = mapped_column(String(255))
    #: The SIS id (NRPS ``lis_person_sourcedid``, launch ``lis.person_sourcedid``), for SIS
    #: joins; kept apart from ``lms_user_id``.
    sis_id: Mapped[str | None] = mapped_column(String(255))
    #: Institution-level roles seen at the last launch (``admin``, ``student``). Shown and
    #: used by an operator's platform rule only; they never grant rights by themselves.
    institution_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_launch_at: Mapped[dt.datetime | None]
    #: Set when the person's data was deleted on request: the row is an anonymised tombstone
    #: (no name, email or ids of the LMS) that stops a roster sync recreating them with their
    #: data. Their next launch clears it.
    erased_at: Mapped[dt.datetime | None]
    #: The student's grade level (6-12; 0 kindergarten) and graduation year as the LMS or SIS
    #: sent them (launch custom parameters, Canvas REST, a district CSV import); None when
    #: neither did (the student's own entry in the plan counts then).
    grade_level: Mapped[int | None]
    graduation_year: Mapped[int | None]
    #: The student's school as the LMS or SIS names it (caseloads may be split by school).
    school: Mapped[str | None] = mapped_column(String(255))
    #: Where the three fields above came from: ``launch``, ``canvas``, ``csv`` (None: nowhere).
    student_info_source: Mapped[str | None] = mapped_column(String(20))
    #: Set when a graduate was archived at a year-end rollover: kept, read-only, for the
    #: district's retention period, then deleted.
    archived_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    @property
    def display_name(self) -> str:
        """A name fit to show; falls back to the email or a neutral label."""
        return self.name or self.email or "Unnamed person"


class Course(Model):
    """An LTI context (a course or section) within one tenant."""

    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("tenant_id", "context_id"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    #: The LTI ``context.id`` claim.
    context_id: Mapped[str255]
    title: Mapped[str] = mapped_column(String(255), default="")
    label: Mapped[str | None] = mapped_column(String(255))
    #: The LMS's own course id (Canvas ``$Canvas.course.id``), for REST calls.
    lms_course_id: Mapped[str | None] = mapped_column(String(255))
    #: NRPS ``context_memberships_url`` from the latest launch.
    nrps_url: Mapped[str | None] = mapped_column(String(2048))
    #: AGS endpoint claim from the latest launch (``lineitems`` URL and scopes).
    ags_endpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    deployment_id: Mapped[str | None] = mapped_column(String(255))
    #: The registration whose latest launch gave the NRPS/AGS endpoints (its client_id
    #: obtains the service tokens).
    platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("platforms.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    @property
    def display_title(self) -> str:
        """Course title for headings."""
        return self.title or self.label or "Untitled course"


class EnrollmentStatus(enum.StrEnum):
    """Whether a membership is current. Rows are never deleted by sync, only deactivated."""

    ACTIVE = "active"
    INACTIVE = "inactive"


class Enrollment(Model):
    """A person's role in a course. Access checks read ``status`` on every request."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("course_id", "person_id", "role"),
        Index("ix_enrollments_person_role", "person_id", "role"),
    )

    id: Mapped[intpk]
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_string(Role, "role"))
    status: Mapped[EnrollmentStatus] = mapped_column(
        enum_string(EnrollmentStatus, "status"), default=EnrollmentStatus.ACTIVE
    )
    #: Raw LTI role URIs as the platform sent them.
    lti_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Where we learned of it: ``launch``, ``nrps``, ``canvas`` or ``schoology``.
    source: Mapped[str] = mapped_column(String(20), default="launch")
    last_seen_at: Mapped[dt.datetime | None]
    #: When the person's latest launch in this course asserted this role (None once a later
    #: launch did not). A roster sync never undoes a recent assertion (the signed launch
    #: outranks the roster for a session's life).
    asserted_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    course: Mapped[Course] = relationship()
    person: Mapped[Person] = relationship()


class Mentorship(Model):
    """A guardian (LTI Mentor) and a student they may see, from ``role_scope_mentor``.

    One row per course: Canvas lists in ``role_scope_mentor`` only the students observed in
    the launch's course, so a launch changes only that course's links.
    """

    __tablename__ = "mentorships"
    __table_args__ = (UniqueConstraint("guardian_id", "student_id", "course_id"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: The course whose launch named the link (None for links made before per-course links).
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    #: False once a later launch no longer lists the student in ``role_scope_mentor``.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    student: Mapped[Person] = relationship(foreign_keys=[student_id])


class RoleGrant(Model):
    """An admin or counselor right given in Lodestar (``ilp people grant``, the admin page,
    or a platform rule). May name a person who has not launched yet by ``sub`` or email;
    the first launch that matches fills ``person_id``."""

    __tablename__ = "role_grants"
    __table_args__ = (Index("ix_role_grants_tenant_person", "tenant_id", "person_id"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    role: Mapped[GrantRole] = mapped_column(enum_string(GrantRole, "role"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    #: Who the grant names before their first launch (one of the two).
    sub: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    #: ``operator`` (CLI or admin page) or ``platform-rule`` (institution admins rule).
    source: Mapped[str] = mapped_column(String(20), default="operator")
    granted_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[created_at]


class CaseloadRuleKind(enum.StrEnum):
    """How a caseload rule chooses students."""

    #: One named student (explicit lists and CSV uploads make one rule per student).
    STUDENT = "student"
    #: Every student of a grade level.
    GRADE = "grade"
    #: Every student whose family name starts with a letter from ``alpha_from`` to
    #: ``alpha_to`` (inclusive, case-insensitive).
    ALPHA = "alpha"
    #: Every student of a school.
    SCHOOL = "school"


class CaseloadRule(Model):
    """Which students a counselor's caseload holds: one rule of an admin's assignment.

    Rules hang off the counselor's grant (``role_grants``), so a counselor granted by email
    before their first launch can be given a caseload at once. A student is on a caseload when
    any rule of it matches. Until a tenant has any rule, every counselor sees every student.
    """

    __tablename__ = "caseload_rules"
    __table_args__ = (Index("ix_caseload_rules_tenant_grant", "tenant_id", "grant_id"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    grant_id: Mapped[int] = mapped_column(ForeignKey("role_grants.id", ondelete="CASCADE"))
    kind: Mapped[CaseloadRuleKind] = mapped_column(enum_string(CaseloadRuleKind, "kind"))
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    grade_level: Mapped[int | None]
    alpha_from: Mapped[str | None] = mapped_column(String(1))
    alpha_to: Mapped[str | None] = mapped_column(String(1))
    school: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[created_at]


class SessionMode(enum.StrEnum):
    """How the browser carries a Lodestar session (see ``lti_tool/launch/session.py``)."""

    #: The partitioned session cookie; no session reference in any URL.
    COOKIE = "cookie"
    #: The LMS frame keeps no cookie: links name the session, and the frame's own script
    #: proves each request with a secret it keeps in the frame's sessionStorage.
    FRAME = "frame"


class UserSession(Model):
    """One signed-in Lodestar session, opened by a launch and ended by sign-out, idleness,
    age, or a change of the person's roles or enrollments.

    Only hashes of the session's secret are stored; the ``handle`` names the session and is
    worthless without the secret (or the cookie that carries it).
    """

    __tablename__ = "user_sessions"

    id: Mapped[intpk]
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 (hex) of the secret the cookie or the frame's script holds.
    secret_hash: Mapped[str] = mapped_column(String(64))
    mode: Mapped[SessionMode] = mapped_column(enum_string(SessionMode, "mode", length=10))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    #: Lodestar roles the launch gave, comma-separated (``student,teacher``).
    roles: Mapped[str] = mapped_column(String(100), default="")
    launch_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[created_at]
    last_seen_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    #: ``signed-out``, ``idle``, ``expired``, ``access-changed`` or ``erased``.
    end_reason: Mapped[str | None] = mapped_column(String(20))

    # Loaded with the session (one query a request): the actor's person row is needed next.
    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class ResourceLink(Model):
    """A placement of Lodestar in a course (``resource_link`` claim)."""

    __tablename__ = "resource_links"
    __table_args__ = (UniqueConstraint("course_id", "resource_link_id"),)

    id: Mapped[intpk]
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    #: The LTI ``resource_link.id`` claim.
    resource_link_id: Mapped[str255]
    title: Mapped[str | None] = mapped_column(String(255))
    #: Custom parameters of the placement (e.g. ``activity=reflection`` from Deep Linking).
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class AuditEvent(Model):
    """Who did what to which record, when. Written for every plan view and change."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(80))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]

    __table_args__ = (
        # The audit-log viewer pages a tenant's events newest first.
        Index("ix_audit_events_tenant_created", "tenant_id", "created_at"),
    )


class DistrictSettings(Model):
    """A district's calendar and retention choices; a tenant without a row has the defaults.

    Other district settings live where their feature keeps them: the time zone on
    ``Tenant``, the grade scale and course plan on ``PlanSettings``, the labour-market place
    on ``CareerAreaDefault``, the milestone list in ``JourneyStep``.
    """

    __tablename__ = "district_settings"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    #: The first day of the school year (July 1 unless the district chose otherwise).
    school_year_start_month: Mapped[int] = mapped_column(default=7, server_default="7")
    school_year_start_day: Mapped[int] = mapped_column(default=1, server_default="1")
    #: The school year the last year-end rollover started (``2027-2028``); None before any.
    current_school_year: Mapped[str | None] = mapped_column(String(9))
    #: How long archived graduates are kept before they are deleted, in days.
    graduate_retention_days: Mapped[int] = mapped_column(default=365, server_default="365")
    updated_at: Mapped[updated_at]


class ShortLivedValue(Model):
    """Key/value rows with an expiry: OIDC nonces, launch data, JWKS and token caches.

    Used when no Redis is configured; every worker on every host shares the database, so a
    nonce consumed by one worker is gone for all.
    """

    __tablename__ = "short_lived_values"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
