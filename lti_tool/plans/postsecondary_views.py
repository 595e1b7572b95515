"""Postsecondary and financial-planning pages: the student's list of schools and programs
with the application tracker, the district catalogue they pick from, the financial-planning
checklist they tick; the admin's catalogue import and the counselor's checklist adaptation.

Thin views like ``plans.views``: the policy decides (``@requires``), the topic modules
(``postsecondary``, ``program_catalogue``, ``financial_checklist``) do the work, a form that
does not validate is shown again with its messages and status 400 and nothing is saved.
Readers of a plan see the list and the checklist progress on the plan page.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.launch.access import requires
from lti_tool.launch.session import lurl
from lti_tool.models import Person
from lti_tool.plans import (
    bp,
    financial_checklist,
    goals_and_milestones,
    postsecondary,
    program_catalogue,
    reading,
)
from lti_tool.plans import postsecondary_forms as forms
from lti_tool.plans.forms import choices
from lti_tool.plans.models import Plan

Action = policy.Action
Page = str | tuple[str, int]


def _saved(message: str) -> None:
    flash(message, "info")


def _goal_choices(plan: Plan, form: forms.OptionForm) -> None:
    form.goal_ids.choices = choices(
        (g.id, g.statement[:120]) for g in goals_and_milestones.goals(plan)
    )


def _option_form(plan: Plan, formdata: Any = None, **kwargs: Any) -> forms.OptionForm:
    form = forms.OptionForm(formdata, **kwargs)
    _goal_choices(plan, form)
    return form


# -- the student's list ------------------------------------------------------------------------


def _list_page(
    actor: Actor, plan: Plan, form: forms.OptionForm | None = None, status: int = 200
) -> Page:
    return render_template(
        "plans/postsecondary.html",
        options=postsecondary.options(plan),
        form=form or _option_form(plan),
        kind_labels=program_catalogue.PROGRAM_KIND_LABELS,
        status_labels=postsecondary.STATUS_LABELS,
        catalogue_size=program_catalogue.summary(actor.tenant_id).total,
    ), status


@bp.get("/me/postsecondary")
@requires(Action.EDIT_PLAN, me="person")
def postsecondary_list(actor: Actor, person: Person) -> Page:
    """The schools and programs the student is considering, and a form to add one."""
    plan = reading.open_plan(actor, person, page="postsecondary")
    return _list_page(actor, plan)


@bp.post("/me/postsecondary")
@requires(Action.EDIT_PLAN, me="person")
def add_postsecondary(actor: Actor, person: Person) -> Page | BaseResponse:
    """Add a school or program the student typed."""
    plan = reading.get_or_create_plan(person)
    form = _option_form(plan, request.form)
    if not form.validate():
        return _list_page(actor, plan, form, 400)
    try:
        option = postsecondary.add_option(actor, plan, form.values())
    except InvalidInput as err:
        db.session.rollback()
        form.name.errors = [*form.name.errors, err.message]
        return _list_page(actor, plan, form, 400)
    _saved(f"Added {option.name} to your list.")
    return redirect(lurl("plans.postsecondary_list", _anchor=f"option-{option.id}"))


@bp.get("/me/postsecondary/catalogue")
@requires(Action.EDIT_PLAN, me="person")
def catalogue(actor: Actor, person: Person) -> Page:
    """Search the district's catalogue by words, kind and state."""
    plan = reading.open_plan(actor, person, page="catalogue")
    text = request.args.get("q", "")[:200]
    kind = request.args.get("kind", "")
    state = request.args.get("state", "")[:2]
    error = None
    try:
        found, total = program_catalogue.search(actor.tenant_id, text=text, kind=kind, state=state)
    except InvalidInput as err:
        found, total, error = [], 0, err.message
    picked = {o.catalogue_program_id for o in postsecondary.options(plan)}
    return render_template(
        "plans/catalogue.html",
        found=found,
        total=total,
        query={"q": text, "kind": kind, "state": state},
        kind_labels=program_catalogue.PROGRAM_KIND_LABELS,
        states=program_catalogue.states(actor.tenant_id),
        summary=program_catalogue.summary(actor.tenant_id),
        picked=picked,
        error=error,
    ), (400 if error else 200)


