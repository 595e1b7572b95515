"""The goals of a student's plan as the portfolio's forms offer and read them.

Labels and select options for goals, the parsing of ids from form and query values, and the
check that a chosen goal is one of the student's own plan.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans import reading as plan_services
from lti_tool.plans.models import Goal, Plan
from lti_tool.portfolio.forms import NO_GOAL, choices


def goal_label(goal: Goal) -> str:
    """A short label for a goal in lists and selects."""
    statement = " ".join(goal.statement.split())
    if len(statement) > 120:
        statement = statement[:117].rstrip() + "..."
    return f"{statement} ({goal.category})" if goal.category else statement


def goal_choices(goals: Sequence[Goal], *, none_label: str) -> list[SelectChoice]:
    """The options of a goal select: "none" first, then the goals."""
    return choices([(NO_GOAL, none_label), *((str(g.id), goal_label(g)) for g in goals)])


_ID = re.compile(r"[0-9]{1,9}")


def parse_id(value: str | None) -> int | None:
    """A record id from a form or query value, or None when it is not one.

    Only ASCII digits count (``"²".isdigit()`` is true, yet ``int("²")`` fails) and at most
    nine of them (a longer number would overflow the database's integer columns).
    """
    if value is None or not _ID.fullmatch(value):
        return None
    return int(value)


def parse_goal(value: str | None) -> int | None:
    """A goal select value as a goal id (None for "no particular goal").

    :raises InvalidInput: for a value that is not a goal id.
    """
    if not value:
        return None
    goal_id = parse_id(value)
    if goal_id is None:
        raise InvalidInput("Choose one of the listed goals.")
    return goal_id


def plan_goals(plan: Plan | None) -> list[Goal]:
    """The goals of a plan in creation order (one query; none for a missing plan)."""
    if plan is None:
        return []
    return list(
        db.session.execute(select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.id)).scalars()
    )


def goal_of_plan(plan: Plan, goal_id: int | None) -> Goal | None:
    if goal_id is None:
        return None
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.plan_id != plan.id:
        raise InvalidInput("That goal is not one of the goals of this plan.")
    return goal


def goal_for(student: Person, goal_id: int | None) -> int | None:
    """Check (without writing anything) that ``goal_id`` is a goal of the student's plan."""
    if goal_id is None:
        return None
    plan = plan_services.find_plan(student)
    if plan is None:
        raise InvalidInput("That goal is not one of the goals of this plan.")
    goal = goal_of_plan(plan, goal_id)
    return goal.id if goal else None
