"""Community resources, the pages: the district's list (browse and filter by category; add,
edit, hide and show for counselors and admins), recommending a resource into a student's
plan (counselors), and the student marking a recommendation done or dismissing it.

``recommendation_context(actor, student, plan)`` gives the plan page what its
"Recommended for you" section (``templates/plans/resources/_on_plan.html``) needs. The logic
lives in ``plans.resource_services``; these views check the policy, parse the form, call it,
then redirect or render. A form that does not validate is shown again with its messages and
status 400; nothing is saved.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.hygiene import CleanForm, http_url
from lti_tool.launch.access import requires
from lti_tool.launch.session import lurl
from lti_tool.models import Person
from lti_tool.plans import bp, reading, resource_services
from lti_tool.plans.forms import choices
from lti_tool.plans.models import Plan
from lti_tool.plans.resource_models import CommunityResource, RecommendationStatus
from lti_tool.plans.resource_services import CATEGORY_LABELS
from lti_tool.plans.work_learning import WORK_KIND_LABELS
from lti_tool.policy import Action

Page = str | tuple[str, int]


@bp.app_template_filter("work_kind")
def work_kind(value: Any) -> str:
    """The label of a kind of work-based learning (``job_shadow`` -> ``Job shadow``)."""
    return WORK_KIND_LABELS.get(str(value), str(value)) if value else ""


# -- forms --------------------------------------------------------------------------------------


class ResourceForm(CleanForm):
    """A community resource of the district's list."""

    name = StringField("Name", [DataRequired(message="Name the resource."), Length(max=255)])
    category = SelectField(
        "Category", choices=choices(CATEGORY_LABELS.items()), validators=[InputRequired()]
    )
    description = TextAreaField("What it offers", [Length(max=5000)])
    serves = StringField("Who it serves (grades, who may use it)", [Length(max=255)])
    phone = StringField(
        "Phone (optional)",
        [
            Optional(),
            Length(max=60),
            Regexp(resource_services.PHONE, message="Use digits, spaces and + ( ) - only."),
        ],
    )
    email = StringField(
        "Email (optional)",
        [
            Optional(),
            Length(max=320),
            Regexp(resource_services.EMAIL, message="That does not look like an email address."),
        ],
    )
    url = StringField(
        "Web address (optional, starting with https:// or http://)",
        [Optional(), Length(max=2048)],
    )

    def validate_url(self, field: Any) -> None:
        if field.data and http_url(field.data) is None:
            raise ValidationError("Give a full web address starting with https:// or http://.")


class RecommendForm(CleanForm):
    """A counselor recommends one resource of the list, with a note for the student."""

    resource_id = SelectField(
        "Resource", coerce=int, choices=[], validators=[InputRequired("Choose a resource.")]
    )
    note = TextAreaField(
        "Note for the student (optional)", [Length(max=resource_services.NOTE_LIMIT)]
    )


# -- the plan page's section ---------------------------------------------------------------------


def recommendation_context(actor: Actor, student: Person, plan: Plan) -> dict[str, Any]:
    """Variables for the plan page's recommendations: ``recommendations`` (newest first) and
    ``can_recommend``."""
    return {
        "recommendations": resource_services.recommendations(plan),
        "can_recommend": policy.allowed(actor, Action.RECOMMEND_RESOURCE, student),
    }


# -- browsing and curating the list -------------------------------------------------------------


def _category_filter() -> str | None:
    category = request.args.get("category") or None
    if category is not None and category not in CATEGORY_LABELS:
        raise InvalidInput("That is not one of the resource categories.")
    return category


@bp.get("/resources")
@requires(Action.BROWSE_RESOURCES)
def resources(actor: Actor) -> str:
    """The district's community resources, filtered by category; counselors and admins also
    see hidden ones, with links to add, edit, hide and show."""
    category = _category_filter()
    manage = policy.allowed(actor, Action.MANAGE_RESOURCES)
    return render_template(
        "plans/resources/list.html",
        entries=resource_services.resources(
            actor.tenant_id, category=category, include_hidden=manage
        ),
        category=category,
        categories=CATEGORY_LABELS,
        manage=manage,
    )


def _edit_page(form: ResourceForm, resource: CommunityResource | None, status: int = 200) -> Page:
    return render_template("plans/resources/edit.html", form=form, resource=resource), status


def _save(actor: Actor, form: ResourceForm, resource: CommunityResource | None) -> Page | None:
    """Validate and save; the page again (400) when something is wrong, None when saved."""
    if not form.validate():
        return _edit_page(form, resource, 400)
    try:
        if resource is None:
            saved = resource_services.add_resource(actor, form.data)
        else:
            saved = resource_services.update_resource(actor, resource, form.data)
    except InvalidInput as err:
        form.name.errors = [*form.name.errors, err.message]
        return _edit_page(form, resource, 400)
    flash(f"Saved {saved.name}.", "info")
    return None


