"""Plan pages: the plan overview (own and read by others), the student's edit pages, yearly
snapshots and history, export (JSON and printable page) and deletion on request.

Thin views: check the policy, parse the form, call the plan's topic modules (``reading``,
``goals_and_milestones``, ``plan_export`` ...), then render or redirect (POST -> redirect -> GET
with a flash message). A form that does not validate is shown again with its messages and
status 400; nothing is saved. Every page that shows a plan writes a ``plan.view`` audit event
(``reading.open_plan``), every change its own event.

The student edits only their own plan, under ``/plans/me/...``; others read it under
``/plans/students/<id>``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

from flask import Response, flash, redirect, render_template, request
from sqlalchemy import select
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response as BaseResponse

from lti_tool import pages, policy
from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.launch.access import requires
from lti_tool.launch.session import flash_undo, lurl
from lti_tool.models import Person
from lti_tool.plans import (
    bp,
    career_clusters,
    course_import,
    course_planning,
    forms,
    goals_and_milestones,
    grade_scale,
    inventory,
    inventory_results,
    parts,
    plan_data,
    plan_deletion,
    plan_export,
    plan_items,
    plan_settings,
    profile,
    programs,
    reading,
    review_services,
    skills,
    vocabulary,
    yearly_snapshots,
)
from lti_tool.plans.journey_views import journey_context
from lti_tool.plans.models import CoursePlanEntry, Plan, PlanItemKind, ProgramOfStudy
from lti_tool.plans.resource_views import recommendation_context
from lti_tool.plans.review import review_context

Action = policy.Action
Page = str | tuple[str, int]


# -- template helpers --------------------------------------------------------------------------


@bp.app_template_filter("nice_date")
def nice_date(value: Any) -> str:
    """``2027-05-31`` (or a date) as ``May 31, 2027``; empty for None."""
    if not value:
        return ""
    if isinstance(value, str):
        text = value
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, dt.datetime):
        value = pages.to_local(value)  # the school's day, not UTC's
    return f"{value:%B} {value.day}, {value.year}"


#: Marks that end a sentence, and closing quotes and brackets that may follow them.
_SENTENCE_ENDS = ".!?…"
_CLOSERS = "”\u2019\"')»"


@bp.app_template_filter("full_stop")
def full_stop(value: Any) -> str:
    """End the text with a full stop, unless it already ends a sentence: ``graduation`` ->
    ``graduation.``, but ``goal “Graduate.”`` and ``Really?`` stay as they are."""
    text = str(value or "").rstrip()
    if not text:
        return ""
    core = text.rstrip(_CLOSERS)
    return text if core.endswith(tuple(_SENTENCE_ENDS)) else text + "."


@bp.app_template_filter("credits")
def credits_filter(value: Any) -> str:
    """Credits without trailing zeros: ``1``, ``0.5``, ``6.5``."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return ""


# -- helpers -----------------------------------------------------------------------------------


def _document(actor: Actor, student: Person, plan: Plan) -> tuple[dict[str, Any], bool]:
    show = policy.allowed(actor, Action.READ_ACCOMMODATIONS, student)
    return plan_data.redact(plan_data.plan_document(plan), show_accommodations=show), show


def _cluster_choices(plan: Plan) -> list[Any]:
    return forms.choices(
        [("", "None"), *((c.code, c.name) for c in reading.plan_framework(plan).clusters)]
    )


def _saved(message: str) -> None:
    flash(message, "info")


def _confirm_delete(**page: str) -> Page:
    """The page that asks before deleting (``plans/confirm_delete.html``)."""
    return render_template("plans/confirm_delete.html", **page), 200


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- the plan overview -------------------------------------------------------------------------


def render_plan(actor: Actor, student: Person, plan: Plan) -> str:
    """The plan page of ``student`` as ``actor`` sees it (also shown again by the review
    views with what was typed, ``review._show_again``)."""
    own = student.id == actor.person_id
    doc, show_accommodations = _document(actor, student, plan)
    empty = reading.is_empty(doc)
    editable = own and policy.allowed(actor, Action.EDIT_PLAN, student)
    return render_template(
        "plans/plan.html",
        plan=plan,
        student=student,
        own=own,
        doc=doc,
        empty=empty,
        show_accommodations=show_accommodations,
        editable=editable,
        can_export=policy.allowed(actor, Action.EXPORT_PLAN, student),
        can_delete=policy.allowed(actor, Action.DELETE_PLAN, student),
        canvas=own and reading.uses_canvas(actor.tenant_id),
        snapshots=yearly_snapshots.snapshots(plan),
        this_year=reading.school_year(),
        **review_context(actor, plan),
        **recommendation_context(actor, student, plan),
        **journey_context(plan, doc, editable=editable),
    )


