"""Every access decision in Lodestar, in one place.

Views never compare roles by hand: they declare the action they need (``launch.access``),
templates ask ``can(...)``, services call ``require(actor, action, resource)``; all three end
in ``allowed``, which looks the action up in ``RULES``. Rules
(see DESIGN.md, "The people and what they do"):

* All resources belong to one tenant; an actor of another tenant is refused everything.
* A student reads and edits their own plan.
* A teacher sees the roster and grades of courses they teach, and reads the plans of students
  *actively* enrolled in a course they *actively* teach; re-checked on every request against
  the enrollments table, never trusted from the launch alone.
* A guardian reads the plans of students named in ``role_scope_mentor`` (active links).
* A counselor reviews the plans of the students on their caseload (``caseload_rules`` on their
  grant; while the tenant has no caseload rule at all, every counselor has every student);
  an admin has every student of the tenant, and manages tenant settings, grants,
  registrations, export and deletion. Both rights come from Lodestar's own grants
  (``role_grants``), never from an LMS institution or system role by itself.
* Anyone of the tenant with a session browses the occupation reference pages and reads the
  privacy page.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    exists,
    false,
    func,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.orm import aliased

from lti_tool.actor import Actor
from lti_tool.errors import NotAuthorized
from lti_tool.extensions import db
from lti_tool.models import (
    CaseloadRule,
    CaseloadRuleKind,
    Course,
    Enrollment,
    EnrollmentStatus,
    GrantRole,
    Mentorship,
    Person,
    Platform,
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
    #: Person: reply in a comment's thread (the student on their own plan, and everyone who
    #: may comment).
    REPLY_PLAN = "reply_plan"
    #: Person: hand this school year's plan in for review (the student, as EDIT_PLAN).
    SUBMIT_PLAN = "submit_plan"
    #: Person: send this school year's plan back to the student for changes (counselors, as
    #: REVIEW_PLAN).
    RETURN_PLAN = "return_plan"
    #: Person: sign off the yearly plan (the student's guardians).
    SIGN_PLAN = "sign_plan"
    #: Person: download the whole plan (student, guardian, counselor, admin).
    EXPORT_PLAN = "export_plan"
    #: Person: delete the plan on request (admin).
    DELETE_PLAN = "delete_plan"
    #: (Course, Person): attach class work as evidence to a student's goals.
    ATTACH_EVIDENCE = "attach_evidence"
    #: (Course, Person): send a student of the class a nudge (a short note on their plan).
    NUDGE_STUDENT = "nudge_student"
    #: Course: place a Lodestar activity in the course (Deep Linking picker).
    PLACE_ACTIVITY = "place_activity"
    #: Course: set up a placed reflection activity and read every student's reflection
    #: (teachers of the course).
    MANAGE_REFLECTIONS = "manage_reflections"
    #: (Course, Person): score and comment on a student's reflection (a teacher of the
    #: course, about a learner of it).
    SCORE_REFLECTION = "score_reflection"
    #: (Course, Person): read the teacher's score and comment on a reflection (the student
    #: themself, while a learner of the course).
    READ_REFLECTION_FEEDBACK = "read_reflection_feedback"
    #: None: a guardian's page of their own students (an active guardian link).
    VIEW_FAMILY = "view_family"
    #: None: the counselor caseload and reports.
    REVIEW_CASELOAD = "review_caseload"
    #: None: the district's grade 6-12 journey steps and course plan grades (counselors).
    MANAGE_JOURNEY = "manage_journey"
    #: None or a Platform: tenant settings, registrations.
    ADMIN_TENANT = "admin_tenant"
    #: None: browse the district's community resources (learners and counselors).
    BROWSE_RESOURCES = "browse_resources"
    #: None: add, edit and hide the district's community resources (counselors, admins).
    MANAGE_RESOURCES = "manage_resources"
    #: Person (a learner): recommend a community resource into their plan (counselors).
    RECOMMEND_RESOURCE = "recommend_resource"
    #: None: occupation reference pages (what the work is, wages, in demand here): anyone of
    #: the tenant with a session.
    BROWSE_CAREERS = "browse_careers"
    #: None: the privacy page (what Lodestar keeps, who sees it): anyone of the tenant with
    #: a session, students and parents included.
    READ_PRIVACY_NOTICE = "read_privacy_notice"


# -- what the rules ask the database: each a SQL condition, so one check (or a page's
# several checks, ``allowed_each``) is one query ------------------------------------------

Clause = ColumnElement[bool]


def _enrolled(person_id: int, course_id: int, role: Role) -> Clause:
    return exists().where(
        Enrollment.person_id == person_id,
        Enrollment.course_id == course_id,
        Enrollment.role == role,
        Enrollment.status == EnrollmentStatus.ACTIVE,
    )


def _teaches_student(teacher_id: int, student_id: int) -> Clause:
    teacher = aliased(Enrollment)
    student = aliased(Enrollment)
    return exists().where(
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


def _was_learner(person_id: int) -> Clause:
    """A learner in some course of the tenant (any status); institution roles do not count."""
    return exists().where(Enrollment.person_id == person_id, Enrollment.role == Role.STUDENT)


def _learner_here(actor: Actor) -> Clause:
    """A learner in some course of the actor's tenant (any status)."""
    return exists().where(
        Enrollment.person_id == actor.person_id,
        Enrollment.role == Role.STUDENT,
        Enrollment.course_id == Course.id,
        Course.tenant_id == actor.tenant_id,
    )


