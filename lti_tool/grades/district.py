"""The district's whole student population from its LMS REST API (Canvas today).

NRPS lists a course's roster only once someone launched Lodestar there (the launch gives the
roster URL). To know every student of the district, Lodestar also reads the account's course
list and each course's student enrollments through Canvas REST, with the Canvas connection
of a Lodestar admin who is a Canvas account admin (Canvas decides what that token may read;
there is no district-wide token):

* ``GET /api/v1/accounts`` (the root account, unless the registration names one in its
  ``canvas_account_id`` setting), ``GET /api/v1/accounts/:id/courses``, and per course
  ``GET /api/v1/courses/:id/enrollments?type[]=StudentEnrollment``.

Courses and students are matched to what Lodestar knows before anything is created:

* a course by its Canvas course id (a launch stores it from ``$Canvas.course.id``);
* a student by Canvas user id (a launch stores ``$Canvas.user.id``), else by SIS id (NRPS
  and launches send it), else by email when exactly one person has it.

What is still unknown is created *provisional* (see :mod:`lti_tool.launch.provisional`):
the first launch or roster sync naming the same human or course adopts the row. Enrollments
found here have source ``canvas``; a complete listing of a course makes its ``canvas``
enrollments that Canvas no longer lists inactive, and never touches enrollments a launch or
NRPS recorded. Nothing is deleted. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, update

from lti_tool.db import utcnow
from lti_tool.errors import LmsApiError, SyncError
from lti_tool.extensions import db
from lti_tool.grades import lms_rest
from lti_tool.grades.models import LmsCredential
from lti_tool.grades.types import LmsCourse, RosterMember
from lti_tool.launch import provisional
from lti_tool.launch.services import clip
from lti_tool.models import (
    Course,
    Enrollment,
    EnrollmentStatus,
    GrantRole,
    LmsKind,
    Person,
    Platform,
    Role,
    RoleGrant,
)
from lti_tool.tenants import tenant_platforms

log = logging.getLogger(__name__)

SOURCE = "canvas"
#: The Canvas account to list, in a registration's settings (default: the root account the
#: admin's token administers).
ACCOUNT_SETTING = "canvas_account_id"
#: The LTI role URI stored on enrollments found here (what NRPS would say).
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@dataclass
class DistrictCounts:
    """What a district listing did."""

    courses: int = 0
    courses_created: int = 0
    students_seen: int = 0
    people_created: int = 0
    enrollments_created: int = 0
    enrollments_reactivated: int = 0
    enrollments_deactivated: int = 0
    #: Students matched to nobody safely (their Canvas id clashes with a person's).
    conflicts: int = 0
    #: Courses whose student list could not be read (with the reason).
    failed: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "courses": self.courses,
            "courses_created": self.courses_created,
            "students_seen": self.students_seen,
            "people_created": self.people_created,
            "enrollments_created": self.enrollments_created,
            "enrollments_reactivated": self.enrollments_reactivated,
            "enrollments_deactivated": self.enrollments_deactivated,
            "conflicts": self.conflicts,
            "courses_failed": len(self.failed),
        }


def canvas_platform(tenant_id: int) -> Platform | None:
    """The tenant's registration holding a Canvas API key, or None."""
    for platform in tenant_platforms(tenant_id):
        if lms_rest.api_key(platform, LmsKind.CANVAS) is not None:
            return platform
    return None


