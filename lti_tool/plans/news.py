"""\"What's new\": a notice for each participant of a plan whenever something happens on it
(a comment, a reply, a teacher's nudge, a submission, a return for changes, an approval, a
sign-off), the list a person reads, and the count in the navigation.

``notify`` is called by the review services inside their transaction; the notices are
committed with the change and its audit event. Delivery beyond Lodestar (a Canvas
conversation, an email, see ``plans.notifications``) starts once the request is done, so it
never breaks or slows the change itself.

Notices hold ids only; the page reads names from the database when it shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask import after_this_request, g, has_request_context
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased
from werkzeug.wrappers import Response as BaseResponse

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.models import Mentorship, Person
from lti_tool.plans import reading
from lti_tool.plans.models import Plan, PlanComment, PlanSnapshot
from lti_tool.plans.notice_models import Notice
from lti_tool.policy import Action

#: What each kind of notice says happened, after the actor's name (``{plan}``: "your plan"
#: or "Maya Lopez's plan").
VERBS = {
    "comment": "commented on {plan}",
    "reply": "replied to a comment on {plan}",
    "nudge": "sent a note on {plan}",
    "submit": "submitted {plan} for review",
    "return": "returned {plan} for changes",
    "approve": "approved {plan}",
    "sign": "signed off {plan}",
}


# -- who hears of it ----------------------------------------------------------------------------


def participants(plan: Plan, thread_id: int | None = None) -> set[int]:
    """The people who take part in the review of ``plan`` (ids; five queries):

    * the student,
    * their active guardians,
    * everyone who acted on this school year's snapshot (approved, signed, returned it),
    * counselors who commented on the plan,
    * the counselors whose caseload an admin assigned the student to (not every counselor of
      a district that assigned no caseloads: they hear of the plans they take part in),
    * with ``thread_id``, everyone who wrote in that thread (a teacher who started it).
    """
    people = {plan.person_id}
    people.update(
        db.session.execute(
            select(Mentorship.guardian_id).where(
                Mentorship.student_id == plan.person_id, Mentorship.active.is_(True)
            )
        ).scalars()
    )
    snap = db.session.execute(
        select(PlanSnapshot.approved_by, PlanSnapshot.signed_by, PlanSnapshot.returned_by).where(
            PlanSnapshot.plan_id == plan.id, PlanSnapshot.school_year == reading.school_year()
        )
    ).first()
    if snap is not None:
        people.update(i for i in snap if i)
    writers = select(PlanComment.author_id).where(
        PlanComment.plan_id == plan.id, PlanComment.author_id.is_not(None)
    )
    counselors = db.session.execute(writers.where(PlanComment.author_role == "counselor"))
    people.update(i for i in counselors.scalars() if i)
    student = plan.person or db.session.get(Person, plan.person_id)
    if student is not None:
        people.update(c.id for c in policy.counselors_of(student, assigned_only=True))
    if thread_id is not None:
        in_thread = (PlanComment.id == thread_id) | (PlanComment.parent_id == thread_id)
        people.update(i for i in db.session.execute(writers.where(in_thread)).scalars() if i)
    return {i for i in people if i}


def notify(
    actor: Actor,
    student: Person,
    plan: Plan,
    kind: str,
    *,
    comment_id: int | None = None,
    thread_id: int | None = None,
) -> list[Notice]:
    """Add a notice of ``kind`` for every participant except the actor who may still read the
    plan (flushed; the caller commits), and deliver them beyond Lodestar once the request is
    done."""
    notices = []
    for person_id in sorted(participants(plan, thread_id) - {actor.person_id}):
        reader = Actor(tenant_id=student.tenant_id, person_id=person_id, course_id=None)
        if not policy.allowed(reader, Action.READ_PLAN, student):
            continue
        notice = Notice(
            tenant_id=student.tenant_id,
            recipient_id=person_id,
            actor_id=actor.person_id,
            student_id=student.id,
            plan_id=plan.id,
            kind=kind,
            comment_id=comment_id,
        )
        db.session.add(notice)
        notices.append(notice)
    db.session.flush()
    _deliver_later([n.id for n in notices])
    return notices


def _deliver_later(ids: list[int]) -> None:
    """Deliver the notices once the request is done (right away outside a request: the CLI
    and jobs commit before they return)."""
    if not ids:
        return
    if not has_request_context():
        g.setdefault("pending_notices", []).extend(ids)
        return
    pending: list[int] | None = g.get("pending_notices")
    if pending is not None:
        pending.extend(ids)
        return
    g.pending_notices = list(ids)

    @after_this_request
    def deliver(response: BaseResponse) -> BaseResponse:
        deliver_pending()
        return response


def deliver_pending() -> None:
    """Deliver the notices of this request or app context that were committed (never raises)."""
    from lti_tool.plans import notifications

    ids = g.pop("pending_notices", None) or []
    if ids:
        notifications.schedule_delivery(ids)


# -- reading them -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewsItem:
    """A notice as the "What's new" page shows it."""

    id: int
    actor_name: str
    #: What happened, e.g. "returned your plan for changes".
    what: str
    student_id: int
    student_name: str
    own_plan: bool
    comment_id: int | None
    created_at: dt.datetime
    unread: bool


def _readable(actor: Actor, students: Iterable[Person]) -> set[int]:
    """Which of these students' plans the actor may still read (one query): a notice about a
    plan the reader lost access to (a guardian link ended, a caseload changed, a class left)
    is not shown."""
    unique = {s.id: s for s in students}
    if not unique:
        return set()
    checks = [(Action.READ_PLAN, s) for s in unique.values()]
    return {sid for sid, ok in zip(unique, policy.allowed_each(actor, checks), strict=True) if ok}


def news_for(actor: Actor, limit: int = 100) -> list[NewsItem]:
    """The actor's newest notices about plans they may still read (two queries), names read
    from the database now."""
    who = aliased(Person)
    student = aliased(Person)
    rows = db.session.execute(
        select(Notice, who, student)
        .outerjoin(who, who.id == Notice.actor_id)
        .join(student, student.id == Notice.student_id)
        .where(Notice.recipient_id == actor.person_id, Notice.tenant_id == actor.tenant_id)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    ).all()
    readable = _readable(actor, (s for _n, _a, s in rows))
    return [
        NewsItem(
            id=n.id,
            actor_name=a.display_name if a is not None else "A former member",
            what=VERBS.get(n.kind, "changed {plan}").format(plan=_whose(n, s, actor)),
            student_id=s.id,
            student_name=reading.student_name(s),
            own_plan=s.id == actor.person_id,
            comment_id=n.comment_id,
            created_at=n.created_at,
            unread=n.read_at is None,
        )
        for n, a, s in rows
        if s.id in readable
    ]


def _whose(notice: Notice, student: Person, actor: Actor) -> str:
    """The plan as the reader says it: "your plan", "their plan" (the student acted on their
    own), or "Maya Lopez's plan"."""
    if student.id == actor.person_id:
        return "your plan"
    if notice.actor_id == student.id:
        return "their plan"
    return f"{reading.student_name(student)}'s plan"


def unread_count(actor: Actor) -> int:
    """How many notices the actor has not read about plans they may still read (one query
    on the recipient index; a second only when there are any)."""
    rows = db.session.execute(
        select(Person, func.count(Notice.id))
        .join(Notice, Notice.student_id == Person.id)
        .where(Notice.recipient_id == actor.person_id, Notice.read_at.is_(None))
        .group_by(Person.id)
    ).all()
    readable = _readable(actor, (s for s, _n in rows))
    return sum(int(n) for s, n in rows if s.id in readable)


def mark_all_read(actor: Actor) -> int:
    """Mark every notice of the actor read; returns how many were unread. Committed."""
    result = db.session.execute(
        update(Notice)
        .where(Notice.recipient_id == actor.person_id, Notice.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
