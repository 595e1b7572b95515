"""Occupations a student saved to their plan: saving, the note, removing, turning one into a
goal, and the counselor's counts across the caseload.

Every change is audited through the plan (``plans.editing.record_change``): the event names
the saved row by id, never the student's note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.careers.crosswalk import clusters_for
from lti_tool.careers.models import Occupation, SavedOccupation
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans import goals_and_milestones
from lti_tool.plans.editing import bounded_text, record_change
from lti_tool.plans.models import Goal, GoalCategory, GoalStatus, Plan
from lti_tool.plans.reading import plan_framework

__all__ = [
    "NOTE_LIMIT",
    "SavedRow",
    "caseload_counts",
    "goal_from_saved",
    "is_saved",
    "occupation_or_404",
    "remove",
    "save",
    "saved_rows",
]

NOTE_LIMIT = 1000


@dataclass(frozen=True)
class SavedRow:
    """A saved occupation with its title (None when the loaded release no longer has it)."""

    saved: SavedOccupation
    title: str | None
    #: Goals of the plan made from this occupation.
    goal_ids: tuple[int, ...]


def occupation_or_404(soc_code: str) -> Occupation:
    """The loaded occupation with this SOC code. :raises NotFound: otherwise."""
    occupation = db.session.get(Occupation, soc_code) if len(soc_code) == 7 else None
    if occupation is None:
        raise NotFound("There is no occupation with that code.")
    return occupation


def saved_rows(plan: Plan) -> list[SavedRow]:
    """The plan's saved occupations, newest first, with titles and goals (two queries)."""
    if plan.id is None:
        return []
    rows = db.session.execute(
        select(SavedOccupation, Occupation.title)
        .outerjoin(Occupation, Occupation.soc_code == SavedOccupation.soc_code)
        .where(SavedOccupation.plan_id == plan.id)
        .order_by(SavedOccupation.saved_at.desc(), SavedOccupation.id.desc())
    ).all()
    goals: dict[str, list[int]] = {}
    for goal_id, soc in db.session.execute(
        select(Goal.id, Goal.soc_code)
        .where(Goal.plan_id == plan.id, Goal.soc_code.is_not(None))
        .order_by(Goal.id)
    ):
        if soc is not None:
            goals.setdefault(soc, []).append(goal_id)
    return [SavedRow(s, title, tuple(goals.get(s.soc_code, ()))) for s, title in rows]


def is_saved(plan: Plan | None, soc_code: str) -> SavedOccupation | None:
    """The plan's saved row for ``soc_code`` (None when not saved)."""
    if plan is None or plan.id is None:
        return None
    return db.session.scalar(
        select(SavedOccupation).where(
            SavedOccupation.plan_id == plan.id, SavedOccupation.soc_code == soc_code
        )
    )


def save(actor: Actor, plan: Plan, occupation: Occupation, note: Any = "") -> SavedOccupation:
    """Save an occupation to the plan (again: only its note changes)."""
    text = bounded_text(note, NOTE_LIMIT, "The note")
    row = is_saved(plan, occupation.soc_code)
    if row is None:
        row = SavedOccupation(plan_id=plan.id, soc_code=occupation.soc_code, note=text)
        db.session.add(row)
        db.session.flush()
        action = "occupation.save"
    else:
        row.note = text
        action = "occupation.update"
    record_change(
        actor,
        plan,
        action,
        subject_type="saved_occupation",
        subject_id=row.id,
    )
    return row


def remove(actor: Actor, plan: Plan, soc_code: str) -> None:
    """Remove a saved occupation (goals made from it stay). :raises NotFound: not saved."""
    row = is_saved(plan, soc_code)
    if row is None:
        raise NotFound("That occupation is not saved in your plan.")
    row_id = row.id
    db.session.delete(row)
    record_change(
        actor,
        plan,
        "occupation.unsave",
        subject_type="saved_occupation",
        subject_id=row_id,
    )


def goal_from_saved(actor: Actor, plan: Plan, soc_code: str) -> Goal:
    """Turn a saved occupation into a career goal naming it, in one step.

    The goal links to the occupation (``soc_code``) and, when the crosswalk puts it in a
    cluster of the plan's framework, to that cluster. :raises NotFound: not saved."""
    row = is_saved(plan, soc_code)
    if row is None:
        raise NotFound("Save the occupation to your plan first.")
    occupation = db.session.get(Occupation, soc_code)
    if occupation is None:
        raise InvalidInput("That occupation is no longer in the loaded data.")
    match = clusters_for(soc_code, plan.tenant_id)
    fw = plan_framework(plan)
    cluster = None
    if match is not None:
        code = match.cluster_2008 if fw.version == "2008" else match.cluster_2024
        cluster = code if code in {c.code for c in fw.clusters} else None
    return goals_and_milestones.create_goal(
        actor,
        plan,
        {
            "category": GoalCategory.CAREER,
            "statement": f"Work toward a career as: {occupation.title} (SOC {soc_code})",
            "measures": "",
            "status": GoalStatus.NOT_STARTED,
            "cluster_code": cluster,
            "soc_code": soc_code,
        },
        [f"Learn what {occupation.title} do day to day"],
    )


def caseload_counts(actor: Actor) -> list[tuple[str, str | None, int]]:
    """For a counselor: every occupation the students of their caseload saved
    (``policy.caseload_student_ids``: archived graduates aside), with how many saved it,
    most saved first (SOC code, title, students); one query."""
    tenant_id = actor.tenant_id
    students = policy.caseload_student_ids(actor)
    students_n = func.count(func.distinct(Plan.person_id))
    rows = db.session.execute(
        select(SavedOccupation.soc_code, Occupation.title, students_n)
        .join(Plan, Plan.id == SavedOccupation.plan_id)
        .join(Person, Person.id == Plan.person_id)
        .outerjoin(Occupation, Occupation.soc_code == SavedOccupation.soc_code)
        .where(
            Plan.tenant_id == tenant_id,
            Person.tenant_id == tenant_id,
            Person.id.in_(students),
        )
        .group_by(SavedOccupation.soc_code, Occupation.title)
        .order_by(students_n.desc(), SavedOccupation.soc_code)
    ).all()
    return [(soc, title, int(n)) for soc, title, n in rows]
