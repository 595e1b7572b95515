"""Portfolio pages: the teacher's bulk attach, the student's portfolio and work links, file
downloads, the Deep-Linked reflection activity, and the activity picker.

Thin views: parse the form, ask ``policy``, call the topic modules (``attach``,
``evidence``, ``linking``, ``files``, ``reflection``...), then redirect (POST -> redirect ->
GET) or re-render the form with its messages and a 400.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any

from flask import flash, g, redirect, render_template, request, send_file
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from lti_tool import audit, policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotAuthorized, ToolError
from lti_tool.extensions import db
from lti_tool.hygiene import CleanRequest
from lti_tool.launch.access import requires
from lti_tool.launch.session import current_actor, current_person, flash_undo, lurl
from lti_tool.models import Course, Person
from lti_tool.pages import request_zone
from lti_tool.plans import reading as plan_services
from lti_tool.policy import Action
from lti_tool.portfolio import (
    bp,
    deep_linking,
    forms,
    linking,
    reflection_reviews,
    reflection_setup,
)
from lti_tool.portfolio import evidence as portfolio_evidence
from lti_tool.portfolio.attach import (
    active_assignments,
    active_learner_ids,
    attach_assignment,
    attach_page,
)
from lti_tool.portfolio.files import (
    ACCEPTED_FILES,
    FILE_TYPES,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_REQUEST_BYTES,
    TOO_LARGE,
    file_owner,
    record_download,
    require_in_portfolio,
)
from lti_tool.portfolio.files import too_large as file_too_large
from lti_tool.portfolio.goals import goal_choices, goal_label, parse_goal, parse_id, plan_goals
from lti_tool.portfolio.graded_work import WorkItem, graded_work
from lti_tool.portfolio.models import Evidence, ReflectionSetup, StoredFile
from lti_tool.portfolio.reflection import (
    ReflectionActivity,
    reflection_activity,
    reflection_link,
    submit_reflection,
)
from lti_tool.tenants import in_tenant


@bp.url_value_preprocessor
def limit_upload_size(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Set the upload form's limits before anything reads the body: a generous request cap
    and at most 5 MB + 1 byte kept of the file, so an oversize file comes back to the same
    form with the other fields kept (see ``files.MAX_UPLOAD_REQUEST_BYTES``)."""
    if endpoint == "portfolio.link_work":
        request.max_content_length = MAX_UPLOAD_REQUEST_BYTES
        if isinstance(request, CleanRequest):
            request.max_file_bytes = MAX_UPLOAD_BYTES


@bp.errorhandler(413)
def too_large(_err: Exception) -> tuple[str, int]:
    """A body over even the generous request cap: its fields were never read. Show the
    student's portfolio form again with the message (not a bare error page) when we know who
    they are; otherwise the plain 413 page."""
    message = (
        "That file is much larger than 5 MB, so nothing of the form could be read. "
        "Choose a file of at most 5 MB, or link to it with a web address instead."
    )
    actor = g.get("actor")
    if request.endpoint == "portfolio.link_work" and actor is not None:
        try:
            person = current_person()
            policy.require(actor, Action.EDIT_PLAN, person)
            return _render_portfolio(actor, person, own=True, errors=[message], status=413)
        except ToolError:
            db.session.rollback()
    return render_template(
        "errors/error.html", status=413, title="That file is too large", message=message
    ), 413


def _ids(values: Iterable[str]) -> set[int]:
    """The record ids among ``values``.

    :raises InvalidInput: for a value that is not an id.
    """
    ids = {parse_id(v) for v in values}
    if None in ids:
        raise InvalidInput("Tick students from the list.")
    return {i for i in ids if i is not None}


def _owner(evidence: Evidence) -> Person:
    """What evidence is checked against: the student whose portfolio holds it."""
    return evidence.student


# -- Deep Linking: the activity picker ----------------------------------------------------


def _may_place_activity() -> Any:
    """The actor, once the policy allows placing activities in the launch's course."""
    actor = current_actor()
    if actor.course_id is None:
        raise NotAuthorized("Open the activity picker from a course.")
    course = in_tenant(Course, actor.course_id, actor.tenant_id)
    policy.require(actor, Action.PLACE_ACTIVITY, course)
    return actor


