"""Reviewing plans, the pages: comment threads and replies, the student's "Submit my plan for
review", a counselor's "Return for changes" and approval, guardian sign-off and the guardian
home (the counselor's caseload lives in ``lti_tool.caseload``).

``review_context(actor, plan)`` gives the plan page what its review panel
(``templates/plans/review/panel.html``) needs. The logic (approval and sign-off of this
school year's snapshot, comments, plan status of many students, CSV) lives in
``plans.review_services``; these views check the policy, parse the form, call it, then
redirect or render. Every change and every export is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import flash, g, redirect, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField, Form, TextAreaField
from wtforms.validators import DataRequired, Length

from lti_tool import audit, policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.launch.access import requires
from lti_tool.launch.session import current_actor, lurl
from lti_tool.models import Person
from lti_tool.plans import bp, family, reading, review_services
from lti_tool.plans.models import Plan, PlanComment, ReviewStatus
from lti_tool.policy import Action

# -- the review panel -------------------------------------------------------------------------

ROLE_LABELS = {"teacher": "Teacher", "counselor": "Counselor", "guardian": "Guardian"}


ROLE_LABELS["student"] = "Student"

#: How the panel and the top of the plan page name each review status.
STATUS_LABELS = {
    ReviewStatus.DRAFT: "Draft",
    ReviewStatus.SUBMITTED: "Submitted for review",
    ReviewStatus.RETURNED: "Returned for changes",
    ReviewStatus.APPROVED: "Approved",
}


@dataclass(frozen=True, slots=True)
class CommentView:
    """A comment as the panel shows it: a thread's first comment carries its replies."""

    id: int
    author_name: str
    role_label: str
    body: str
    created_at: dt.datetime
    replies: tuple[CommentView, ...] = ()
    #: The time of the thread's newest comment or reply.
    last_activity: dt.datetime | None = None
    #: The thread with the newest activity on the plan.
    latest: bool = False


@dataclass(frozen=True, slots=True)
class ReviewPanel:
    """This school year's review state of a plan and what the viewer may do about it."""

    student_id: int
    school_year: str
    #: The threads, oldest first, each with its replies.
    comments: tuple[CommentView, ...]
    status: ReviewStatus
    submitted_at: dt.datetime | None
    returned_at: dt.datetime | None
    returned_by_name: str | None
    #: The counselor's note of the latest return (a thread's first comment), if any.
    return_note_id: int | None
    approved_at: dt.datetime | None
    approved_by_name: str | None
    signed_at: dt.datetime | None
    signed_by_name: str | None
    signature_name: str | None
    #: The signature is the guardian's own account (False: an older typed name).
    signed_with_account: bool
    #: The guardian confirmed they reviewed the plan with their child.
    reviewed_with_child: bool
    can_comment: bool
    can_approve: bool
    can_sign: bool
    #: The name the viewer would sign with (their LMS account's), when they may sign.
    signer_name: str | None = None
    can_reply: bool = False
    can_submit: bool = False
    can_return: bool = False

    @property
    def status_label(self) -> str:
        """The status in words."""
        return STATUS_LABELS[self.status]


def _name(person: Person | None) -> str:
    if person is None:
        return "A former member"
    return person.display_name


@dataclass(frozen=True, slots=True)
class ReviewDraft:
    """What was typed in the review form when a post failed, shown again with the messages
    (``review_context`` reads it from ``g.review_draft``, set by the failing view)."""

    body: str = ""
    #: The "I have reviewed this plan with my child" box was ticked.
    reviewed: bool = False
    comment_error: str | None = None
    sign_error: str | None = None
    #: A reply that failed: the thread it answers, what was typed, the message.
    reply_to: int | None = None
    reply_body: str = ""
    reply_error: str | None = None
    #: "Submit my plan for review" failed.
    submit_error: str | None = None

    @property
    def errors(self) -> tuple[str, ...]:
        """Every message, for the summary above the form."""
        return tuple(e for e in (self.sign_error, self.comment_error) if e)


@dataclass(frozen=True, slots=True)
class _Thread:
    view: CommentView
    author_id: int | None


