"""Reviewing plans: guardian and counselor homes, comments, approval, sign-off, caseload.

``review_context(actor, plan)`` gives the plan page what its review panel
(``templates/plans/review/panel.html``) needs.
"""

from __future__ import annotations

from typing import Any

from flask import render_template

from lti_tool import policy
from lti_tool.launch.session import Actor, current_actor
from lti_tool.plans import bp, services
from lti_tool.plans.models import Plan


def review_context(actor: Actor, plan: Plan) -> dict[str, Any]:
    """Variables for the review panel on a plan page."""
    return {"review": {}}


@bp.get("/family")
def guardian_home() -> str:
    """A guardian's list of the students they may see."""
    actor = current_actor()
    return render_template("plans/guardian.html", students=services.guarded_students(actor))


@bp.get("/caseload")
def caseload() -> str:
    """A counselor's caseload across the tenant."""
    actor = current_actor()
    policy.require(actor, policy.Action.REVIEW_CASELOAD)
    return render_template("plans/caseload.html", students=services.caseload(actor))