@bp.get("/resources/new")
@requires(Action.MANAGE_RESOURCES)
def new_resource() -> Page:
    """The form to add a resource to the district's list."""
    return _edit_page(ResourceForm(), None)


@bp.post("/resources/new")
@requires(Action.MANAGE_RESOURCES)
def add_resource(actor: Actor) -> Page | BaseResponse:
    """Add a resource to the district's list."""
    page = _save(actor, ResourceForm(request.form), None)
    return page if page is not None else redirect(lurl("plans.resources"))


def _no_record(**_loaded: Any) -> None:
    """Managing the list is checked against the tenant; the record only has to be of it."""
    return


@bp.get("/resources/<int:resource_id>")
@requires(Action.MANAGE_RESOURCES, resource=(CommunityResource, "resource_id"), check=_no_record)
def edit_resource(resource: CommunityResource) -> Page:
    """Edit a resource of the list."""
    return _edit_page(ResourceForm(obj=resource), resource)


@bp.post("/resources/<int:resource_id>")
@requires(Action.MANAGE_RESOURCES, resource=(CommunityResource, "resource_id"), check=_no_record)
def update_resource(actor: Actor, resource: CommunityResource) -> Page | BaseResponse:
    """Save a resource of the list."""
    page = _save(actor, ResourceForm(request.form), resource)
    return page if page is not None else redirect(lurl("plans.resources"))


@bp.post("/resources/<int:resource_id>/visibility")
@requires(Action.MANAGE_RESOURCES, resource=(CommunityResource, "resource_id"), check=_no_record)
def set_visibility(actor: Actor, resource: CommunityResource) -> BaseResponse:
    """Hide a resource from students (``show=0``) or show it again (``show=1``)."""
    show = request.form.get("show") == "1"
    resource_services.set_active(actor, resource, show)
    flash(f"{resource.name} is {'shown to students' if show else 'hidden'}.", "info")
    return redirect(lurl("plans.resources", _anchor=f"resource-{resource.id}"))


# -- recommending ---------------------------------------------------------------------------------


def _recommend_page(
    actor: Actor, student: Person, form: RecommendForm | None = None, status: int = 200
) -> Page:
    plan = reading.find_plan(student)
    offered = resource_services.resources(actor.tenant_id)
    if form is None:
        form = RecommendForm()
    form.resource_id.choices = choices(
        (r.id, f"{r.name} ({CATEGORY_LABELS.get(r.category, r.category)})") for r in offered
    )
    return render_template(
        "plans/resources/recommend.html",
        student=student,
        form=form,
        offered=offered,
        recommendations=resource_services.recommendations(plan) if plan is not None else [],
    ), status


@bp.get("/students/<int:person_id>/resources")
@requires(Action.RECOMMEND_RESOURCE, student=(Person, "person_id"))
def recommend_page(actor: Actor, student: Person) -> Page:
    """Recommend a resource of the district's list to a student; what was recommended."""
    reading.record_view(actor, student, page="recommend")
    return _recommend_page(actor, student)


@bp.post("/students/<int:person_id>/resources")
@requires(Action.RECOMMEND_RESOURCE, student=(Person, "person_id"))
def recommend(actor: Actor, student: Person) -> Page | BaseResponse:
    """Recommend a resource into the student's plan, with a note."""
    form = RecommendForm(request.form)
    offered = {r.id: r for r in resource_services.resources(actor.tenant_id)}
    form.resource_id.choices = choices((i, r.name) for i, r in offered.items())
    if not form.validate():
        return _recommend_page(actor, student, form, 400)
    plan = reading.get_or_create_plan(student)
    try:
        resource_services.recommend(actor, plan, offered[form.resource_id.data], form.note.data)
    except InvalidInput as err:
        form.resource_id.errors = [*form.resource_id.errors, err.message]
        return _recommend_page(actor, student, form, 400)
    flash(f"Recommended {offered[form.resource_id.data].name} to {student.display_name}.", "info")
    return redirect(lurl("plans.recommend_page", person_id=student.id))


# -- the student's answer -----------------------------------------------------------------------

_ANSWERS = {
    "done": (RecommendationStatus.DONE, "Marked done."),
    "dismiss": (RecommendationStatus.DISMISSED, "Dismissed."),
    "reopen": (RecommendationStatus.OPEN, "Back on your list."),
}


@bp.post("/me/recommendations/<int:recommendation_id>/<answer>")
@requires(Action.EDIT_PLAN, me="person")
def answer_recommendation(
    actor: Actor, person: Person, recommendation_id: int, answer: str
) -> BaseResponse:
    """Mark a recommendation done, dismiss it, or put it back on the list."""
    if answer not in _ANSWERS:
        raise InvalidInput("That is not something you can do with a recommendation.")
    status, message = _ANSWERS[answer]
    plan = reading.get_or_create_plan(person)
    resource_services.set_status(actor, plan, recommendation_id, status)
    flash(message, "info")
    return redirect(lurl("plans.my_plan", _anchor="recommended"))
