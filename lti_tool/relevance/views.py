"""Relevance pages: tagging a course, the class view, and a student's view of the class."""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from werkzeug.wrappers import Response

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.launch.access import requires
from lti_tool.launch.session import current_person, lurl
from lti_tool.models import Course
from lti_tool.policy import Action
from lti_tool.relevance import bp, forms
from lti_tool.relevance.class_view import class_relevance, record_class_view
from lti_tool.relevance.student_view import record_student_view, student_relevance
from lti_tool.relevance.tagging import save_tags, tag_form


@bp.get("/courses/<int:course_id>/plans")
@requires(Action.VIEW_CLASS, course=Course)
def class_view(actor: Actor, course: Course) -> str:
    """How the class and its assignments connect to students' plans."""
    data = class_relevance(course)
    record_class_view(course, data, actor_id=actor.person_id)
    return render_template(
        "relevance/class.html",
        data=data,
        can_tag=policy.allowed(actor, Action.TAG_COURSE, course),
    )


@bp.get("/courses/<int:course_id>/me")
@requires(Action.VIEW_COURSE_AS_STUDENT, course=Course)
def my_class(actor: Actor, course: Course) -> str:
    """How this class connects to my plan."""
    person = current_person()
    data = student_relevance(course, person)
    record_student_view(course, person, actor_id=actor.person_id)
    return render_template("relevance/my_class.html", data=data)


@bp.route("/courses/<int:course_id>/tags", methods=["GET", "POST"])
@requires(Action.TAG_COURSE, course=Course)
def tags(actor: Actor, course: Course) -> str | Response | tuple[str, int]:
    """Tag the course and its assignments with career clusters and skills."""
    if request.method == "GET":
        return render_template("relevance/tags.html", form=tag_form(course), error=None)
    current = tag_form(course)
    errors: dict[str, str] = {}
    try:
        submission, errors = forms.parse_tag_form(
            request.form, {a.id: a.title for a in current.assignments}
        )
        if errors:
            raise InvalidInput("Please change what is marked below.")
        changes = save_tags(course, submission, actor_id=actor.person_id)
    except InvalidInput as err:
        db.session.rollback()
        # Everything the teacher sent comes back as sent, with the message by its field.
        form = forms.as_typed(current, request.form, errors)
        return render_template("relevance/tags.html", form=form, error=err.message), 422
    flash(
        f"Tags saved ({changes.added} added, {changes.removed} removed)."
        if changes.added or changes.removed
        else "Tags saved; nothing changed.",
        "info",
    )
    return redirect(lurl("relevance.tags", course_id=course.id))