def _render_picker(
    values: dict[str, str] | None = None, errors: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "portfolio/picker.html",
        activities=deep_linking.ACTIVITIES,
        values=values or reflection_setup.form_values(None, _school_zone()),
        errors=errors or [],
        rubric_rows=range(reflection_setup.RUBRIC_ROWS),
    ), status


def _school_zone() -> dt.tzinfo:
    """The school's time zone (due dates are typed and shown in it)."""
    zone: dt.tzinfo = request_zone()
    return zone


#: The pages of the Deep Linking picker, shown in the LMS's modal: they render "bare" (no
#: navigation, no link out of the picker), their error pages too.
PICKER_ENDPOINTS = frozenset({"portfolio.deep_link_picker", "portfolio.deep_link_return"})


@bp.app_template_global()
def in_picker() -> bool:
    """Whether this request is a page of the activity picker (see ``base.html``)."""
    return request.endpoint in PICKER_ENDPOINTS


@bp.get("/activities")
def deep_link_picker() -> tuple[str, int]:
    """Let a teacher choose an activity to place in the course, and set it up."""
    _may_place_activity()
    return _render_picker()


@bp.post("/activities")
def deep_link_return() -> str | tuple[str, int]:
    """Send the chosen activity, with its settings, back to the platform."""
    actor = _may_place_activity()
    data, errors = reflection_setup.parse_setup(request.form, _school_zone())
    if data is None:
        return _render_picker(request.form.to_dict(), errors, 400)
    course = in_tenant(Course, actor.course_id, actor.tenant_id)
    setup = reflection_setup.new_setup(actor, course, data)
    html = deep_linking.response_form(actor, request.form.get("activity", ""), setup)
    db.session.commit()
    return html


# -- teacher: the reflection activity's own page ------------------------------------------


def _render_activity_page(
    actor: Actor,
    course: Course,
    link_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    link = reflection_link(course, link_id)
    setup = reflection_setup.setup_of(course, link)
    rows = reflection_reviews.class_reflections(course, link, setup)
    _audit_view(actor, "reflection.class_view", course, setup)
    return render_template(
        "portfolio/activity.html",
        course=course,
        link=link,
        setup=setup,
        rows=rows,
        values=values or reflection_setup.form_values(setup, _school_zone()),
        errors=errors or [],
        rubric_rows=range(reflection_setup.RUBRIC_ROWS),
        level_label=reflection_setup.level_label,
    ), status


def _audit_view(actor: Actor, action: str, course: Course, setup: ReflectionSetup) -> None:
    """Record that the teacher read students' reflections (committed with any binding)."""
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="course",
        subject_id=course.id,
        activity_id=setup.id,
    )
    db.session.commit()


@bp.get("/courses/<int:course_id>/activity/<int:link_id>")
@requires(Action.MANAGE_REFLECTIONS, course=Course)
def reflection_activity_page(actor: Actor, course: Course, link_id: int) -> tuple[str, int]:
    """Teacher: the activity's settings and every student's reflection."""
    return _render_activity_page(actor, course, link_id)


@bp.post("/courses/<int:course_id>/activity/<int:link_id>")
@requires(Action.MANAGE_REFLECTIONS, course=Course)
def reflection_settings(actor: Actor, course: Course, link_id: int) -> Response | tuple[str, int]:
    """Teacher: save the activity's title, instructions, points, due date and scoring."""
    link = reflection_link(course, link_id)
    setup = reflection_setup.setup_of(course, link)
    data, errors = reflection_setup.parse_setup(request.form, _school_zone())
    if data is None:
        db.session.rollback()
        return _render_activity_page(
            actor, course, link_id, values=request.form.to_dict(), errors=errors, status=400
        )
    problem = reflection_setup.save_setup(actor, course, link, setup, data)
    if problem:
        flash(problem, "warning")
    else:
        flash("Saved the activity's settings.", "info")
    return redirect(
        lurl("portfolio.reflection_activity_page", course_id=course.id, link_id=link.id)
    )


def _pair(course: Course, student: Person) -> tuple[Course, Person]:
    return course, student