def admin_connection(tenant_id: int) -> int | None:
    """The person id of a Lodestar admin of the tenant who connected Canvas (the most
    recently connected first), or None."""
    return db.session.execute(
        select(LmsCredential.person_id)
        .join(
            RoleGrant,
            (RoleGrant.person_id == LmsCredential.person_id)
            & (RoleGrant.tenant_id == LmsCredential.tenant_id),
        )
        .where(
            LmsCredential.tenant_id == tenant_id,
            LmsCredential.kind == LmsKind.CANVAS,
            RoleGrant.role == GrantRole.ADMIN,
        )
        .order_by(LmsCredential.updated_at.desc(), LmsCredential.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def available(tenant_id: int) -> bool:
    """Whether the district listing can run for the tenant (API key and an admin's token)."""
    return canvas_platform(tenant_id) is not None and admin_connection(tenant_id) is not None


def sync_district(
    tenant_id: int, *, progress: Callable[[int], None] | None = None
) -> DistrictCounts:
    """Read every course of the district's Canvas account and its students.

    A course whose students cannot be read is recorded in ``failed`` and the listing goes
    on; what it saw of other courses is kept.

    :raises SyncError: when the Canvas API is not set up or no admin connected Canvas.
    :raises LmsApiError: when the account's course list cannot be read.
    """
    platform = canvas_platform(tenant_id)
    if platform is None:
        raise SyncError(
            "The Canvas API is not set up for this district (ilp platforms canvas-api)."
        )
    admin_id = admin_connection(tenant_id)
    if admin_id is None:
        raise SyncError(
            "No Lodestar admin has connected a Canvas account yet. An admin who is a Canvas "
            "account admin connects Canvas once (Administration page), then the district's "
            "course list can be read."
        )
    platform_id = platform.id
    account_id = str((platform.settings or {}).get(ACCOUNT_SETTING) or "")
    client = lms_rest.canvas_client_for(admin_id)
    if not account_id:
        roots = client.account_ids()
        if not roots:
            raise SyncError(
                "The connected Canvas account administers no Canvas account, so it cannot "
                "list the district's courses."
            )
        account_id = roots[0]
    counts = DistrictCounts()
    people = _PeopleIndex(tenant_id)
    for lms_course, handle in client.list_account_courses(account_id):
        counts.courses += 1
        try:
            students = client.list_course_students(handle)
        except LmsApiError as err:
            log.warning(
                "District listing: students of Canvas course %s unreadable: %s (%s)",
                lms_course.lms_course_id,
                err.message,
                err.detail,
            )
            counts.failed.append((lms_course.lms_course_id, err.message))
            continue
        course = _course(tenant_id, platform_id, lms_course, counts)
        _enroll(course, students, people, counts)
        db.session.commit()
        if progress:
            progress(1)
    return counts


def _course(tenant_id: int, platform_id: int, item: LmsCourse, counts: DistrictCounts) -> Course:
    course = db.session.execute(
        select(Course)
        .where(Course.tenant_id == tenant_id, Course.lms_course_id == item.lms_course_id)
        .order_by(Course.id)
        .limit(1)
    ).scalar_one_or_none()
    if course is None:
        course = Course(
            tenant_id=tenant_id,
            context_id=provisional.course_placeholder(item.lms_course_id),
            lms_course_id=clip(item.lms_course_id, 255),
            platform_id=platform_id,
        )
        db.session.add(course)
        counts.courses_created += 1
    if course.context_id.startswith(provisional.COURSE_PREFIX):
        # Titles of launched courses come from their launches.
        if course.title != clip(item.name, 255):
            course.title = clip(item.name, 255)
        label = clip(item.course_code, 255) or None
        if course.label != label:
            course.label = label
    db.session.flush()
    return course


class _PeopleIndex:
    """The tenant's people by Canvas user id, SIS id and email, read once per listing."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self.by_lms: dict[str, Person] = {}
        self.by_sis: dict[str, list[Person]] = {}
        self.by_email: dict[str, list[Person]] = {}
        for person in db.session.execute(
            select(Person).where(
                Person.tenant_id == tenant_id,
                or_(
                    Person.lms_user_id.is_not(None),
                    Person.sis_id.is_not(None),
                    Person.email.is_not(None),
                ),
            )
        ).scalars():
            self._add(person)

    def _add(self, person: Person) -> None:
        if person.lms_user_id:
            self.by_lms.setdefault(person.lms_user_id, person)
        if person.sis_id:
            self.by_sis.setdefault(person.sis_id, []).append(person)
        if person.email:
            self.by_email.setdefault(person.email.lower(), []).append(person)

    def find(self, member: RosterMember) -> Person | bool | None:
        """The person, None when nobody matches, False when matching is unsafe (the only
        SIS or email match already carries another Canvas user id, or several match)."""
        assert member.lms_user_id
        person = self.by_lms.get(member.lms_user_id)
        if person is not None:
            return person
        for found in (
            self.by_sis.get(member.sis_id or "", []),
            self.by_email.get((member.email or "").lower(), []) if member.email else [],
        ):
            if len(found) > 1:
                return False
            if len(found) == 1:
                match = found[0]
                if match.lms_user_id and match.lms_user_id != member.lms_user_id:
                    return False
                return match
        return None

    def create(self, member: RosterMember) -> Person:
        assert member.lms_user_id
        person = Person(
            tenant_id=self.tenant_id,
            sub=provisional.user_placeholder(member.lms_user_id),
            name=clip(member.name, 255),
            email=clip(member.email, 320) or None,
            lms_user_id=clip(member.lms_user_id, 255),
            sis_id=clip(member.sis_id, 255) or None,
        )
        db.session.add(person)
        self._add(person)
        return person


def _enroll(
    course: Course, students: list[RosterMember], people: _PeopleIndex, counts: DistrictCounts
) -> None:
    now = utcnow()
    enrollments = {
        e.person_id: e
        for e in db.session.execute(
            select(Enrollment).where(
                Enrollment.course_id == course.id, Enrollment.role == Role.STUDENT
            )
        ).scalars()
    }
    seen: list[int] = []
    listed: list[Person] = []
    for member in students:
        if not member.lms_user_id:
            continue
        counts.students_seen += 1
        person = people.find(member)
        if person is False:
            counts.conflicts += 1
            continue
        if person is None:
            person = people.create(member)
            counts.people_created += 1
        assert isinstance(person, Person)
        if person.erased_at is not None:
            continue  # a tombstone stays one until the person's own launch
        _fill(person, member)
        people.by_lms.setdefault(member.lms_user_id, person)
        listed.append(person)
    db.session.flush()  # one flush gives the new people their ids
    for person in listed:
        enrollment = enrollments.get(person.id)
        if enrollment is None:
            enrollment = Enrollment(
                course_id=course.id,
                person_id=person.id,
                role=Role.STUDENT,
                status=EnrollmentStatus.ACTIVE,
                lti_roles=[LEARNER],
                source=SOURCE,
                last_seen_at=now,
            )
            db.session.add(enrollment)
            enrollments[person.id] = enrollment
            counts.enrollments_created += 1
            continue
        if enrollment.source != SOURCE or enrollment.id is None:
            continue  # a launch or the roster (NRPS) keeps this one up to date
        seen.append(enrollment.id)
        if enrollment.status != EnrollmentStatus.ACTIVE:
            enrollment.status = EnrollmentStatus.ACTIVE
            counts.enrollments_reactivated += 1
    db.session.flush()
    if seen:
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.id.in_(seen))
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
    result = db.session.execute(
        update(Enrollment)
        .where(
            Enrollment.course_id == course.id,
            Enrollment.role == Role.STUDENT,
            Enrollment.source == SOURCE,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            or_(Enrollment.last_seen_at.is_(None), Enrollment.last_seen_at < now),
        )
        .values(status=EnrollmentStatus.INACTIVE, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    counts.enrollments_deactivated += int(result.rowcount or 0)  # type: ignore[attr-defined]


def _fill(person: Person, member: RosterMember) -> None:
    """What Canvas tells that Lodestar lacks (names come from launches and NRPS first)."""
    if not person.lms_user_id and member.lms_user_id:
        person.lms_user_id = clip(member.lms_user_id, 255)
    if not person.sis_id and member.sis_id:
        person.sis_id = clip(member.sis_id, 255)
    if not person.email and member.email:
        person.email = clip(member.email, 320)
    if not person.name and member.name:
        person.name = clip(member.name, 255)


def count_known_students(tenant_id: int) -> int:
    """How many people of the tenant hold an active student enrollment anywhere."""
    return int(
        db.session.execute(
            select(func.count(func.distinct(Enrollment.person_id)))
            .join(Course, Course.id == Enrollment.course_id)
            .where(
                Course.tenant_id == tenant_id,
                Enrollment.role == Role.STUDENT,
                Enrollment.status == EnrollmentStatus.ACTIVE,
            )
        ).scalar_one()
    )
