"""The class page (roster, assignments, sync status) and the teacher's "sync now" action."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from lti_tool.actor import Actor
from lti_tool.grades import bp, lms_rest, services, sync
from lti_tool.grades.models import SyncKind, SyncRun, SyncStatus
from lti_tool.launch.access import requires
from lti_tool.launch.session import current_actor, current_person, lurl
from lti_tool.models import Course, LmsKind, Person, Role
from lti_tool.policy import Action
from lti_tool.tenants import tenant_platform
from lti_tool.urls import public_url


@bp.get("/courses/<int:course_id>")
@requires(Action.VIEW_CLASS, course=Course)
def class_page(actor: Actor, course: Course) -> str:
    """Roster, assignments and the last sync of the teacher's course."""
    rows = services.roster(course)
    return render_template(
        "grades/class.html",
        course=course,
        students=[r for r in rows if r.role == Role.STUDENT],
        teachers=[r for r in rows if r.role == Role.TEACHER],
        assignments=services.assignment_summaries(course),
        grades=services.course_grades(course),
        runs=sync.latest_runs(course),
        SyncKind=SyncKind,
        SyncStatus=SyncStatus,
        rest=lms_rest.rest_options(actor.person_id, course.tenant_id),
    )


def _flash_runs(runs: list[SyncRun]) -> None:
    if any(r.status == SyncStatus.QUEUED for r in runs):
        flash("Sync started. Refresh this page in a minute to see the results.", "info")
    elif all(r.status == SyncStatus.SUCCEEDED for r in runs):
        flash("Up to date.", "info")
    else:
        flash(
            "The sync did not complete: " + "; ".join(r.error or "" for r in runs if r.error),
            "error",
        )


@bp.post("/courses/<int:course_id>/sync")
@requires(Action.SYNC_CLASS, course=Course)
def sync_now(actor: Actor, course: Course) -> Response:
    """Pull roster and grades from the LMS now (or queue it, with background jobs)."""
    source = request.form.get("source", "lti")
    kinds = {
        "lti": [SyncKind.ROSTER, SyncKind.GRADES],
        "canvas": [SyncKind.CANVAS],
        "schoology": [SyncKind.SCHOOLOGY],
    }.get(source)
    if kinds is None:
        flash("Unknown sync source.", "error")
        return redirect(lurl("grades.class_page", course_id=course.id))
    _flash_runs(sync.start_sync(course, kinds, requested_by=actor.person_id))
    return redirect(lurl("grades.class_page", course_id=course.id))


OAUTH_COOKIE = "lodestar_canvas_oauth"


@bp.get("/lms/canvas/connect")
def canvas_connect() -> Response:
    """Send the person to Canvas to authorise Lodestar (opened in a new, top-level tab, so
    a first-party cookie can tie the callback to this browser)."""
    current_actor()
    person = current_person()
    url, state = lms_rest.canvas_connect_url(
        person, redirect_uri=public_url("grades.canvas_callback")
    )
    response = redirect(url)
    response.set_cookie(
        OAUTH_COOKIE,
        lms_rest.browser_binding(state),
        max_age=600,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        path=url_for("grades.canvas_callback"),
    )
    return response


@bp.get("/lms/canvas/callback")
def canvas_callback() -> Response:
    """Canvas sends the person back here with a one-time code."""
    result = lms_rest.canvas_callback(
        state=request.args.get("state", ""),
        code=request.args.get("code"),
        error=request.args.get("error"),
        redirect_uri=public_url("grades.canvas_callback"),
        binding=request.cookies.get(OAUTH_COOKIE),
    )
    response = current_app.make_response(
        render_template("grades/canvas_connected.html", result=result)
    )
    response.delete_cookie(OAUTH_COOKIE, path=url_for("grades.canvas_callback"))
    return response


@bp.post("/me/grades/sync")
@requires(Action.EDIT_PLAN, me="person")
def sync_my_grades(actor: Actor, person: Person) -> Response:
    """A student pulls their grades across Canvas courses into their plan."""
    platform = tenant_platform(actor.tenant_id)
    if platform is None or platform.lms != LmsKind.CANVAS:
        flash("Grades across courses come from Canvas, which this school does not use.", "error")
    else:
        _flash_runs(
            sync.start_sync(
                None, [SyncKind.CANVAS_TRANSCRIPT], requested_by=person.id, person=person
            )
        )
    return redirect(lurl("plans.my_plan"))
