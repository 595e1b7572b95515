"""Every rule of ``lti_tool.policy`` without launches: actors and records come from
``tests.factories``, and each table row says who may do what to which record.

Launch-time roles never decide (the actors below claim roles they do not hold); only the
enrollments, guardian links and grants in the database do, read again on every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, event, update

from lti_tool import policy
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
    Tenant,
)
from lti_tool.policy import Action
from tests import factories

A = Action
INACTIVE = EnrollmentStatus.INACTIVE
EVERY_ROLE = frozenset(Role)


@dataclass
class World:
    """One district with two courses and everyone around student Sam, and a second district."""

    home: Tenant
    bio: Course
    alg: Course
    other_course: Course
    people: dict[str, Person]

    def __getitem__(self, name: str) -> Person:
        return self.people[name]


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        home, away = factories.tenant(), factories.tenant()
        bio = factories.course(home, context_id="biology")
        alg = factories.course(home, context_id="algebra")
        # The other district has a course with the same LMS context id.
        other_course = factories.course(away, context_id="biology")
        p: dict[str, Person] = {}
        p["sam"] = factories.student_in(bio)
        p["cam"] = factories.student_in(bio)  # a classmate
        p["lee"] = factories.student_in(bio, status=INACTIVE)  # dropped the course
        p["tia"] = factories.teacher_of(bio)
        p["ted"] = factories.teacher_of(bio, status=INACTIVE)  # no longer teaches it
        p["tom"] = factories.teacher_of(alg)  # teaches elsewhere
        p["gus"] = factories.person(home)  # Sam's guardian
        factories.mentorship(p["gus"], p["sam"], bio)
        p["gia"] = factories.person(home)  # a guardian link that ended
        factories.mentorship(p["gia"], p["sam"], bio, active=False)
        p["cal"] = factories.person(home)
        factories.grant(p["cal"], GrantRole.COUNSELOR)
        p["ada"] = factories.person(home)
        factories.grant(p["ada"], GrantRole.ADMIN)
        p["pam"] = factories.person(home, sub="pending-admin")  # a grant not yet bound
        factories.grant(p["pam"], GrantRole.ADMIN, person_id=None, sub="pending-admin")
        p["ian"] = factories.person(home, institution_roles=["admin"])  # LMS admin only
        p["oscar"] = factories.person(away)  # counselor and admin elsewhere
        factories.grant(p["oscar"], GrantRole.ADMIN)
        factories.grant(p["oscar"], GrantRole.COUNSELOR)
        p["otto"] = factories.teacher_of(other_course)
        p["olga"] = factories.student_in(other_course)
        factories.mentorship(p["otto"], p["olga"], other_course)
        db.session.commit()
        yield World(home, bio, alg, other_course, p)


# What each check asks, against which record of the world.
CHECKS: dict[str, tuple[Action, str]] = {
    "read plan": (A.READ_PLAN, "sam"),
    "read accommodations": (A.READ_ACCOMMODATIONS, "sam"),
    "edit plan": (A.EDIT_PLAN, "sam"),
    "comment plan": (A.COMMENT_PLAN, "sam"),
    "reply plan": (A.REPLY_PLAN, "sam"),
    "review plan": (A.REVIEW_PLAN, "sam"),
    "submit plan": (A.SUBMIT_PLAN, "sam"),
    "return plan": (A.RETURN_PLAN, "sam"),
    "sign plan": (A.SIGN_PLAN, "sam"),
    "export plan": (A.EXPORT_PLAN, "sam"),
    "delete plan": (A.DELETE_PLAN, "sam"),
    "view class": (A.VIEW_CLASS, "bio"),
    "sync class": (A.SYNC_CLASS, "bio"),
    "tag course": (A.TAG_COURSE, "bio"),
    "place activity": (A.PLACE_ACTIVITY, "bio"),
    "view course as student": (A.VIEW_COURSE_AS_STUDENT, "bio"),
    "attach evidence": (A.ATTACH_EVIDENCE, "bio+sam"),
    "nudge student": (A.NUDGE_STUDENT, "bio+sam"),
    "manage reflections": (A.MANAGE_REFLECTIONS, "bio"),
    "score reflection": (A.SCORE_REFLECTION, "bio+sam"),
    "read reflection feedback": (A.READ_REFLECTION_FEEDBACK, "bio+sam"),
    "view family": (A.VIEW_FAMILY, "-"),
    "review caseload": (A.REVIEW_CASELOAD, "-"),
    "manage journey": (A.MANAGE_JOURNEY, "-"),
    "admin tenant": (A.ADMIN_TENANT, "-"),
    "browse resources": (A.BROWSE_RESOURCES, "-"),
    "manage resources": (A.MANAGE_RESOURCES, "-"),
    "recommend resource": (A.RECOMMEND_RESOURCE, "sam"),
    "browse careers": (A.BROWSE_CAREERS, "-"),
    "read privacy notice": (A.READ_PRIVACY_NOTICE, "-"),
}
PLAN_OWNER = {
    "read plan",
    "read accommodations",
    "edit plan",
    "export plan",
    "reply plan",
    "submit plan",
}
TEACHER = {"view class", "sync class", "tag course", "place activity", "manage reflections"}
COUNSELOR = {
    "read plan",
    "read accommodations",
    "comment plan",
    "reply plan",
    "review plan",
    "return plan",
    "export plan",
    "review caseload",
    "browse resources",
    "manage resources",
    "recommend resource",
    "manage journey",
}

EXPECTED: dict[str, set[str]] = {
    "sam": PLAN_OWNER | {"view course as student", "browse resources", "read reflection feedback"},
    "cam": {"view course as student", "browse resources"},
    "lee": {"browse resources"},  # a learner of the district, though the course ended
    "tia": TEACHER
    | {
        "read plan",
        "comment plan",
        "reply plan",
        "attach evidence",
        "nudge student",
        "score reflection",
    },
    "ted": set(),
    "tom": set(),
    "gus": {
        "read plan",
        "read accommodations",
        "comment plan",
        "reply plan",
        "sign plan",
        "export plan",
        "view family",
    },
    "gia": set(),
    "cal": COUNSELOR,
    "ada": COUNSELOR | {"delete plan", "admin tenant"},
    "pam": set(),
    "ian": set(),
    # Of their own tenant, nothing of Sam's.
    "oscar": {
        "review caseload",
        "manage journey",
        "admin tenant",
        "browse resources",
        "manage resources",
    },
    "otto": {"view family"},  # guards Olga, in his own tenant
    "olga": {"browse resources"},  # a learner of her own district
}
# Every person of a tenant browses the occupation reference pages of their own tenant and
# reads its privacy page.
EXPECTED = {
    who: rights | {"browse careers", "read privacy notice"} for who, rights in EXPECTED.items()
}


def resource(world: World, name: str) -> Any:
    if name == "-":
        return None
    if name == "bio+sam":
        return (world.bio, world["sam"])
    if name == "bio":
        return world.bio
    return world[name]


def granted(world: World, who: str, course: Course | None = None) -> set[str]:
    actor = factories.actor(world[who], course or world.bio, roles=EVERY_ROLE)
    return {
        check
        for check, (action, name) in CHECKS.items()
        if policy.allowed(actor, action, resource(world, name))
    }


def test_every_action_has_a_check() -> None:
    assert {action for action, _ in CHECKS.values()} == set(Action)


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_who_may_do_what(app: Flask, world: World, who: str) -> None:
    assert granted(world, who) == EXPECTED[who]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_require_raises_exactly_when_refused(app: Flask, world: World, who: str) -> None:
    actor = factories.actor(world[who], world.bio)
    for check, (action, name) in CHECKS.items():
        if check in EXPECTED[who]:
            policy.require(actor, action, resource(world, name))
        else:
            with pytest.raises(NotAuthorized):
                policy.require(actor, action, resource(world, name))


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_allowed_each_agrees_with_allowed_in_one_query(app: Flask, world: World, who: str) -> None:
    actor = factories.actor(world[who], world.bio)
    checks = [(action, resource(world, name)) for action, name in CHECKS.values()]
    checks += [(A.READ_PLAN, world.bio), (A.VIEW_CLASS, world.other_course), (A.EDIT_PLAN, None)]
    one_by_one = [policy.allowed(actor, action, record) for action, record in checks]
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert policy.allowed_each(actor, checks) == one_by_one
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert policy.allowed_each(actor, [(A.EDIT_PLAN, None)]) == [False]


# -- tenants ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["tia", "cal", "ada", "sam", "gus"])
def test_an_actor_of_another_tenant_is_refused_everything(
    app: Flask, world: World, who: str
) -> None:
    """The same person ids under another tenant (a forged or confused actor) get nothing."""
    me = world[who]
    forged = replace(factories.actor(me, world.bio), tenant_id=world.other_course.tenant_id)
    assert {
        check
        for check, (action, name) in CHECKS.items()
        if policy.allowed(forged, action, resource(world, name))
    } == set()


def test_records_of_another_tenant_are_refused_to_its_admins(app: Flask, world: World) -> None:
    oscar = factories.actor(world["oscar"])
    for action in (
        A.READ_PLAN,
        A.REVIEW_PLAN,
        A.EXPORT_PLAN,
        A.DELETE_PLAN,
        A.READ_ACCOMMODATIONS,
        A.COMMENT_PLAN,
    ):
        assert not policy.allowed(oscar, action, world["sam"])
        assert policy.allowed(oscar, action, world["olga"]) is (action != A.SIGN_PLAN)


def test_a_teacher_is_refused_the_same_context_id_in_another_tenant(
    app: Flask, world: World
) -> None:
    tia = factories.actor(world["tia"], world.bio)
    assert policy.allowed(tia, A.VIEW_CLASS, world.bio)
    assert world.other_course.context_id == world.bio.context_id
    for action in (A.VIEW_CLASS, A.SYNC_CLASS, A.TAG_COURSE, A.PLACE_ACTIVITY):
        assert not policy.allowed(tia, action, world.other_course)
    otto = factories.actor(world["otto"], world.other_course)
    assert policy.allowed(otto, A.VIEW_CLASS, world.other_course)
    assert not policy.allowed(otto, A.VIEW_CLASS, world.bio)


@pytest.mark.parametrize("pair", ["course elsewhere", "student elsewhere"])
def test_attach_evidence_refuses_a_pair_that_crosses_tenants(
    app: Flask, world: World, pair: str
) -> None:
    tia = factories.actor(world["tia"], world.bio)
    mixed = (
        (world.other_course, world["sam"])
        if pair == "course elsewhere"
        else (world.bio, world["olga"])
    )
    assert not policy.allowed(tia, A.ATTACH_EVIDENCE, mixed)


# -- enrollments are read on every call ---------------------------------------------------


def test_inactive_enrollments_give_no_course_rights(app: Flask, world: World) -> None:
    tia, lee = world["tia"], world["lee"]
    teacher = factories.actor(tia, world.bio)
    assert not policy.allowed(teacher, A.READ_PLAN, lee)
    assert not policy.allowed(teacher, A.COMMENT_PLAN, lee)
    assert not policy.allowed(teacher, A.ATTACH_EVIDENCE, (world.bio, lee))
    assert not policy.allowed(factories.actor(lee, world.bio), A.VIEW_COURSE_AS_STUDENT, world.bio)


def test_a_dropped_student_still_edits_their_own_plan(app: Flask, world: World) -> None:
    """Edit rights follow having been a learner in the tenant (any status), not a course."""
    lee = world["lee"]
    me = factories.actor(lee, world.bio)
    assert policy.allowed(me, A.EDIT_PLAN, lee)
    assert policy.allowed(me, A.READ_PLAN, lee)


def test_only_a_learner_edits_a_plan(app: Flask, world: World) -> None:
    tia = world["tia"]
    assert not policy.allowed(factories.actor(tia, world.bio), A.EDIT_PLAN, tia)
    for who in ("tia", "gus", "cal", "ada", "cam"):
        assert not policy.allowed(factories.actor(world[who]), A.EDIT_PLAN, world["sam"])


def test_ending_an_enrollment_ends_the_rights_at_once(app: Flask, world: World) -> None:
    tia, sam = world["tia"], world["sam"]
    teacher = factories.actor(tia, world.bio)
    assert policy.allowed(teacher, A.READ_PLAN, sam)
    db.session.execute(
        update(Enrollment).where(Enrollment.person_id == sam.id).values(status=INACTIVE)
    )
    assert not policy.allowed(teacher, A.READ_PLAN, sam)
    assert policy.allowed(teacher, A.VIEW_CLASS, world.bio)
    db.session.execute(
        update(Enrollment).where(Enrollment.person_id == tia.id).values(status=INACTIVE)
    )
    assert not policy.allowed(teacher, A.VIEW_CLASS, world.bio)


def test_a_teacher_of_another_course_of_the_student_may_read_the_plan(
    app: Flask, world: World
) -> None:
    tom, sam = world["tom"], world["sam"]
    teacher = factories.actor(tom, world.alg)
    assert not policy.allowed(teacher, A.READ_PLAN, sam)
    factories.enrollment(world.alg, sam, Role.STUDENT)
    assert policy.allowed(teacher, A.READ_PLAN, sam)
    assert policy.allowed(teacher, A.ATTACH_EVIDENCE, (world.alg, sam))
    # ... but attaching needs the student in the course named.
    assert not policy.allowed(teacher, A.ATTACH_EVIDENCE, (world.bio, sam))
    # Teaching one course and learning in it do not mix roles.
    assert not policy.allowed(teacher, A.VIEW_COURSE_AS_STUDENT, world.alg)


def test_a_student_enrollment_is_not_a_teacher_enrollment(app: Flask, world: World) -> None:
    cam = factories.actor(world["cam"], world.bio, roles={Role.TEACHER})
    assert not policy.allowed(cam, A.VIEW_CLASS, world.bio)
    assert not policy.allowed(cam, A.READ_PLAN, world["sam"])
    assert not policy.allowed(cam, A.ATTACH_EVIDENCE, (world.bio, world["sam"]))


# -- guardians ----------------------------------------------------------------------------


def test_guardian_links_are_per_course_and_any_active_one_counts(app: Flask, world: World) -> None:
    gus, sam = world["gus"], world["sam"]
    guardian = factories.actor(gus)
    link_alg = factories.mentorship(gus, sam, world.alg, active=False)
    assert policy.allowed(guardian, A.SIGN_PLAN, sam)  # the Biology link is active
    db.session.execute(
        update(Mentorship).where(Mentorship.course_id == world.bio.id).values(active=False)
    )
    for action in (A.READ_PLAN, A.SIGN_PLAN, A.EXPORT_PLAN, A.READ_ACCOMMODATIONS, A.COMMENT_PLAN):
        assert not policy.allowed(guardian, action, sam)
    link_alg.active = True
    db.session.flush()
    assert policy.allowed(guardian, A.SIGN_PLAN, sam)


def test_a_guardian_link_without_a_course_counts(app: Flask, world: World) -> None:
    """Links made before per-course links carry no course and still name the student."""
    cam = world["cam"]
    guardian = factories.person(world.home)
    factories.mentorship(guardian, cam, None)
    assert policy.allowed(factories.actor(guardian), A.READ_PLAN, cam)


def test_a_guardian_sees_only_the_students_named(app: Flask, world: World) -> None:
    guardian = factories.actor(world["gus"])
    for action in (A.READ_PLAN, A.SIGN_PLAN, A.EXPORT_PLAN):
        assert not policy.allowed(guardian, action, world["cam"])
    assert not policy.allowed(guardian, A.VIEW_CLASS, world.bio)
    assert not policy.allowed(guardian, A.EDIT_PLAN, world["sam"])


# -- grants -------------------------------------------------------------------------------


def test_grants_are_read_on_every_call(app: Flask, world: World) -> None:
    cal, ada = factories.actor(world["cal"]), factories.actor(world["ada"])
    assert policy.is_counselor(cal) and not policy.is_admin(cal)
    assert policy.is_counselor(ada) and policy.is_admin(ada)
    db.session.execute(
        delete(RoleGrant).where(RoleGrant.person_id.in_([world["cal"].id, world["ada"].id]))
    )
    for actor in (cal, ada):
        assert not policy.allowed(actor, A.REVIEW_CASELOAD)
        assert not policy.allowed(actor, A.READ_PLAN, world["sam"])
    assert not policy.allowed(ada, A.ADMIN_TENANT)


def test_a_grant_of_another_tenant_gives_nothing_here(app: Flask, world: World) -> None:
    oscar = world["oscar"]
    here = replace(factories.actor(oscar), tenant_id=world.bio.tenant_id)
    assert not policy.is_counselor(here)
    assert not policy.is_admin(here)


def test_lms_institution_roles_grant_nothing(app: Flask, world: World) -> None:
    ian = factories.actor(world["ian"], roles={Role.ADMIN, Role.COUNSELOR})
    assert not policy.allowed(ian, A.ADMIN_TENANT)
    assert not policy.allowed(ian, A.REVIEW_CASELOAD)
    assert not policy.allowed(ian, A.READ_PLAN, world["sam"])


@pytest.mark.parametrize(
    ("named", "rule_on", "institution_admin", "expected"),
    [
        ("bound", False, False, True),
        ("sub", False, False, True),
        ("email", False, False, True),
        ("EMAIL", False, False, True),
        ("nobody", False, False, False),
        ("nobody", True, True, True),
        ("nobody", True, False, False),
        ("nobody", False, True, False),
        ("counselor", False, False, False),
    ],
)
def test_may_enable_deployment(
    app: Flask, world: World, named: str, rule_on: bool, institution_admin: bool, expected: bool
) -> None:
    tenant_id = world.bio.tenant_id
    newcomer = factories.person(factories.tenant())  # not a person of the tenant yet
    if named == "bound":
        factories.grant(world["ada"], GrantRole.ADMIN)
        sub, email = world["ada"].sub, None
    else:
        sub, email = newcomer.sub, "New.Admin@Example.org"
        if named == "sub":
            factories.grant(world["ada"], GrantRole.ADMIN, person_id=None, sub=sub)
        elif named in {"email", "EMAIL"}:
            factories.grant(
                world["ada"],
                GrantRole.ADMIN,
                person_id=None,
                email="new.admin@example.org" if named == "email" else "NEW.ADMIN@EXAMPLE.ORG",
            )
        elif named == "counselor":
            factories.grant(world["ada"], GrantRole.COUNSELOR, person_id=None, sub=sub)
    assert (
        policy.may_enable_deployment(
            tenant_id, sub=sub, email=email, institution_admin=institution_admin, rule_on=rule_on
        )
        is expected
    )


# -- resources the policy does not know ---------------------------------------------------

NO_TENANT = "a record without tenant"
WRONG_TYPE = "a record of the wrong type"


def test_every_action_has_a_rule() -> None:
    """The policy is a table: an action without a row would be refused to everyone."""
    assert set(policy.RULES) == set(Action)


@pytest.mark.parametrize("kind", [NO_TENANT, WRONG_TYPE])
@pytest.mark.parametrize("action", list(Action))
def test_an_unknown_resource_is_refused(
    app: Flask, world: World, action: Action, kind: str
) -> None:
    """Even an actor holding every right is refused a resource the action does not take."""
    ada = world["ada"]
    factories.enrollment(world.bio, ada, Role.TEACHER)
    factories.enrollment(world.bio, ada, Role.STUDENT)
    factories.mentorship(ada, world["sam"], world.bio)
    actor = factories.actor(ada, world.bio)
    sam = world["sam"]
    if kind == NO_TENANT:
        unknown: Any = SimpleNamespace(id=sam.id)
    else:
        unknown = factories.plan(sam)  # a Plan, where a Person, Course or None belongs
    assert not policy.allowed(actor, action, unknown)


@pytest.mark.parametrize("shape", ["course only", "student only", "reversed", "three", "list"])
def test_attach_evidence_takes_exactly_a_course_and_a_student(
    app: Flask, world: World, shape: str
) -> None:
    tia = factories.actor(world["tia"], world.bio)
    bio, sam = world.bio, world["sam"]
    shapes: dict[str, Any] = {
        "course only": bio,
        "student only": sam,
        "reversed": (sam, bio),
        "three": (bio, sam, sam),
        "list": [bio, sam],
    }
    assert policy.allowed(tia, A.ATTACH_EVIDENCE, (bio, sam))
    assert not policy.allowed(tia, A.ATTACH_EVIDENCE, shapes[shape])


def test_a_person_of_no_tenant_is_refused(app: Flask, world: World) -> None:
    ghost = Person(id=world["sam"].id, tenant_id=None, sub="ghost")
    cal = factories.actor(world["cal"])
    for action in (A.READ_PLAN, A.REVIEW_PLAN, A.EXPORT_PLAN):
        assert not policy.allowed(cal, action, ghost)


#: What may still be done with an archived graduate's plan (kept read-only for the district's
#: retention period): reading it, and exporting or deleting it on request.
ARCHIVE_READS = {
    policy.Action.READ_PLAN,
    policy.Action.READ_ACCOMMODATIONS,
    policy.Action.EXPORT_PLAN,
    policy.Action.DELETE_PLAN,
    policy.Action.READ_REFLECTION_FEEDBACK,
}


def test_every_action_on_a_student_is_a_change_or_a_read_of_an_archived_plan() -> None:
    """A new action about a student must say whether it changes the plan (refused for an
    archived graduate) or only reads it: reply, submit and return once slipped through."""
    about_students = {
        action
        for action, rule in policy.RULES.items()
        if any(
            shape is Person or (isinstance(shape, tuple) and Person in shape)
            for shape in rule.takes
        )
    }
    unsorted = about_students - policy.CHANGES - ARCHIVE_READS
    assert not unsorted, sorted(unsorted)
