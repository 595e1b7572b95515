"""The grade 6-12 journey, the pages: "This year's steps" and the first-run guide on the plan
page (``journey_context``), the student's choices (grade, ticks, dismissing the guide), the
counselor's completion by grade, and the district's step editor with the course plan grades.

Thin views: check the policy, parse the form, call ``plans.journey`` (or ``plan_settings``),
then render or redirect (POST -> redirect -> GET with a flash message).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from lti_tool import audit, policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.hygiene import CleanForm
from lti_tool.launch.access import requires
from lti_tool.launch.session import lurl
from lti_tool.models import Person
from lti_tool.plans import bp, completeness, forms, journey, plan_settings, profile, reading
from lti_tool.plans.grade_scale import DEFAULT_SCALE, SCALES
from lti_tool.plans.models import Plan
from lti_tool.plans.vocabulary import COURSE_PLAN_FIRST_GRADES, JOURNEY_GRADES

Action = policy.Action
Page = str | tuple[str, int]


# -- forms --------------------------------------------------------------------------------------


def _grade_or_none(value: object) -> int | None:
    """A grade from the form: ``None`` for the "Choose your grade" line."""
    if value in ("", None):
        return None
    return int(str(value))


class GradeForm(CleanForm):
    """The student's grade, when the profile has none."""

    # No grade is chosen for the student: a click on the button without choosing saves
    # nothing (it once saved the first grade of the list).
    grade_level = SelectField(
        "Which grade are you in?",
        coerce=_grade_or_none,
        choices=forms.choices([("", "Choose your grade"), *journey.grade_choices()]),
        validators=[InputRequired(message="Choose your grade.")],
        render_kw={"required": True},
    )

    def validate_grade_level(self, field: SelectField) -> None:
        if field.data is None:
            raise ValidationError("Choose your grade.")


class StepForm(CleanForm):
    """A step of the district's journey."""

    grade = SelectField(
        "Grade",
        coerce=int,
        choices=forms.choices((g, f"Grade {g}") for g in JOURNEY_GRADES),
        validators=[InputRequired()],
    )
    title = StringField(
        "The step, in a student's words",
        [DataRequired(message="Say what the step is."), Length(max=200)],
    )
    detail = TextAreaField("A short explanation (optional)", [Length(max=1000)])
    check = SelectField("How Lodestar knows it is done", choices=[])
    at_least = IntegerField(
        "How many are needed (for a count from the plan)",
        [InputRequired(message="Give a number."), NumberRange(min=1, max=journey.MOST_NEEDED)],
        default=1,
    )

    @classmethod
    def build(cls, formdata: Any = None, **kwargs: Any) -> StepForm:
        form = cls(formdata, **kwargs)
        form.check.choices = forms.choices(journey.check_choices())
        return form


class SettingsForm(CleanForm):
    """The district's course plan grades and grade scale."""

    course_plan_first_grade = SelectField(
        "The course plan starts in",
        coerce=int,
        choices=forms.choices(
            (g, f"Grade {g} (high school only)" if g == 9 else f"Grade {g}")
            for g in COURSE_PLAN_FIRST_GRADES
        ),
        validators=[InputRequired()],
    )
    grade_scale = SelectField(
        "Final grades in course plans",
        choices=forms.choices((s.key, s.label + ", or Pass/Fail") for s in SCALES.values()),
        default=DEFAULT_SCALE,
    )


# -- on the plan page ---------------------------------------------------------------------------


