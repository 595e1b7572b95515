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
from lti_tool.models import Course, Person
from lti_tool.policy import Action
from lti_tool.portfolio.goals import parse_id
from lti_tool.portfolio.views import render_attach
from lti_tool.relevance import bp, forms
from lti_tool.relevance.class_view import (
    GOAL_FILTERS,
    ClassFilters,
    class_relevance,
    record_class_view,
)
from lti_tool.relevance.nudges import DEFAULT_NUDGE, NUDGE_MAX, send_nudge
from lti_tool.relevance.student_view import record_student_view, student_relevance
from lti_tool.relevance.tagging import save_tags, tag_form


def _render_class(
    actor: Actor,
    course: Course,
    *,
    nudge_error: tuple[int, str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    data = class_relevance(course, ClassFilters.from_args(request.args))
    record_class_view(course, data, actor_id=actor.person_id)
    return render_template(
        "relevance/class.html",
        data=data,
        can_tag=policy.allowed(actor, Action.TAG_COURSE, course),
        goal_filters=GOAL_FILTERS,
        default_nudge=DEFAULT_NUDGE,
        nudge_max=NUDGE_MAX,
        nudge_error=nudge_error,
    ), status


@bp.get("/courses/<int:course_id>/plans")
@requires(Action.VIEW_CLASS, course=Course)
def class_view(actor: Actor, course: Course) -> tuple[str, int]:
    """How the class and its assignments connect to students' plans: students best matched
    first with their grade and plan status, narrowed by ``cluster`` and ``goal``."""
    return _render_class(actor, course)


@bp.post("/courses/<int:course_id>/students/<int:person_id>/nudge")
@requires(
    Action.NUDGE_STUDENT,
    course=Course,
    student=(Person, "person_id"),
    check=lambda course, student: (course, student),
)
def nudge(actor: Actor, course: Course, student: Person) -> Response | tuple[str, int]:
    """Send a student of the class a short note on top of their plan."""
    body = request.form.get("body", "")
    try:
        send_nudge(actor, course, student, body)
    except InvalidInput as err:
        db.session.rollback()
        return _render_class(actor, course, nudge_error=(student.id, err.message, body), status=400)
    flash(
        f"Your note was sent to {student.display_name}: they see it on top of their plan.", "info"
    )
    return redirect(lurl("relevance.class_view", course_id=course.id, _anchor="students-heading"))


@bp.get("/courses/<int:course_id>/plans/attach")
@requires(Action.VIEW_CLASS, course=Course)
def attach_served(actor: Actor, course: Course) -> tuple[str, int]:
    """The attach form with the students each assignment serves ticked (the assignment in
    ``assignment`` chosen), from the class view."""
    data = class_relevance(course)
    suggestions = {a.id: {s.person_id: s.goal_id for s in a.served} for a in data.assignments}
    return render_attach(
        actor,
        course,
        suggestions=suggestions,
        assignment_id=parse_id(request.args.get("assignment")),
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