def _guards(guardian_id: int, student_id: int) -> Clause:
    return exists().where(
        Mentorship.guardian_id == guardian_id,
        Mentorship.student_id == student_id,
        Mentorship.active.is_(True),
    )


def _guards_anyone(actor: Actor) -> Clause:
    return exists().where(
        Mentorship.tenant_id == actor.tenant_id,
        Mentorship.guardian_id == actor.person_id,
        Mentorship.active.is_(True),
    )


def _granted(actor: Actor, roles: tuple[GrantRole, ...]) -> Clause:
    return exists().where(
        RoleGrant.tenant_id == actor.tenant_id,
        RoleGrant.person_id == actor.person_id,
        RoleGrant.role.in_(roles),
    )


def _counselor(actor: Actor) -> Clause:
    return _granted(actor, (GrantRole.COUNSELOR, GrantRole.ADMIN))


def _admin(actor: Actor) -> Clause:
    return _granted(actor, (GrantRole.ADMIN,))


# -- caseloads: which students a counselor has ----------------------------------------------


#: The plans table, by name: the plans feature sits above this module (only the student's own
#: grade level is read from it).
_PLANS = table("plans", column("id"), column("person_id"), column("grade_level"))


def family_initial(person: Any) -> ColumnElement[str]:
    """The lower-cased first letter of a person's family name, or of the last word of their
    name when the LMS sent no family name, in SQL that SQLite and PostgreSQL both run
    (``rtrim`` by the name's own non-space characters strips its last word)."""
    name = func.trim(person.name)
    last_word = func.substr(name, func.length(func.rtrim(name, func.replace(name, " ", ""))) + 1)
    return func.lower(func.substr(func.coalesce(person.family_name, last_word), 1, 1))


def _plan_grade(person: Any) -> ColumnElement[Any]:
    """The grade level the student typed in their plan (a correlated subquery)."""
    return (
        select(_PLANS.c.grade_level)
        .where(_PLANS.c.person_id == person.id)
        .order_by(_PLANS.c.id)
        .limit(1)
        .correlate(person)
        .scalar_subquery()
    )


