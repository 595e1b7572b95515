"""The family page: a guardian's children, one short summary card each, before the full plan.

A card holds what a parent asks first: the child's grade, their goals with progress (each
goal's status, milestones done of all), this school year's milestones (the grade's journey
steps done, and the goal milestones coming next), the counselor's latest comment, and where
the plan's review stands (draft, handed in, returned, approved; signed or waiting for the
guardian's sign-off).

The children are every student the guardian has an *active* link to, from any course's
launch: Canvas names in ``role_scope_mentor`` only the students observed in the launched
course, so each course's launch adds its own links and the page lists them all, with the
courses that linked each child (so a parent can tell why a child may be missing: they appear
once the parent opens Lodestar from one of that child's courses).

Reading the page runs a fixed number of queries however many children there are. Access is
the policy's: whom the guardian may read and sign for is asked once for all children.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.models import Course, Mentorship, Person
from lti_tool.plans import journey, reading
from lti_tool.plans.journey_checks import PlanSet
from lti_tool.plans.models import (
    Goal,
    GoalStatus,
    Plan,
    PlanComment,
    PlanSnapshot,
    ReviewStatus,
)
from lti_tool.plans.vocabulary import GOAL_STATUS_LABELS

#: How many upcoming goal milestones and journey steps a card lists.
UPCOMING_SHOWN = 3
#: How long the counselor's comment may be on a card before it is cut.
EXCERPT_LENGTH = 240

#: A child the LMS named only by id so far (they have not opened Lodestar, no roster sync yet).
UNNAMED_CHILD = "Your child (name not sent by the school's LMS yet)"

#: Where this school year's review stands, in words for parents.
REVIEW_STATUS_WORDS: dict[str, str] = {
    ReviewStatus.DRAFT: "Still being written by your child",
    ReviewStatus.SUBMITTED: "Handed in, waiting for the counselor",
    ReviewStatus.RETURNED: "Sent back by the counselor for changes",
    ReviewStatus.APPROVED: "Approved by the counselor",
}


@dataclass(frozen=True, slots=True)
class GoalLine:
    """One goal on a card."""

    statement: str
    status: str
    status_label: str
    milestones_done: int
    milestones_total: int


@dataclass(frozen=True, slots=True)
class UpcomingMilestone:
    """A goal milestone not done yet."""

    title: str
    goal: str
    due_date: dt.date | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class CounselorNote:
    """The counselor's latest comment on the plan."""

    author_name: str
    created_at: dt.datetime
    excerpt: str
    cut: bool


@dataclass(frozen=True, slots=True)
class ChildCard:
    """One child's plan at a glance."""

    person_id: int
    name: str
    grade_level: int | None
    has_plan: bool
    goals: tuple[GoalLine, ...]
    goals_achieved: int
    #: The journey grade whose steps are this year's milestones (None: grade unknown).
    journey_grade: int | None
    journey_done: int
    journey_total: int
    #: Titles of this year's journey steps not done yet (the first few).
    journey_next: tuple[str, ...]
    upcoming: tuple[UpcomingMilestone, ...]
    counselor_note: CounselorNote | None
    review_status: str
    review_words: str
    signed_at: dt.datetime | None
    signed_by_me: bool
    signer_name: str | None
    can_sign: bool
    #: Titles of the courses whose launches linked the child (none for older links).
    linked_through: tuple[str, ...]

    @property
    def milestones_done(self) -> int:
        return sum(g.milestones_done for g in self.goals)

    @property
    def milestones_total(self) -> int:
        return sum(g.milestones_total for g in self.goals)


def _excerpt(text: str) -> tuple[str, bool]:
    text = " ".join(text.split())
    if len(text) <= EXCERPT_LENGTH:
        return text, False
    return text[:EXCERPT_LENGTH].rsplit(" ", 1)[0] + "…", True


def _links(actor: Actor) -> dict[int, list[str]]:
    """The guardian's active links: student id -> titles of the courses that made them."""
    links: dict[int, list[str]] = {}
    for student_id, title in db.session.execute(
        select(Mentorship.student_id, Course.title)
        .outerjoin(Course, Course.id == Mentorship.course_id)
        .where(
            Mentorship.tenant_id == actor.tenant_id,
            Mentorship.guardian_id == actor.person_id,
            Mentorship.active.is_(True),
        )
        .order_by(Course.title)
    ).all():
        titles = links.setdefault(student_id, [])
        if title and title not in titles:
            titles.append(title)
    return links


def _goals(plan_ids: Sequence[int]) -> dict[int, list[Goal]]:
    by_plan: dict[int, list[Goal]] = {}
    if not plan_ids:
        return by_plan
    for goal in db.session.execute(
        select(Goal)
        .where(Goal.plan_id.in_(plan_ids))
        .options(selectinload(Goal.milestones))
        .order_by(Goal.id)
    ).scalars():
        by_plan.setdefault(goal.plan_id, []).append(goal)
    return by_plan


