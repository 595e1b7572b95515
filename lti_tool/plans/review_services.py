"""The logic of reviewing plans: comment threads (the student replies), the review status of
this school year's plan (the student submits, a counselor returns it for changes or approves
it), guardian sign-off, the plan status of many students (guardian home), and the CSV formula
guard (``csv_cell``) that the caseload and audit exports use.

Approval and sign-off belong to the plan's snapshot of the current school year (July to June,
e.g. "2026-2027", see ``reading.school_year``): approving or signing creates that snapshot
from the current plan when there is none yet, and refreshes its data to the current plan
unless the other party already acted on it (so a guardian's signature or a counselor's
approval always refers to the data that was there when it was given).

Access is decided by ``lti_tool.policy`` in the views before these run. Every change is
audited and committed together with its audit event and a "What's new" notice for each
participant (``plans.news``). Functions listing many students run a
fixed number of queries however many students there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import defer

from lti_tool import audit, policy
from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.models import Mentorship, Person
from lti_tool.plans import news, reading, yearly_snapshots
from lti_tool.plans.models import (
    Goal,
    GoalStatus,
    Plan,
    PlanComment,
    PlanSnapshot,
    ReviewStatus,
)

# -- this school year's snapshot ----------------------------------------------------------------


def this_years_snapshot(plan: Plan, year: str | None = None) -> PlanSnapshot | None:
    """The plan's snapshot of ``year`` (this school year by default), if any.

    Its review metadata only: the stored plan document (``data``) loads when first read.
    """
    return db.session.execute(
        select(PlanSnapshot)
        .where(
            PlanSnapshot.plan_id == plan.id,
            PlanSnapshot.school_year == (year or reading.school_year()),
        )
        .options(defer(PlanSnapshot.data))
    ).scalar_one_or_none()


def _snapshot_for(plan: Plan, year: str, *, refresh: bool) -> PlanSnapshot:
    """This year's snapshot: created from the plan if missing, its data refreshed if asked."""
    snap = this_years_snapshot(plan, year)
    if snap is not None and not refresh:
        return snap
    return yearly_snapshots.take_snapshot(plan, year)


# -- comments, approval, sign-off -------------------------------------------------------------


def author_role(actor: Actor, student: Person) -> str:
    """In which capacity the actor comments on the student's plan."""
    if actor.person_id == student.id:
        return "student"
    if policy.allowed(actor, policy.Action.SIGN_PLAN, student):
        return "guardian"
    if policy.is_counselor(actor):
        return "counselor"
    return "teacher"


#: The notice kind of each comment action.
_COMMENT_KINDS = {"plan.comment": "comment", "plan.nudge": "nudge", "plan.reply": "reply"}


def _new_comment(
    actor: Actor,
    student: Person,
    plan: Plan,
    body: str,
    *,
    role: str | None = None,
    parent: PlanComment | None = None,
) -> PlanComment:
    comment = PlanComment(
        plan_id=plan.id,
        author_id=actor.person_id,
        author_role=role or author_role(actor, student),
        body=body,
        parent_id=parent.id if parent is not None else None,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def add_comment_to_plan(
    actor: Actor,
    student: Person,
    body: str,
    *,
    action: str = "plan.comment",
    role: str | None = None,
    parent: PlanComment | None = None,
    **detail: Any,
) -> PlanComment:
    """Store a comment on the student's plan, or with ``parent`` a reply in its thread (the
    caller checked COMMENT_PLAN, REPLY_PLAN, or for a teacher's nudge NUDGE_STUDENT); audited
    as ``action`` with ``detail``; every participant is told."""
    plan = reading.get_or_create_plan(student)
    if parent is not None:
        action = "plan.reply"
        parent = thread_start(parent)
    comment = _new_comment(actor, student, plan, body, role=role, parent=parent)
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="plan_comment",
        subject_id=comment.id,
        plan_id=plan.id,
        student_id=student.id,
        author_role=comment.author_role,
        **({"thread_id": parent.id} if parent is not None else {}),
        **detail,
    )
    news.notify(
        actor,
        student,
        plan,
        _COMMENT_KINDS.get(action, "comment"),
        comment_id=comment.id,
        thread_id=parent.id if parent is not None else comment.id,
    )
    db.session.commit()
    return comment


def thread_start(comment: PlanComment) -> PlanComment:
    """The first comment of the thread ``comment`` belongs to (threads are one level deep)."""
    if comment.parent_id is None:
        return comment
    first = db.session.get(PlanComment, comment.parent_id)
    return first if first is not None else comment