def rule_matches(rule: Any, person: Any, grade: Any = None) -> Clause:
    """A caseload rule (``CaseloadRule`` or an alias) matches a student (``Person`` or an
    alias): the named student; the grade level (the LMS's or SIS's, else the student's own
    ``grade``, by default read from their plan); the family name's first letter in the
    range; the school."""
    grade_level = func.coalesce(
        person.grade_level, grade if grade is not None else _plan_grade(person)
    )
    initial = family_initial(person)
    return or_(
        and_(rule.kind == CaseloadRuleKind.STUDENT, rule.student_id == person.id),
        and_(rule.kind == CaseloadRuleKind.GRADE, rule.grade_level == grade_level),
        and_(
            rule.kind == CaseloadRuleKind.ALPHA,
            initial >= func.lower(rule.alpha_from),
            initial <= func.lower(rule.alpha_to),
        ),
        and_(
            rule.kind == CaseloadRuleKind.SCHOOL,
            func.lower(rule.school) == func.lower(person.school),
        ),
    )


def _tenant_has_caseloads(tenant_id: int) -> Clause:
    return exists().where(CaseloadRule.tenant_id == tenant_id)


def _on_caseload(counselor_id: int, tenant_id: int, person: Any, grade: Any = None) -> Clause:
    """A rule of one of the counselor's counselor grants matches the student (as
    ``rule_matches``, written so that a database works out the named students, grade levels
    and schools once, not once per student)."""
    grade_level = func.coalesce(
        person.grade_level, grade if grade is not None else _plan_grade(person)
    )

    def mine(value: Any, kind: CaseloadRuleKind) -> Select[Any]:
        return (
            select(value)
            .join(RoleGrant, RoleGrant.id == CaseloadRule.grant_id)
            .where(
                CaseloadRule.tenant_id == tenant_id,
                CaseloadRule.kind == kind,
                RoleGrant.tenant_id == tenant_id,
                RoleGrant.person_id == counselor_id,
                RoleGrant.role == GrantRole.COUNSELOR,
            )
        )

    rule = aliased(CaseloadRule)
    grant = aliased(RoleGrant)
    initial = family_initial(person)
    return or_(
        person.id.in_(mine(CaseloadRule.student_id, CaseloadRuleKind.STUDENT)),
        grade_level.in_(mine(CaseloadRule.grade_level, CaseloadRuleKind.GRADE)),
        func.lower(person.school).in_(
            mine(func.lower(CaseloadRule.school), CaseloadRuleKind.SCHOOL)
        ),
        exists().where(
            rule.tenant_id == tenant_id,
            rule.kind == CaseloadRuleKind.ALPHA,
            grant.id == rule.grant_id,
            grant.person_id == counselor_id,
            grant.role == GrantRole.COUNSELOR,
            initial >= func.lower(rule.alpha_from),
            initial <= func.lower(rule.alpha_to),
        ),
    )


def sees_student(actor: Actor, person: Any, grade: Any = None) -> Clause:
    """Counselor rights over a student (a ``Person`` column set, correlated): an admin grant;
    or a counselor grant and the student on the caseload, or the tenant has no caseload rule
    at all (small districts, installs from before caseloads)."""
    return or_(
        _admin(actor),
        and_(
            _granted(actor, (GrantRole.COUNSELOR,)),
            or_(
                ~_tenant_has_caseloads(actor.tenant_id),
                _on_caseload(actor.person_id, actor.tenant_id, person, grade),
            ),
        ),
    )


#: The student a one-student counselor check is about (one alias for every check, so the
#: clause below is built once per counselor and reused).
_ONE_STUDENT = aliased(Person, name="policy_student")


@functools.lru_cache(maxsize=4096)
def _sees_one_student(tenant_id: int, person_id: int) -> Clause:
    """``sees_student`` of one actor over ``_ONE_STUDENT``: built once per actor (building
    the caseload clause costs milliseconds; it holds ids only, never a grant's answer, so
    it stays true to the database)."""
    return sees_student(Actor(tenant_id, person_id, None, frozenset()), _ONE_STUDENT)


def _counselor_of(actor: Actor, student: Person) -> Clause:
    """Counselor rights over this one student (see ``sees_student``)."""
    return exists().where(
        _ONE_STUDENT.id == student.id, _sees_one_student(actor.tenant_id, actor.person_id)
    )