def _threads(plan: Plan) -> list[_Thread]:
    """The plan's comment threads, oldest first, replies nested (one query)."""
    rows = db.session.execute(
        select(PlanComment, Person)
        .outerjoin(Person, Person.id == PlanComment.author_id)
        .where(PlanComment.plan_id == plan.id)
        .order_by(PlanComment.created_at, PlanComment.id)
    ).all()

    def view(c: PlanComment, author: Person | None) -> CommentView:
        return CommentView(
            id=c.id,
            author_name=_name(author),
            role_label=ROLE_LABELS.get(c.author_role, c.author_role.title()),
            body=c.body,
            created_at=c.created_at,
        )

    replies: dict[int, list[CommentView]] = {}
    for c, author in rows:
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(view(c, author))
    firsts = [(c, author) for c, author in rows if c.parent_id is None]
    newest = max(
        firsts,
        key=lambda row: (replies.get(row[0].id) or [view(*row)])[-1].created_at,
        default=None,
    )
    threads = []
    for c, author in firsts:
        answers = tuple(replies.get(c.id, ()))
        last = answers[-1].created_at if answers else c.created_at
        first = view(c, author)
        threads.append(
            _Thread(
                view=CommentView(
                    id=first.id,
                    author_name=first.author_name,
                    role_label=first.role_label,
                    body=first.body,
                    created_at=first.created_at,
                    replies=answers,
                    last_activity=last,
                    latest=len(firsts) > 1 and newest is not None and newest[0].id == c.id,
                ),
                author_id=c.author_id,
            )
        )
    return threads


def review_context(actor: Actor, plan: Plan) -> dict[str, Any]:
    """Variables for the review panel on a plan page: ``{"review": ReviewPanel,
    "review_draft": ReviewDraft}`` (the draft is empty unless a post just failed).

    Four queries: the comment threads with their authors, this year's snapshot, the people it
    names, and the policy checks of every form at once.
    """
    student = db.session.get(Person, plan.person_id)
    year = reading.school_year()
    comments = _threads(plan)
    snap = review_services.this_years_snapshot(plan, year)
    ids = {i for i in (snap.approved_by, snap.signed_by, snap.returned_by) if i} if snap else set()
    names = (
        {p.id: p for p in db.session.execute(select(Person).where(Person.id.in_(ids))).scalars()}
        if ids
        else {}
    )
    status = review_services.review_status(snap)
    return_note = None
    if snap is not None and status is ReviewStatus.RETURNED and snap.returned_by:
        notes = [c for c in comments if c.author_id == snap.returned_by]
        return_note = notes[-1].view.id if notes else None
    allow = (
        policy.allowed_each(
            actor,
            [
                (Action.COMMENT_PLAN, student),
                (Action.REVIEW_PLAN, student),
                (Action.SIGN_PLAN, student),
                (Action.REPLY_PLAN, student),
                (Action.SUBMIT_PLAN, student),
                (Action.RETURN_PLAN, student),
            ],
        )
        if student is not None
        else [False] * 6
    )
    can_sign = allow[2]
    signer = (
        review_services.signer_name(db.session.get(Person, actor.person_id), actor.person_id)
        if can_sign and not (snap and snap.signed_at)
        else None
    )
    return {
        "review": ReviewPanel(
            student_id=plan.person_id,
            school_year=year,
            comments=tuple(c.view for c in comments),
            status=status,
            submitted_at=snap.submitted_at if snap else None,
            returned_at=snap.returned_at if snap and status is ReviewStatus.RETURNED else None,
            returned_by_name=_name(names.get(snap.returned_by or 0))
            if snap and status is ReviewStatus.RETURNED
            else None,
            return_note_id=return_note,
            approved_at=snap.approved_at if snap else None,
            approved_by_name=_name(names.get(snap.approved_by or 0))
            if snap and snap.approved_at
            else None,
            signed_at=snap.signed_at if snap else None,
            signed_by_name=_name(names.get(snap.signed_by or 0))
            if snap and snap.signed_at
            else None,
            signature_name=snap.signature_name if snap else None,
            signed_with_account=bool(snap and snap.signed_with_account),
            reviewed_with_child=bool(snap and snap.reviewed_with_child),
            can_comment=allow[0],
            can_approve=allow[1],
            can_sign=can_sign,
            signer_name=signer,
            can_reply=allow[3],
            can_submit=allow[4],
            can_return=allow[5],
        ),
        "review_draft": g.get("review_draft") or ReviewDraft(),
    }


