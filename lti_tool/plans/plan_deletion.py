"""Deleting a student's plan on request: the preview of what would go, and the deletion itself,
confirmed by typing the student's name (the work is done by ``erasure``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.db import INCLUDE_DELETED
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans import erasure, parts
from lti_tool.plans.models import CoursePlanEntry, Goal, PlanItem, PlanSnapshot
from lti_tool.plans.postsecondary_models import PostsecondaryOption
from lti_tool.plans.reading import find_plan


def deletion_preview(student: Person) -> dict[str, int]:
    """How many rows deleting the student's plan would remove, by kind."""
    plan = find_plan(student)
    plan_id = plan.id if plan is not None else -1

    def count(model: Any, *where: Any) -> int:
        # Deleted rows still waiting for the purge (undo) are deleted with the plan too.
        query = select(func.count()).select_from(model).where(*where)
        return int(
            db.session.execute(query.execution_options(**{INCLUDE_DELETED: True})).scalar_one()
        )

    return {
        "goals": count(Goal, Goal.plan_id == plan_id),
        **parts.preview(student, plan_id),  # evidence and files, from the portfolio
        "courses": count(CoursePlanEntry, CoursePlanEntry.plan_id == plan_id),
        "items": count(PlanItem, PlanItem.plan_id == plan_id),
        "postsecondary_options": count(PostsecondaryOption, PostsecondaryOption.plan_id == plan_id),
        "snapshots": count(PlanSnapshot, PlanSnapshot.plan_id == plan_id),
    }


def _normal_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def delete_plan(actor: Actor, student: Person, confirm_name: str) -> dict[str, int]:
    """Delete everything the student owns on request (see ``erasure``).

    Removes the plan and all that hangs off it, evidence and uploaded files, grades with
    their comments, transcript, enrollments, guardian links, grants and the stored launch
    data; the person row becomes an anonymised tombstone. The audit event (``plan.delete``,
    with counts only) stays, and the student's texts leave every other audit event.
    Returns the counts.

    :raises InvalidInput: when ``confirm_name`` is not the student's name.
    """
    if _normal_name(confirm_name or "") != _normal_name(student.display_name):
        raise InvalidInput(
            "The name you typed does not match the student's name, so nothing was deleted."
        )
    plan = find_plan(student)
    plan_id = plan.id if plan is not None else None
    counts = erasure.erase_student(actor.tenant_id, student)
    db.session.commit()
    counts["launches"] = erasure.purge_store(student)
    audit.record(
        "plan.delete",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="plan",
        subject_id=plan_id,
        student_id=student.id,
        counts=counts,
    )
    db.session.commit()
    return counts