def caseload_student_ids(actor: Actor) -> Select[Any]:
    """Ids of the tenant's students (``tenant_students``) the actor has counselor rights
    over: their caseload, every student for an admin or while the tenant has no caseload
    rule, none for anyone else. A selectable for pages and notifications."""
    return select(Person.id).where(tenant_students(actor.tenant_id), sees_student(actor, Person))


def tenant_students(tenant_id: int, person: Any = Person) -> Clause:
    """Who the tenant's students are: people of the tenant with an active student enrollment
    in one of its courses, or known from the SIS (a CSV import), not archived, not erased."""
    return and_(
        person.tenant_id == tenant_id,
        person.archived_at.is_(None),
        person.erased_at.is_(None),
        or_(
            person.student_info_source.is_not(None),
            exists().where(
                Enrollment.person_id == person.id,
                Enrollment.role == Role.STUDENT,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Enrollment.course_id == Course.id,
                Course.tenant_id == tenant_id,
            ),
        ),
    )


def counselors_of(student: Person, *, assigned_only: bool = False) -> list[Person]:
    """The counselors (launched, with a counselor grant) who have this student on their
    caseload; every counselor of the tenant while it has no caseload rule, unless
    ``assigned_only`` (then only counselors a rule names the student to). One query."""
    rule = aliased(CaseloadRule)
    who = aliased(Person)
    target = aliased(Person)
    matched = exists().where(
        rule.grant_id == RoleGrant.id,
        rule.tenant_id == student.tenant_id,
        target.id == student.id,
        rule_matches(rule, target),
    )
    counselor_ids = select(RoleGrant.person_id).where(
        RoleGrant.tenant_id == student.tenant_id,
        RoleGrant.role == GrantRole.COUNSELOR,
        matched if assigned_only else or_(~_tenant_has_caseloads(student.tenant_id), matched),
    )
    return list(
        db.session.execute(
            select(who)
            .where(who.tenant_id == student.tenant_id, who.id.in_(counselor_ids))
            .order_by(who.id)
        ).scalars()
    )


def _of_tenant(actor: Actor) -> Clause:
    """The actor is a person of their tenant (a forged or confused actor is not)."""
    return exists().where(Person.id == actor.person_id, Person.tenant_id == actor.tenant_id)


def _is(condition: bool) -> Clause:
    return true() if condition else false()


def _ask(clause: Clause) -> bool:
    return bool(db.session.execute(select(clause)).scalar())


def teaches_student(teacher_id: int, student_id: int) -> bool:
    """True when the teacher and the student share an active enrollment in some course."""
    return _ask(_teaches_student(teacher_id, student_id))


def is_counselor(actor: Actor) -> bool:
    """Counselor rights (a counselor or admin grant), read from the database on every
    request, so a revoked grant stops working at once."""
    return _ask(_counselor(actor))


def is_admin(actor: Actor) -> bool:
    """Tenant admin rights (an admin grant)."""
    return _ask(_admin(actor))


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


# -- the rules ----------------------------------------------------------------------------

#: What a rule is checked against: one record type, a pair of them, or ``None`` (the actor's
#: own tenant). Anything else, and any record of another tenant or without one, is refused.
Shape = type[Any] | tuple[type[Any], ...] | None


@dataclass(frozen=True)
class Rule:
    """Who may do one action: the resources it takes, and the condition on the database."""

    takes: tuple[Shape, ...]
    check: Callable[[Actor, Any], Clause]


def _fits(resource: Any, shape: Shape) -> bool:
    if shape is None:
        return resource is None
    if isinstance(shape, tuple):
        return (
            type(resource) is tuple
            and len(resource) == len(shape)
            and all(isinstance(part, kind) for part, kind in zip(resource, shape, strict=True))
        )
    return isinstance(resource, shape)