def journey_context(plan: Plan, doc: Mapping[str, Any], *, editable: bool) -> dict[str, Any]:
    """What the plan page needs on top: the completeness meter, this year's next step, the
    first-run guide and this year's steps (``doc`` is the plan document on the page)."""
    empty = reading.is_empty(doc)
    grade = journey.journey_grade(plan.grade_level)
    goals = doc.get("goals") or []
    guide = (
        journey.guide(
            plan,
            goals=len(goals),
            courses=len(doc.get("course_plan") or []),
            linked_work=len(doc.get("unlinked_evidence") or [])
            + sum(len(g.get("evidence") or []) for g in goals),
        )
        if editable
        else None
    )
    progress = journey.progress(plan, grade) if grade is not None else None
    # Where each step is done: the student's own pages, so links only on their own plan.
    urls = {
        s.step.key: lurl(s.check.endpoint, **s.check.values)
        for s in (progress.steps if progress and editable else ())
        if s.check is not None
    }
    return {
        "journey_grade": grade,
        "journey": progress,
        "next_step": journey.next_step(progress),
        "completeness": completeness.completeness(doc),
        "step_urls": urls,
        "grade_form": GradeForm() if editable and grade is None else None,
        "guide": guide,
        "guide_only": guide is not None and empty,
    }


@bp.post("/me/journey/grade")
@requires(Action.EDIT_PLAN, me="person")
def choose_grade(actor: Actor, person: Person) -> BaseResponse:
    """The student says which grade they are in (saved in the profile)."""
    plan = reading.get_or_create_plan(person)
    form = GradeForm(request.form)
    if not form.validate():
        flash("Choose your grade from the list; nothing was saved.", "error")
    else:
        profile.update_profile(actor, plan, {"grade_level": form.grade_level.data})
        flash(f"Here are your steps for grade {form.grade_level.data}.", "info")
    return redirect(lurl("plans.my_plan", _anchor="next-step"))


@bp.post("/me/journey/steps/<key>")
@requires(Action.EDIT_PLAN, me="person")
def tick_step(actor: Actor, person: Person, key: str) -> BaseResponse:
    """Tick a step done, or not done again."""
    plan = reading.get_or_create_plan(person)
    done = request.form.get("done") == "1"
    step = journey.set_ticked(actor, plan, key, done)
    flash(f"“{step.title}” is marked {'done' if done else 'not done'}.", "info")
    return redirect(lurl("plans.my_plan", _anchor="journey"))


@bp.post("/me/guide/dismiss")
@requires(Action.EDIT_PLAN, me="person")
def dismiss_guide(actor: Actor, person: Person) -> BaseResponse:
    """Close the first-run guide for good."""
    plan = reading.get_or_create_plan(person)
    journey.dismiss_guide(actor, plan)
    flash("The guide is closed. Every part of your plan is below.", "info")
    return redirect(lurl("plans.my_plan"))


# -- completion by grade (counselors) -----------------------------------------------------------


@bp.get("/journey")
@requires(Action.REVIEW_CASELOAD)
def journey_report(actor: Actor) -> str:
    """How many students of each grade completed each step."""
    report = journey.report(actor.tenant_id, actor)
    # Figures only, no student is named; the event says how many were counted.
    audit.record(
        "journey.report_view",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        student_count=report.students,
    )
    db.session.commit()
    return render_template(
        "plans/journey.html",
        report=report,
        can_manage=policy.allowed(actor, Action.MANAGE_JOURNEY),
    )


# -- the district's step editor -----------------------------------------------------------------


def _steps_page(
    actor: Actor,
    form: StepForm | None = None,
    settings_form: SettingsForm | None = None,
    status: int = 200,
) -> Page:
    if settings_form is None:
        settings_form = SettingsForm(
            course_plan_first_grade=plan_settings.course_plan_first_grade(actor.tenant_id),
            grade_scale=plan_settings.grade_scale(actor.tenant_id),
        )
    all_steps = journey.steps(actor.tenant_id, include_hidden=True)
    return render_template(
        "plans/journey_steps.html",
        by_grade={g: [s for s in all_steps if s.grade == g] for g in JOURNEY_GRADES},
        form=form or StepForm.build(),
        settings_form=settings_form,
        check_labels=dict(journey.check_choices()),
    ), status