@bp.get("/me")
@requires(Action.READ_PLAN, me="person")
def my_plan(actor: Actor, person: Person) -> str:
    """The student's own plan (empty to start), with links to edit every section."""
    plan = reading.open_plan(actor, person)
    return render_plan(actor, person, plan)


@bp.get("/students/<int:person_id>")
@requires(Action.READ_PLAN, student=(Person, "person_id"))
def student_plan(actor: Actor, student: Person) -> str:
    """Someone else's plan, for a teacher, guardian or counselor the policy allows."""
    plan = reading.open_plan(actor, student)
    return render_plan(actor, student, plan)


# -- profile -----------------------------------------------------------------------------------


def _profile_page(form: forms.ProfileForm, person: Person, status: int = 200) -> Page:
    typed = skills.split_skills(form.skills.data)
    return render_template(
        "plans/profile.html",
        form=form,
        skills=typed,
        suggestions=skills.suggestions(person.tenant_id, own=typed),
        # What the LMS or the district's SIS says (it counts before the student's own entry).
        school_says=person,
    ), status


@bp.get("/me/profile")
@requires(Action.EDIT_PLAN, me="person")
def edit_profile(actor: Actor, person: Person) -> Page:
    """Edit the profile, planning notes and accommodation needs."""
    plan = reading.open_plan(actor, person, page="profile")
    return _profile_page(forms.ProfileForm(obj=plan), person)


@bp.post("/me/profile")
@requires(Action.EDIT_PLAN, me="person")
def save_profile(actor: Actor, person: Person) -> Page | BaseResponse:
    """Save the profile."""
    plan = reading.get_or_create_plan(person)
    form = forms.ProfileForm(request.form)
    if not form.validate():
        return _profile_page(form, person, 400)
    # Only the fields sent: a form that leaves a field out does not clear it.
    changed = profile.update_profile(
        actor, plan, {k: v for k, v in form.data.items() if k in request.form}
    )
    _saved("Your profile is saved." if changed else "Nothing changed.")
    return redirect(lurl("plans.my_plan", _anchor="profile"))


# -- goals and milestones ----------------------------------------------------------------------


def _goals_page(plan: Plan, form: forms.GoalForm | None = None, status: int = 200) -> Page:
    if form is None:
        form = forms.GoalForm()
    form.cluster_code.choices = _cluster_choices(plan)
    return render_template(
        "plans/goals.html",
        goals=goals_and_milestones.goals(plan),
        deleted_goals=goals_and_milestones.recently_deleted_goals(plan),
        form=form,
        status_labels=vocabulary.GOAL_STATUS_LABELS,
        category_labels=vocabulary.GOAL_CATEGORY_LABELS,
    ), status


@bp.get("/me/goals")
@requires(Action.EDIT_PLAN, me="person")
def goals(actor: Actor, person: Person) -> Page:
    """The student's goals, and a form to add one."""
    plan = reading.open_plan(actor, person, page="goals")
    return _goals_page(plan)


@bp.post("/me/goals")
@requires(Action.EDIT_PLAN, me="person")
def create_goal(actor: Actor, person: Person) -> Page | BaseResponse:
    """Add a goal with its first milestones."""
    plan = reading.get_or_create_plan(person)
    form = forms.GoalForm(request.form)
    form.cluster_code.choices = _cluster_choices(plan)
    if not form.validate():
        return _goals_page(plan, form, 400)
    goal = goals_and_milestones.create_goal(actor, plan, form.data, form.milestone_titles())
    _saved("Goal added.")
    return redirect(lurl("plans.goals", _anchor=f"goal-{goal.id}"))


def _goal_page(
    plan: Plan,
    goal_id: int,
    form: forms.GoalForm | None = None,
    milestone_form: forms.MilestoneForm | None = None,
    status: int = 200,
) -> Page:
    goal = goals_and_milestones.get_goal(plan, goal_id)
    if form is None:
        form = forms.GoalForm(obj=goal)
    form.cluster_code.choices = _cluster_choices(plan)
    if milestone_form is None:
        milestone_form = forms.MilestoneForm(prefix="milestone")
    return render_template(
        "plans/goal.html", goal=goal, form=form, milestone_form=milestone_form
    ), status


@bp.get("/me/goals/<int:goal_id>")
@requires(Action.EDIT_PLAN, me="person")
def edit_goal(actor: Actor, person: Person, goal_id: int) -> Page:
    """Edit a goal and its milestones."""
    plan = reading.open_plan(actor, person, page="goal")
    return _goal_page(plan, goal_id)


@bp.post("/me/goals/<int:goal_id>")
@requires(Action.EDIT_PLAN, me="person")
def update_goal(actor: Actor, person: Person, goal_id: int) -> Page | BaseResponse:
    """Save a goal."""
    plan = reading.get_or_create_plan(person)
    goals_and_milestones.get_goal(plan, goal_id)
    form = forms.GoalForm(request.form)
    form.cluster_code.choices = _cluster_choices(plan)
    if not form.validate():
        return _goal_page(plan, goal_id, form=form, status=400)
    goals_and_milestones.update_goal(actor, plan, goal_id, form.data)
    _saved("Goal saved.")
    return redirect(lurl("plans.edit_goal", goal_id=goal_id))


