"""Relevance pages (being built)."""

from __future__ import annotations

from flask import render_template

from lti_tool import policy
from lti_tool.grades.services import get_course
from lti_tool.launch.session import current_actor
from lti_tool.relevance import bp


@bp.get("/courses/<int:course_id>/plans")
def class_view(course_id: int) -> str:
    """How the class and its assignments connect to students' plans."""
    actor = current_actor()
    course = get_course(actor, course_id)
    policy.require(actor, policy.Action.VIEW_CLASS, course)
    return render_template("errors/error.html", status=200, title="Coming soon", message="")


@bp.get("/courses/<int:course_id>/me")
def my_class(course_id: int) -> str:
    """How this class connects to my plan."""
    actor = current_actor()
    course = get_course(actor, course_id)
    policy.require(actor, policy.Action.VIEW_COURSE_AS_STUDENT, course)
    return render_template("errors/error.html", status=200, title="Coming soon", message="")
