"""Relevance pages: tagging a course, the class view, and a student's view of the class."""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from werkzeug.wrappers import Response

from lti_tool import policy
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.grades.services import get_course
from lti_tool.launch.session import current_actor, current_person, lurl
from lti_tool.relevance import bp, forms
from lti_tool.relevance.class_view import class_relevance, record_class_view
from lti_tool.relevance.student_view import record_student_view, student_relevance
from lti_tool.relevance.tagging import save_tags, tag_form


@bp.get("/courses/<int:course_id>/plans")
def class_view(course_id: int) -> str:
    """How the class and its assignments connect to students' plans."""
    actor = current_actor()
    course = get_course(actor, course_id)
    policy.require(actor, policy.Action.VIEW_CLASS, course)
    data = class_relevance(course)
    record_class_view(course, data, actor_id=actor.person_id)
    return render_template(
        "relevance/class.html",
        data=data,
        can_tag=policy.allowed(actor, policy.Action.TAG_COURSE, course),
    )


@bp.get("/courses/<int:course_id>/me")
def my_class(course_id: int) -> str:
    """How this class connects to my plan."""
    actor = current_actor()
    course = get_course(actor, course_id)
    policy.require(actor, policy.Action.VIEW_COURSE_AS_STUDENT, course)
    person = current_person()
    data = student_relevance(course, person)
    record_student_view(course, person, actor_id=actor.person_id)
    return render_template("relevance/my_class.html", data=data)


@bp.route("/courses/<int:course_id>/tags", methods=["GET", "POST"])
def tags(course_id: int) -> str | Response | tuple[str, int]:
    """Tag the course and its assignments with career clusters and skills."""
    actor = current_actor()
    course = get_course(actor, course_id)
    policy.require(actor, policy.Action.TAG_COURSE, course)
    if request.method == "GET":
        return render_template("relevance/tags.html", form=tag_form(course), error=None)
    current = tag_form(course)
    try:
        submission = forms.parse_tag_form(
            request.form, {a.id: a.title for a in current.assignments}
        )
        changes = save_tags(course, submission, actor_id=actor.person_id)
    except InvalidInput as err:
        db.session.rollback()
        return render_template("relevance/tags.html", form=current, error=err.message), 400
    flash(
        f"Tags saved ({changes.added} added, {changes.removed} removed)."
        if changes.added or changes.removed
        else "Tags saved; nothing changed.",
        "info",
    )
    return redirect(lurl("relevance.tags", course_id=course.id))