# -- comments, approval, sign-off -------------------------------------------------------------


class CommentForm(Form):
    """A comment on a plan."""

    body = TextAreaField(
        "Comment",
        filters=[lambda v: (v or "").strip()],
        validators=[
            DataRequired("Write a comment first."),
            Length(max=4000, message="Keep a comment under 4,000 characters."),
        ],
    )


#: The message beside the sign-off box when it was not ticked.
REVIEWED_REQUIRED = "Tick \u201cI have reviewed this plan with my child\u201d to sign off."


class SignForm(Form):
    """A guardian's sign-off: nothing to type (the signature is their own LMS account), only
    the confirmation that they reviewed the plan with their child."""

    reviewed_with_child = BooleanField(
        "I have reviewed this plan with my child",
        validators=[DataRequired(REVIEWED_REQUIRED)],
    )


def _error(form: Form, field: str) -> str | None:
    """The first message of ``field`` after ``form.validate()`` (None when it is fine)."""
    messages = form.errors.get(field) or []
    return str(messages[0]) if messages else None


def _drafts() -> tuple[CommentForm, SignForm]:
    """The review form as posted: the comment and the sign-off box, whichever button was
    used."""
    return CommentForm(request.form), SignForm(request.form)


def _comment_to_post(comment: CommentForm) -> tuple[bool, str | None]:
    """With approve or sign-off: whether a comment was typed too, and its problem if any."""
    if not (comment.body.data or ""):
        return False, None
    comment.validate()
    return True, _error(comment, "body")


def _show_again(actor: Actor, student: Person, draft: ReviewDraft) -> tuple[str, int]:
    """The plan page again with the review form as it was typed and its messages (422), so
    nothing typed is lost."""
    # Imported here: ``views`` imports this module for ``review_context``.
    from lti_tool.plans.views import render_plan

    db.session.rollback()
    g.review_draft = draft
    plan = reading.open_plan(actor, student)
    return render_plan(actor, student, plan), 422


def _back_to_plan(student: Person, anchor: str = "review-heading") -> BaseResponse:
    return redirect(lurl("plans.student_plan", person_id=student.id, _anchor=anchor))


@bp.post("/students/<int:person_id>/comments")
@requires(Action.COMMENT_PLAN, student=(Person, "person_id"))
def add_comment(actor: Actor, student: Person) -> BaseResponse | tuple[str, int]:
    """A teacher, counselor or guardian comments on a student's plan."""
    form, sign_form = _drafts()
    if not form.validate():
        return _show_again(
            actor,
            student,
            ReviewDraft(
                body=form.body.data or "",
                reviewed=bool(sign_form.reviewed_with_child.data),
                comment_error=_error(form, "body"),
            ),
        )
    review_services.add_comment_to_plan(actor, student, form.body.data or "")
    flash("Your comment was added.", "info")
    return _back_to_plan(student)


@bp.post("/students/<int:person_id>/approve")
@requires(Action.REVIEW_PLAN, student=(Person, "person_id"))
def approve_plan(actor: Actor, student: Person) -> BaseResponse | tuple[str, int]:
    """A counselor approves this school year's plan (and posts the comment typed with it)."""
    comment, _sign = _drafts()
    with_comment, problem = _comment_to_post(comment)
    if problem:
        return _show_again(
            actor,
            student,
            ReviewDraft(
                body=comment.body.data or "",
                comment_error=f"The plan was not approved yet: {problem}",
            ),
        )
    snap = review_services.approve(actor, student)
    message = f"Plan approved for the {snap.school_year} school year."
    if with_comment:
        review_services.add_comment_to_plan(actor, student, comment.body.data or "")
        message += " Your comment was added."
    flash(message, "info")
    return _back_to_plan(student)


