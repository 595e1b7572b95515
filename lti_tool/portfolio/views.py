"""Portfolio pages (issue 4 adds evidence and work samples) and the activity picker."""

from __future__ import annotations

from flask import render_template, request

from lti_tool.errors import NotAuthorized
from lti_tool.launch.session import current_actor
from lti_tool.models import Role
from lti_tool.portfolio import bp, deep_linking


@bp.get("/activities")
def deep_link_picker() -> str:
    """Let a teacher choose an activity to place in the course."""
    actor = current_actor()
    if not actor.has(Role.TEACHER):
        raise NotAuthorized("Only teachers can add Lodestar activities to a course.")
    return render_template("portfolio/picker.html", activities=deep_linking.ACTIVITIES)


@bp.post("/activities")
def deep_link_return() -> str:
    """Send the chosen activity back to the platform."""
    actor = current_actor()
    if not actor.has(Role.TEACHER):
        raise NotAuthorized("Only teachers can add Lodestar activities to a course.")
    return deep_linking.response_form(actor, request.form.get("activity", ""))


@bp.get("/me")
def my_portfolio() -> str:
    """The student's evidence and work samples (being built)."""
    current_actor()
    return render_template("errors/error.html", status=200, title="Coming soon", message="")


@bp.get("/courses/<int:course_id>/attach")
def attach(course_id: int) -> str:
    """Teacher: attach an assignment as evidence (being built)."""
    current_actor()
    return render_template("errors/error.html", status=200, title="Coming soon", message="")


@bp.get("/courses/<int:course_id>/reflect")
def reflect(course_id: int) -> str:
    """Student: the plan reflection activity placed by Deep Linking (being built)."""
    current_actor()
    return render_template("errors/error.html", status=200, title="Coming soon", message="")