@bp.post("/me/postsecondary/catalogue/<int:program_id>")
@requires(Action.EDIT_PLAN, me="person")
def add_from_catalogue(actor: Actor, person: Person, program_id: int) -> BaseResponse:
    """Add a catalogue program to the student's list."""
    plan = reading.get_or_create_plan(person)
    program = program_catalogue.get_program(actor.tenant_id, program_id)
    option = postsecondary.add_from_catalogue(actor, plan, program)
    _saved(f"Added {option.name} to your list. Add a deadline and notes when you know them.")
    return redirect(lurl("plans.edit_postsecondary", option_id=option.id))


def _option_page(
    plan: Plan,
    option_id: int,
    form: forms.OptionForm | None = None,
    task_form: forms.TaskForm | None = None,
    status: int = 200,
) -> Page:
    option = postsecondary.get_option(plan, option_id)
    if form is None:
        form = _option_form(plan, obj=option, soc_codes=", ".join(option.soc_codes or []))
        form.soc_codes.data = ", ".join(option.soc_codes or [])
    return render_template(
        "plans/postsecondary_option.html",
        option=option,
        form=form,
        task_form=task_form or forms.TaskForm(prefix="task"),
        task_kind_labels=postsecondary.TASK_KIND_LABELS,
        task_status_labels=postsecondary.TASK_STATUS_LABELS,
    ), status


@bp.get("/me/postsecondary/<int:option_id>")
@requires(Action.EDIT_PLAN, me="person")
def edit_postsecondary(actor: Actor, person: Person, option_id: int) -> Page:
    """The application tracker of one school or program."""
    plan = reading.open_plan(actor, person, page="postsecondary")
    return _option_page(plan, option_id)


@bp.post("/me/postsecondary/<int:option_id>")
@requires(Action.EDIT_PLAN, me="person")
def update_postsecondary(actor: Actor, person: Person, option_id: int) -> Page | BaseResponse:
    """Save one school or program and its tracker."""
    plan = reading.get_or_create_plan(person)
    postsecondary.get_option(plan, option_id)
    form = _option_form(plan, request.form)
    if not form.validate():
        return _option_page(plan, option_id, form=form, status=400)
    try:
        postsecondary.update_option(actor, plan, option_id, form.values())
    except InvalidInput as err:
        db.session.rollback()
        form.name.errors = [*form.name.errors, err.message]
        return _option_page(plan, option_id, form=form, status=400)
    _saved("Saved.")
    return redirect(lurl("plans.edit_postsecondary", option_id=option_id))


@bp.post("/me/postsecondary/<int:option_id>/delete")
@requires(Action.EDIT_PLAN, me="person")
def delete_postsecondary(actor: Actor, person: Person, option_id: int) -> BaseResponse:
    """Remove a school or program (with its essays and letters) from the list."""
    plan = reading.get_or_create_plan(person)
    postsecondary.delete_option(actor, plan, option_id)
    _saved("Removed from your list.")
    return redirect(lurl("plans.postsecondary_list"))


@bp.post("/me/postsecondary/<int:option_id>/tasks")
@requires(Action.EDIT_PLAN, me="person")
def add_application_task(actor: Actor, person: Person, option_id: int) -> Page | BaseResponse:
    """Add an essay or recommendation letter the application asks for."""
    plan = reading.get_or_create_plan(person)
    postsecondary.get_option(plan, option_id)
    form = forms.TaskForm(request.form, prefix="task")
    if not form.validate():
        return _option_page(plan, option_id, task_form=form, status=400)
    postsecondary.add_task(actor, plan, option_id, form.kind.data, form.name.data, form.status.data)
    _saved("Added.")
    return redirect(lurl("plans.edit_postsecondary", option_id=option_id, _anchor="tasks"))


