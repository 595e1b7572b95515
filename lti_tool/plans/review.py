"""Reviewing plans, the pages: comments, counselor approval, guardian sign-off and the
guardian home (the counselor's caseload lives in ``lti_tool.caseload``).

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
from wtforms import Form, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lti_tool import audit, policy
from lti_tool.actor import Actor
from lti_tool.extensions import db
from lti_tool.launch.access import requires
from lti_tool.launch.session import current_actor, lurl
from lti_tool.models import Person
from lti_tool.plans import bp, reading, review_services
from lti_tool.plans.models import Plan, PlanComment
from lti_tool.policy import Action

# -- the review panel -------------------------------------------------------------------------

ROLE_LABELS = {"teacher": "Teacher", "counselor": "Counselor", "guardian": "Guardian"}


@dataclass(frozen=True, slots=True)
class CommentView:
    """A comment as the panel shows it."""

    id: int
    author_name: str
    role_label: str
    body: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReviewPanel:
    """This school year's review state of a plan and what the viewer may do about it."""

    student_id: int
    school_year: str
    comments: tuple[CommentView, ...]
    approved_at: dt.datetime | None
    approved_by_name: str | None
    signed_at: dt.datetime | None
    signed_by_name: str | None
    signature_name: str | None
    can_comment: bool
    can_approve: bool
    can_sign: bool


def _name(person: Person | None) -> str:
    if person is None:
        return "A former member"
    return person.display_name


@dataclass(frozen=True, slots=True)
class ReviewDraft:
    """What was typed in the review form when a post failed, shown again with the messages
    (``review_context`` reads it from ``g.review_draft``, set by the failing view)."""

    body: str = ""
    signature_name: str = ""
    comment_error: str | None = None
    sign_error: str | None = None

    @property
    def errors(self) -> tuple[str, ...]:
        """Every message, for the summary above the form."""
        return tuple(e for e in (self.sign_error, self.comment_error) if e)


def review_context(actor: Actor, plan: Plan) -> dict[str, Any]:
    """Variables for the review panel on a plan page: ``{"review": ReviewPanel,
    "review_draft": ReviewDraft}`` (the draft is empty unless a post just failed).

    Three queries (comments with authors, this year's snapshot, approver and signer) plus the
    policy checks for the three forms.
    """
    student = db.session.get(Person, plan.person_id)
    year = reading.school_year()
    comments = tuple(
        CommentView(
            id=c.id,
            author_name=_name(author),
            role_label=ROLE_LABELS.get(c.author_role, c.author_role.title()),
            body=c.body,
            created_at=c.created_at,
        )
        for c, author in db.session.execute(
            select(PlanComment, Person)
            .outerjoin(Person, Person.id == PlanComment.author_id)
            .where(PlanComment.plan_id == plan.id)
            .order_by(PlanComment.created_at, PlanComment.id)
        ).all()
    )
    snap = review_services.this_years_snapshot(plan, year)
    ids = {i for i in (snap.approved_by, snap.signed_by) if i} if snap else set()
    names = (
        {p.id: p for p in db.session.execute(select(Person).where(Person.id.in_(ids))).scalars()}
        if ids
        else {}
    )
    return {
        "review": ReviewPanel(
            student_id=plan.person_id,
            school_year=year,
            comments=comments,
            approved_at=snap.approved_at if snap else None,
            approved_by_name=_name(names.get(snap.approved_by or 0))
            if snap and snap.approved_at
            else None,
            signed_at=snap.signed_at if snap else None,
            signed_by_name=_name(names.get(snap.signed_by or 0))
            if snap and snap.signed_at
            else None,
            signature_name=snap.signature_name if snap else None,
            can_comment=student is not None and policy.allowed(actor, Action.COMMENT_PLAN, student),
            can_approve=student is not None and policy.allowed(actor, Action.REVIEW_PLAN, student),
            can_sign=student is not None and policy.allowed(actor, Action.SIGN_PLAN, student),
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


class SignForm(Form):
    """A guardian's sign-off: they type their name."""

    signature_name = StringField(
        "Your full name",
        filters=[lambda v: " ".join((v or "").split())],
        validators=[
            DataRequired("Type your name to sign."),
            Length(max=120, message="Keep the name under 120 characters."),
        ],
    )


def _error(form: Form, field: str) -> str | None:
    """The first message of ``field`` after ``form.validate()`` (None when it is fine)."""
    messages = form.errors.get(field) or []
    return str(messages[0]) if messages else None


def _drafts() -> tuple[CommentForm, SignForm]:
    """The review form as posted: the comment and the signature, whichever button was used."""
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


def _back_to_plan(student: Person) -> BaseResponse:
    return redirect(lurl("plans.student_plan", person_id=student.id, _anchor="review-heading"))


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
                signature_name=sign_form.signature_name.data or "",
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
    """A guardian signs off this school year's plan by typing their name (and the comment
    typed with it is posted)."""
    comment, form = _drafts()
    with_comment, problem = _comment_to_post(comment)
    sign_problem = None if form.validate() else _error(form, "signature_name")
    if problem or sign_problem:
        return _show_again(
            actor,
            student,
            ReviewDraft(
                body=comment.body.data or "",
                signature_name=form.signature_name.data or "",
                sign_error=sign_problem,
                comment_error=problem,
            ),
        )
    snap = review_services.sign(actor, student, form.signature_name.data or "")
    if snap is None:
        message = "This plan is already signed for this school year."
    else:
        message = f"Thank you. You signed off the plan for the {snap.school_year} school year."
    if with_comment:
        review_services.add_comment_to_plan(actor, student, comment.body.data or "")
        message += " Your comment was added."
    flash(message, "info")
    return _back_to_plan(student)


# -- pages --------------------------------------------------------------------------------------


@bp.get("/family")
def guardian_home() -> str:
    """A guardian's students, each with their plan status."""
    actor = current_actor()
    rows = review_services.guardian_overview(actor)
    if rows:
        audit.record(
            "plans.family_view",
            tenant_id=actor.tenant_id,
            actor_id=actor.person_id,
            subject_type="person",
            subject_id=actor.person_id,
            students=[r.person_id for r in rows],
        )
        db.session.commit()
    return render_template("plans/guardian.html", students=rows, school_year=reading.school_year())
