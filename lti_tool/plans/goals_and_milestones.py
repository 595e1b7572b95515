"""A plan's goals and the milestones under each goal.

Lookups by id are scoped to the plan they were given, so an id of someone else's plan is
simply "not found".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lti_tool.actor import Actor
from lti_tool.db import INCLUDE_DELETED, utcnow
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.plans import parts
from lti_tool.plans.editing import bounded_text, one_of, optional_date, record_change
from lti_tool.plans.models import Goal, GoalStatus, Milestone, Plan
from lti_tool.plans.reading import plan_framework
from lti_tool.plans.vocabulary import GOAL_CATEGORY_LABELS, GOAL_STATUS_LABELS, SOC_CODE


def goals(plan: Plan) -> list[Goal]:
    """The plan's goals with their milestones (two queries)."""
    return list(
        db.session.execute(
            select(Goal)
            .where(Goal.plan_id == plan.id)
            .options(selectinload(Goal.milestones))
            .order_by(Goal.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def get_goal(plan: Plan, goal_id: int) -> Goal:
    """A goal of this plan. :raises NotFound: otherwise."""
    goal = db.session.execute(
        select(Goal)
        .where(Goal.id == goal_id, Goal.plan_id == plan.id)
        .options(selectinload(Goal.milestones))
    ).scalar_one_or_none()
    if goal is None:
        raise NotFound("That goal is not part of this plan.")
    return goal


def _goal_fields(plan: Plan, fields: Mapping[str, Any]) -> dict[str, Any]:
    cluster = fields.get("cluster_code") or None
    if cluster is not None:
        one_of(cluster, (c.code for c in plan_framework(plan).clusters), "Career cluster")
    return {
        "category": one_of(fields.get("category"), GOAL_CATEGORY_LABELS, "Category"),
        "statement": bounded_text(
            fields.get("statement"), 2000, "The goal statement", required=True
        ),
        "target_date": optional_date(fields.get("target_date"), "Target date"),
        "measures": bounded_text(fields.get("measures"), 2000, "How you will measure it"),
        "status": one_of(
            fields.get("status") or GoalStatus.NOT_STARTED, GOAL_STATUS_LABELS, "Status"
        ),
        "cluster_code": cluster,
    } | _soc_field(fields)


def _soc_field(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The occupation a goal aims at (``soc_code``), only when the fields name one (the goal
    form does not, so editing a goal keeps its occupation)."""
    if "soc_code" not in fields:
        return {}
    code = fields.get("soc_code") or None
    if code is not None and not SOC_CODE.match(str(code)):
        raise InvalidInput("The occupation code is not a SOC code like 15-1252.")
    return {"soc_code": code}


def create_goal(
    actor: Actor, plan: Plan, fields: Mapping[str, Any], milestones: Sequence[str] = ()
) -> Goal:
    """Add a goal (category, statement, target_date, measures, status, cluster_code) and its
    first milestones."""
    values = _goal_fields(plan, fields)
    titles = [bounded_text(t, 500, "A milestone", required=True) for t in milestones]
    goal = Goal(plan_id=plan.id, **values)
    goal.milestones = [Milestone(title=t, done=False) for t in titles]
    db.session.add(goal)
    db.session.flush()
    record_change(
        actor, plan, "goal.create", subject_type="goal", subject_id=goal.id, milestones=len(titles)
    )
    return goal


def update_goal(actor: Actor, plan: Plan, goal_id: int, fields: Mapping[str, Any]) -> Goal:
    """Change a goal's fields."""
    goal = get_goal(plan, goal_id)
    values = _goal_fields(plan, fields)
    changed = [k for k, v in values.items() if getattr(goal, k) != v]
    for key, value in values.items():
        setattr(goal, key, value)
    record_change(
        actor, plan, "goal.update", subject_type="goal", subject_id=goal.id, fields=changed
    )
    return goal


def delete_goal(actor: Actor, plan: Plan, goal_id: int) -> Goal:
    """Delete a goal with an undo: it is hidden everywhere (with its milestones) until
    ``restore_goal`` brings it back or ``purge_deleted`` removes it for good. Its evidence
    stays in the plan; it shows as "not linked to a goal" meanwhile, and is linked again on
    undo."""
    goal = get_goal(plan, goal_id)
    goal.deleted_at = utcnow()
    record_change(actor, plan, "goal.delete", subject_type="goal", subject_id=goal_id)
    return goal


def deleted_goal(plan: Plan, goal_id: int) -> Goal:
    """A deleted (not yet purged) goal of this plan. :raises NotFound: otherwise."""
    goal = db.session.execute(
        select(Goal)
        .where(Goal.id == goal_id, Goal.plan_id == plan.id, Goal.deleted_at.is_not(None))
        .execution_options(**{INCLUDE_DELETED: True})
    ).scalar_one_or_none()
    if goal is None:
        raise NotFound("That goal cannot be brought back any more.")
    return goal


def recently_deleted_goals(plan: Plan) -> list[Goal]:
    """The plan's deleted goals that can still be brought back, the latest first."""
    return list(
        db.session.execute(
            select(Goal)
            .where(Goal.plan_id == plan.id, Goal.deleted_at.is_not(None))
            .order_by(Goal.deleted_at.desc(), Goal.id.desc())
            .execution_options(**{INCLUDE_DELETED: True})
        ).scalars()
    )


def restore_goal(actor: Actor, plan: Plan, goal_id: int) -> Goal:
    """Undo ``delete_goal``: the goal, its milestones and its evidence links are back."""
    goal = deleted_goal(plan, goal_id)
    goal.deleted_at = None
    record_change(actor, plan, "goal.restore", subject_type="goal", subject_id=goal_id)
    return goal


def purge_deleted_goals(before: dt.datetime) -> int:
    """Remove for good the goals deleted before ``before`` (their milestones too); their
    evidence stays in the plan, unlinked. Returns how many goals went. Commits."""
    doomed = list(
        db.session.execute(
            select(Goal)
            .where(Goal.deleted_at.is_not(None), Goal.deleted_at < before)
            .execution_options(**{INCLUDE_DELETED: True})
        ).scalars()
    )
    for goal in doomed:
        parts.goal_deleted(goal)
        db.session.delete(goal)
    db.session.commit()
    return len(doomed)


def get_milestone(plan: Plan, milestone_id: int) -> Milestone:
    """A milestone of one of this plan's goals. :raises NotFound: otherwise."""
    milestone = db.session.execute(
        select(Milestone)
        .join(Goal, Goal.id == Milestone.goal_id)
        .where(Milestone.id == milestone_id, Goal.plan_id == plan.id)
    ).scalar_one_or_none()
    if milestone is None:
        raise NotFound("That milestone is not part of this plan.")
    return milestone


def add_milestone(
    actor: Actor, plan: Plan, goal_id: int, title: Any, due_date: Any = None
) -> Milestone:
    """Add a step to a goal."""
    goal = get_goal(plan, goal_id)
    milestone = Milestone(
        goal_id=goal.id,
        title=bounded_text(title, 500, "The milestone", required=True),
        due_date=optional_date(due_date, "Due date"),
        done=False,
    )
    db.session.add(milestone)
    db.session.flush()
    record_change(
        actor,
        plan,
        "milestone.create",
        subject_type="milestone",
        subject_id=milestone.id,
        goal_id=goal.id,
    )
    return milestone


def set_milestone_done(
    actor: Actor, plan: Plan, milestone_id: int, done: bool | None = None
) -> Milestone:
    """Mark a milestone done or not done (``None`` toggles it)."""
    milestone = get_milestone(plan, milestone_id)
    milestone.done = (not milestone.done) if done is None else done
    record_change(
        actor,
        plan,
        "milestone.update",
        subject_type="milestone",
        subject_id=milestone.id,
        goal_id=milestone.goal_id,
        done=milestone.done,
    )
    return milestone


def delete_milestone(actor: Actor, plan: Plan, milestone_id: int) -> int:
    """Remove a milestone; returns the id of its goal."""
    milestone = get_milestone(plan, milestone_id)
    goal_id = milestone.goal_id
    db.session.delete(milestone)
    record_change(
        actor,
        plan,
        "milestone.delete",
        subject_type="milestone",
        subject_id=milestone_id,
        goal_id=goal_id,
    )
    return goal_id