@bp.post("/students/<int:person_id>/sign")
@requires(Action.SIGN_PLAN, student=(Person, "person_id"))
def sign_plan(actor: Actor, student: Person) -> BaseResponse | tuple[str, int]:
    """A guardian signs off this school year's plan with their own account, confirming they
    reviewed it with their child (and the comment typed with it is posted)."""
    comment, form = _drafts()
    with_comment, problem = _comment_to_post(comment)
    sign_problem = None if form.validate() else _error(form, "reviewed_with_child")
    if problem or sign_problem:
        return _show_again(
            actor,
            student,
            ReviewDraft(
                body=comment.body.data or "",
                reviewed=bool(form.reviewed_with_child.data),
                sign_error=sign_problem,
                comment_error=problem,
            ),
        )
    snap = review_services.sign(actor, student, reviewed_with_child=True)
    if snap is None:
        message = "This plan is already signed for this school year."
    else:
        message = f"Thank you. You signed off the plan for the {snap.school_year} school year."
    if with_comment:
        review_services.add_comment_to_plan(actor, student, comment.body.data or "")
        message += " Your comment was added."
    flash(message, "info")
    return _back_to_plan(student)


# -- threads and the review status ---------------------------------------------------------------


@bp.post("/students/<int:person_id>/comments/<int:comment_id>/replies")
@requires(Action.REPLY_PLAN, student=(Person, "person_id"))
def reply_to_comment(
    actor: Actor, student: Person, comment_id: int
) -> BaseResponse | tuple[str, int]:
    """A reply in a comment's thread: the student on their own plan, or anyone who may
    comment on it."""
    parent = review_services.comment_of(student, comment_id)
    form = CommentForm(request.form)
    if not form.validate():
        return _show_again(
            actor,
            student,
            ReviewDraft(
                reply_to=review_services.thread_start(parent).id,
                reply_body=form.body.data or "",
                reply_error=_error(form, "body"),
            ),
        )
    reply = review_services.add_comment_to_plan(actor, student, form.body.data or "", parent=parent)
    flash("Your reply was added.", "info")
    return _back_to_plan(student, f"comment-{reply.id}")


@bp.post("/students/<int:person_id>/submit")
@requires(Action.SUBMIT_PLAN, student=(Person, "person_id"))
def submit_plan(actor: Actor, student: Person) -> BaseResponse | tuple[str, int]:
    """The student hands this school year's plan in for review (again after changes)."""
    try:
        snap = review_services.submit(actor, student)
    except InvalidInput as err:
        return _show_again(actor, student, ReviewDraft(submit_error=err.message))
    flash(
        f"Your plan for {snap.school_year} was submitted for review. Your counselor will "
        "read it; you can keep working on it.",
        "info",
    )
    return _back_to_plan(student, "review-heading")


@bp.post("/students/<int:person_id>/return")
@requires(Action.RETURN_PLAN, student=(Person, "person_id"))
def return_plan(actor: Actor, student: Person) -> BaseResponse | tuple[str, int]:
    """A counselor sends this year's plan back for changes; the comment typed is the note."""
    form = CommentForm(request.form)
    if not form.validate():
        problem = _error(form, "body")
        if not (form.body.data or ""):
            problem = "Write what the student should change, then press Return for changes."
        return _show_again(
            actor,
            student,
            ReviewDraft(
                body=form.body.data or "",
                comment_error=f"The plan was not returned yet: {problem}",
            ),
        )
    review_services.return_for_changes(actor, student, form.body.data or "")
    flash("The plan was returned for changes. Your note is in the comments.", "info")
    return _back_to_plan(student)


# -- pages --------------------------------------------------------------------------------------


@bp.get("/family")
def guardian_home() -> str:
    """A guardian's landing: a summary card for each child (goals and progress, this year's
    milestones, the counselor's latest comment, review and sign-off), before the full plan."""
    actor = current_actor()
    cards = family.family_cards(actor)
    if cards:
        audit.record(
            "plans.family_view",
            tenant_id=actor.tenant_id,
            actor_id=actor.person_id,
            subject_type="person",
            subject_id=actor.person_id,
            students=[c.person_id for c in cards],
        )
        db.session.commit()
    return render_template("plans/guardian.html", children=cards, school_year=reading.school_year())