def _in_tenant(actor: Actor, resource: Any) -> bool:
    """Every record named belongs to the actor's tenant (a record without one never does)."""
    if resource is None:
        return True
    if isinstance(resource, tuple):
        return all(_in_tenant(actor, part) for part in resource)
    tenant_id = getattr(resource, "tenant_id", None)
    return tenant_id is not None and tenant_id == actor.tenant_id


def _teacher(actor: Actor, course: Course) -> Clause:
    return _enrolled(actor.person_id, course.id, Role.TEACHER)


def _learner(actor: Actor, course: Course) -> Clause:
    return _enrolled(actor.person_id, course.id, Role.STUDENT)


def _attacher(actor: Actor, pair: tuple[Course, Person]) -> Clause:
    course, student = pair
    return and_(
        _enrolled(actor.person_id, course.id, Role.TEACHER),
        _enrolled(student.id, course.id, Role.STUDENT),
    )


def _feedback_reader(actor: Actor, pair: tuple[Course, Person]) -> Clause:
    course, student = pair
    if student.id != actor.person_id:
        return false()
    return _enrolled(student.id, course.id, Role.STUDENT)


def _reader(actor: Actor, student: Person) -> Clause:
    me = actor.person_id
    return or_(
        _is(student.id == me),
        _teaches_student(me, student.id),
        _guards(me, student.id),
        _counselor_of(actor, student),
    )


def _accommodations_reader(actor: Actor, student: Person) -> Clause:
    me = actor.person_id
    return or_(_is(student.id == me), _guards(me, student.id), _counselor_of(actor, student))


def _editor(actor: Actor, student: Person) -> Clause:
    return _was_learner(student.id) if student.id == actor.person_id else false()


def _commenter(actor: Actor, student: Person) -> Clause:
    me = actor.person_id
    return or_(
        _teaches_student(me, student.id), _guards(me, student.id), _counselor_of(actor, student)
    )


def _replier(actor: Actor, student: Person) -> Clause:
    return or_(_editor(actor, student), _commenter(actor, student))


def _exporter(actor: Actor, student: Person) -> Clause:
    me = actor.person_id
    return or_(_is(student.id == me), _guards(me, student.id), _counselor_of(actor, student))


COURSE: tuple[Shape, ...] = (Course,)
STUDENT: tuple[Shape, ...] = (Person,)
TENANT: tuple[Shape, ...] = (None,)

#: Every action and its rule. An action missing here is refused (tests check none is).
RULES: dict[Action, Rule] = {
    Action.VIEW_CLASS: Rule(COURSE, _teacher),
    Action.SYNC_CLASS: Rule(COURSE, _teacher),
    Action.TAG_COURSE: Rule(COURSE, _teacher),
    Action.PLACE_ACTIVITY: Rule(COURSE, _teacher),
    Action.VIEW_COURSE_AS_STUDENT: Rule(COURSE, _learner),
    Action.ATTACH_EVIDENCE: Rule(((Course, Person),), _attacher),
    Action.NUDGE_STUDENT: Rule(((Course, Person),), _attacher),
    Action.MANAGE_REFLECTIONS: Rule(COURSE, _teacher),
    Action.SCORE_REFLECTION: Rule(((Course, Person),), _attacher),
    Action.READ_REFLECTION_FEEDBACK: Rule(((Course, Person),), _feedback_reader),
    Action.READ_PLAN: Rule(STUDENT, _reader),
    Action.READ_ACCOMMODATIONS: Rule(STUDENT, _accommodations_reader),
    Action.EDIT_PLAN: Rule(STUDENT, _editor),
    Action.COMMENT_PLAN: Rule(STUDENT, _commenter),
    Action.REVIEW_PLAN: Rule(STUDENT, _counselor_of),
    Action.REPLY_PLAN: Rule(STUDENT, _replier),
    Action.SUBMIT_PLAN: Rule(STUDENT, _editor),
    Action.RETURN_PLAN: Rule(STUDENT, _counselor_of),
    Action.SIGN_PLAN: Rule(STUDENT, lambda actor, student: _guards(actor.person_id, student.id)),
    Action.EXPORT_PLAN: Rule(STUDENT, _exporter),
    Action.DELETE_PLAN: Rule(STUDENT, lambda actor, _student: _admin(actor)),
    Action.VIEW_FAMILY: Rule(TENANT, lambda actor, _none: _guards_anyone(actor)),
    Action.REVIEW_CASELOAD: Rule(TENANT, lambda actor, _none: _counselor(actor)),
    Action.MANAGE_JOURNEY: Rule(TENANT, lambda actor, _none: _counselor(actor)),
    Action.ADMIN_TENANT: Rule((None, Platform), lambda actor, _tenant: _admin(actor)),
    Action.BROWSE_RESOURCES: Rule(
        TENANT, lambda actor, _none: or_(_learner_here(actor), _counselor(actor))
    ),
    Action.MANAGE_RESOURCES: Rule(TENANT, lambda actor, _none: _counselor(actor)),
    Action.RECOMMEND_RESOURCE: Rule(
        STUDENT,
        lambda actor, student: and_(_counselor_of(actor, student), _was_learner(student.id)),
    ),
    Action.BROWSE_CAREERS: Rule(TENANT, lambda actor, _none: _of_tenant(actor)),
    Action.READ_PRIVACY_NOTICE: Rule(TENANT, lambda actor, _none: _of_tenant(actor)),
}


