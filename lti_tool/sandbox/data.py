"""Plain data model of the sandbox LMS and its deterministic demo seed.

Everything lives in memory.  :func:`seed_demo_district` always builds the very
same district (same ids, names, grades) so tests and demos can rely on it.
"""

from __future__ import annotations

import datetime as dt
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
    #: SIS user id (Canvas login ``sis_user_id``, Moodle ``idnumber``); ``None``: not in the SIS.
    sis_id: str | None = None
    #: Canvas account-level roles held (``AccountUser``), e.g. ``AccountAdmin``, ``Help Desk``.
    account_roles: tuple[str, ...] = ()
    #: Moodle site-level roles: ``siteadmin`` (a site administrator), ``manager`` (a category
    #: manager, assigned above the course so never enrolled in it).
    site_roles: tuple[str, ...] = ()
    #: What the demo home page says about this person (a default by kind when ``None``).
    note: str | None = None
    #: The time zone the person chose in the LMS (IANA name); ``None``: the account's or
    #: site's default (Canvas then sends the account's zone, Moodle sends ``99``).
    timezone: str | None = None
    #: A student's grade level (9-12) and graduation year as the district's SIS keeps them;
    #: the sandbox's own launches send them as custom parameters (with the school).
    grade_level: int | None = None
    graduation_year: int | None = None


@dataclass
class Course:
    """A course offering; ``context_id`` is the LTI context id."""

    id: int
    context_id: str
    title: str
    label: str
    default_resource_link_id: str
    #: SIS course id (Canvas ``sis_source_id``, Moodle ``idnumber``), if the SIS made the course.
    sis_id: str | None = None
    #: Which real LMS launches and NRPS of this course imitate (``sandbox``, ``canvas``,
    #: ``moodle``); ``None`` follows the platform (:attr:`SandboxState.flavour`).
    flavour: str | None = None
    #: The Canvas term the course belongs to ("Fall 2025"), as the Canvas REST API names it.
    term: str | None = None
    #: A concluded course (a past year): Canvas REST lists its enrollments as ``completed``.
    concluded: bool = False


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
    #: ``False`` sends :attr:`custom` verbatim in every flavour, ``$Canvas...`` values and all
    #: (what an LMS does with a variable it does not know or cannot fill).
    expand_custom: bool = True


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
    #: The root account (Canvas) a user-navigation launch happens in: numeric and LTI ids.
    account_id: int = 1
    account_context_id: str = "sbx-account-1"
    #: The root account's default time zone (Canvas) or the site's ``$CFG->timezone`` (Moodle).
    timezone: str = "America/Chicago"
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
    * 3, 4 and 5 line items per course with a result for each of its learners,

    and, appended for the real-LMS shapes (:func:`_seed_real_lms_people`):

    * ``sbx-user-0037`` help-desk account admin who teaches ``sbx-course-pd`` (Canvas),
    * ``sbx-user-0038`` teacher of ``sbx-course-fsci`` who is a learner in ``sbx-course-pd``,
    * ``sbx-user-0039`` parent of ``sbx-user-0008`` and ``sbx-user-0009`` (Mentor in the three
      first courses, observing a different child in Biology 1 and in Algebra II),
    * ``sbx-user-0040``/``0041`` students of ``sbx-course-fsci`` and ``sbx-course-whist``,
    * ``sbx-user-0042`` editing and ``sbx-user-0043`` non-editing teacher of
      ``sbx-course-whist`` (Moodle).

    * ``sbx-user-0044`` teacher of ``sbx-course-chem`` (Chemistry, id 107), a course no demo
      step opens Lodestar from, with students ``sbx-user-0045``/``0046`` (enrolled nowhere
      else) and ``sbx-user-0010``.

    Students and staff carry SIS ids (``S24xxxx``, ``E1xxxx``); parents have none. Students
    have a grade level (9-12) and graduation year, as the district's SIS keeps them.
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
    # A Canvas counselor sees students across courses through a custom account-level role.
    counselor.account_roles = ("Counselor",)
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
    admin.account_roles = ("AccountAdmin",)
    admin.site_roles = ("siteadmin",)
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
    for user in [*teachers, counselor, admin]:
        user.sis_id = _staff_sis_id(user.id)
    for index, student in enumerate(students):
        student.sis_id = _student_sis_id(student.id)
        _set_grade(student, 9 + index % 4)
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
            sis_id=f"CR-{label}",
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
        line_item_number = _seed_line_items(
            district, context_id, slug, _LINE_ITEMS[slug], enrolled, line_item_number
        )

    child = students[0]
    district.mentor_links[parent.sub] = [child.sub]
    for course in district.courses_of(child.sub):
        district.enrollments[course.context_id][parent.sub] = Enrollment(
            course.context_id, parent.sub, (vocab.ROLE_MENTOR,)
        )
    _seed_real_lms_people(district, students, line_item_number)
    return district