def comment_of(student: Person, comment_id: int) -> PlanComment:
    """A comment on the student's plan.

    :raises NotFound: for a comment of another plan (or none).
    """
    comment = db.session.execute(
        select(PlanComment)
        .join(Plan, Plan.id == PlanComment.plan_id)
        .where(PlanComment.id == comment_id, Plan.person_id == student.id)
    ).scalar_one_or_none()
    if comment is None:
        raise NotFound("That comment is not on this plan.")
    return comment


def review_status(snap: PlanSnapshot | None) -> ReviewStatus:
    """Where this year's plan stands (no snapshot yet: a draft)."""
    return ReviewStatus(snap.status) if snap is not None else ReviewStatus.DRAFT


def _snapshot_event(
    actor: Actor,
    student: Person,
    plan: Plan,
    snap: PlanSnapshot,
    kind: str,
    *,
    comment_id: int | None = None,
    **detail: Any,
) -> None:
    """Finish a change to this school year's snapshot: audited as ``plan.<kind>`` (with
    ``detail``), participants told (a ``kind`` notice), committed together."""
    db.session.flush()
    audit.record(
        f"plan.{kind}",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="plan_snapshot",
        subject_id=snap.id,
        plan_id=plan.id,
        student_id=student.id,
        school_year=snap.school_year,
        **({"comment_id": comment_id} if comment_id is not None else {}),
        **detail,
    )
    news.notify(actor, student, plan, kind, comment_id=comment_id, thread_id=comment_id)
    db.session.commit()


def submit(actor: Actor, student: Person) -> PlanSnapshot:
    """The student hands this school year's plan in for review (the caller checked
    SUBMIT_PLAN): the snapshot is taken again from the plan as it stands (unless a guardian
    signed it already: their signature refers to its data) and becomes ``submitted``.
    Audited as ``plan.submit``; participants are told.

    :raises InvalidInput: when a counselor approved it already this school year.
    """
    plan = reading.get_or_create_plan(student)
    year = reading.school_year()
    existing = this_years_snapshot(plan, year)
    if review_status(existing) is ReviewStatus.APPROVED:
        raise InvalidInput(
            f"Your plan for {year} is approved already. Ask your counselor if it should change."
        )
    snap = _snapshot_for(plan, year, refresh=existing is None or existing.signed_at is None)
    snap.status = ReviewStatus.SUBMITTED
    snap.submitted_at = utcnow()
    _snapshot_event(
        actor,
        student,
        plan,
        snap,
        "submit",
        resubmitted=existing is not None and existing.submitted_at is not None,
    )
    return snap


def return_for_changes(actor: Actor, student: Person, note: str) -> PlanComment:
    """A counselor sends this school year's plan back to the student (the caller checked
    RETURN_PLAN): the snapshot becomes ``returned`` (an approval given before is withdrawn)
    and ``note`` starts a thread the student can answer. Audited as ``plan.return``;
    participants are told. The caseload's bulk action calls it once per student.

    :raises InvalidInput: without a note (the student must know what to change).
    """
    note = (note or "").strip()
    if not note:
        raise InvalidInput("Write what the student should change.")
    if len(note) > 4000:
        raise InvalidInput("Keep the note under 4,000 characters.")
    plan = reading.get_or_create_plan(student)
    year = reading.school_year()
    snap = _snapshot_for(plan, year, refresh=False)
    was = review_status(snap)
    snap.status = ReviewStatus.RETURNED
    snap.returned_at = utcnow()
    snap.returned_by = actor.person_id
    snap.approved_at = None
    snap.approved_by = None
    comment = _new_comment(actor, student, plan, note, role="counselor")
    _snapshot_event(
        actor, student, plan, snap, "return", comment_id=comment.id, previous_status=was.value
    )
    return comment


def approve(actor: Actor, student: Person) -> PlanSnapshot:
    """Approve this school year's plan (the caller checked REVIEW_PLAN), whatever its status
    (a counselor may approve a plan the student has not submitted; the panel says so);
    audited; participants are told."""
    plan = reading.get_or_create_plan(student)
    year = reading.school_year()
    existing = this_years_snapshot(plan, year)
    was = review_status(existing)
    snap = _snapshot_for(plan, year, refresh=existing is None or existing.signed_at is None)
    snap.approved_by = actor.person_id
    snap.approved_at = utcnow()
    snap.status = ReviewStatus.APPROVED
    _snapshot_event(actor, student, plan, snap, "approve", previous_status=was.value)
    return snap


def signer_name(guardian: Person | None, guardian_id: int) -> str:
    """The name a guardian signs with: their LMS account's name, else its email, else a
    neutral label with the account number (a signature is never empty)."""
    if guardian is not None:
        given = " ".join(p for p in (guardian.given_name, guardian.family_name) if p)
        name = (guardian.name or "").strip() or given or (guardian.email or "").strip()
        if name:
            return name
    return f"a guardian (account #{guardian_id})"