@bp.get("/me/goals/<int:goal_id>/delete")
@requires(Action.EDIT_PLAN, me="person")
def confirm_delete_goal(actor: Actor, person: Person, goal_id: int) -> Page:
    """Ask before deleting a goal."""
    plan = reading.open_plan(actor, person, page="goal")
    goal = goals_and_milestones.get_goal(plan, goal_id)
    count = len(goal.milestones)
    return _confirm_delete(
        heading="Delete this goal?",
        what=f"Goal: “{_short(goal.statement)}”",
        consequence=(
            f"Its {count} milestone{'' if count == 1 else 's'} go{'es' if count == 1 else ''} "
            "with it. Work linked to the goal stays in your portfolio."
            if count
            else "Work linked to the goal stays in your portfolio."
        ),
        undo_elsewhere="Or bring it back from “Deleted goals” on your goals page.",
        action=lurl("plans.delete_goal", goal_id=goal.id),
        cancel=lurl("plans.edit_goal", goal_id=goal.id),
        button="Yes, delete this goal",
    )


@bp.post("/me/goals/<int:goal_id>/delete")
@requires(Action.EDIT_PLAN, me="person")
def delete_goal(actor: Actor, person: Person, goal_id: int) -> BaseResponse:
    """Delete a goal, with an undo (its evidence stays in the plan)."""
    plan = reading.get_or_create_plan(person)
    goal = goals_and_milestones.delete_goal(actor, plan, goal_id)
    flash_undo(
        "Goal deleted.",
        f"the goal “{_short(goal.statement, 40)}”",
        lurl("plans.restore_goal", goal_id=goal_id),
    )
    return redirect(lurl("plans.goals"))


@bp.post("/me/goals/<int:goal_id>/restore")
@requires(Action.EDIT_PLAN, me="person")
def restore_goal(actor: Actor, person: Person, goal_id: int) -> BaseResponse:
    """Undo: bring back a deleted goal with its milestones and evidence links."""
    plan = reading.get_or_create_plan(person)
    goals_and_milestones.restore_goal(actor, plan, goal_id)
    _saved("Goal brought back.")
    return redirect(lurl("plans.goals", _anchor=f"goal-{goal_id}"))


@bp.post("/me/goals/<int:goal_id>/milestones")
@requires(Action.EDIT_PLAN, me="person")
def add_milestone(actor: Actor, person: Person, goal_id: int) -> Page | BaseResponse:
    """Add a milestone to a goal."""
    plan = reading.get_or_create_plan(person)
    goals_and_milestones.get_goal(plan, goal_id)
    form = forms.MilestoneForm(request.form, prefix="milestone")
    if not form.validate():
        return _goal_page(plan, goal_id, milestone_form=form, status=400)
    goals_and_milestones.add_milestone(actor, plan, goal_id, form.title.data, form.due_date.data)
    _saved("Milestone added.")
    return redirect(lurl("plans.edit_goal", goal_id=goal_id, _anchor="milestones"))


@bp.post("/me/milestones/<int:milestone_id>/toggle")
@requires(Action.EDIT_PLAN, me="person")
def toggle_milestone(actor: Actor, person: Person, milestone_id: int) -> BaseResponse:
    """Mark a milestone done, or not done again."""
    plan = reading.get_or_create_plan(person)
    milestone = goals_and_milestones.set_milestone_done(actor, plan, milestone_id)
    _saved(f"Milestone marked {'done' if milestone.done else 'not done'}.")
    return redirect(lurl("plans.edit_goal", goal_id=milestone.goal_id, _anchor="milestones"))


@bp.post("/me/milestones/<int:milestone_id>/delete")
@requires(Action.EDIT_PLAN, me="person")
def delete_milestone(actor: Actor, person: Person, milestone_id: int) -> BaseResponse:
    """Delete a milestone."""
    plan = reading.get_or_create_plan(person)
    goal_id = goals_and_milestones.delete_milestone(actor, plan, milestone_id)
    _saved("Milestone deleted.")
    return redirect(lurl("plans.edit_goal", goal_id=goal_id, _anchor="milestones"))


# -- clusters and pathways ---------------------------------------------------------------------


