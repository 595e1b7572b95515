"""Careers' share of a student's plan, registered with plans (``lti_tool.plans.parts``).

The occupations a student saved appear in the plan document (so in the export, the printable
page and yearly snapshots) as ``saved_occupations``, are counted before the plan is deleted
and go with it (and with the student's erasure).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from flask.blueprints import BlueprintSetupState
from sqlalchemy import CursorResult, delete, func, select

from lti_tool.careers import bp
from lti_tool.careers.models import Occupation, SavedOccupation
from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans import parts
from lti_tool.plans.models import Goal, Plan


def document(plan: Plan) -> dict[str, Any]:
    """The plan's saved occupations for the plan document, oldest first."""
    if plan.id is None:
        return {"saved_occupations": []}
    rows = db.session.execute(
        select(SavedOccupation, Occupation.title)
        .outerjoin(Occupation, Occupation.soc_code == SavedOccupation.soc_code)
        .where(SavedOccupation.plan_id == plan.id)
        .order_by(SavedOccupation.saved_at, SavedOccupation.id)
    ).all()
    return {
        "saved_occupations": [
            {
                "id": s.id,
                "soc_code": s.soc_code,
                "title": title,
                "note": s.note or "",
                "saved_at": s.saved_at.isoformat() if s.saved_at else None,
            }
            for s, title in rows
        ]
    }


def _none(_plan: Plan) -> list[dict[str, Any]]:
    return []


def _no_files(_student: Person) -> list[parts.ExportFile]:
    return []


def _goal_deleted(_goal: Goal) -> None:
    """Saved occupations do not hang off goals: nothing to do."""


def preview(_student: Person, plan_id: int) -> dict[str, int]:
    """How many saved occupations deleting the plan would remove."""
    count = db.session.scalar(
        select(func.count()).select_from(SavedOccupation).where(SavedOccupation.plan_id == plan_id)
    )
    return {"saved_occupations": int(count or 0)}


def owned(_student: Person, plan_id: int) -> dict[str, list[Any]]:
    """The plan's saved occupations (their notes are the student's words)."""
    return {
        "saved_occupation": list(
            db.session.scalars(select(SavedOccupation).where(SavedOccupation.plan_id == plan_id))
        )
    }


def erase(_student: Person, plan_id: int, _rows: Mapping[str, list[Any]]) -> dict[str, int]:
    """Delete the plan's saved occupations."""
    result = cast(
        CursorResult[Any],
        db.session.execute(
            delete(SavedOccupation)
            .where(SavedOccupation.plan_id == plan_id)
            .execution_options(synchronize_session=False)
        ),
    )
    return {"saved_occupations": int(result.rowcount or 0)}


PART = parts.PlanPart(
    name="careers",
    evidence=_none,
    files=_no_files,
    goal_deleted=_goal_deleted,
    preview=preview,
    owned=owned,
    erase=erase,
    document=document,
)


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    parts.register(state.app, PART)
