"""Reviewing plans: comments, counselor approval, guardian sign-off, guardian and counselor
homes, and the caseload (with a CSV export).

``review_context(actor, plan)`` gives the plan page what its review panel
(``templates/plans/review/panel.html``) needs. Approval and sign-off belong to the plan's
snapshot of the current school year (July to June, e.g. "2026-2027"): approving or signing
creates that snapshot from the current plan when there is none yet, and refreshes its data to
the current plan unless the other party already acted on it (so a guardian's signature or a
counselor's approval always refers to the data that was there when it was given).

Pages that list many students (guardian home, caseload, CSV) run a fixed number of queries
however many students there are. Every change and every export is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Response, flash, redirect, render_template, request
from sqlalchemy import Select, case, func, select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import Form, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lti_tool import audit, policy
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.launch.session import Actor, current_actor, lurl
from lti_tool.models import Enrollment, Mentorship, Person, Role
from lti_tool.plans import bp, reference, services
from lti_tool.plans.models import Goal, GoalStatus, Plan, PlanComment, PlanSnapshot

# -- school year and snapshots ----------------------------------------------------------------


def school_year(day: dt.date | None = None) -> str:
    """The school year a day falls in (July to June), e.g. ``"2026-2027"``."""
    shared: Callable[..., str] | None = getattr(services, "school_year", None)
    if shared is not None:
        return shared(day) if day is not None else shared()
    day = day or utcnow().date()
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


def _snapshot_data(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-able data, for when the plans package offers no snapshot function."""
    goals = db.session.execute(
        select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.id)).scalars()
    return {
        "about": plan.about, "grade_level": plan.grade_level,
        "graduation_year": plan.graduation_year, "interests": plan.interests,
        "strengths": plan.strengths, "skills": plan.skills,
        "framework_version": plan.framework_version,
        "cluster_codes": list(plan.cluster_codes or []),
        "pathway_codes": list(plan.pathway_codes or []),
        "inventory_code": plan.inventory_code,
        "goals": [{"id": g.id, "category": str(g.category), "statement": g.statement,
                   "status": str(g.status), "cluster_code": g.cluster_code,
                   "target_date": g.target_date.isoformat() if g.target_date else None}
                  for g in goals],
    }


def this_years_snapshot(plan: Plan, year: str | None = None) -> PlanSnapshot | None:
    """The plan's snapshot of ``year`` (this school year by default), if any."""
    return db.session.execute(
        select(PlanSnapshot).where(PlanSnapshot.plan_id == plan.id,
                                   PlanSnapshot.school_year == (year or school_year()))
    ).scalar_one_or_none()


def _snapshot_for(plan: Plan, year: str, *, refresh: bool) -> PlanSnapshot:
    """This year's snapshot: created from the plan if missing, its data refreshed if asked."""
    snap = this_years_snapshot(plan, year)
    if snap is not None and not refresh:
        return snap
    take: Callable[[Plan, str], PlanSnapshot] | None = getattr(services, "take_snapshot", None)
    if take is not None:
        return take(plan, year)
    if snap is None:
        snap = PlanSnapshot(plan_id=plan.id, school_year=year, data=_snapshot_data(plan))
        db.session.add(snap)
    else:
        snap.data = _snapshot_data(plan)
    db.session.flush()
    return snap


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


def review_context(actor: Actor, plan: Plan) -> dict[str, Any]:
    """Variables for the review panel on a plan page: ``{"review": ReviewPanel}``.

    Three queries (comments with authors, this year's snapshot, approver and signer) plus the
    policy checks for the three forms.
    """
    student = db.session.get(Person, plan.person_id)
    year = school_year()
    comments = tuple(
        CommentView(id=c.id, author_name=_name(author),
                    role_label=ROLE_LABELS.get(c.author_role, c.author_role.title()),
                    body=c.body, created_at=c.created_at)
        for c, author in db.session.execute(
            select(PlanComment, Person).outerjoin(Person, Person.id == PlanComment.author_id)
            .where(PlanComment.plan_id == plan.id)
            .order_by(PlanComment.created_at, PlanComment.id)).all())
    snap = this_years_snapshot(plan, year)
    ids = {i for i in (snap.approved_by, snap.signed_by) if i} if snap else set()
    names = {p.id: p for p in db.session.execute(
        select(Person).where(Person.id.in_(ids))).scalars()} if ids else {}
    return {"review": ReviewPanel(
        student_id=plan.person_id, school_year=year, comments=comments,
        approved_at=snap.approved_at if snap else None,
        approved_by_name=_name(names.get(snap.approved_by)) if snap and snap.approved_at
        else None,
        signed_at=snap.signed_at if snap else None,
        signed_by_name=_name(names.get(snap.signed_by)) if snap and snap.signed_at else None,
        signature_name=snap.signature_name if snap else None,
        can_comment=student is not None
        and policy.allowed(actor, policy.Action.COMMENT_PLAN, student),
        can_approve=student is not None
        and policy.allowed(actor, policy.Action.REVIEW_PLAN, student),
        can_sign=student is not None
        and policy.allowed(actor, policy.Action.SIGN_PLAN, student),
    )}


