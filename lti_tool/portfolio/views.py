"""Portfolio pages: the teacher's bulk attach, the student's portfolio and work links, file
downloads, the Deep-Linked reflection activity, and the activity picker.

Thin views: parse the form, ask ``policy``, call the topic modules (``attach``,
``evidence``, ``linking``, ``files``, ``reflection``...), then redirect (POST -> redirect ->
GET) or re-render the form with its messages and a 400.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from flask import flash, g, redirect, render_template, request, send_file
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotAuthorized, ToolError
from lti_tool.extensions import db
from lti_tool.hygiene import CleanRequest
from lti_tool.launch.access import requires
from lti_tool.launch.session import current_actor, current_person, flash_undo, lurl
from lti_tool.models import Course, Person
from lti_tool.plans import reading as plan_services
from lti_tool.policy import Action
from lti_tool.portfolio import bp, deep_linking, forms, linking
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
)
from lti_tool.portfolio.files import too_large as file_too_large
from lti_tool.portfolio.goals import goal_choices, goal_label, parse_goal, parse_id, plan_goals
from lti_tool.portfolio.graded_work import WorkItem, graded_work
from lti_tool.portfolio.models import Evidence, StoredFile
from lti_tool.portfolio.reflection import (
    GRADEBOOK_FAILED,
    GRADEBOOK_UPDATED,
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


@bp.get("/activities")
def deep_link_picker() -> str:
    """Let a teacher choose an activity to place in the course."""
    _may_place_activity()
    return render_template("portfolio/picker.html", activities=deep_linking.ACTIVITIES)


@bp.post("/activities")
def deep_link_return() -> str:
    """Send the chosen activity back to the platform."""
    actor = _may_place_activity()
    return deep_linking.response_form(actor, request.form.get("activity", ""))


# -- teacher: attach an assignment as evidence --------------------------------------------


def _attach_form(assignments: list[Any], formdata: Any = None) -> forms.AttachForm:
    form = forms.AttachForm(formdata)
    form.assignment.choices = forms.choices(
        [("", "Choose an assignment")] + [(str(a.id), a.title or "Untitled") for a in assignments]
    )
    return form


def _render_attach(
    actor: Actor,
    course: Course,
    *,
    form: forms.AttachForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = attach_page(actor, course)
    posted = request.method == "POST"
    return render_template(
        "portfolio/attach.html",
        page=page,
        form=form or _attach_form(page.assignments),
        errors=errors or [],
        chosen={i for i in map(parse_id, request.form.getlist("student")) if i is not None}
        if posted
        else set(),
        goals_chosen={k: v for k, v in request.form.items() if k.startswith("goal-")}
        if posted
        else {},
        all_chosen=posted and request.form.get("all") == "1",
        goal_label=goal_label,
    ), status


@bp.get("/courses/<int:course_id>/attach")
@requires(Action.VIEW_CLASS, course=Course)
def attach(actor: Actor, course: Course) -> tuple[str, int]:
    """Teacher: choose an assignment, students and their goals to attach it to."""
    return _render_attach(actor, course)


@bp.post("/courses/<int:course_id>/attach")
@requires(Action.VIEW_CLASS, course=Course)
def attach_submit(actor: Actor, course: Course) -> Response | tuple[str, int]:
    """Teacher: attach the chosen assignment to the chosen students' goals."""
    form = _attach_form(active_assignments(course), request.form)
    if not form.validate():
        return _render_attach(
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
        return _render_attach(actor, course, form=form, errors=[err.message], status=400)
    parts = []
    if outcome.created:
        parts.append(f"attached to {outcome.created} student{'s' * (outcome.created != 1)}")
    if outcome.updated:
        parts.append(
            f"refreshed for {outcome.updated} student"
            f"{'s' * (outcome.updated != 1)} who already had it"
        )
    flash(f"“{outcome.assignment.title}” {' and '.join(parts)}.", "info")
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
    """Download an uploaded work sample (whoever may read the owner's plan)."""
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
    _person, activity = _reflection_context(actor, course, record_view=True)
    return render_template(
        "portfolio/reflect.html", activity=activity, form=_reflection_form(activity), errors=[]
    ), 200


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
        return render_template(
            "portfolio/reflect.html", activity=activity, form=form, errors=[err.message]
        ), 400
    if outcome.gradebook_updated:
        flash(GRADEBOOK_UPDATED, "info")
    else:
        flash(GRADEBOOK_FAILED, "warning")
    return redirect(lurl("portfolio.reflect", course_id=course.id, link=activity.link.id))