#: What nobody may do any more to an archived graduate's plan (kept read-only until the
#: district's retention period ends; reading, exporting and deleting stay as they were).
CHANGES: frozenset[Action] = frozenset(
    {
        Action.EDIT_PLAN,
        Action.COMMENT_PLAN,
        Action.REVIEW_PLAN,
        Action.SIGN_PLAN,
        Action.ATTACH_EVIDENCE,
        Action.NUDGE_STUDENT,
        Action.SCORE_REFLECTION,
        Action.RECOMMEND_RESOURCE,
        Action.REPLY_PLAN,
        Action.SUBMIT_PLAN,
        Action.RETURN_PLAN,
    }
)


def _archived(resource: Any) -> bool:
    """Whether the resource is, or pairs a course with, an archived graduate."""
    student = resource[1] if isinstance(resource, tuple) else resource
    return isinstance(student, Person) and student.archived_at is not None


def _condition(actor: Actor, action: Action, resource: Any) -> Clause:
    """The action's condition on the database, or ``false()`` without asking it: no rule,
    a resource of a shape the rule does not take, a record outside the actor's tenant, or a
    change to an archived graduate's plan."""
    rule = RULES.get(action)
    if rule is None or not any(_fits(resource, shape) for shape in rule.takes):
        return false()
    if not _in_tenant(actor, resource):
        return false()
    if action in CHANGES and _archived(resource):
        return false()
    return rule.check(actor, resource)


def allowed(actor: Actor, action: Action, resource: Any = None) -> bool:
    """Decide whether ``actor`` may do ``action`` on ``resource``: the action's rule must
    exist, take a resource of this shape in the actor's tenant, and say yes (one query)."""
    condition = _condition(actor, action, resource)
    return False if condition is false() else _ask(condition)


def allowed_each(actor: Actor, checks: Sequence[tuple[Action, Any]]) -> list[bool]:
    """``allowed`` for several (action, resource) checks at once, in one query (a page's
    navigation asks five or six)."""
    conditions = [_condition(actor, action, resource) for action, resource in checks]
    asked = [c for c in conditions if c is not false()]
    if not asked:
        return [False] * len(conditions)
    row = iter(db.session.execute(select(*asked)).one())
    return [False if c is false() else bool(next(row)) for c in conditions]


def require(actor: Actor, action: Action, resource: Any = None) -> None:
    """Raise ``NotAuthorized`` unless ``allowed``."""
    if not allowed(actor, action, resource):
        raise NotAuthorized()