@bp.post("/me/postsecondary/tasks/<int:task_id>")
@requires(Action.EDIT_PLAN, me="person")
def update_application_task(actor: Actor, person: Person, task_id: int) -> BaseResponse:
    """Move an essay or letter along."""
    plan = reading.get_or_create_plan(person)
    try:
        task = postsecondary.set_task_status(actor, plan, task_id, request.form.get("status"))
    except InvalidInput as err:
        db.session.rollback()
        task = postsecondary.get_task(plan, task_id)
        flash(err.message, "error")
    else:
        _saved(f"Marked {postsecondary.TASK_STATUS_LABELS[task.status].lower()}.")
    return redirect(lurl("plans.edit_postsecondary", option_id=task.option_id, _anchor="tasks"))


@bp.post("/me/postsecondary/tasks/<int:task_id>/delete")
@requires(Action.EDIT_PLAN, me="person")
def delete_application_task(actor: Actor, person: Person, task_id: int) -> BaseResponse:
    """Remove an essay or letter."""
    plan = reading.get_or_create_plan(person)
    option_id = postsecondary.delete_task(actor, plan, task_id)
    _saved("Removed.")
    return redirect(lurl("plans.edit_postsecondary", option_id=option_id, _anchor="tasks"))


# -- the student's financial-planning checklist -------------------------------------------------


@bp.get("/me/money")
@requires(Action.EDIT_PLAN, me="person")
def money_checklist(actor: Actor, person: Person) -> str:
    """The financial-planning checklist by grade, with what the student ticked."""
    plan = reading.open_plan(actor, person, page="money")
    items = financial_checklist.checklist(actor.tenant_id)
    return render_template(
        "plans/money.html",
        plan=plan,
        by_grade=financial_checklist.by_grade(items),
        done=financial_checklist.ticks(plan),
        about=financial_checklist.about(),
    )


@bp.post("/me/money/<key>")
@requires(Action.EDIT_PLAN, me="person")
def tick_money_item(actor: Actor, person: Person, key: str) -> BaseResponse:
    """Tick an item done, or not done again."""
    plan = reading.get_or_create_plan(person)
    done = financial_checklist.toggle(actor, plan, key)
    _saved("Ticked as done." if done else "Marked as not done.")
    return redirect(lurl("plans.money_checklist", _anchor=f"item-{key}"))


# -- the counselor adapts the checklist --------------------------------------------------------


def _adapt_page(
    actor: Actor, form: forms.ChecklistItemForm | None = None, status: int = 200
) -> Page:
    return render_template(
        "plans/checklist_admin.html",
        items=financial_checklist.checklist(actor.tenant_id, include_hidden=True),
        form=form or forms.ChecklistItemForm(),
        about=financial_checklist.about(),
    ), status


@bp.get("/checklist")
@requires(Action.REVIEW_CASELOAD)
def adapt_checklist(actor: Actor) -> Page:
    """The district's financial-planning checklist: add, edit and hide items."""
    return _adapt_page(actor)


@bp.post("/checklist")
@requires(Action.REVIEW_CASELOAD)
def add_checklist_item(actor: Actor) -> Page | BaseResponse:
    """Add an item of the district's own."""
    form = forms.ChecklistItemForm(request.form)
    if not form.validate():
        return _adapt_page(actor, form, 400)
    financial_checklist.add_item(actor, form.data)
    _saved("Item added to your district's checklist.")
    return redirect(lurl("plans.adapt_checklist"))


@bp.get("/checklist/<key>")
@requires(Action.REVIEW_CASELOAD)
def edit_checklist_item(actor: Actor, key: str) -> Page:
    """Edit one item for the district."""
    item = _find_item(actor, key)
    return render_template(
        "plans/checklist_item.html",
        item=item,
        form=forms.ChecklistItemForm(obj=item),
    ), 200


def _find_item(actor: Actor, key: str) -> financial_checklist.ChecklistItem:
    for item in financial_checklist.checklist(actor.tenant_id, include_hidden=True):
        if item.key == key:
            return item
    raise NotFound("That item is not on your district's checklist.")