# -- comments, approval, sign-off -------------------------------------------------------------


class CommentForm(Form):
    """A comment on a plan."""

    body = TextAreaField("Comment", filters=[lambda v: (v or "").strip()],
                         validators=[DataRequired("Write a comment first."),
                                     Length(max=4000, message="Keep a comment under 4,000 "
                                                              "characters.")])


class SignForm(Form):
    """A guardian's sign-off: they type their name."""

    signature_name = StringField(
        "Your full name", filters=[lambda v: " ".join((v or "").split())],
        validators=[DataRequired("Type your name to sign."),
                    Length(max=120, message="Keep the name under 120 characters.")])


def _valid(form: Form) -> None:
    if not form.validate():
        messages = [m for errors in form.errors.values() for m in errors]
        raise InvalidInput(" ".join(str(m) for m in messages))


def _author_role(actor: Actor, student: Person) -> str:
    if policy.allowed(actor, policy.Action.SIGN_PLAN, student):
        return "guardian"
    if policy.is_counselor(actor):
        return "counselor"
    return "teacher"


def add_comment_to_plan(actor: Actor, student: Person, body: str) -> PlanComment:
    """Store a comment on the student's plan (the caller checked COMMENT_PLAN); audited."""
    plan = services.get_or_create_plan(student)
    comment = PlanComment(plan_id=plan.id, author_id=actor.person_id,
                          author_role=_author_role(actor, student), body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record("plan.comment", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan_comment", subject_id=comment.id, plan_id=plan.id,
                 student_id=student.id, author_role=comment.author_role)
    db.session.commit()
    return comment


def approve(actor: Actor, student: Person) -> PlanSnapshot:
    """Approve this school year's plan (the caller checked REVIEW_PLAN); audited."""
    plan = services.get_or_create_plan(student)
    year = school_year()
    existing = this_years_snapshot(plan, year)
    snap = _snapshot_for(plan, year, refresh=existing is None or existing.signed_at is None)
    snap.approved_by = actor.person_id
    snap.approved_at = utcnow()
    db.session.flush()
    audit.record("plan.approve", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan_snapshot", subject_id=snap.id, plan_id=plan.id,
                 student_id=student.id, school_year=year)
    db.session.commit()
    return snap


def sign(actor: Actor, student: Person, signature_name: str) -> PlanSnapshot | None:
    """Sign off this school year's plan (the caller checked SIGN_PLAN); audited.

    :returns: the snapshot, or None when it was already signed this year (nothing changes).
    """
    plan = services.get_or_create_plan(student)
    year = school_year()
    existing = this_years_snapshot(plan, year)
    if existing is not None and existing.signed_at is not None:
        return None
    snap = _snapshot_for(plan, year,
                         refresh=existing is None or existing.approved_at is None)
    snap.signed_by = actor.person_id
    snap.signed_at = utcnow()
    snap.signature_name = signature_name
    db.session.flush()
    audit.record("plan.sign", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan_snapshot", subject_id=snap.id, plan_id=plan.id,
                 student_id=student.id, school_year=year)
    db.session.commit()
    return snap


def _back_to_plan(student: Person) -> BaseResponse:
    return redirect(lurl("plans.student_plan", person_id=student.id, _anchor="review-heading"))


@bp.post("/students/<int:person_id>/comments")
def add_comment(person_id: int) -> BaseResponse:
    """A teacher, counselor or guardian comments on a student's plan."""
    actor = current_actor()
    student = services.get_person(actor, person_id)
    policy.require(actor, policy.Action.COMMENT_PLAN, student)
    form = CommentForm(request.form)
    _valid(form)
    add_comment_to_plan(actor, student, form.body.data or "")
    flash("Your comment was added.", "info")
    return _back_to_plan(student)


@bp.post("/students/<int:person_id>/approve")
def approve_plan(person_id: int) -> BaseResponse:
    """A counselor approves this school year's plan."""
    actor = current_actor()
    student = services.get_person(actor, person_id)
    policy.require(actor, policy.Action.REVIEW_PLAN, student)
    snap = approve(actor, student)
    flash(f"Plan approved for the {snap.school_year} school year.", "info")
    return _back_to_plan(student)


@bp.post("/students/<int:person_id>/sign")
def sign_plan(person_id: int) -> BaseResponse:
    """A guardian signs off this school year's plan by typing their name."""
    actor = current_actor()
    student = services.get_person(actor, person_id)
    policy.require(actor, policy.Action.SIGN_PLAN, student)
    form = SignForm(request.form)
    _valid(form)
    snap = sign(actor, student, form.signature_name.data or "")
    if snap is None:
        flash("This plan is already signed for this school year.", "info")
    else:
        flash(f"Thank you. You signed off the plan for the {snap.school_year} school year.",
              "info")
    return _back_to_plan(student)


# -- plan status of many students (guardian home, caseload) -----------------------------------


@dataclass(frozen=True, slots=True)
class PlanStatus:
    """One student's plan at a glance."""

    person_id: int
    name: str
    has_plan: bool
    grade_level: int | None
    goals: int
    goals_achieved: int
    clusters: tuple[str, ...]
    inventory_code: str | None
    last_update: dt.datetime | None
    approved: bool
    signed: bool


def _student_name(person: Person) -> str:
    return person.display_name if (person.name or person.email) else \
        "Student (not yet signed in)"


def _statuses(tenant_id: int, people: Iterable[Person], person_ids: Select[tuple[int]],
              year: str) -> list[PlanStatus]:
    """Plan status of ``people`` (whose ids ``person_ids`` selects): three queries."""
    plans = {p.person_id: p for p in db.session.execute(
        select(Plan).where(Plan.tenant_id == tenant_id, Plan.person_id.in_(person_ids))
    ).scalars()}
    goal_stats = {plan_id: (int(n), int(achieved or 0), last) for plan_id, n, achieved, last
                  in db.session.execute(
        select(Goal.plan_id, func.count(Goal.id),
               func.sum(case((Goal.status == GoalStatus.ACHIEVED, 1), else_=0)),
               func.max(Goal.updated_at))
        .join(Plan, Plan.id == Goal.plan_id)
        .where(Plan.tenant_id == tenant_id, Plan.person_id.in_(person_ids))
        .group_by(Goal.plan_id)).all()}
    snapshots = {plan_id: (approved_at, signed_at) for plan_id, approved_at, signed_at
                 in db.session.execute(
        select(PlanSnapshot.plan_id, PlanSnapshot.approved_at, PlanSnapshot.signed_at)
        .join(Plan, Plan.id == PlanSnapshot.plan_id)
        .where(Plan.tenant_id == tenant_id, Plan.person_id.in_(person_ids),
               PlanSnapshot.school_year == year)).all()}
    rows = []
    for person in people:
        plan = plans.get(person.id)
        n, achieved, goal_update = goal_stats.get(plan.id, (0, 0, None)) if plan else (0, 0, None)
        approved_at, signed_at = snapshots.get(plan.id, (None, None)) if plan else (None, None)
        updates = [d for d in (plan.updated_at if plan else None, goal_update) if d]
        codes = [c for c in (plan.cluster_codes or []) if isinstance(c, str)] if plan else []
        rows.append(PlanStatus(
            person_id=person.id, name=_student_name(person), has_plan=plan is not None,
            grade_level=plan.grade_level if plan else None, goals=n, goals_achieved=achieved,
            clusters=tuple(_cluster_name(c) for c in codes),
            inventory_code=plan.inventory_code if plan else None,
            last_update=max(updates) if updates else None,
            approved=approved_at is not None, signed=signed_at is not None))
    return rows


def _cluster_name(code: str) -> str:
    try:
        return reference.cluster(code).name
    except reference.UnknownCodeError:
        return code


def guardian_overview(actor: Actor) -> list[PlanStatus]:
    """The plan status of each student the guardian is linked to (four queries)."""
    ids = select(Mentorship.student_id).where(Mentorship.guardian_id == actor.person_id,
                                              Mentorship.active.is_(True))
    people = db.session.execute(
        select(Person).where(Person.tenant_id == actor.tenant_id, Person.id.in_(ids))
        .order_by(Person.family_name, Person.name, Person.id)).scalars().all()
    return _statuses(actor.tenant_id, people, ids, school_year())


#: Caseload filters: query value -> (label, keep row?).
CASELOAD_FILTERS: dict[str, tuple[str, Callable[[PlanStatus], bool]]] = {
    "needs_approval": ("Not yet approved this school year", lambda r: not r.approved),
    "needs_signature": ("Not yet signed by a guardian this school year",
                        lambda r: not r.signed),
    "no_goals": ("No goals yet", lambda r: r.goals == 0),
}


def caseload_rows(actor: Actor, status: str | None = None) -> list[PlanStatus]:
    """Every student of the tenant with their plan status (four queries), filtered by
    ``status`` (a key of ``CASELOAD_FILTERS``).

    :raises InvalidInput: for an unknown filter.
    """
    if status and status not in CASELOAD_FILTERS:
        raise InvalidInput("Unknown filter. Choose one of the filters on the caseload page.")
    ids = select(Enrollment.person_id).where(Enrollment.role == Role.STUDENT)
    people = db.session.execute(
        select(Person).where(Person.tenant_id == actor.tenant_id, Person.id.in_(ids))
        .order_by(Person.family_name, Person.name, Person.id)).scalars().all()
    tenant_ids = select(Person.id).where(Person.tenant_id == actor.tenant_id,
                                         Person.id.in_(ids))
    rows = _statuses(actor.tenant_id, people, tenant_ids, school_year())
    if status:
        rows = [r for r in rows if CASELOAD_FILTERS[status][1](r)]
    return rows


CSV_HEADER = ("Student", "Grade level", "Goals", "Goals achieved", "Career clusters",
              "Interest inventory code", "Last plan update", "Approved this school year",
              "Signed this school year")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def caseload_csv_text(rows: Iterable[PlanStatus]) -> str:
    """The caseload as CSV text, the same columns as the page."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow([csv_cell(v) for v in (
            r.name, r.grade_level if r.grade_level is not None else "", r.goals,
            r.goals_achieved, "; ".join(r.clusters), r.inventory_code or "",
            r.last_update.strftime("%Y-%m-%d %H:%M UTC") if r.last_update else "",
            "yes" if r.approved else "no", "yes" if r.signed else "no")])
    return out.getvalue()


# -- pages --------------------------------------------------------------------------------------


@bp.get("/family")
def guardian_home() -> str:
    """A guardian's students, each with their plan status."""
    actor = current_actor()
    rows = guardian_overview(actor)
    if rows:
        audit.record("plans.family_view", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                     subject_type="person", subject_id=actor.person_id,
                     students=[r.person_id for r in rows])
        db.session.commit()
    return render_template("plans/guardian.html", students=rows, school_year=school_year())


def _status_arg() -> str | None:
    return request.args.get("status") or None


@bp.get("/caseload")
def caseload() -> str:
    """A counselor's caseload across the tenant, with filters."""
    actor = current_actor()
    policy.require(actor, policy.Action.REVIEW_CASELOAD)
    status = _status_arg()
    rows = caseload_rows(actor, status)
    audit.record("caseload.view", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 status=status, students=len(rows))
    db.session.commit()
    return render_template("plans/caseload.html", students=rows, status=status,
                           filters={k: v[0] for k, v in CASELOAD_FILTERS.items()},
                           school_year=school_year())


@bp.get("/caseload.csv")
def caseload_csv() -> Response:
    """The caseload (with the page's filter) as a CSV download."""
    actor = current_actor()
    policy.require(actor, policy.Action.REVIEW_CASELOAD)
    status = _status_arg()
    rows = caseload_rows(actor, status)
    audit.record("caseload.export", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 status=status, students=len(rows))
    db.session.commit()
    year = school_year()
    filename = f"caseload-{year}{'-' + status if status else ''}.csv"
    return Response(caseload_csv_text(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