def school_year_end(today: dt.date | None = None) -> int:
    """The calendar year in which this school year ends (a year starts on August 15)."""
    today = today or dt.datetime.now(dt.UTC).date()
    return today.year + 1 if (today.month, today.day) >= (8, 15) else today.year


def _set_grade(student: User, grade: int) -> None:
    """Give a seeded student a grade level and the graduation year that goes with it."""
    student.grade_level = grade
    student.graduation_year = school_year_end() + 12 - grade


def _staff_sis_id(number: int) -> str:
    return f"E{100000 + number}"


def _student_sis_id(number: int) -> str:
    return f"S{240000 + number}"


def seed_due_date(item_index: int, count: int, today: dt.date | None = None) -> str | None:
    """The ``endDateTime`` of a course's ``item_index``-th seeded line item (of ``count``):
    every two weeks from the second week of this school year (which starts on August 15),
    23:59 UTC; the course's last item has none, as a gradebook column often does."""
    if item_index == count - 1:
        return None
    today = today or dt.datetime.now(dt.UTC).date()
    year = today.year if (today.month, today.day) >= (8, 15) else today.year - 1
    due = dt.date(year, 8, 15) + dt.timedelta(days=7 + 14 * item_index)
    return f"{due.isoformat()}T23:59:00Z"


