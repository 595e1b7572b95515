"""Who has counselor rights over which student: the caseload rules (each kind), no rules
at all (everyone), admins (everyone), other tenants (never), and ``counselors_of``."""

from __future__ import annotations

from flask import Flask

from lti_tool import policy
from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.models import CaseloadRuleKind, EnrollmentStatus, GrantRole, RoleGrant
from lti_tool.policy import Action
from tests import factories
from tests.caseload.helpers import admin, counselor, rule, student

COUNSELOR_RIGHTS = (
    Action.READ_PLAN,
    Action.COMMENT_PLAN,
    Action.REVIEW_PLAN,
    Action.EXPORT_PLAN,
    Action.READ_ACCOMMODATIONS,
)


def test_counselor_sees_only_their_caseload_and_everyone_without_rules(app: Flask) -> None:
    with app.app_context():
        t = factories.tenant()
        ada = student(t, "Ada Baker", grade_level=9)
        ben = student(t, "Ben Zane", grade_level=10, school="North High")
        cy = student(t, "Cy Young", grade_level=None)
        factories.plan(cy, grade_level=11)
        dee = student(t, "Dee von Marsh", family_name=None)  # last word of the name: M
        me, grant = counselor(t)
        other, other_grant = counselor(t, "Other Counselor")
        boss = admin(t)
        actor, boss_actor = factories.actor(me), factories.actor(boss)
        everyone = [ada, ben, cy, dee]

        # No rule in the tenant: every counselor keeps every student.
        assert all(policy.allowed(actor, a, s) for a in COUNSELOR_RIGHTS for s in everyone)
        ids = set(db.session.execute(policy.caseload_student_ids(actor)).scalars())
        assert ids == {s.id for s in everyone}
        assert {p.id for p in policy.counselors_of(ada)} == {me.id, other.id}

        # A rule elsewhere in the tenant: now only the caseload.
        rule(other_grant, CaseloadRuleKind.STUDENT, student_id=ben.id)
        assert not any(policy.allowed(actor, a, s) for a in COUNSELOR_RIGHTS for s in everyone)
        assert not list(db.session.execute(policy.caseload_student_ids(actor)).scalars())

        def mine() -> set[int]:
            return set(db.session.execute(policy.caseload_student_ids(actor)).scalars())

        rule(grant, CaseloadRuleKind.GRADE, grade_level=9)
        assert mine() == {ada.id}
        rule(grant, CaseloadRuleKind.GRADE, grade_level=11)  # from the student's own plan
        assert mine() == {ada.id, cy.id}
        rule(grant, CaseloadRuleKind.ALPHA, alpha_from="l", alpha_to="N")
        assert mine() == {ada.id, cy.id, dee.id}
        assert policy.allowed(actor, Action.REVIEW_PLAN, dee)
        assert not policy.allowed(actor, Action.REVIEW_PLAN, ben)
        rule(grant, CaseloadRuleKind.SCHOOL, school="north high")
        assert mine() == {s.id for s in everyone}
        assert all(policy.allowed(actor, a, ben) for a in COUNSELOR_RIGHTS)
        assert {p.id for p in policy.counselors_of(ben)} == {me.id, other.id}
        assert {p.id for p in policy.counselors_of(ada)} == {me.id}

        # Admins see every student; the other counselor only Ben.
        assert all(policy.allowed(boss_actor, a, s) for a in COUNSELOR_RIGHTS for s in everyone)
        other_actor = factories.actor(other)
        assert policy.allowed(other_actor, Action.READ_PLAN, ben)
        assert not policy.allowed(other_actor, Action.READ_PLAN, ada)
        # The tenant-wide pages stay open to every counselor.
        assert policy.allowed(actor, Action.REVIEW_CASELOAD)


def test_archived_and_erased_students_leave_the_caseload(app: Flask) -> None:
    with app.app_context():
        t = factories.tenant()
        kept = student(t, "Kim Kept", grade_level=12)
        gone = student(t, "Gil Gone", grade_level=12, archived_at=utcnow())
        erased = student(t, "Eli Erased", grade_level=12, erased_at=utcnow())
        # A student by an active enrollment (no SIS import); a former one does not count.
        course = factories.course(t)
        enrolled = factories.student_in(course, name="Eve Enrolled")
        dropped = factories.student_in(course, name="Dan Dropped", status=EnrollmentStatus.INACTIVE)
        teacher_only = factories.person(t, name="Tom Teacher")
        me, _grant = counselor(t)
        ids = set(db.session.execute(policy.caseload_student_ids(factories.actor(me))).scalars())
        assert kept.id in ids and enrolled.id in ids
        assert not ids & {gone.id, erased.id, dropped.id, teacher_only.id}


def test_other_tenant_never(app: Flask) -> None:
    with app.app_context():
        t, elsewhere = factories.tenant(), factories.tenant()
        theirs = student(elsewhere, "Zed Other", grade_level=9)
        me, grant = counselor(t)
        boss = admin(t)
        rule(grant, CaseloadRuleKind.GRADE, grade_level=9)
        for who in (me, boss):
            assert not any(
                policy.allowed(factories.actor(who), a, theirs) for a in COUNSELOR_RIGHTS
            )
            ids = db.session.execute(policy.caseload_student_ids(factories.actor(who)))
            assert theirs.id not in set(ids.scalars())
        assert policy.counselors_of(theirs) == []
        # A counselor granted by email before their first launch is listed once launched.
        db.session.add(
            RoleGrant(tenant_id=elsewhere.id, role=GrantRole.COUNSELOR, email="new@example.org")
        )
        db.session.flush()
        assert policy.counselors_of(theirs) == []