@bp.get("/me/clusters")
@requires(Action.EDIT_PLAN, me="person")
def clusters(actor: Actor, person: Person) -> str:
    """Choose career clusters and pathways: the chosen ones first, every cluster folded with
    its pathways, and a search (``q``; ``pages.js`` filters as the student types)."""
    plan = reading.open_plan(actor, person, page="clusters")
    query = request.args.get("q", "")[:100]
    choices = career_clusters.cluster_choices(plan, query)
    return render_template(
        "plans/clusters.html",
        plan=plan,
        framework=reading.plan_framework(plan),
        choices=choices,
        query=query,
        shown=sum(1 for c in choices if c.shown),
    )


@bp.post("/me/clusters")
@requires(Action.EDIT_PLAN, me="person")
def save_clusters(actor: Actor, person: Person) -> BaseResponse:
    """Save the chosen clusters and pathways."""
    plan = reading.get_or_create_plan(person)
    career_clusters.set_clusters(
        actor, plan, request.form.getlist("cluster"), request.form.getlist("pathway")
    )
    _saved("Your career clusters and pathways are saved.")
    return redirect(lurl("plans.my_plan", _anchor="clusters"))


# -- interest inventory ------------------------------------------------------------------------


@bp.get("/me/inventory")
@requires(Action.EDIT_PLAN, me="person")
def inventory_page(actor: Actor, person: Person) -> str:
    """The interest inventory: the result so far, and the questions."""
    plan = reading.open_plan(actor, person, page="inventory")
    summary = inventory_results.inventory_summary(inventory_results.inventory_result(plan), plan)
    return render_template(
        "plans/inventory.html",
        plan=plan,
        items=inventory.items(),
        scale=inventory.ANSWER_SCALE,
        answers=plan.inventory_answers or {},
        result=summary,
        chosen=set(plan.cluster_codes or []),
    )


@bp.post("/me/inventory")
@requires(Action.EDIT_PLAN, me="person")
def save_inventory(actor: Actor, person: Person) -> BaseResponse:
    """Save and score the answers."""
    plan = reading.get_or_create_plan(person)
    answers = inventory_results.parse_inventory_answers(request.form)
    if not answers:
        flash("Choose an answer for at least one statement; nothing was saved.", "error")
        return redirect(lurl("plans.inventory_page"))
    result = inventory_results.save_inventory(actor, plan, answers)
    if result.code is None:
        flash(
            f"Your answers are saved ({result.answered} of {result.total_items}). Answer at "
            "least half of the statements, and pick something you would like, to see a "
            "result.",
            "info",
        )
    else:
        _saved(f"Your answers are saved. Your interest code is {result.code}.")
    return redirect(lurl("plans.inventory_page", _anchor="result"))


@bp.post("/me/inventory/clusters")
@requires(Action.EDIT_PLAN, me="person")
def add_suggested_clusters(actor: Actor, person: Person) -> BaseResponse:
    """Add suggested clusters to the plan in one click."""
    plan = reading.get_or_create_plan(person)
    added = career_clusters.add_clusters(actor, plan, request.form.getlist("cluster"))
    if added:
        _saved("Added to your clusters: " + ", ".join(reading.cluster_name(c) for c in added) + ".")
    else:
        _saved("Those clusters were already in your plan.")
    return redirect(lurl("plans.inventory_page", _anchor="result"))


# -- course plan -------------------------------------------------------------------------------


def _course_form(
    plan: Plan,
    grades: tuple[int, ...],
    formdata: Any = None,
    entry: CoursePlanEntry | None = None,
    **kwargs: Any,
) -> forms.CourseEntryForm:
    """The course form offering ``grades`` (6 to 12, and any grade that already holds the
    course) and the final grades of the district's scale."""
    form = forms.CourseEntryForm(formdata, obj=entry, **kwargs)
    form.grade_level.choices = forms.choices(
        (g, f"Grade {g} (middle school, optional)" if g < 9 else f"Grade {g}") for g in grades
    )
    scale = grade_scale.scale(plan_settings.grade_scale(plan.tenant_id))
    form.final_grade.choices = forms.choices(
        [("", "No grade yet")]
        + [
            (g, f"{g} ({scale.band_text(g)})" if scale.band_text(g) else g)
            for g in course_planning.final_grade_choices(plan, entry)
        ]
    )
    if entry is not None and formdata is None:
        form.final_grade.data = entry.final_grade or ""
    return form