def _counselor_notes(plan_ids: Sequence[int]) -> dict[int, CounselorNote]:
    """Each plan's latest counselor comment (one query)."""
    if not plan_ids:
        return {}
    latest = (
        select(func.max(PlanComment.id))
        .where(PlanComment.plan_id.in_(plan_ids), PlanComment.author_role == "counselor")
        .group_by(PlanComment.plan_id)
    )
    notes = {}
    for comment, author in db.session.execute(
        select(PlanComment, Person)
        .outerjoin(Person, Person.id == PlanComment.author_id)
        .where(PlanComment.id.in_(latest))
    ).all():
        excerpt, cut = _excerpt(comment.body)
        notes[comment.plan_id] = CounselorNote(
            author_name=author.display_name if author is not None else "A former counselor",
            created_at=comment.created_at,
            excerpt=excerpt,
            cut=cut,
        )
    return notes


def _upcoming(goals: Sequence[Goal], today: dt.date) -> tuple[UpcomingMilestone, ...]:
    """The goal milestones not done yet, soonest due first (undated ones last)."""
    open_ = [(m, g) for g in goals for m in g.milestones if not m.done]
    open_.sort(key=lambda mg: (mg[0].due_date is None, mg[0].due_date or today, mg[0].id))
    return tuple(
        UpcomingMilestone(
            title=m.title,
            goal=g.statement,
            due_date=m.due_date,
            overdue=m.due_date is not None and m.due_date < today,
        )
        for m, g in open_[:UPCOMING_SHOWN]
    )


def family_cards(actor: Actor) -> list[ChildCard]:
    """A card for each child the guardian has an active link to, ordered by name.

    Ten queries or so, the same for one child or thirty: the links, the children, their
    plans, goals and milestones, the journey steps and their completion checks, the latest
    counselor comments, this year's snapshots, and the policy for all of them at once.
    """
    links = _links(actor)
    if not links:
        return []
    people = list(
        db.session.execute(
            select(Person)
            .where(Person.tenant_id == actor.tenant_id, Person.id.in_(list(links)))
            .order_by(*reading.person_order())
        ).scalars()
    )
    plans = {
        p.person_id: p
        for p in db.session.execute(
            select(Plan).where(
                Plan.tenant_id == actor.tenant_id, Plan.person_id.in_([p.id for p in people])
            )
        ).scalars()
    }
    plan_ids = [p.id for p in plans.values()]
    goals = _goals(plan_ids)
    # Every grade's steps at once, so the number of completion checks asked does not depend
    # on which grades the children are in.
    steps = journey.steps(actor.tenant_id)
    done = (
        journey.completion(
            steps, PlanSet(list(plans.values()), select(Plan.id).where(Plan.id.in_(plan_ids)))
        )
        if plan_ids
        else {}
    )
    notes = _counselor_notes(plan_ids)
    year = reading.school_year()
    snaps = (
        {
            s.plan_id: s
            for s in db.session.execute(
                select(PlanSnapshot).where(
                    PlanSnapshot.plan_id.in_(plan_ids), PlanSnapshot.school_year == year
                )
            ).scalars()
        }
        if plan_ids
        else {}
    )
    rights = policy.allowed_each(actor, [(policy.Action.SIGN_PLAN, p) for p in people])
    today = utcnow().date()
    cards = []
    for person, may_sign in zip(people, rights, strict=True):
        plan = plans.get(person.id)
        plan_goals = goals.get(plan.id, []) if plan else []
        # The LMS's or SIS's grade first, the child's own entry otherwise.
        grade_level = person.grade_level
        if grade_level is None and plan is not None:
            grade_level = plan.grade_level
        jgrade = journey.journey_grade(grade_level)
        grade_steps = [s for s in steps if s.grade == jgrade]
        steps_done = [plan is not None and plan.id in done.get(s.key, set()) for s in grade_steps]
        snap = snaps.get(plan.id) if plan else None
        status = str(snap.status) if snap else ReviewStatus.DRAFT.value
        if snap is not None and snap.approved_at is not None and status == ReviewStatus.DRAFT:
            status = ReviewStatus.APPROVED.value  # approved before statuses were kept
        signed = snap is not None and snap.signed_at is not None
        cards.append(
            ChildCard(
                person_id=person.id,
                name=person.display_name if (person.name or person.email) else UNNAMED_CHILD,
                grade_level=grade_level,
                has_plan=plan is not None,
                goals=tuple(
                    GoalLine(
                        statement=g.statement,
                        status=str(g.status),
                        status_label=GOAL_STATUS_LABELS.get(g.status, str(g.status)),
                        milestones_done=sum(1 for m in g.milestones if m.done),
                        milestones_total=len(g.milestones),
                    )
                    for g in plan_goals
                ),
                goals_achieved=sum(1 for g in plan_goals if g.status == GoalStatus.ACHIEVED),
                journey_grade=jgrade,
                journey_done=sum(steps_done),
                journey_total=len(grade_steps),
                journey_next=tuple(
                    s.title for s, d in zip(grade_steps, steps_done, strict=True) if not d
                )[:UPCOMING_SHOWN],
                upcoming=_upcoming(plan_goals, today),
                counselor_note=notes.get(plan.id) if plan else None,
                review_status=status,
                review_words=REVIEW_STATUS_WORDS.get(status, status.title()),
                signed_at=snap.signed_at if signed and snap else None,
                signed_by_me=signed and snap is not None and snap.signed_by == actor.person_id,
                signer_name=snap.signature_name if signed and snap else None,
                can_sign=may_sign and not signed,
                linked_through=tuple(links.get(person.id, [])),
            )
        )
    return cards
