"""The counselor's caseload page, its CSV export and its bulk actions.

The URLs stay where the caseload always was (``/plans/caseload``, ``/plans/caseload.csv``).
The search, filters, sort and page travel in the query string (only what the counselor
typed in the search box can be a name); bulk actions post the ticked ids or the filters.
Every view and export is audited with the ids of the students shown.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from lti_tool import audit, policy
from lti_tool.actor import Actor
from lti_tool.caseload import bp, listing
from lti_tool.extensions import db
from lti_tool.launch.access import requires
from lti_tool.launch.session import lurl
from lti_tool.models import Person
from lti_tool.plans import reading, review_services
from lti_tool.policy import Action

#: Keep a bulk comment as short as a plan comment.
COMMENT_LIMIT = 4000


def _audit(actor: Actor, action: str, query: listing.CaseloadQuery, ids: list[int]) -> None:
    # Which students were shown (ids), so "who saw this student's plan?" has an answer.
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        filters={k: v for k, v in query.args().items() if k != "q"},
        searched=bool(query.q),
        students=ids,
        student_count=len(ids),
    )
    db.session.commit()


def _render(
    actor: Actor,
    query: listing.CaseloadQuery,
    *,
    status: int = 200,
    body: str = "",
    error: str = "",
) -> tuple[str, int]:
    page = listing.caseload_page(actor, query)
    _audit(actor, "caseload.view", page.query, [r.person_id for r in page.rows])
    return render_template(
        "caseload/caseload.html",
        page=page,
        query=page.query,
        school_year=reading.school_year(),
        clusters=listing.cluster_options(),
        milestone_options=listing.MILESTONES,
        activity_options=listing.ACTIVITY,
        status_labels=listing.STATUS_LABELS,
        grades=range(6, 13),
        page_size=listing.PAGE_SIZE,
        comment_body=body,
        comment_error=error,
        is_admin=policy.is_admin(actor),
    ), status


@bp.get("/plans/caseload")
@requires(Action.REVIEW_CASELOAD)
def caseload(actor: Actor) -> tuple[str, int]:
    """The counselor's students, searched, filtered, sorted and paged."""
    return _render(actor, listing.parse_query(request.args))


@bp.get("/plans/caseload.csv")
@requires(Action.REVIEW_CASELOAD)
def caseload_csv(actor: Actor) -> Response:
    """Every student the page's search and filters show (all pages) as a CSV download."""
    query = listing.parse_query(request.args)
    rows = listing.all_matching(actor, query)
    _audit(actor, "caseload.export", query, [r.person_id for r in rows])
    filename = f"caseload-{reading.school_year()}{'-filtered' if query.filtered else ''}.csv"
    return Response(
        listing.csv_text(rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _filters_of(form: MultiDict[str, str]) -> listing.CaseloadQuery:
    """The page's filters, carried by the bulk form as hidden fields (``f_<name>``)."""
    return listing.parse_query({k[2:]: v for k, v in form.items() if k.startswith("f_")})


@bp.post("/plans/caseload/bulk")
@requires(Action.REVIEW_CASELOAD)
def caseload_bulk(actor: Actor) -> BaseResponse | tuple[str, int] | Response:
    """A bulk action on the ticked students, or on every student matching the filters:
    a comment on each plan, their plans returned for changes with one note, or a CSV."""
    query = _filters_of(request.form)
    everyone = request.form.get("scope") == "all"
    if everyone:
        ids = listing.matching_ids(actor, query)
    else:
        ids = sorted({int(i) for i in request.form.getlist("student") if i.isdigit()})
    action = request.form.get("action")
    if action == "export":
        chosen = set(ids)
        rows = [r for r in listing.all_matching(actor, query) if r.person_id in chosen]
        _audit(actor, "caseload.export", query, [r.person_id for r in rows])
        return Response(
            listing.csv_text(rows),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="caseload-{reading.school_year()}'
                '-selected.csv"',
                "Cache-Control": "no-store",
            },
        )
    if action not in ("comment", "return"):
        return _render(actor, query, status=400, error="Choose what to do with the students.")
    returning = action == "return"
    body = (request.form.get("body") or "").strip()
    problem = (
        "Tick at least one student, or choose every matching student."
        if not ids
        else (
            "Write what the students should change first: your note starts a thread each "
            "student can answer."
            if returning
            else "Write a comment first."
        )
        if not body
        else "Keep a comment under 4,000 characters."
        if len(body) > COMMENT_LIMIT
        else ""
    )
    if problem:
        return _render(actor, query, status=422, body=body, error=problem)
    done = skipped = 0
    needed = Action.RETURN_PLAN if returning else Action.COMMENT_PLAN
    for student in db.session.query(Person).filter(
        Person.tenant_id == actor.tenant_id, Person.id.in_(ids)
    ):
        if not policy.allowed(actor, needed, student):
            skipped += 1
        elif returning:
            review_services.return_for_changes(actor, student, body)
            done += 1
        else:
            review_services.add_comment_to_plan(
                actor, student, body, action="plan.comment", bulk=True
            )
            done += 1
    if returning:
        message = (
            f"{done} plan{' was' if done == 1 else 's were'} returned for changes with your note."
        )
        if skipped:
            message += f" {skipped} could not be returned."
        flash(message, "info")
        return redirect(lurl("caseload.caseload", **query.args()))
    message = f"Your comment was added to {done} plan{'' if done == 1 else 's'}."
    if skipped:
        message += f" {skipped} student{'' if skipped == 1 else 's'} could not get it."
    flash(message, "info")
    return redirect(lurl("caseload.caseload", **query.args()))
