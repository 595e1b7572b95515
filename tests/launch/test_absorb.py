"""A provisional person (met in the district's course list before any launch) merged into the
real one: a counselor's assignment by name and a plan started on the placeholder follow."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.launch import provisional
from lti_tool.models import CaseloadRule, CaseloadRuleKind, GrantRole, Person
from lti_tool.plans.models import Plan
from tests import factories


def test_absorb_keeps_the_caseload_rule_and_the_plan(app: Flask) -> None:
    with app.app_context():
        t = factories.tenant()
        counselor = factories.person(t)
        grant = factories.grant(counselor, GrantRole.COUNSELOR)
        placeholder = factories.person(t, sub=provisional.user_placeholder("77"), name="Ana")
        factories.plan(placeholder, about="started before the first launch")
        db.session.add(
            CaseloadRule(
                tenant_id=t.id,
                grant_id=grant.id,
                kind=CaseloadRuleKind.STUDENT,
                student_id=placeholder.id,
            )
        )
        real = factories.person(t, sub="lti-sub-ana", name="Ana", lms_user_id="77")
        db.session.commit()
        gone = placeholder.id

        provisional.absorb(real)
        db.session.commit()

        assert db.session.get(Person, gone) is None
        rule = db.session.execute(select(CaseloadRule)).scalar_one()
        assert rule.student_id == real.id
        plan = db.session.execute(select(Plan)).scalar_one()
        assert (plan.person_id, plan.about) == (real.id, "started before the first launch")
