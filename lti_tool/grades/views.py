"""The class page: roster (and, with sync, grades) of a course the teacher teaches."""

from __future__ import annotations

from flask import render_template

from lti_tool import policy
from lti_tool.grades import bp, services
from lti_tool.launch.session import current_actor
from lti_tool.models import Role


@bp.get("/<int:course_id>")
def class_page(course_id: int) -> str:
    """Roster known so far for the teacher's course."""
    actor = current_actor()
    course = services.get_course(actor, course_id)
    policy.require(actor, policy.Action.VIEW_CLASS, course)
    rows = services.roster(course)
    students = [r for r in rows if r.role == Role.STUDENT]
    teachers = [r for r in rows if r.role == Role.TEACHER]
    return render_template("grades/class.html", course=course, students=students,
                           teachers=teachers)
