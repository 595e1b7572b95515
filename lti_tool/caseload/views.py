"""The counselor's caseload page, its CSV export and its bulk actions.

The URLs stay where the caseload always was (``/plans/caseload``, ``/plans/caseload.csv``).
The filters, sort and page travel in the query string. What the counselor types in the
search box can be a name, so it never does: the form posts to ``/plans/caseload/search``,
which keeps it under a token (``listing.remember_search``) and redirects to the list with
the token. Bulk actions post the ticked ids or the filters, and touch at most
:data:`BULK_LIMIT` students. Every view and export is audited with the ids of the students
shown.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import Response, flash, redirect, render_template, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from lti_tool import audit, policy
from lti_tool.actor import Actor
from lti_tool.caseload import bp, listing
from lti_tool.errors import ToolError
from lti_tool.extensions import db
from lti_tool.launch.access import requires
from lti_tool.launch.session import lurl
from lti_tool.models import Person
from lti_tool.parse import digits_int
from lti_tool.plans import reading, review_services
from lti_tool.policy import Action

log = logging.getLogger(__name__)

#: Keep a bulk comment as short as a plan comment.
COMMENT_LIMIT = 4000
#: The most students one bulk comment or return reaches (each is a few statements and a
#: notification: more would keep the request running for minutes).
BULK_LIMIT = 1000
#: Shown when a search's token is gone (it expired, or the link was someone else's).
SEARCH_LOST = "Your search ran out after a few hours, so all students are shown. Search again."


def _audit(actor: Actor, action: str, query: listing.CaseloadQuery, ids: list[int]) -> None:
    # Which students were shown (ids), so "who saw this student's plan?" has an answer.
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        filters={k: v for k, v in query.args().items() if k != "search"},
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
    return _render(actor, listing.parse_query(request.args, actor))


@bp.post("/plans/caseload/search")
@requires(Action.REVIEW_CASELOAD)
def caseload_search(actor: Actor) -> BaseResponse:
    """The search form: keep the search text under a token, then show the list with the
    token and the filters in the URL (the text itself never goes into one)."""
    form = {k: v for k, v in request.form.items() if k not in ("q", "search", "page")}
    query = listing.parse_query(form, actor)
    text = listing.search_text(request.form.get("q"))
    if text:
        query = replace(query, q=text, search=listing.remember_search(actor, text))
    return redirect(lurl("caseload.caseload", **query.args()))


@bp.get("/plans/caseload.csv")
@requires(Action.REVIEW_CASELOAD)
def caseload_csv(actor: Actor) -> BaseResponse:
    """Every student the page's search and filters show (all pages) as a CSV download."""
    query = listing.parse_query(request.args, actor)
    if query.search_lost:
        # Not every student instead of the ones searched: back to the list to search again.
        flash(SEARCH_LOST, "info")
        return redirect(lurl("caseload.caseload", **query.args()))
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


def _filters_of(actor: Actor, form: MultiDict[str, str]) -> listing.CaseloadQuery:
    """The page's filters, carried by the bulk form as hidden fields (``f_<name>``)."""
    return listing.parse_query({k[2:]: v for k, v in form.items() if k.startswith("f_")}, actor)


@bp.post("/plans/caseload/bulk")
@requires(Action.REVIEW_CASELOAD)
def caseload_bulk(actor: Actor) -> BaseResponse | tuple[str, int] | Response:
    """A bulk action on the ticked students, or on every student matching the filters:
    a comment on each plan, their plans returned for changes with one note, or a CSV."""
    query = _filters_of(actor, request.form)
    everyone = request.form.get("scope") == "all"
    action = request.form.get("action")
    if everyone and query.search_lost:
        # "All matching" without the search would be far more students than were shown.
        return _render(actor, query, status=422, error=SEARCH_LOST)
    if everyone:
        ids = listing.matching_ids(
            actor, query, limit=None if action == "export" else BULK_LIMIT + 1
        )
    else:
        ids = sorted({n for n in map(digits_int, request.form.getlist("student")) if n is not None})
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
        else f"That is more than {BULK_LIMIT:,} students at once: narrow the filters (a grade, "
        "a status) and do it in a few goes."
        if len(ids) > BULK_LIMIT
        else ""
    )
    if problem:
        return _render(actor, query, status=422, body=body, error=problem)
    done, skipped = _each_student(actor, ids, body, returning=returning)
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


def _each_student(actor: Actor, ids: list[int], body: str, *, returning: bool) -> tuple[int, int]:
    """Comment on (or return) the plan of each of ``ids`` on the actor's caseload; returns
    (done, skipped). Who is on the caseload is one statement (``policy.caseload_student_ids``:
    the counselor's students, not archived, not erased), loading them one more; the others
    are skipped. Each student is committed on their own, so one that fails is skipped and
    the others still get it."""
    allowed = list(
        db.session.execute(policy.caseload_student_ids(actor).where(Person.id.in_(ids))).scalars()
    )
    students = (
        db.session.execute(select(Person).where(Person.id.in_(allowed)).order_by(Person.id))
        .scalars()
        .all()
        if allowed
        else []
    )
    done = 0
    for student in students:
        student_id = student.id
        try:
            if returning:
                review_services.return_for_changes(actor, student, body)
            else:
                review_services.add_comment_to_plan(
                    actor, student, body, action="plan.comment", bulk=True
                )
        except (ToolError, SQLAlchemyError) as err:
            db.session.rollback()
            log.warning(
                "Bulk %s skipped student %s: %s",
                "return" if returning else "comment",
                student_id,
                type(err).__name__,
            )
            continue
        done += 1
    return done, len(ids) - done
