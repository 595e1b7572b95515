"""Reading, editing and removing evidence: the student's portfolio page.

Every change writes an audit event (``evidence.create``, ``evidence.update``,
``evidence.delete``) and is committed together with it; the helpers for that audit event and
for the reflection's length rule live here and serve the other evidence modules too. Views
check the page-level action (``lti_tool.policy``); every query is scoped to the actor's
tenant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import aliased

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.db import INCLUDE_DELETED, utcnow
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans import reading as plan_services
from lti_tool.plans.models import Goal, Plan
from lti_tool.portfolio.forms import REFLECTION_MAX, REFLECTION_MIN
from lti_tool.portfolio.goals import goal_label, goal_of_plan, plan_goals
from lti_tool.portfolio.models import Evidence, StoredFile
from lti_tool.portfolio.snapshots import safe_link


def check_reflection(text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if not text and not required:
        return ""
    if not REFLECTION_MIN <= len(text) <= REFLECTION_MAX:
        raise InvalidInput(
            f"Write a reflection of {REFLECTION_MIN} to {REFLECTION_MAX} characters."
        )
    return text


def evidence_audit(action: str, actor: Actor, evidence: Evidence, **detail: Any) -> None:
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="evidence",
        subject_id=evidence.id,
        student_id=evidence.student_id,
        plan_id=evidence.plan_id,
        goal_id=evidence.goal_id,
        kind=str(evidence.kind),
        **detail,
    )


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence as the portfolio shows it."""

    evidence: Evidence
    attached_by_name: str | None
    file_name: str | None
    file_size: int | None
    #: The snapshot link, only when it is a safe http(s) URL.
    link: str | None
    #: Submission attachments from the snapshot with safe links.
    attachments: list[dict[str, str]]

    @property
    def score_text(self) -> str | None:
        """e.g. "8 / 10" (None without a score)."""
        score = self.evidence.snapshot_score
        if score is None:
            return None
        maximum = self.evidence.snapshot_score_maximum
        return f"{score:g} / {maximum:g}" if maximum is not None else f"{score:g}"

    @property
    def course_title(self) -> str | None:
        """The course the work came from, as it was called then."""
        value = (self.evidence.snapshot_extra or {}).get("course_title")
        return str(value) if value else None


@dataclass(frozen=True)
class EvidenceGroup:
    """The evidence of one goal (or of no goal)."""

    goal: Goal | None
    heading: str
    items: list[EvidenceItem] = field(default_factory=list)


@dataclass(frozen=True)
class PortfolioPage:
    """A student's portfolio: their evidence grouped by goal."""

    student: Person
    plan: Plan
    goals: list[Goal]
    groups: list[EvidenceGroup]

    @property
    def count(self) -> int:
        """How many pieces of evidence the plan holds."""
        return sum(len(g.items) for g in self.groups)


def _items(plan: Plan) -> list[EvidenceItem]:
    attacher = aliased(Person)
    rows = db.session.execute(
        select(Evidence, attacher.name, StoredFile.filename, StoredFile.size)
        .outerjoin(attacher, attacher.id == Evidence.attached_by)
        .outerjoin(StoredFile, StoredFile.id == Evidence.file_id)
        .where(Evidence.plan_id == plan.id, Evidence.tenant_id == plan.tenant_id)
        .order_by(Evidence.created_at.desc(), Evidence.id.desc())
    )
    items = []
    for evidence, name, filename, size in rows:
        raw = (evidence.snapshot_extra or {}).get("attachments") or []
        attachments = [
            {"filename": str(a.get("filename") or "attachment"), "url": str(a["url"])}
            for a in raw
            if isinstance(a, dict) and safe_link(a.get("url"))
        ]
        items.append(
            EvidenceItem(
                evidence=evidence,
                attached_by_name=name or None,
                file_name=filename,
                file_size=size,
                link=safe_link(evidence.snapshot_url),
                attachments=attachments,
            )
        )
    return items


def portfolio(actor: Actor, student: Person) -> PortfolioPage:
    """The student's evidence grouped by goal, goals in plan order, then "not linked to a
    goal yet" (a fixed number of queries). Writes the ``portfolio.view`` audit event.

    Only the student's own visit may create their plan; anyone else reading a student who
    has none sees the empty portfolio (``plan_services.plan_for_reading``)."""
    plan = plan_services.plan_for_reading(actor, student)
    audit.record(
        "portfolio.view",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="plan",
        subject_id=plan.id,
        student_id=student.id,
    )
    db.session.commit()  # before loading: a commit expires what was loaded
    goals = plan_goals(plan)
    groups = {g.id: EvidenceGroup(goal=g, heading=goal_label(g)) for g in goals}
    loose = EvidenceGroup(goal=None, heading="Not linked to a goal yet")
    for item in _items(plan):
        groups.get(item.evidence.goal_id or -1, loose).items.append(item)
    return PortfolioPage(student=student, plan=plan, goals=goals, groups=[*groups.values(), loose])