def _courses_page(
    actor: Actor,
    plan: Plan,
    form: forms.CourseEntryForm | None = None,
    program_form: forms.ProgramChoiceForm | None = None,
    status: int = 200,
    available: list[ProgramOfStudy] | None = None,
) -> Page:
    if available is None:
        available = programs.ensure_default_programs(actor.tenant_id)
    program = course_planning.plan_program(plan)
    entries = course_planning.course_plan(plan)
    grades = course_planning.grid_grades(plan, entries)
    district = plan_settings.course_plan_grades(plan.tenant_id)
    if program_form is None:
        program_form = forms.ProgramChoiceForm(program_id=program.id if program else None)
    program_form.program_id.choices = forms.choices((p.id, p.name) for p in available)
    return render_template(
        "plans/courses.html",
        plan=plan,
        program=program,
        programs=available,
        heading=(
            "My four-year course plan"
            if district == vocabulary.GRADES
            else f"My course plan, grades {district[0]} to {district[-1]}"
        ),
        by_grade={g: [e for e in entries if e.grade_level == g] for g in grades},
        requirements=course_planning.requirements(entries, program),
        deleted_courses=course_planning.recently_deleted_courses(plan),
        form=form or _course_form(plan, course_planning.grade_choices(plan, entries)),
        program_form=program_form,
        subject_label=programs.subject_label,
        status_labels=vocabulary.COURSE_STATUS_LABELS,
        cluster_name=reading.cluster_name,
        pathway_name=reading.pathway_name,
        lms_name=course_import.lms_name(plan.tenant_id),
        current_grade=course_planning.current_grade(plan),
        all_grades=vocabulary.ALL_COURSE_GRADES,
    ), status


@bp.get("/me/courses")
@requires(Action.EDIT_PLAN, me="person")
def course_plan(actor: Actor, person: Person) -> Page:
    """The course plan, the Program of Study and graduation requirements; on the first
    opening, the student's courses and grades from the LMS are brought in."""
    plan = reading.open_plan(actor, person, page="courses")
    if plan.courses_imported_at is None and course_planning.current_grade(plan) is not None:
        result = course_import.import_courses(actor, plan, person)
        if result.added or result.updated:
            flash(result.message, "info")
    return _courses_page(actor, plan)


@bp.post("/me/courses/import")
@requires(Action.EDIT_PLAN, me="person")
def import_courses(actor: Actor, person: Person) -> BaseResponse:
    """Bring the student's courses and grades from the LMS into the grid (again)."""
    plan = reading.get_or_create_plan(person)
    if course_planning.current_grade(plan) is None:
        grade = request.form.get("grade_level", "")
        if (
            not (grade.isascii() and grade.isdigit())
            or int(grade) not in vocabulary.ALL_COURSE_GRADES
        ):
            flash("Tell us which grade you are in this year, then import your courses.", "error")
            return redirect(lurl("plans.course_plan", _anchor="import"))
        plan.grade_level = int(grade)
    problem = None
    if course_import.canvas_connected(person):
        problem = course_import.refresh_from_canvas(person)
    result = course_import.import_courses(actor, plan, person)
    if problem:
        flash(problem + " Courses already read from Canvas were used.", "error")
    _saved(result.message)
    return redirect(lurl("plans.course_plan", _anchor="grid"))


def _course_field_error(form: forms.CourseEntryForm, err: InvalidInput) -> None:
    """Show a refusal of the course service next to the field it is about (the form keeps
    what was typed)."""
    db.session.rollback()
    text = err.message.casefold()
    field = (
        form.final_grade
        if "final grade" in text
        else form.credits
        if "credits" in text
        else form.grade_level
        if text.startswith("grade must")
        else form.course_name
    )
    field.errors = [*field.errors, err.message]


@bp.post("/me/courses")
@requires(Action.EDIT_PLAN, me="person")
def add_course(actor: Actor, person: Person) -> Page | BaseResponse:
    """Add a course to the grid (a course already there for that grade and term is refused,
    and the form keeps what was typed)."""
    plan = reading.get_or_create_plan(person)
    form = _course_form(plan, course_planning.grade_choices(plan), request.form)
    if not form.validate():
        return _courses_page(actor, plan, form=form, status=400)
    try:
        entry = course_planning.add_course(actor, plan, form.data)
    except course_planning.DuplicateCourse as err:
        form.course_name.errors = [err.message]
        return _courses_page(actor, plan, form=form, status=err.status_code)
    except InvalidInput as err:  # e.g. a final grade on a course its grade makes planned
        _course_field_error(form, err)
        return _courses_page(actor, plan, form=form, status=422)
    _saved(f"Added {entry.course_name} to grade {entry.grade_level}.")
    return redirect(lurl("plans.course_plan", _anchor=f"grade-{entry.grade_level}"))


@bp.post("/me/courses/program")
@requires(Action.EDIT_PLAN, me="person")
def choose_program(actor: Actor, person: Person) -> Page | BaseResponse:
    """Choose the Program of Study the plan follows."""
    plan = reading.get_or_create_plan(person)
    available = programs.ensure_default_programs(actor.tenant_id)
    form = forms.ProgramChoiceForm(request.form)
    form.program_id.choices = forms.choices((p.id, p.name) for p in available)
    if not form.validate():
        return _courses_page(actor, plan, program_form=form, status=400, available=available)
    program = course_planning.choose_program(actor, plan, form.program_id.data)
    _saved(f"Your Program of Study is {program.name}.")
    return redirect(lurl("plans.course_plan", _anchor="program"))


