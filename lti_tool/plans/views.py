"""Plan pages: a student's own plan, a plan read by others, guardian and counselor homes."""

from __future__ import annotations

from flask import render_template

from lti_tool import policy
from lti_tool.launch.session import current_actor, current_person
from lti_tool.plans import bp, services


@bp.get("/me")
def my_plan() -> str:
    """The student's own plan (empty to start)."""
    actor = current_actor()
    person = current_person()
    policy.require(actor, policy.Action.READ_PLAN, person)
    plan = services.open_plan(actor, person)
    return render_template("plans/plan.html", plan=plan, student=person, own=True)


@bp.get("/students/<int:person_id>")
def student_plan(person_id: int) -> str:
    """Someone else's plan, for a teacher, guardian or counselor the policy allows."""
    actor = current_actor()
    student = services.get_person(actor, person_id)
    policy.require(actor, policy.Action.READ_PLAN, student)
    plan = services.open_plan(actor, student)
    return render_template("plans/plan.html", plan=plan, student=student,
                           own=student.id == actor.person_id)