def _seed_line_items(
    district: District,
    context_id: str,
    slug: str,
    items: tuple[tuple[str, float, str], ...],
    enrolled: list[tuple[int, User]],
    line_item_number: int,
) -> int:
    """Create a course's line items with a result per learner; return the last item number."""
    district.line_items[context_id] = {}
    for item_index, (item_label, maximum, tag) in enumerate(items):
        line_item_number += 1
        item_id = str(line_item_number)
        district.line_items[context_id][item_id] = LineItem(
            id=item_id,
            context_id=context_id,
            label=item_label,
            score_maximum=maximum,
            resource_id=f"{slug}-{tag}-{item_index + 1}",
            tag=tag,
            end_date_time=seed_due_date(item_index, len(items)),
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
    return line_item_number


# --- People and courses seeded for real-LMS shapes ---------------------------------------

HELP_DESK_ADMIN = user_sub(37)
"""Canvas "Help Desk" account admin who also teaches the staff PD course."""
TEACHER_IN_PD = user_sub(38)
"""Teacher of Forensic Science, enrolled as a student in the staff PD course."""
PARENT_OF_TWO = user_sub(39)
"""Parent of ``sbx-user-0008`` (Algebra II, IED) and ``sbx-user-0009`` (Biology 1, IED)."""
FSCI_STUDENTS = (user_sub(40), user_sub(41))
"""Students of Forensic Science and World History."""
MOODLE_EDITING_TEACHER = user_sub(42)
"""Editing teacher of the Moodle-flavoured World History course."""
MOODLE_NON_EDITING_TEACHER = user_sub(43)
"""Non-editing teacher of World History (TeachingAssistant sub-role in the sandbox)."""
DISTRICT_ADMIN = user_sub(6)
"""Canvas ``AccountAdmin`` and Moodle site administrator, enrolled nowhere."""
COUNSELOR = user_sub(4)
"""Counselor; a custom Canvas account-level role ``Counselor``."""

PD_COURSE = "sbx-course-pd"
"""Staff Professional Development (Canvas-flavoured; not from the SIS)."""
FSCI_COURSE = "sbx-course-fsci"
"""Forensic Science (Canvas-flavoured)."""
FSCI_LITERAL_LINK = "sbx-rl-fsci-literal"
"""Forensic Science placement whose custom fields stay ``$Canvas.user.id``/``$Canvas.course.id``."""
WHIST_COURSE = "sbx-course-whist"
"""World History (Moodle-flavoured)."""
CHEM_COURSE = "sbx-course-chem"
"""Chemistry (Canvas-flavoured): nobody opens Lodestar from it in the demo."""
CHEM_TEACHER = user_sub(44)
"""Teacher of Chemistry."""
CHEM_ONLY_STUDENTS = (user_sub(45), user_sub(46))
"""Students enrolled in Chemistry only (no launch or roster names them)."""

_FSCI_ITEMS = (("Evidence Log", 20.0, "lab"), ("Crime Scene Report", 50.0, "project"))
_WHIST_ITEMS = (("Primary Source Essay", 40.0, "essay"), ("Unit Quiz: Empires", 25.0, "quiz"))


def _seed_real_lms_people(district: District, students: list[User], line_item_number: int) -> None:
    """Append the people and courses behind the Canvas and Moodle shapes (ids 37 on, 104 on)."""
    help_desk = _make_user(
        37, "Renata Kovacs", "admin", (vocab.INST_STAFF,), _school_email("Renata Kovacs")
    )
    help_desk.account_roles = ("Help Desk",)
    help_desk.site_roles = ("manager",)
    help_desk.note = "help-desk account admin (category manager in Moodle); teaches staff PD"
    pd_teacher = _make_user(
        38, "Hannah Lindgren", "teacher", (vocab.INST_FACULTY,), _school_email("Hannah Lindgren")
    )
    parent = _make_user(
        39, "Lucia Reyes", "parent", (vocab.INST_MENTOR,), "lucia.reyes@family.example"
    )
    new_students = [
        _make_user(n, name, "student", (vocab.INST_STUDENT,), _school_email(name))
        for n, name in ((40, "Farah Nasser"), (41, "Owen McAllister"))
    ]
    moodle_teacher = _make_user(
        42, "Tomasz Wrobel", "teacher", (vocab.INST_FACULTY,), _school_email("Tomasz Wrobel")
    )
    non_editing = _make_user(
        43, "Ines Carvalho", "teacher", (vocab.INST_FACULTY,), _school_email("Ines Carvalho")
    )
    non_editing.note = "non-editing teacher of World History"
    for user in (help_desk, pd_teacher, moodle_teacher, non_editing):
        user.sis_id = _staff_sis_id(user.id)
    for student in new_students:
        student.sis_id = _student_sis_id(student.id)
        _set_grade(student, 11)
    people = [help_desk, pd_teacher, parent, *new_students, moodle_teacher, non_editing]
    for user in people:
        district.users[user.sub] = user

    def add_course(
        number: int, slug: str, title: str, label: str, flavour: str, sis_id: str | None
    ) -> str:
        context_id = f"sbx-course-{slug}"
        link_id = f"sbx-rl-{slug}"
        district.courses[context_id] = Course(
            id=number,
            context_id=context_id,
            title=title,
            label=label,
            default_resource_link_id=link_id,
            sis_id=sis_id,
            flavour=flavour,
        )
        district.resource_links[context_id] = {
            link_id: ResourceLink(id=link_id, context_id=context_id, title="Lodestar ILP")
        }
        district.enrollments[context_id] = {}
        district.line_items.setdefault(context_id, {})
        return context_id

    def enroll(context_id: str, user: User, *roles: str) -> None:
        district.enrollments[context_id][user.sub] = Enrollment(context_id, user.sub, roles)

    pd = add_course(104, "pd", "Staff Professional Development", "PD-STAFF", "canvas", None)
    enroll(pd, help_desk, vocab.ROLE_INSTRUCTOR)
    enroll(pd, pd_teacher, vocab.ROLE_LEARNER)

    fsci = add_course(105, "fsci", "Forensic Science", "FSCI", "canvas", "CR-FSCI")
    enroll(fsci, pd_teacher, vocab.ROLE_INSTRUCTOR)
    for student in new_students:
        enroll(fsci, student, vocab.ROLE_LEARNER)
    district.resource_links[fsci][FSCI_LITERAL_LINK] = ResourceLink(
        id=FSCI_LITERAL_LINK,
        context_id=fsci,
        title="Lodestar ILP (custom fields not expanded)",
        custom={"lms_user_id": "$Canvas.user.id", "lms_course_id": "$Canvas.course.id"},
        expand_custom=False,
    )

    whist = add_course(106, "whist", "World History", "WHIST", "moodle", "CR-WHIST")
    enroll(whist, moodle_teacher, vocab.ROLE_INSTRUCTOR)
    enroll(whist, non_editing, vocab.ROLE_INSTRUCTOR, vocab.ROLE_TEACHING_ASSISTANT)
    for student in new_students:
        enroll(whist, student, vocab.ROLE_LEARNER)

    offset = len(students)
    enrolled = [(offset + i, s) for i, s in enumerate(new_students)]
    line_item_number = _seed_line_items(
        district, fsci, "fsci", _FSCI_ITEMS, enrolled, line_item_number
    )
    _seed_line_items(district, whist, "whist", _WHIST_ITEMS, enrolled, line_item_number)

    children = [students[1], students[2]]
    district.mentor_links[parent.sub] = [c.sub for c in children]
    for course in list(district.courses.values()):
        if any(c.sub in district.enrollments[course.context_id] for c in children):
            enroll(course.context_id, parent, vocab.ROLE_MENTOR)

    # A course nobody opened Lodestar from: only the district's course list shows it.
    chemistry_teacher = _make_user(
        44, "Samir Qureshi", "teacher", (vocab.INST_FACULTY,), _school_email("Samir Qureshi")
    )
    chemistry_teacher.sis_id = _staff_sis_id(44)
    chemistry_students = [
        _make_user(n, name, "student", (vocab.INST_STUDENT,), _school_email(name))
        for n, name in ((45, "Leila Haddad"), (46, "Mateo Fischer"))
    ]
    for grade, student in zip((9, 10), chemistry_students, strict=True):
        student.sis_id = _student_sis_id(student.id)
        _set_grade(student, grade)
    for user in (chemistry_teacher, *chemistry_students):
        district.users[user.sub] = user
    chem = add_course(107, "chem", "Chemistry", "CHEM", "canvas", "CR-CHEM")
    enroll(chem, chemistry_teacher, vocab.ROLE_INSTRUCTOR)
    for student in (*chemistry_students, students[3]):
        enroll(chem, student, vocab.ROLE_LEARNER)