@bp.post("/me/courses/from-program")
@requires(Action.EDIT_PLAN, me="person")
def fill_from_program(actor: Actor, person: Person) -> BaseResponse:
    """Fill the grid with the chosen Program of Study's courses."""
    plan = reading.get_or_create_plan(person)
    added = course_planning.fill_from_program(actor, plan)
    _saved(
        f"Added {added} course{'' if added == 1 else 's'} from your Program of Study."
        if added
        else "Your plan already has every course of your Program of Study."
    )
    return redirect(lurl("plans.course_plan", _anchor="grid"))


@bp.get("/me/courses/<int:entry_id>")
@requires(Action.EDIT_PLAN, me="person")
def edit_course(actor: Actor, person: Person, entry_id: int) -> Page:
    """Edit one course of the grid."""
    plan = reading.open_plan(actor, person, page="course")
    entry = course_planning.get_course(plan, entry_id)
    form = _course_form(plan, course_planning.grade_choices(plan, [entry]), entry=entry)
    return render_template("plans/course.html", entry=entry, form=form), 200


@bp.post("/me/courses/<int:entry_id>")
@requires(Action.EDIT_PLAN, me="person")
def update_course(actor: Actor, person: Person, entry_id: int) -> Page | BaseResponse:
    """Save one course of the grid."""
    plan = reading.get_or_create_plan(person)
    entry = course_planning.get_course(plan, entry_id)
    form = _course_form(
        plan, course_planning.grade_choices(plan, [entry]), request.form, entry=entry
    )
    if not form.validate():
        return render_template("plans/course.html", entry=entry, form=form), 400
    try:
        course_planning.update_course(actor, plan, entry_id, form.data)
    except course_planning.DuplicateCourse as err:
        form.course_name.errors = [err.message]
        return render_template("plans/course.html", entry=entry, form=form), err.status_code
    except InvalidInput as err:
        _course_field_error(form, err)
        return render_template("plans/course.html", entry=entry, form=form), 422
    _saved("Course saved.")
    return redirect(lurl("plans.course_plan", _anchor="grid"))


@bp.get("/me/courses/<int:entry_id>/delete")
@requires(Action.EDIT_PLAN, me="person")
def confirm_delete_course(actor: Actor, person: Person, entry_id: int) -> Page:
    """Ask before removing a course from the grid."""
    plan = reading.open_plan(actor, person, page="course")
    entry = course_planning.get_course(plan, entry_id)
    return _confirm_delete(
        heading="Remove this course?",
        what=f"{entry.course_name}, grade {entry.grade_level}",
        consequence="It leaves your course plan and no longer counts toward your "
        "graduation requirements.",
        action=lurl("plans.delete_course", entry_id=entry.id),
        undo_elsewhere="Or bring it back from “Removed courses” on your course plan page.",
        cancel=lurl("plans.course_plan", _anchor="grid"),
        button="Yes, remove this course",
    )


@bp.post("/me/courses/<int:entry_id>/delete")
@requires(Action.EDIT_PLAN, me="person")
def delete_course(actor: Actor, person: Person, entry_id: int) -> BaseResponse:
    """Remove a course from the grid, with an undo."""
    plan = reading.get_or_create_plan(person)
    entry = course_planning.delete_course(actor, plan, entry_id)
    flash_undo(
        f"Removed {entry.course_name} from grade {entry.grade_level}.",
        entry.course_name,
        lurl("plans.restore_course", entry_id=entry_id),
    )
    return redirect(lurl("plans.course_plan", _anchor="grid"))


@bp.post("/me/courses/<int:entry_id>/restore")
@requires(Action.EDIT_PLAN, me="person")
def restore_course(actor: Actor, person: Person, entry_id: int) -> BaseResponse:
    """Undo: put a removed course back in the grid."""
    plan = reading.get_or_create_plan(person)
    try:
        entry = course_planning.restore_course(actor, plan, entry_id)
    except course_planning.DuplicateCourse as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(lurl("plans.course_plan", _anchor="grid"))
    _saved(f"{entry.course_name} is back in grade {entry.grade_level}.")
    return redirect(lurl("plans.course_plan", _anchor=f"grade-{entry.grade_level}"))


# -- list sections -----------------------------------------------------------------------------


def _items_page(
    plan: Plan, section: str, form: forms.ItemForm | None = None, status: int = 200
) -> Page:
    kind = plan_items.section_kind(section)
    return render_template(
        "plans/items.html",
        section=section,
        info=vocabulary.ITEM_SECTIONS[section],
        sections=vocabulary.ITEM_SECTIONS,
        kind=kind,
        extra=vocabulary.ITEM_FIELDS[kind],
        entries=plan_items.items(plan, kind),
        form=form or forms.ItemForm.for_kind(kind),
    ), status


