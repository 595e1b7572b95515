"""The class page (roster, assignments, sync status) and the teacher's "sync now" action."""

from __future__ import annotations

from flask import flash, redirect, render_template
from werkzeug.wrappers import Response

from lti_tool import policy
from lti_tool.grades import bp, services, sync
from lti_tool.grades.models import SyncKind, SyncStatus
from lti_tool.launch.session import current_actor, lurl
from lti_tool.models import Role


@bp.get("/<int:course_id>")
def class_page(course_id: int) -> str:
    """Roster, assignments and the last sync of the teacher's course."""
    actor = current_actor()
    course = services.get_course(actor, course_id)
    policy.require(actor, policy.Action.VIEW_CLASS, course)
    rows = services.roster(course)
    return render_template(
        "grades/class.html", course=course,
        students=[r for r in rows if r.role == Role.STUDENT],
        teachers=[r for r in rows if r.role == Role.TEACHER],
        assignments=services.assignment_summaries(course),
        runs=sync.latest_runs(course), SyncKind=SyncKind, SyncStatus=SyncStatus,
    )


@bp.post("/<int:course_id>/sync")
def sync_now(course_id: int) -> Response:
    """Pull roster and grades from the LMS now (or queue it, with background jobs)."""
    actor = current_actor()
    course = services.get_course(actor, course_id)
    policy.require(actor, policy.Action.SYNC_CLASS, course)
    runs = sync.start_sync(course, [SyncKind.ROSTER, SyncKind.GRADES],
                           requested_by=actor.person_id)
    if any(r.status == SyncStatus.QUEUED for r in runs):
        flash("Sync started. Refresh this page in a minute to see the results.", "info")
    elif all(r.status == SyncStatus.SUCCEEDED for r in runs):
        flash("Roster and grades are up to date.", "info")
    else:
        flash("The sync did not complete: " + "; ".join(r.error or "" for r in runs if r.error),
              "error")
    return redirect(lurl("grades.class_page", course_id=course.id))
