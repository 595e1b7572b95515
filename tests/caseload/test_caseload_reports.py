"""The counselor's other caseload pages count the caseload, not the district: the
occupations the caseload saved and the journey report."""

from __future__ import annotations

from flask import Flask

from lti_tool.careers import saved
from lti_tool.careers.models import SavedOccupation
from lti_tool.extensions import db
from lti_tool.models import CaseloadRuleKind, Role
from lti_tool.plans import journey
from tests import factories
from tests.caseload.helpers import counselor, rule, student


def test_saved_occupations_and_journey_report_count_only_the_caseload(app: Flask) -> None:
    with app.app_context():
        t = factories.tenant()
        me, grant = counselor(t)
        ninth = student(t, "Nina Ninth", grade_level=9)
        tenth = student(t, "Tom Tenth", grade_level=10)
        for kid, soc in ((ninth, "15-1252"), (tenth, "29-1141")):
            plan = factories.plan(kid)
            db.session.add(SavedOccupation(plan_id=plan.id, soc_code=soc))
        rule(grant, CaseloadRuleKind.GRADE, grade_level=9)
        db.session.commit()
        actor = factories.actor(me, roles=[Role.COUNSELOR])
        assert [soc for soc, _t, _n in saved.caseload_counts(actor)] == ["15-1252"]
        assert journey.report(t.id, actor).students == 1
        assert journey.report(t.id).students == 2  # the district's own figure