@bp.get("/me/items/<section>")
@requires(Action.EDIT_PLAN, me="person")
def items(actor: Actor, person: Person, section: str) -> Page:
    """A list section (activities, accomplishments, work, service, assessments, contacts)."""
    plan_items.section_kind(section)
    plan = reading.open_plan(actor, person, page=section)
    return _items_page(plan, section)


@bp.post("/me/items/<section>")
@requires(Action.EDIT_PLAN, me="person")
def add_item(actor: Actor, person: Person, section: str) -> Page | BaseResponse:
    """Add an entry to a list section."""
    plan = reading.get_or_create_plan(person)
    kind = plan_items.section_kind(section)
    form = forms.ItemForm.for_kind(kind, request.form)
    if not form.validate():
        return _items_page(plan, section, form, 400)
    plan_items.add_item(actor, plan, kind, form.data)
    _saved(f"Added to {vocabulary.ITEM_SECTIONS[section]['title'].lower()}.")
    return redirect(lurl("plans.items", section=section))


def _item_page(
    section: str, kind: PlanItemKind, item: Any, form: forms.ItemForm, status: int = 200
) -> Page:
    return render_template(
        "plans/item.html",
        section=section,
        info=vocabulary.ITEM_SECTIONS[section],
        item=item,
        form=form,
        extra=vocabulary.ITEM_FIELDS[kind],
    ), status


@bp.get("/me/items/<section>/<int:item_id>")
@requires(Action.EDIT_PLAN, me="person")
def edit_item(actor: Actor, person: Person, section: str, item_id: int) -> Page:
    """Edit an entry of a list section."""
    kind = plan_items.section_kind(section)
    plan = reading.open_plan(actor, person, page=section)
    item = plan_items.get_item(plan, kind, item_id)
    return _item_page(section, kind, item, forms.ItemForm.for_kind(kind, obj=item))


@bp.post("/me/items/<section>/<int:item_id>")
@requires(Action.EDIT_PLAN, me="person")
def update_item(actor: Actor, person: Person, section: str, item_id: int) -> Page | BaseResponse:
    """Save an entry of a list section."""
    plan = reading.get_or_create_plan(person)
    kind = plan_items.section_kind(section)
    item = plan_items.get_item(plan, kind, item_id)
    form = forms.ItemForm.for_kind(kind, request.form)
    if not form.validate():
        return _item_page(section, kind, item, form, 400)
    plan_items.update_item(actor, plan, kind, item_id, form.data)
    _saved("Saved.")
    return redirect(lurl("plans.items", section=section))


@bp.post("/me/items/<section>/<int:item_id>/delete")
@requires(Action.EDIT_PLAN, me="person")
def delete_item(actor: Actor, person: Person, section: str, item_id: int) -> BaseResponse:
    """Remove an entry of a list section."""
    plan = reading.get_or_create_plan(person)
    plan_items.delete_item(actor, plan, plan_items.section_kind(section), item_id)
    _saved("Removed.")
    return redirect(lurl("plans.items", section=section))


# -- yearly snapshots and history --------------------------------------------------------------


@bp.post("/me/snapshot")
@requires(Action.EDIT_PLAN, me="person")
def save_snapshot(actor: Actor, person: Person) -> BaseResponse:
    """Save the plan as it stands as this school year's snapshot."""
    plan = reading.get_or_create_plan(person)
    try:
        snap = yearly_snapshots.save_snapshot(actor, plan)
    except InvalidInput as err:
        flash(err.message, "error")
    else:
        _saved(f"Saved your plan as the snapshot of the {snap.school_year} school year.")
    return redirect(lurl("plans.history", person_id=person.id))


def _people_names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        p.id: p.display_name
        for p in db.session.execute(select(Person).where(Person.id.in_(wanted))).scalars()
    }


@bp.get("/students/<int:person_id>/history")
@requires(Action.READ_PLAN, student=(Person, "person_id"))
def history(actor: Actor, student: Person) -> str:
    """The plan's yearly snapshots."""
    plan = reading.open_plan(actor, student, page="history")
    snaps = yearly_snapshots.snapshots(plan)
    names = _people_names({s.approved_by for s in snaps} | {s.signed_by for s in snaps})
    return render_template(
        "plans/history.html",
        student=student,
        snapshots=snaps,
        names=names,
        own=student.id == actor.person_id,
        editable=policy.allowed(actor, Action.EDIT_PLAN, student) and student.id == actor.person_id,
        this_year=reading.school_year(),
    )


@bp.get("/students/<int:person_id>/history/<school_year>")
@requires(Action.READ_PLAN, student=(Person, "person_id"))
def snapshot(actor: Actor, student: Person, school_year: str) -> str:
    """One yearly snapshot, read-only."""
    plan = reading.open_plan(actor, student, page="snapshot")
    snap = yearly_snapshots.get_snapshot(plan, school_year)
    show = policy.allowed(actor, Action.READ_ACCOMMODATIONS, student)
    names = _people_names({snap.approved_by, snap.signed_by})
    return render_template(
        "plans/snapshot.html",
        student=student,
        snap=snap,
        names=names,
        doc=plan_data.redact(snap.data or {}, show_accommodations=show),
        show_accommodations=show,
        own=student.id == actor.person_id,
    )


