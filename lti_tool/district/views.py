"""The district admin's pages: settings, the audit-log viewer and the year-end rollover.
Thin: parse, call a service, render or redirect."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
)
from werkzeug.wrappers import Response as BaseResponse

from lti_tool import jobs
from lti_tool.actor import Actor
from lti_tool.district import audit_log, bp, calendar, rollover, settings_page
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.launch.access import requires
from lti_tool.launch.session import lurl
from lti_tool.policy import Action

Page = str | tuple[str, int]


# -- district settings --------------------------------------------------------------------------


@bp.get("/district")
@requires(Action.ADMIN_TENANT)
def district_settings(actor: Actor) -> Page:
    """Every district setting on one page, each section saved on its own."""
    return _settings(actor)


def _settings(
    actor: Actor, *, section: str = "", error: str = "", form: Mapping[str, Any] | None = None
) -> Page:
    page = render_template(
        "district/settings.html",
        **settings_page.overview(actor.tenant_id),
        months=calendar.MONTHS,
        error_section=section,
        error=error,
        form=form or {},
    )
    return (page, 422) if error else page


#: Each section's saver: (service, message when saved).
SECTIONS: dict[str, tuple[Callable[[Actor, Mapping[str, Any]], object], str]] = {
    "plans": (settings_page.save_plan_settings, "Course plan and grade scale saved."),
    "zone": (settings_page.save_time_zone, "Time zone saved."),
    "year": (calendar.set_year_start, "First day of the school year saved."),
    "place": (settings_page.save_place, "State and metro area saved."),
    "retention": (calendar.set_retention, "Retention period saved."),
}


@bp.post("/district/<section>")
@requires(Action.ADMIN_TENANT)
def save_district_settings(actor: Actor, section: str) -> Page | BaseResponse:
    """Save one section of the settings page; a bad value shows the page again (422) with
    what was typed."""
    if section not in SECTIONS:
        raise NotFound()
    save, said = SECTIONS[section]
    try:
        save(actor, request.form)
    except InvalidInput as err:
        return _settings(actor, section=section, error=err.message, form=request.form)
    flash(said, "success")
    return redirect(lurl("district.district_settings", _anchor=f"{section}-h"))


# -- the audit log ------------------------------------------------------------------------------


@bp.get("/audit")
@requires(Action.ADMIN_TENANT)
def audit_viewer(actor: Actor) -> Page:
    """The tenant's audit events, filtered, newest first, 50 a page; audited."""
    filters, errors = audit_log.parse_filters(request.args)
    return _audit_page(actor, filters, errors=errors)


def _audit_page(
    actor: Actor,
    filters: audit_log.Filters,
    *,
    errors: Mapping[str, str] | None = None,
    matches: list[Any] | None = None,
    find_error: str = "",
) -> Page:
    result = audit_log.page(actor, filters)
    page = render_template(
        "district/audit.html",
        result=result,
        filters=filters,
        errors=errors or {},
        typed=request.args,
        seen=audit_log.SEEN,
        matches=matches,
        find_text=request.form.get("q", "") if request.method == "POST" else "",
        find_error=find_error,
    )
    return (page, 422) if errors or find_error else page


@bp.post("/audit/find")
@requires(Action.ADMIN_TENANT)
def audit_find(actor: Actor) -> Page:
    """Find people by name or email (posted, so no name lands in a URL) to filter by."""
    try:
        matches = audit_log.find_people(actor.tenant_id, request.form.get("q", ""))
    except InvalidInput as err:
        return _audit_page(actor, audit_log.Filters(), find_error=err.message)
    return _audit_page(actor, audit_log.Filters(), matches=matches)


@bp.get("/audit.csv")
@requires(Action.ADMIN_TENANT)
def audit_csv(actor: Actor) -> Response:
    """What the filters show, every page, as CSV; audited."""
    filters, _errors = audit_log.parse_filters(request.args)
    return Response(
        stream_with_context(audit_log.csv_lines(actor, filters)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="audit-log.csv"',
            "Cache-Control": "no-store",
        },
    )


# -- the year-end rollover ----------------------------------------------------------------------


@bp.get("/rollover")
@requires(Action.ADMIN_TENANT)
def rollover_page(actor: Actor) -> str:
    """What the year-end rollover will do, and the button that does it."""
    return render_template(
        "district/rollover.html",
        plan=rollover.preview(actor.tenant_id),
        retention_days=calendar.settings_of(actor.tenant_id).graduate_retention_days,
    )


@bp.post("/rollover")
@requires(Action.ADMIN_TENANT)
def run_rollover(actor: Actor) -> BaseResponse:
    """Run the rollover the admin confirmed (the school year shown on the page): in the
    background when RQ is configured (a large district's snapshots take minutes)."""
    expected = request.form.get("school_year", "")
    if current_app.config.get("ILP_REDIS_URL"):
        jobs.enqueue(rollover.run_job, actor.tenant_id, actor.person_id, expected)
        flash(
            f"The rollover to {expected} is running in the background; this page shows "
            "when it is done.",
            "info",
        )
        return redirect(lurl("district.rollover_page"))
    done = rollover.run(actor.tenant_id, actor_id=actor.person_id, expected=expected)
    if done.ran:
        flash(
            f"{done.starting} has started: {done.snapshots} snapshots taken, {done.advanced} "
            f"students moved up a grade, {done.archived} graduates archived"
            + (f", {done.purged} archived graduates deleted." if done.purged else "."),
            "success",
        )
    else:
        flash(
            "Nothing changed: that school year has started already, or its rollover is not open.",
            "info",
        )
    return redirect(lurl("district.rollover_page"))
