"""Plain data model of the sandbox LMS and its deterministic demo seed.

Everything lives in memory.  :func:`seed_demo_district` always builds the very
same district (same ids, names, grades) so tests and demos can rely on it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from . import vocab

UserKind = Literal["teacher", "student", "counselor", "parent", "admin"]
EnrollmentStatus = Literal["Active", "Inactive", "Deleted"]
ENROLLMENT_STATUSES: frozenset[str] = frozenset({"Active", "Inactive", "Deleted"})

EMAIL_DOMAIN = "cedarridge.example"


@dataclass
class User:
    """A person known to the LMS.  ``sub`` is the opaque, stable LTI user id."""

    id: int
    sub: str
    name: str
    given_name: str
    family_name: str
    email: str
    kind: UserKind
    institution_roles: tuple[str, ...]


@dataclass
class Course:
    """A course offering; ``context_id`` is the LTI context id."""

    id: int
    context_id: str
    title: str
    label: str
    default_resource_link_id: str


@dataclass
class ResourceLink:
    """A placement of the tool inside a course (seeded or created by Deep Linking)."""

    id: str
    context_id: str
    title: str
    url: str | None = None
    text: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    line_item_id: str | None = None


@dataclass
class Enrollment:
    """Membership of a user in a course with context role URIs and a status."""

    context_id: str
    sub: str
    roles: tuple[str, ...]
    status: EnrollmentStatus = "Active"


@dataclass
class LineItem:
    """An AGS line item (gradebook column)."""

    id: str
    context_id: str
    label: str
    score_maximum: float
    resource_id: str | None = None
    tag: str | None = None
    resource_link_id: str | None = None
    start_date_time: str | None = None
    end_date_time: str | None = None
    #: Canvas flavour: the assignment's "allowed attempts" (``None``: unlimited). A score
    #: that makes a new submission beyond it is refused with 422, as Canvas does.
    allowed_attempts: int | None = None

    def to_json(self, url: str) -> dict[str, Any]:
        """Serialise as an AGS line item whose ``id`` is ``url``."""
        body: dict[str, Any] = {"id": url, "label": self.label, "scoreMaximum": self.score_maximum}
        optional = {
            "resourceId": self.resource_id,
            "tag": self.tag,
            "resourceLinkId": self.resource_link_id,
            "startDateTime": self.start_date_time,
            "endDateTime": self.end_date_time,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return body


@dataclass
class Score:
    """One score publication received from the tool (kept as an audit trail)."""

    line_item_id: str
    user_id: str
    score_given: float | None
    score_maximum: float | None
    activity_progress: str
    grading_progress: str
    timestamp: str
    comment: str | None = None
    #: The Canvas submission extension as sent (``None`` when absent).
    submission: dict[str, Any] | None = None
    #: Whether the score counted as a new submission attempt (Canvas semantics).
    new_submission: bool = True


@dataclass
class Result:
    """The current result of one user for one line item."""

    line_item_id: str
    user_id: str
    result_score: float | None
    result_maximum: float
    comment: str | None = None
    timestamp: str | None = None


@dataclass
class District:
    """All seeded data of one pretend school district (the LMS's content)."""

    name: str
    school: str
    guid: str
    users: dict[str, User] = field(default_factory=dict)
    courses: dict[str, Course] = field(default_factory=dict)
    enrollments: dict[str, dict[str, Enrollment]] = field(default_factory=dict)
    mentor_links: dict[str, list[str]] = field(default_factory=dict)
    resource_links: dict[str, dict[str, ResourceLink]] = field(default_factory=dict)
    line_items: dict[str, dict[str, LineItem]] = field(default_factory=dict)
    results: dict[str, dict[str, Result]] = field(default_factory=dict)
    scores: dict[str, list[Score]] = field(default_factory=dict)

    def users_of_kind(self, kind: UserKind) -> list[User]:
        """Return the users of one kind, in seed order."""
        return [u for u in self.users.values() if u.kind == kind]

    def courses_of(self, sub: str) -> list[Course]:
        """Return the courses ``sub`` is enrolled in (any status), in seed order."""
        return [c for c in self.courses.values() if sub in self.enrollments.get(c.context_id, {})]

    def teacher_of(self, context_id: str) -> User | None:
        """Return the first instructor of a course, if any."""
        for enrollment in self.enrollments.get(context_id, {}).values():
            if vocab.ROLE_INSTRUCTOR in enrollment.roles:
                return self.users[enrollment.sub]
        return None

    def students_of(self, context_id: str) -> list[User]:
        """Return the learners of a course, in enrollment order."""
        return [
            self.users[e.sub]
            for e in self.enrollments.get(context_id, {}).values()
            if vocab.ROLE_LEARNER in e.roles
        ]


def user_sub(number: int) -> str:
    """Return the opaque LTI ``sub`` of seeded user ``number`` (``sbx-user-0007``)."""
    return f"sbx-user-{number:04d}"


# --- Seed ------------------------------------------------------------------

_COURSES: tuple[tuple[str, str, str, str], ...] = (
    # slug, title, label, teacher "Given Family"
    ("bio1", "Biology 1", "BIO-1", "Margaret Ellison"),
    ("alg2", "Algebra II", "ALG-2", "David Oyelaran"),
    ("ied", "Intro to Engineering Design", "IED", "Priya Raman"),
)

_LINE_ITEMS: dict[str, tuple[tuple[str, float, str], ...]] = {
    # slug -> (label, scoreMaximum, tag)
    "bio1": (
        ("Cell Structure Lab", 20.0, "lab"),
        ("Genetics Quiz", 25.0, "quiz"),
        ("Ecology Field Project", 50.0, "project"),
    ),
    "alg2": (
        ("Unit 1 Test: Functions", 100.0, "test"),
        ("Polynomials Quiz", 30.0, "quiz"),
        ("Logarithms Homework", 10.0, "homework"),
        ("Midterm Exam", 100.0, "test"),
    ),
    "ied": (
        ("Design Brief", 10.0, "project"),
        ("Sketching Portfolio", 25.0, "portfolio"),
        ("CAD Model: Phone Stand", 40.0, "project"),
        ("Prototype Test Report", 30.0, "lab"),
        ("Final Design Presentation", 50.0, "presentation"),
    ),
}

_STUDENT_GIVEN = (
    "Amara",
    "Benjamin",
    "Camila",
    "Dmitri",
    "Elena",
    "Felix",
    "Grace",
    "Hiroshi",
    "Isabel",
    "Jamal",
    "Keira",
    "Luca",
    "Maya",
    "Nikhil",
    "Olivia",
    "Pablo",
    "Quinn",
    "Rosa",
    "Samuel",
    "Talia",
    "Umar",
    "Valentina",
    "Wesley",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Adrian",
    "Beatriz",
    "Cyrus",
    "Delia",
)
_STUDENT_FAMILY = (
    "Okafor",
    "Lindqvist",
    "Reyes",
    "Volkov",
    "Haddad",
    "Brennan",
    "Nakamura",
    "Castillo",
    "Mensah",
    "Whitfield",
    "Delgado",
    "Petrov",
    "Sato",
    "Iyer",
    "Fontaine",
    "Moreno",
    "Kowalski",
    "Abara",
    "Thornton",
    "Aziz",
    "Farouk",
    "Ruiz",
    "Calloway",
    "Herrera",
    "Demir",
    "Ashworth",
    "Kimura",
    "Santos",
    "Rahimi",
    "Osei",
)

DEMO_DISTRICT_NAME = "Cedar Ridge Unified School District"
DEMO_SCHOOL_NAME = "Cedar Ridge High School"
_GUID_NAMESPACE = uuid.UUID("6f1f7a52-3c1e-4c59-9a53-0d7c2f1e8b11")


def _make_user(
    number: int, full_name: str, kind: UserKind, roles: tuple[str, ...], email: str
) -> User:
    given, family = full_name.split(" ", 1)
    return User(
        id=number,
        sub=user_sub(number),
        name=full_name,
        given_name=given,
        family_name=family,
        email=email,
        kind=kind,
        institution_roles=roles,
    )


def _school_email(full_name: str) -> str:
    return full_name.lower().replace(" ", ".") + "@" + EMAIL_DOMAIN


def _seed_score(student_index: int, item_index: int, maximum: float) -> float:
    """A deterministic, plausible grade between 62% and 99% rounded to 0.5."""
    ratio = 0.62 + ((student_index * 37 + item_index * 17) % 38) / 100
    return round(maximum * ratio * 2) / 2


def seed_demo_district() -> District:
    """Build the deterministic demo district.

    * 3 courses (``sbx-course-bio1``, ``sbx-course-alg2``, ``sbx-course-ied``),
    * teachers ``sbx-user-0001..0003`` (one per course, in that order),
    * counselor ``sbx-user-0004`` (institution Staff, enrolled nowhere),
    * parent ``sbx-user-0005`` (Mentor in the courses of their child ``sbx-user-0007``),
    * district admin ``sbx-user-0006`` (institution Administrator, enrolled nowhere),
    * students ``sbx-user-0007..0036``; student *i* (0-based) takes every course but
      the one at index ``(i + 2) % 3``, so each course has 20 learners,
    * 3, 4 and 5 line items per course with a result for each of its learners.
    """
    district = District(
        name=DEMO_DISTRICT_NAME,
        school=DEMO_SCHOOL_NAME,
        guid=str(uuid.uuid5(_GUID_NAMESPACE, DEMO_DISTRICT_NAME)),
    )

    teachers = [
        _make_user(n, name, "teacher", (vocab.INST_FACULTY,), _school_email(name))
        for n, (_, _, _, name) in enumerate(_COURSES, start=1)
    ]
    counselor = _make_user(
        4, "Teresa Whitlock", "counselor", (vocab.INST_STAFF,), _school_email("Teresa Whitlock")
    )
    parent = _make_user(
        5, "Ngozi Okafor", "parent", (vocab.INST_MENTOR,), "ngozi.okafor@family.example"
    )
    admin = _make_user(
        6,
        "Gregory Halvorsen",
        "admin",
        (vocab.INST_ADMINISTRATOR,),
        _school_email("Gregory Halvorsen"),
    )
    students = [
        _make_user(
            7 + i,
            f"{given} {family}",
            "student",
            (vocab.INST_STUDENT,),
            _school_email(f"{given} {family}"),
        )
        for i, (given, family) in enumerate(zip(_STUDENT_GIVEN, _STUDENT_FAMILY, strict=True))
    ]
    for user in [*teachers, counselor, parent, admin, *students]:
        district.users[user.sub] = user

    line_item_number = 0
    for index, (slug, title, label, _) in enumerate(_COURSES):
        context_id = f"sbx-course-{slug}"
        link_id = f"sbx-rl-{slug}"
        course = Course(
            id=101 + index,
            context_id=context_id,
            title=title,
            label=label,
            default_resource_link_id=link_id,
        )
        district.courses[context_id] = course
        district.resource_links[context_id] = {
            link_id: ResourceLink(id=link_id, context_id=context_id, title="Lodestar ILP")
        }
        roster: dict[str, Enrollment] = {}
        teacher = teachers[index]
        roster[teacher.sub] = Enrollment(context_id, teacher.sub, (vocab.ROLE_INSTRUCTOR,))
        enrolled = [(i, s) for i, s in enumerate(students) if (i + 2) % 3 != index]
        for _, student in enrolled:
            roster[student.sub] = Enrollment(context_id, student.sub, (vocab.ROLE_LEARNER,))
        district.enrollments[context_id] = roster

        district.line_items[context_id] = {}
        for item_index, (item_label, maximum, tag) in enumerate(_LINE_ITEMS[slug]):
            line_item_number += 1
            item_id = str(line_item_number)
            district.line_items[context_id][item_id] = LineItem(
                id=item_id,
                context_id=context_id,
                label=item_label,
                score_maximum=maximum,
                resource_id=f"{slug}-{tag}-{item_index + 1}",
                tag=tag,
            )
            district.scores[item_id] = []
            district.results[item_id] = {
                s.sub: Result(
                    line_item_id=item_id,
                    user_id=s.sub,
                    result_score=_seed_score(i, item_index, maximum),
                    result_maximum=maximum,
                )
                for i, s in enrolled
            }

    child = students[0]
    district.mentor_links[parent.sub] = [child.sub]
    for course in district.courses_of(child.sub):
        district.enrollments[course.context_id][parent.sub] = Enrollment(
            course.context_id, parent.sub, (vocab.ROLE_MENTOR,)
        )
    return district