# -- export and deletion -----------------------------------------------------------------------


@bp.get("/students/<int:person_id>/export.json")
@requires(Action.EXPORT_PLAN, student=(Person, "person_id"))
def export_json(actor: Actor, student: Person) -> Response:
    """The whole plan as a JSON download."""
    document = plan_export.export_document(
        actor,
        student,
        show_accommodations=policy.allowed(actor, Action.READ_ACCOMMODATIONS, student),
    )
    filename = f"lodestar-plan-{student.id}-{utcnow().date().isoformat()}.json"
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _archive_name(stored_id: int, filename: str) -> str:
    """A safe name inside the zip: no directories, no traversal, id first so names are unique."""
    return f"files/{stored_id}-{secure_filename(filename) or 'file'}"


def _print_signoff(student: Person) -> dict[str, Any]:
    """This school year's approval and sign-off for the printable page (two queries):
    ``{"snap": PlanSnapshot | None, "names": {person id: name}}``."""
    plan = reading.find_plan(student)
    snap = review_services.this_years_snapshot(plan) if plan else None
    names = _people_names({snap.approved_by, snap.signed_by}) if snap else {}
    return {"snap": snap, "names": names, "school_year": reading.school_year()}


@bp.get("/students/<int:person_id>/export.zip")
@requires(Action.EXPORT_PLAN, student=(Person, "person_id"))
def export_zip(actor: Actor, student: Person) -> Response:
    """Everything of the plan as one zip: ``plan.json`` (with grades), the printable page
    ``plan.html`` and every uploaded work sample under ``files/``."""
    show = policy.allowed(actor, Action.READ_ACCOMMODATIONS, student)
    files = parts.files(student)
    document = plan_export.export_document(
        actor, student, show_accommodations=show, export_format="zip", files=len(files)
    )
    html = render_template(
        "plans/print.html",
        student=student,
        doc=plan_export.printable_document(student, show_accommodations=show),
        show_accommodations=show,
        printed=utcnow().date(),
        signoff=_print_signoff(student),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("plan.json", json.dumps(document, indent=2, ensure_ascii=False))
        archive.writestr("plan.html", html)
        for stored in files:
            archive.writestr(_archive_name(stored.id, stored.filename), stored.content)
    filename = f"lodestar-plan-{student.id}-{utcnow().date().isoformat()}.zip"
    return Response(
        buffer.getvalue(),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/students/<int:person_id>/print")
@requires(Action.EXPORT_PLAN, student=(Person, "person_id"))
def print_plan(actor: Actor, student: Person) -> Response:
    """The whole plan as a printable page."""
    show = policy.allowed(actor, Action.READ_ACCOMMODATIONS, student)
    document = plan_export.print_document(actor, student, show_accommodations=show)
    html = render_template(
        "plans/print.html",
        student=student,
        doc=document,
        show_accommodations=show,
        printed=utcnow().date(),
        signoff=_print_signoff(student),
    )
    return Response(html, headers={"Cache-Control": "no-store"})


def _delete_page(student: Person, form: forms.DeletePlanForm, status: int = 200) -> Page:
    return render_template(
        "plans/delete.html",
        student=student,
        form=form,
        counts=plan_deletion.deletion_preview(student),
    ), status


@bp.get("/students/<int:person_id>/delete")
@requires(Action.DELETE_PLAN, student=(Person, "person_id"))
def confirm_delete(actor: Actor, student: Person) -> Page:
    """Ask the admin to confirm deleting a student's plan by typing the student's name."""
    reading.record_view(actor, student, page="delete")
    return _delete_page(student, forms.DeletePlanForm())


@bp.post("/students/<int:person_id>/delete")
@requires(Action.DELETE_PLAN, student=(Person, "person_id"))
def delete_plan(actor: Actor, student: Person) -> Page | BaseResponse:
    """Delete the plan and everything hanging off it, on request."""
    form = forms.DeletePlanForm(request.form)
    if not form.validate():
        return _delete_page(student, form, 400)
    try:
        counts = plan_deletion.delete_plan(actor, student, form.confirm_name.data or "")
    except InvalidInput as err:
        form.confirm_name.errors = [err.message]
        return _delete_page(student, form, 400)
    flash(
        f"Deleted the student's data: {counts.get('goals', 0)} goals, "
        f"{counts.get('evidence', 0)} pieces of evidence and {counts.get('files', 0)} files.",
        "info",
    )
    return redirect(lurl("launch.admin"))