def sign(actor: Actor, student: Person, *, reviewed_with_child: bool) -> PlanSnapshot | None:
    """Sign off this school year's plan with the signed-in guardian's own account (the
    caller checked SIGN_PLAN and that the guardian confirmed "I have reviewed this plan with
    my child"); audited.

    The snapshot records the account (``signed_by``), its name at signing
    (``signature_name``: nothing typed is trusted) and the confirmation.

    :returns: the snapshot, or None when it was already signed this year (nothing changes).
    """
    plan = reading.get_or_create_plan(student)
    year = reading.school_year()
    existing = this_years_snapshot(plan, year)
    if existing is not None and existing.signed_at is not None:
        return None
    snap = _snapshot_for(plan, year, refresh=existing is None or existing.approved_at is None)
    snap.signed_by = actor.person_id
    snap.signed_at = utcnow()
    snap.signature_name = signer_name(db.session.get(Person, actor.person_id), actor.person_id)
    snap.signed_with_account = True
    snap.reviewed_with_child = reviewed_with_child
    _snapshot_event(
        actor,
        student,
        plan,
        snap,
        "sign",
        signed_with_account=True,
        reviewed_with_child=reviewed_with_child,
    )
    return snap


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
    #: The SIS id (from NRPS or the launch), for joins with the district's SIS.
    sis_id: str | None = None


def _statuses(
    tenant_id: int, people: Iterable[Person], person_ids: Select[Any], year: str
) -> list[PlanStatus]:
    """Plan status of ``people`` (whose ids ``person_ids`` selects): three queries."""
    plans = {
        p.person_id: p
        for p in db.session.execute(
            select(Plan).where(Plan.tenant_id == tenant_id, Plan.person_id.in_(person_ids))
        ).scalars()
    }
    goal_stats = {
        plan_id: (int(n), int(achieved or 0), last)
        for plan_id, n, achieved, last in db.session.execute(
            select(
                Goal.plan_id,
                func.count(Goal.id),
                func.sum(case((Goal.status == GoalStatus.ACHIEVED, 1), else_=0)),
                func.max(Goal.updated_at),
            )
            .join(Plan, Plan.id == Goal.plan_id)
            .where(Plan.tenant_id == tenant_id, Plan.person_id.in_(person_ids))
            .group_by(Goal.plan_id)
        ).all()
    }
    snapshots = {
        plan_id: (approved_at, signed_at)
        for plan_id, approved_at, signed_at in db.session.execute(
            select(PlanSnapshot.plan_id, PlanSnapshot.approved_at, PlanSnapshot.signed_at)
            .join(Plan, Plan.id == PlanSnapshot.plan_id)
            .where(
                Plan.tenant_id == tenant_id,
                Plan.person_id.in_(person_ids),
                PlanSnapshot.school_year == year,
            )
        ).all()
    }
    rows = []
    for person in people:
        plan = plans.get(person.id)
        n, achieved, goal_update = goal_stats.get(plan.id, (0, 0, None)) if plan else (0, 0, None)
        approved_at, signed_at = snapshots.get(plan.id, (None, None)) if plan else (None, None)
        updates = [d for d in (plan.updated_at if plan else None, goal_update) if d]
        codes = [c for c in (plan.cluster_codes or []) if isinstance(c, str)] if plan else []
        rows.append(
            PlanStatus(
                person_id=person.id,
                name=reading.student_name(person),
                has_plan=plan is not None,
                grade_level=plan.grade_level if plan else None,
                goals=n,
                goals_achieved=achieved,
                clusters=tuple(reading.cluster_name(c) for c in codes),
                inventory_code=plan.inventory_code if plan else None,
                last_update=max(updates) if updates else None,
                approved=approved_at is not None,
                signed=signed_at is not None,
                sis_id=person.sis_id,
            )
        )
    return rows


def guardian_overview(actor: Actor) -> list[PlanStatus]:
    """The plan status of each student the guardian is linked to (four queries)."""
    ids = select(Mentorship.student_id).where(
        Mentorship.guardian_id == actor.person_id, Mentorship.active.is_(True)
    )
    people = (
        db.session.execute(
            select(Person)
            .where(
                Person.tenant_id == actor.tenant_id,
                Person.id.in_(ids),
                Person.archived_at.is_(None),  # archived graduates leave the lists
            )
            .order_by(*reading.person_order())
        )
        .scalars()
        .all()
    )
    return _statuses(actor.tenant_id, people, ids, reading.school_year())


# -- CSV export ---------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
