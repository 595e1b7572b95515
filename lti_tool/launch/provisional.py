"""People and courses known from an LMS REST listing before any launch names them.

The district's course list (Canvas REST, read with an account admin's connection) shows
students and courses nobody has launched Lodestar from. Canvas REST does not give the LTI 1.3
identities: a user's ``sub`` is its ``lti_id``, which the REST user object does not carry
(``include[]=lti_id`` returns the LTI 1.1 id), and a course's LTI ``context.id`` is not in
the course object either. So such rows are *provisional*: their ``sub`` or ``context_id`` is
a placeholder naming the LMS id (``canvas-user:42``, ``canvas-course:107``), and the first
launch or roster sync that names the same human or course adopts the row, replacing the
placeholder with the real LTI id, so nobody is counted twice:

* a launch adopts a provisional person with the same Canvas user id (the ``lms_user_id``
  custom parameter, ``$Canvas.user.id``), else the same SIS id (``lis.person_sourcedid``);
  a provisional course with the same Canvas course id (``lms_course_id``);
* a roster sync (NRPS carries no Canvas user id) adopts by SIS id, else by email, and only
  when exactly one provisional person matches.
"""

from __future__ import annotations

from sqlalchemy import column, func, or_, select, table, update

from lti_tool.extensions import db
from lti_tool.models import CaseloadRule, Course, Enrollment, Person

#: The plans table by name (plans is a feature above this layer).
_plans = table("plans", column("id"), column("tenant_id"), column("person_id"))

#: Placeholder prefixes of provisional ``Person.sub`` and ``Course.context_id`` values.
USER_PREFIX = "canvas-user:"
COURSE_PREFIX = "canvas-course:"


def user_placeholder(lms_user_id: str) -> str:
    """The provisional ``sub`` of a Canvas user."""
    return USER_PREFIX + lms_user_id


def course_placeholder(lms_course_id: str) -> str:
    """The provisional ``context_id`` of a Canvas course."""
    return COURSE_PREFIX + lms_course_id


def is_provisional(person: Person) -> bool:
    """Whether a person is known from a REST listing only (no launch or roster named them)."""
    return person.sub.startswith(USER_PREFIX)


def _one(query: object) -> Person | None:
    rows = db.session.execute(query.limit(2)).scalars().all()  # type: ignore[attr-defined]
    return rows[0] if len(rows) == 1 else None


def adopt_person(
    tenant_id: int,
    sub: str,
    *,
    lms_user_id: str | None = None,
    sis_id: str | None = None,
    email: str | None = None,
) -> Person | None:
    """The provisional person these LMS ids name, now carrying ``sub``; None when none does
    (or more than one would, which is left for a person to sort out)."""
    provisional = (Person.tenant_id == tenant_id, Person.sub.startswith(USER_PREFIX))
    candidates = []
    if lms_user_id:
        candidates.append(Person.sub == user_placeholder(lms_user_id))
    if sis_id:
        candidates.append(Person.sis_id == sis_id)
    if email:
        candidates.append(func.lower(Person.email) == email.lower())
    for condition in candidates:
        person = _one(select(Person).where(*provisional, condition))
        if person is not None:
            person.sub = sub
            return person
    return None


def adopt_course(tenant_id: int, context_id: str, lms_course_id: str | None) -> Course | None:
    """The provisional course with this Canvas course id, now carrying ``context_id``."""
    if not lms_course_id:
        return None
    course = db.session.execute(
        select(Course).where(
            Course.tenant_id == tenant_id,
            Course.context_id == course_placeholder(lms_course_id),
        )
    ).scalar_one_or_none()
    if course is not None:
        course.context_id = context_id
    return course


def adopt_members(
    tenant_id: int, members: dict[str, tuple[str | None, str | None]]
) -> list[Person]:
    """Adopt provisional people for roster members not known by ``sub`` (one query).

    ``members`` maps each unknown ``sub`` to its (SIS id, email). A member adopts the one
    provisional person with the same SIS id, else with the same email; ties adopt nobody.
    Returns the people adopted (now carrying the member's ``sub``).
    """
    sis_ids = {sis for sis, _ in members.values() if sis}
    emails = {email.lower() for _, email in members.values() if email}
    if not sis_ids and not emails:
        return []
    conditions = []
    if sis_ids:
        conditions.append(Person.sis_id.in_(sis_ids))
    if emails:
        conditions.append(func.lower(Person.email).in_(emails))
    candidates = list(
        db.session.execute(
            select(Person).where(
                Person.tenant_id == tenant_id,
                Person.sub.startswith(USER_PREFIX),
                or_(*conditions),
            )
        ).scalars()
    )
    if not candidates:
        return []
    adopted: list[Person] = []
    taken: set[int] = set()
    for sub, (sis_id, email) in members.items():
        for key, value in (("sis", sis_id), ("email", (email or "").lower())):
            if not value:
                continue
            found = [
                p
                for p in candidates
                if p.id not in taken
                and (p.sis_id == value if key == "sis" else (p.email or "").lower() == value)
            ]
            if len(found) == 1:
                found[0].sub = sub
                taken.add(found[0].id)
                adopted.append(found[0])
                break
            if found:
                break
    return adopted


def absorb(person: Person) -> None:
    """Fold a provisional duplicate of ``person`` (same Canvas user id) into them: its
    enrollments move over, its student information fills what ``person`` lacks, and the
    duplicate is deleted. For a human the course list met before the roster or a launch
    told Lodestar their Canvas user id."""
    if not person.lms_user_id or person.sub.startswith(USER_PREFIX):
        return
    duplicate = db.session.execute(
        select(Person).where(
            Person.tenant_id == person.tenant_id,
            Person.sub == user_placeholder(person.lms_user_id),
        )
    ).scalar_one_or_none()
    if duplicate is None or duplicate.id == person.id:
        return
    mine = {
        (e.course_id, e.role)
        for e in db.session.execute(
            select(Enrollment).where(Enrollment.person_id == person.id)
        ).scalars()
    }
    for enrollment in db.session.execute(
        select(Enrollment).where(Enrollment.person_id == duplicate.id)
    ).scalars():
        if (enrollment.course_id, enrollment.role) in mine:
            db.session.delete(enrollment)
        else:
            enrollment.person_id = person.id
    for attr in ("grade_level", "graduation_year", "school", "sis_id", "email"):
        if getattr(person, attr) is None and getattr(duplicate, attr) is not None:
            setattr(person, attr, getattr(duplicate, attr))
    if person.student_info_source is None:
        person.student_info_source = duplicate.student_info_source
    # What others attached to the placeholder follows the student: a counselor's caseload
    # assignment by name, and a plan a counselor's comment started before the first launch.
    db.session.execute(
        update(CaseloadRule)
        .where(CaseloadRule.student_id == duplicate.id)
        .values(student_id=person.id)
    )
    has_plan = db.session.execute(
        select(_plans.c.id).where(
            _plans.c.tenant_id == person.tenant_id, _plans.c.person_id == person.id
        )
    ).first()
    if has_plan is None:
        db.session.execute(
            update(_plans)
            .where(_plans.c.tenant_id == person.tenant_id, _plans.c.person_id == duplicate.id)
            .values(person_id=person.id)
        )
    db.session.flush()
    db.session.delete(duplicate)
    db.session.flush()
