"""The admin's caseload assignment page: counselors with their caseload sizes and rules,
adding rules (ticked students found by a search, a grade level, a letter range, a school),
removing them, and a CSV upload."""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from lti_tool.actor import Actor
from lti_tool.caseload import assignment, bp
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.launch.access import requires
from lti_tool.launch.session import lurl
from lti_tool.policy import Action

Page = tuple[str, int]


def _page(
    actor: Actor,
    *,
    status: int = 200,
    error: str | None = None,
    error_grant: int | None = None,
    typed: dict[str, str] | None = None,
    upload_result: assignment.UploadResult | None = None,
    search_for: int | None = None,
    text: str = "",
) -> Page:
    return render_template(
        "caseload/admin.html",
        counselors=assignment.counselors(actor.tenant_id),
        search_for=search_for,
        q=text,
        found=assignment.search_students(actor.tenant_id, text) if search_for else [],
        error=error,
        error_grant=error_grant,
        typed=typed or {},
        upload_result=upload_result,
        grades=range(6, 13),
    ), status


@bp.get("/admin/caseloads")
@requires(Action.ADMIN_TENANT)
def admin(actor: Actor) -> Page:
    """Counselors and their caseloads."""
    return _page(actor)


@bp.post("/admin/caseloads/<int:grant_id>/rules")
@requires(Action.ADMIN_TENANT)
def add_rule(actor: Actor, grant_id: int) -> Page | BaseResponse:
    """Add students to a counselor's caseload."""
    grant = assignment.counselor_grant(actor.tenant_id, grant_id)
    form = {k: v for k, v in request.form.items() if k != "student"}
    try:
        added = assignment.add_rule(actor, grant, form, request.form.getlist("student"))
    except InvalidInput as err:
        db.session.rollback()
        return _page(actor, status=422, error=err.message, error_grant=grant.id, typed=form)
    flash(
        "Added to the caseload." if added else "Those students were already on the caseload.",
        "info",
    )
    return redirect(lurl("caseload.admin", _anchor=f"counselor-{grant.id}"))


@bp.post("/admin/caseloads/find")
@requires(Action.ADMIN_TENANT)
def find_students(actor: Actor) -> Page:
    """Find students to tick for one counselor (posted: a name never goes into a URL)."""
    grant = request.form.get("search_for", "")
    text = (request.form.get("q") or "").replace("\x00", "").strip()[:100]
    search_for = int(grant) if grant.isascii() and grant.isdigit() and len(grant) < 10 else None
    return _page(actor, search_for=search_for, text=text)


@bp.post("/admin/caseloads/rules/<int:rule_id>/delete")
@requires(Action.ADMIN_TENANT)
def remove_rule(actor: Actor, rule_id: int) -> BaseResponse | Page:
    """Remove one rule of a caseload. Removing the district's last rule asks first: without
    any rule every counselor sees every student again."""
    if assignment.is_last_rule(actor.tenant_id, rule_id) and request.form.get("confirm") != "last":
        return render_template("caseload/confirm_last.html", rule_id=rule_id), 409
    assignment.remove_rule(actor, rule_id)
    flash("Removed from the caseload.", "info")
    return redirect(lurl("caseload.admin"))


@bp.post("/admin/caseloads/upload")
@requires(Action.ADMIN_TENANT)
def upload(actor: Actor) -> Page:
    """Assign students from a CSV (counselor email, student SIS id, email or LMS id)."""
    file = request.files.get("file")
    if file is None or not file.filename:
        return _page(actor, status=422, error="Choose a CSV file to upload.")
    try:
        result = assignment.upload(actor, file.read())
    except assignment.MalformedFile as err:
        db.session.rollback()
        return _page(actor, status=422, error=err.message)
    return _page(actor, upload_result=result)