def update_evidence(
    actor: Actor, evidence: Evidence, *, goal_id: int | None, reflection: str
) -> Evidence:
    """Change the reflection of a piece of evidence or move it to another goal of the plan.

    The caller has checked ``EDIT_PLAN`` on the evidence's student.

    :raises InvalidInput: a goal of another plan, or a reflection outside 20..5000
        characters (it may stay empty on evidence a teacher attached).
    """
    plan = db.session.get(Plan, evidence.plan_id)
    assert plan is not None
    goal = goal_of_plan(plan, goal_id)
    text = check_reflection(reflection, required=evidence.attached_as != "teacher")
    changes = []
    if (goal.id if goal else None) != evidence.goal_id:
        changes.append("goal")
    if text != evidence.reflection:
        changes.append("reflection")
    if not changes:
        return evidence
    old_goal = evidence.goal_id
    evidence.goal_id = goal.id if goal else None
    evidence.reflection = text
    evidence_audit(
        "evidence.update", actor, evidence, change=",".join(changes), previous_goal_id=old_goal
    )
    db.session.commit()
    return evidence


def delete_evidence(actor: Actor, evidence: Evidence) -> Evidence:
    """Remove a piece of evidence from the portfolio, with an undo: it is hidden everywhere
    (portfolio, plan, export, class view) until ``restore_evidence`` brings it back or
    ``purge_deleted_evidence`` removes it (and its uploaded file) for good.

    The caller has checked ``EDIT_PLAN`` on the evidence's student.
    """
    evidence.deleted_at = utcnow()
    evidence_audit(
        "evidence.delete", actor, evidence, title=evidence.snapshot_title, file_id=evidence.file_id
    )
    db.session.commit()
    return evidence


def recently_deleted_evidence(student: Person) -> list[Evidence]:
    """The student's removed evidence that can still be brought back, the latest first."""
    return list(
        db.session.execute(
            select(Evidence)
            .where(
                Evidence.student_id == student.id,
                Evidence.tenant_id == student.tenant_id,
                Evidence.deleted_at.is_not(None),
            )
            .order_by(Evidence.deleted_at.desc(), Evidence.id.desc())
            .execution_options(**{INCLUDE_DELETED: True})
        ).scalars()
    )


def restore_evidence(actor: Actor, student: Person, evidence_id: int) -> Evidence:
    """Undo ``delete_evidence`` for the student's own evidence.

    :raises NotFound: for evidence of someone else, not deleted, or purged already.
    """
    evidence = db.session.execute(
        select(Evidence)
        .where(
            Evidence.id == evidence_id,
            Evidence.tenant_id == actor.tenant_id,
            Evidence.student_id == student.id,
            Evidence.deleted_at.is_not(None),
        )
        .execution_options(**{INCLUDE_DELETED: True})
    ).scalar_one_or_none()
    if evidence is None:
        raise NotFound("That work cannot be brought back any more.")
    evidence.deleted_at = None
    evidence_audit("evidence.restore", actor, evidence, title=evidence.snapshot_title)
    db.session.commit()
    return evidence


def purge_deleted_evidence(before: dt.datetime) -> int:
    """Remove for good the evidence deleted before ``before``, and each uploaded file no
    other evidence (deleted or not) uses. Returns how many pieces of evidence went. Commits."""
    everything = {INCLUDE_DELETED: True}
    doomed = list(
        db.session.execute(
            select(Evidence.id, Evidence.file_id)
            .where(Evidence.deleted_at.is_not(None), Evidence.deleted_at < before)
            .execution_options(**everything)
        ).all()
    )
    if not doomed:
        return 0
    db.session.execute(
        delete(Evidence)
        .where(Evidence.id.in_([row.id for row in doomed]))
        .execution_options(synchronize_session=False)
    )
    file_ids = {row.file_id for row in doomed if row.file_id is not None}
    if file_ids:
        used = set(
            db.session.execute(
                select(Evidence.file_id)
                .where(Evidence.file_id.in_(file_ids))
                .execution_options(**everything)
            ).scalars()
        )
        if file_ids - used:
            db.session.execute(
                delete(StoredFile)
                .where(StoredFile.id.in_(file_ids - used))
                .execution_options(synchronize_session=False)
            )
    db.session.commit()
    return len(doomed)