def _render_review(
    actor: Actor,
    course: Course,
    link_id: int,
    student: Person,
    *,
    level: str | None = None,
    comment: str | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    link = reflection_link(course, link_id)
    setup = reflection_setup.setup_of(course, link)
    row = reflection_reviews.student_reflections(course, link, setup, student)
    _audit_view(actor, "reflection.read", course, setup)
    review = row.review
    return render_template(
        "portfolio/review.html",
        course=course,
        link=link,
        setup=setup,
        row=row,
        levels=reflection_setup.levels(setup),
        level_label=reflection_setup.level_label,
        level=level if level is not None else (review.level if review else ""),
        comment=comment if comment is not None else (review.comment if review else ""),
        errors=errors or [],
    ), status


@bp.get("/courses/<int:course_id>/activity/<int:link_id>/students/<int:person_id>")
@requires(Action.SCORE_REFLECTION, course=Course, student=(Person, "person_id"), check=_pair)
def reflection_review(
    actor: Actor, course: Course, student: Person, link_id: int
) -> tuple[str, int]:
    """Teacher: read one student's reflection, score it and comment."""
    return _render_review(actor, course, link_id, student)


@bp.post("/courses/<int:course_id>/activity/<int:link_id>/students/<int:person_id>")
@requires(Action.SCORE_REFLECTION, course=Course, student=(Person, "person_id"), check=_pair)
def reflection_score(
    actor: Actor, course: Course, student: Person, link_id: int
) -> Response | tuple[str, int]:
    """Teacher: save the score and comment, and send them to the gradebook."""
    link = reflection_link(course, link_id)
    setup = reflection_setup.setup_of(course, link)
    level = request.form.get("level", "")
    comment = request.form.get("comment", "")
    try:
        outcome = reflection_reviews.score_reflection(
            actor, course, link, setup, student, level=level, comment=comment
        )
    except InvalidInput as err:
        db.session.rollback()
        return _render_review(
            actor,
            course,
            link_id,
            student,
            level=level,
            comment=comment,
            errors=[err.message],
            status=400,
        )
    flash(outcome.message, "info" if outcome.gradebook_updated else "warning")
    return redirect(
        lurl(
            "portfolio.reflection_review",
            course_id=course.id,
            link_id=link.id,
            person_id=student.id,
        )
    )


# -- teacher: attach an assignment as evidence --------------------------------------------


def _attach_form(assignments: list[Any], formdata: Any = None) -> forms.AttachForm:
    form = forms.AttachForm(formdata)
    form.assignment.choices = forms.choices(
        [("", "Choose an assignment")] + [(str(a.id), a.title or "Untitled") for a in assignments]
    )
    return form


#: Suggested students per assignment: assignment id -> {student id: goal id or None}.
Suggestions = Mapping[int, Mapping[int, int | None]]


def render_attach(
    actor: Actor,
    course: Course,
    *,
    form: forms.AttachForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
    suggestions: Suggestions | None = None,
    assignment_id: int | None = None,
) -> tuple[str, int]:
    """The attach form: what was posted, or on a GET the students ``suggestions`` names for
    ``assignment_id`` ticked (each with the goal suggested). Every assignment's suggestion
    rides on its option, so choosing another assignment re-ticks its students (pages.js)."""
    page = attach_page(actor, course)
    posted = request.method == "POST"
    suggestions = suggestions or {}
    form = form or _attach_form(page.assignments)
    chosen = {i for i in map(parse_id, request.form.getlist("student")) if i is not None}
    goals_chosen = {k: v for k, v in request.form.items() if k.startswith("goal-")}
    if not posted:
        suggested = suggestions.get(assignment_id or 0)
        if suggested is not None:
            form.assignment.data = str(assignment_id)
            chosen = set(suggested)
            goals_chosen = {f"goal-{s}": str(g) for s, g in suggested.items() if g is not None}
        else:
            chosen, goals_chosen = set(), {}
    return render_template(
        "portfolio/attach.html",
        page=page,
        form=form,
        errors=errors or [],
        chosen=chosen,
        goals_chosen=goals_chosen,
        all_chosen=posted and request.form.get("all") == "1",
        goal_label=goal_label,
        suggestions={
            str(a): " ".join(f"{s}:{g or ''}" for s, g in sorted(by.items()))
            for a, by in suggestions.items()
        },
        back=request.values.get("back") == "class",
    ), status


@bp.get("/courses/<int:course_id>/attach")
@requires(Action.VIEW_CLASS, course=Course)
def attach(actor: Actor, course: Course) -> tuple[str, int]:
    """Teacher: choose an assignment, students and their goals to attach it to."""
    return render_attach(actor, course)


@bp.post("/courses/<int:course_id>/attach")
@requires(Action.VIEW_CLASS, course=Course)
def attach_submit(actor: Actor, course: Course) -> Response | tuple[str, int]:
    """Teacher: attach the chosen assignment to the chosen students' goals."""
    form = _attach_form(active_assignments(course), request.form)
    if not form.validate():
        return render_attach(
            actor, course, form=form, errors=forms.error_messages(form), status=400
        )
    try:
        if request.form.get("all") == "1":
            student_ids = active_learner_ids(course)
        else:
            student_ids = sorted(_ids(request.form.getlist("student")))
        selections = {sid: parse_goal(request.form.get(f"goal-{sid}")) for sid in student_ids}
        outcome = attach_assignment(
            actor, course, int(form.assignment.data or 0), selections, form.note.data or ""
        )
    except InvalidInput as err:
        db.session.rollback()
        return render_attach(actor, course, form=form, errors=[err.message], status=400)
    parts = []
    if outcome.created:
        parts.append(f"attached to {outcome.created} student{'s' * (outcome.created != 1)}")
    if outcome.updated:
        parts.append(
            f"refreshed for {outcome.updated} student"
            f"{'s' * (outcome.updated != 1)} who already had it"
        )
    flash(f"“{outcome.assignment.title}” {' and '.join(parts)}.", "info")
    if request.form.get("back") == "class":  # the class view's one-click attach
        return redirect(
            lurl("relevance.class_view", course_id=course.id, _anchor="assignments-heading")
        )
    return redirect(lurl("portfolio.attach", course_id=course.id))


# -- student: my portfolio ----------------------------------------------------------------


def _link_form(
    page: portfolio_evidence.PortfolioPage, work: list[WorkItem], formdata: Any = None
) -> forms.LinkWorkForm:
    form = forms.LinkWorkForm(formdata)
    form.goal.choices = goal_choices(page.goals, none_label="No particular goal yet")
    form.work.choices = forms.choices(
        [("", "Choose a graded assignment")] + [(str(w.grade.id), w.label) for w in work]
    )
    return form


def _render_portfolio(
    actor: Actor,
    student: Person,
    *,
    own: bool,
    form: forms.LinkWorkForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = portfolio_evidence.portfolio(actor, student)
    work = graded_work(student) if own else []
    link_form = _link_form(page, work)
    if form is not None:
        form.goal.choices = link_form.goal.choices
        form.work.choices = link_form.work.choices
    return render_template(
        "portfolio/portfolio.html",
        page=page,
        own=own,
        work=work,
        form=form or link_form,
        errors=errors or [],
        goal_choices=goal_choices(page.goals, none_label="Not linked to a goal yet"),
        accepted_files=ACCEPTED_FILES,
        accept_attr=",".join("." + ext for ext in FILE_TYPES),
        max_upload_bytes=MAX_UPLOAD_BYTES,
        deleted=portfolio_evidence.recently_deleted_evidence(student) if own else [],
        file_error=status == 413,
    ), status


@bp.get("/me")
@requires(Action.EDIT_PLAN, me="person")
def my_portfolio(actor: Actor, person: Person) -> tuple[str, int]:
    """The student's evidence grouped by goal, with the "link work to a goal" form."""
    return _render_portfolio(actor, person, own=True)


@bp.get("/students/<int:person_id>")
@requires(Action.READ_PLAN, person=Person)
def student_portfolio(actor: Actor, person: Person) -> tuple[str, int]:
    """A student's portfolio, read-only, for the people who may read their plan."""
    return _render_portfolio(actor, person, own=person.id == actor.person_id)


@bp.post("/me/link")
@requires(Action.EDIT_PLAN, me="person")
def link_work(actor: Actor, person: Person) -> Response | tuple[str, int]:
    """Link own graded work, a URL or an uploaded file to a goal, with a reflection."""
    plan = plan_services.find_plan(person)
    goals = plan_goals(plan)
    work = graded_work(person)
    form = forms.LinkWorkForm(request.form)
    form.goal.choices = goal_choices(goals, none_label="No particular goal yet")
    form.work.choices = forms.choices((str(w.grade.id), w.label) for w in work)
    upload = request.files.get("file")
    oversize = form.source.data == "file" and file_too_large(upload)
    if not form.validate() or oversize:
        # Every message at once; the typed fields come back (the file input never can).
        errors = ([TOO_LARGE] if oversize else []) + forms.error_messages(form)
        return _render_portfolio(
            actor, person, own=True, form=form, errors=errors, status=413 if oversize else 400
        )
    try:
        evidence = linking.link_work(
            actor,
            person,
            linking.LinkRequest(
                source=form.source.data or "",
                goal_id=parse_goal(form.goal.data),
                reflection=form.reflection.data or "",
                grade_id=int(form.work.data) if form.source.data == "work" else None,
                url=form.url.data,
                title=form.title.data or "",
                upload=upload,
            ),
        )
    except InvalidInput as err:
        db.session.rollback()
        return _render_portfolio(
            actor, person, own=True, form=form, errors=[err.message], status=err.status_code
        )
    flash(f"“{evidence.snapshot_title}” is now in your portfolio.", "info")
    return redirect(lurl("portfolio.my_portfolio"))


@bp.post("/evidence/<int:evidence_id>")
@requires(Action.EDIT_PLAN, evidence=Evidence, check=_owner)
def update_evidence(actor: Actor, evidence: Evidence) -> Response | tuple[str, int]:
    """Edit the reflection of one piece of evidence, or move it to another goal."""
    goals = plan_goals(plan_services.find_plan(evidence.student))
    form = forms.EvidenceEditForm(request.form)
    form.goal.choices = goal_choices(goals, none_label="Not linked to a goal yet")
    try:
        if not form.validate():
            raise InvalidInput(" ".join(forms.error_messages(form)))
        portfolio_evidence.update_evidence(
            actor,
            evidence,
            goal_id=parse_goal(form.goal.data),
            reflection=form.reflection.data or "",
        )
    except InvalidInput as err:
        db.session.rollback()
        return _render_portfolio(
            actor,
            evidence.student,
            own=True,
            errors=[f"“{evidence.snapshot_title}” was not changed: {err.message}"],
            status=400,
        )
    flash(f"Saved your changes to “{evidence.snapshot_title}”.", "info")
    return redirect(lurl("portfolio.my_portfolio"))


@bp.get("/evidence/<int:evidence_id>/delete")
@requires(Action.EDIT_PLAN, evidence=Evidence, check=_owner)
def confirm_delete_evidence(actor: Actor, evidence: Evidence) -> tuple[str, int]:
    """Ask before removing a piece of evidence from the portfolio."""
    return render_template(
        "plans/confirm_delete.html",
        heading="Remove this work from your portfolio?",
        what=f"“{evidence.snapshot_title}”",
        consequence="It leaves your portfolio and your plan, with your reflection on it."
        + (" The uploaded file goes with it." if evidence.file_id else ""),
        action=lurl("portfolio.delete_evidence", evidence_id=evidence.id),
        undo_elsewhere="Or bring it back from “Removed work” on your portfolio page.",
        cancel=lurl("portfolio.my_portfolio", _anchor=f"evidence-{evidence.id}"),
        button="Yes, remove it",
    ), 200


@bp.post("/evidence/<int:evidence_id>/delete")
@requires(Action.EDIT_PLAN, evidence=Evidence, check=_owner)
def delete_evidence(actor: Actor, evidence: Evidence) -> Response:
    """Remove one piece of evidence from the student's portfolio, with an undo."""
    title = evidence.snapshot_title
    portfolio_evidence.delete_evidence(actor, evidence)
    flash_undo(
        f"Removed “{title}” from your portfolio.",
        f"“{title}”",
        lurl("portfolio.restore_evidence", evidence_id=evidence.id),
    )
    return redirect(lurl("portfolio.my_portfolio"))


@bp.post("/me/evidence/<int:evidence_id>/restore")
@requires(Action.EDIT_PLAN, me="person")
def restore_evidence(actor: Actor, person: Person, evidence_id: int) -> Response:
    """Undo: put removed evidence back in the student's own portfolio."""
    evidence = portfolio_evidence.restore_evidence(actor, person, evidence_id)
    flash(f"“{evidence.snapshot_title}” is back in your portfolio.", "info")
    return redirect(lurl("portfolio.my_portfolio", _anchor=f"evidence-{evidence.id}"))


@bp.get("/files/<int:file_id>")
@requires(Action.READ_PLAN, stored=(StoredFile, "file_id"), check=file_owner)
def download_file(actor: Actor, stored: StoredFile) -> Response:
    """Download an uploaded work sample (whoever may read the owner's plan, while it is in
    their portfolio)."""
    require_in_portfolio(actor, stored)
    record_download(actor, stored)
    response = send_file(
        io.BytesIO(stored.content),
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.filename,
        max_age=0,
        etag=False,
        conditional=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- student: the plan reflection activity ------------------------------------------------


def _reflection_form(
    activity: ReflectionActivity, formdata: MultiDict[str, str] | None = None
) -> forms.ReflectionForm:
    form = forms.ReflectionForm(formdata)
    form.goal.choices = goal_choices(activity.goals, none_label="My plan in general")
    form.work.choices = forms.choices(
        [("", "No particular piece of work")] + [(str(w.grade.id), w.label) for w in activity.work]
    )
    return form


def _reflection_context(
    actor: Actor, course: Course, *, record_view: bool = False
) -> tuple[Person, ReflectionActivity]:
    """The activity of a learner of the course, who must also be able to change their plan
    (the reflection goes into it)."""
    person = current_person()
    policy.require(actor, Action.EDIT_PLAN, person)
    link = reflection_link(course, parse_id(request.args.get("link")))
    return person, reflection_activity(actor, person, course, link, record_view=record_view)


@bp.get("/courses/<int:course_id>/reflect")
@requires(Action.VIEW_COURSE_AS_STUDENT, course=Course)
def reflect(actor: Actor, course: Course) -> tuple[str, int]:
    """Student: the plan reflection activity placed by Deep Linking."""
    person, activity = _reflection_context(actor, course, record_view=True)
    return _render_reflect(actor, person, activity, _reflection_form(activity), [], 200)


def _render_reflect(
    actor: Actor,
    person: Person,
    activity: ReflectionActivity,
    form: forms.ReflectionForm,
    errors: list[str],
    status: int,
) -> tuple[str, int]:
    feedback = activity.review is not None and policy.allowed(
        actor, Action.READ_REFLECTION_FEEDBACK, (activity.course, person)
    )
    return render_template(
        "portfolio/reflect.html",
        activity=activity,
        form=form,
        errors=errors,
        review=activity.review if feedback else None,
        level_label=reflection_setup.level_label,
    ), status


@bp.post("/courses/<int:course_id>/reflect")
@requires(Action.VIEW_COURSE_AS_STUDENT, course=Course)
def reflect_submit(actor: Actor, course: Course) -> Response | tuple[str, int]:
    """Student: save the reflection, then report it to the gradebook."""
    person, activity = _reflection_context(actor, course)
    form = _reflection_form(activity, request.form)
    try:
        if not form.validate():
            raise InvalidInput(" ".join(forms.error_messages(form)))
        outcome = submit_reflection(
            actor,
            person,
            activity.course,
            activity.link,
            goal_id=parse_goal(form.goal.data),
            grade_id=int(form.work.data) if form.work.data else None,
            reflection=form.reflection.data or "",
        )
    except InvalidInput as err:
        db.session.rollback()
        return _render_reflect(actor, person, activity, form, [err.message], 400)
    flash(outcome.message, "info" if outcome.gradebook_updated else "warning")
    return redirect(lurl("portfolio.reflect", course_id=course.id, link=activity.link.id))