@bp.get("/journey/steps")
@requires(Action.MANAGE_JOURNEY)
def journey_steps(actor: Actor) -> Page:
    """The district's journey: every step by grade, to add, edit, hide or restore."""
    return _steps_page(actor)


@bp.post("/journey/steps")
@requires(Action.MANAGE_JOURNEY)
def add_journey_step(actor: Actor) -> Page | BaseResponse:
    """Add a step of the district's own."""
    form = StepForm.build(request.form)
    if not form.validate():
        return _steps_page(actor, form=form, status=400)
    step = journey.add_step(actor, form.data)
    flash(f"Added “{step.title}” to grade {step.grade}.", "info")
    return redirect(lurl("plans.journey_steps", _anchor=f"grade-{step.grade}"))


def _step_page(step: journey.Step, form: StepForm, status: int = 200) -> Page:
    return render_template("plans/journey_step.html", step=step, form=form), status


@bp.get("/journey/steps/<key>")
@requires(Action.MANAGE_JOURNEY)
def edit_journey_step(actor: Actor, key: str) -> Page:
    """Edit one step."""
    step = journey.get_step(actor.tenant_id, key)
    form = StepForm.build(
        grade=step.grade,
        title=step.title,
        detail=step.detail,
        check=step.check or "",
        at_least=step.at_least,
    )
    return _step_page(step, form)


@bp.post("/journey/steps/<key>")
@requires(Action.MANAGE_JOURNEY)
def update_journey_step(actor: Actor, key: str) -> Page | BaseResponse:
    """Save one step."""
    step = journey.get_step(actor.tenant_id, key)
    form = StepForm.build(request.form)
    if not form.validate():
        return _step_page(step, form, 400)
    try:
        step = journey.update_step(actor, key, form.data)
    except InvalidInput as err:
        form.title.errors = [err.message]
        return _step_page(step, form, 400)
    flash(f"Saved “{step.title}”.", "info")
    return redirect(lurl("plans.journey_steps", _anchor=f"grade-{step.grade}"))


@bp.post("/journey/steps/<key>/hide")
@requires(Action.MANAGE_JOURNEY)
def hide_journey_step(actor: Actor, key: str) -> BaseResponse:
    """Hide a step from students and reports, or show it again (``show=1``)."""
    show = request.form.get("show") == "1"
    step = journey.set_hidden(actor, key, not show)
    flash(f"“{step.title}” is {'shown' if show else 'hidden'}.", "info")
    return redirect(lurl("plans.journey_steps", _anchor=f"grade-{step.grade}"))


@bp.post("/journey/steps/<key>/restore")
@requires(Action.MANAGE_JOURNEY)
def restore_journey_step(actor: Actor, key: str) -> BaseResponse:
    """Undo the district's changes to a shipped step."""
    step = journey.restore_default(actor, key)
    flash(f"“{step.title}” is back to Lodestar's version.", "info")
    return redirect(lurl("plans.journey_steps", _anchor=f"grade-{step.grade}"))


@bp.post("/journey/settings")
@requires(Action.MANAGE_JOURNEY)
def save_plan_settings(actor: Actor) -> Page | BaseResponse:
    """Save the first grade of the district's course plan and its grade scale."""
    form = SettingsForm(request.form)
    if not form.validate():
        return _steps_page(actor, settings_form=form, status=400)
    grade = form.course_plan_first_grade.data
    changed = plan_settings.set_course_plan_first_grade(actor, grade)
    # A form without the scale (an older page) leaves it as it is.
    scale_changed = "grade_scale" in request.form and plan_settings.set_grade_scale(
        actor, form.grade_scale.data
    )
    said = []
    if changed:
        said.append(f"The course plan now starts in grade {grade}.")
    if scale_changed:
        said.append(f"Final grades now use: {SCALES[form.grade_scale.data].label}.")
    flash(" ".join(said) or "Nothing changed.", "info")
    return redirect(lurl("plans.journey_steps", _anchor="settings"))