@bp.post("/checklist/<key>")
@requires(Action.REVIEW_CASELOAD)
def save_checklist_item(actor: Actor, key: str) -> Page | BaseResponse:
    """Save one item for the district."""
    item = _find_item(actor, key)
    form = forms.ChecklistItemForm(request.form)
    if not form.validate():
        return render_template("plans/checklist_item.html", item=item, form=form), 400
    financial_checklist.edit_item(actor, key, form.data)
    _saved("Item saved.")
    return redirect(lurl("plans.adapt_checklist", _anchor=f"item-{key}"))


@bp.post("/checklist/<key>/hide")
@requires(Action.REVIEW_CASELOAD)
def hide_checklist_item(actor: Actor, key: str) -> BaseResponse:
    """Hide an item from students, or show it again."""
    item = _find_item(actor, key)
    financial_checklist.set_hidden(actor, key, not item.hidden)
    _saved("Item shown to students again." if item.hidden else "Item hidden from students.")
    return redirect(lurl("plans.adapt_checklist", _anchor=f"item-{key}"))


@bp.post("/checklist/<key>/restore")
@requires(Action.REVIEW_CASELOAD)
def restore_checklist_item(actor: Actor, key: str) -> BaseResponse:
    """Put a shipped item back as shipped."""
    financial_checklist.restore(actor, key)
    _saved("Item restored to the shipped wording.")
    return redirect(lurl("plans.adapt_checklist", _anchor=f"item-{key}"))


# -- the admin imports the catalogue -----------------------------------------------------------


def _catalogue_admin_page(
    actor: Actor,
    form: forms.CatalogueUploadForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> Page:
    return render_template(
        "plans/catalogue_admin.html",
        summary=program_catalogue.summary(actor.tenant_id),
        kind_labels=program_catalogue.PROGRAM_KIND_LABELS,
        columns=program_catalogue.CATALOGUE_COLUMNS,
        max_mb=program_catalogue.MAX_FILE_BYTES // (1024 * 1024),
        max_rows=program_catalogue.MAX_ROWS,
        form=form or forms.CatalogueUploadForm(),
        error=error,
    ), status


@bp.url_value_preprocessor
def limit_catalogue_upload(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Cap the catalogue import's request body before anything reads it: the largest file
    accepted plus 1 MiB for the rest of the form (a bigger body is refused with 413)."""
    if endpoint == "plans.import_catalogue":
        request.max_content_length = program_catalogue.MAX_FILE_BYTES + 1024 * 1024


@bp.get("/admin/programs")
@requires(Action.ADMIN_TENANT)
def catalogue_admin(actor: Actor) -> Page:
    """The district's program catalogue: what it holds, and the CSV import."""
    return _catalogue_admin_page(actor)


@bp.post("/admin/programs")
@requires(Action.ADMIN_TENANT)
def import_catalogue(actor: Actor) -> Page | BaseResponse:
    """Replace the district's catalogue with an uploaded CSV file."""
    form = forms.CatalogueUploadForm(request.form)
    upload = request.files.get("file")
    if not form.validate():
        return _catalogue_admin_page(actor, form, status=400)
    if upload is None or not upload.filename:
        return _catalogue_admin_page(actor, form, "Choose a CSV file to upload.", 400)
    data = upload.stream.read(program_catalogue.MAX_FILE_BYTES + 1)
    try:
        result = program_catalogue.import_catalogue(actor, data, release=form.release.data or "")
    except InvalidInput as err:
        return _catalogue_admin_page(
            actor,
            form,
            f"“{upload.filename[:120]}” was not imported; the catalogue is unchanged. "
            + err.message,
            400,
        )
    skipped = (
        f" Skipped {result.skipped} rows (graduate-only or unclassified)." if result.skipped else ""
    )
    _saved(
        f"Imported {result.imported} programs ({result.layout}); they replace the "
        f"{result.replaced} that were in the catalogue.{skipped}"
    )
    return redirect(lurl("plans.catalogue_admin"))
