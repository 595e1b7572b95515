"""The portfolio's share of a student's plan, registered with plans (``lti_tool.plans.parts``).

Evidence about the student and the work samples they uploaded appear in the plan document
and the export zip, are counted before the plan is deleted and go with it. Plans learns how
from :data:`PART`, which the portfolio registers when its blueprint is registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from flask.blueprints import BlueprintSetupState
from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import aliased

from lti_tool.db import INCLUDE_DELETED
from lti_tool.extensions import db
from lti_tool.models import Course, Person
from lti_tool.plans import parts
from lti_tool.plans.models import Goal, Plan
from lti_tool.portfolio import bp
from lti_tool.portfolio.models import Evidence, ReflectionReview, StoredFile
from lti_tool.portfolio.snapshots import safe_link


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _run(statement: Any) -> int:
    result = cast(
        CursorResult[Any],
        db.session.execute(statement.execution_options(synchronize_session=False)),
    )
    return int(result.rowcount or 0)


def evidence(plan: Plan) -> list[dict[str, Any]]:
    """The plan's evidence snapshots for the plan document, oldest first."""
    attacher = aliased(Person)
    rows = db.session.execute(
        select(Evidence, attacher, Course.title)
        .outerjoin(attacher, attacher.id == Evidence.attached_by)
        .outerjoin(Course, Course.id == Evidence.course_id)
        .where(Evidence.plan_id == plan.id)
        .order_by(Evidence.snapshot_date, Evidence.id)
    ).all()
    return [
        {
            "id": ev.id,
            "goal_id": ev.goal_id,
            "kind": str(ev.kind),
            "title": ev.snapshot_title,
            "score": ev.snapshot_score,
            "score_maximum": ev.snapshot_score_maximum,
            "date": _iso(ev.snapshot_date),
            "url": safe_link(ev.snapshot_url),
            "digest": ev.snapshot_digest,
            "reflection": ev.reflection or "",
            "note": ev.note or "",
            "attached_by": who.display_name if who is not None else None,
            "attached_as": ev.attached_as,
            "course": course_title,
        }
        for ev, who, course_title in rows
    ]


def uploaded_files(student: Person) -> list[parts.ExportFile]:
    """Every work sample the student uploaded, oldest first."""
    return [
        parts.ExportFile(id=f.id, filename=f.filename, content=f.content)
        for f in db.session.execute(
            select(StoredFile)
            .where(StoredFile.owner_id == student.id, StoredFile.tenant_id == student.tenant_id)
            .order_by(StoredFile.id)
        ).scalars()
    ]


def unlink_goal(goal: Goal) -> None:
    """Evidence linked to a deleted goal stays in the plan, linked to no goal."""
    db.session.execute(
        update(Evidence)
        .where(Evidence.goal_id == goal.id)
        .values(goal_id=None)
        .execution_options(synchronize_session=False)
    )


def deletion_preview(student: Person, plan_id: int) -> dict[str, int]:
    """How much evidence and how many files deleting the student's plan would remove."""

    def count(model: Any, *where: Any) -> int:
        # Deleted rows still waiting for the purge (undo) are deleted with the plan too.
        query = select(func.count()).select_from(model).where(*where)
        return int(
            db.session.execute(query.execution_options(**{INCLUDE_DELETED: True})).scalar_one()
        )

    return {
        "evidence": count(
            Evidence, or_(Evidence.plan_id == plan_id, Evidence.student_id == student.id)
        ),
        "files": count(
            StoredFile, StoredFile.owner_id == student.id, StoredFile.tenant_id == student.tenant_id
        ),
        "reflection reviews": count(
            ReflectionReview,
            ReflectionReview.student_id == student.id,
            ReflectionReview.tenant_id == student.tenant_id,
        ),
    }


def owned(student: Person, plan_id: int) -> dict[str, list[Any]]:
    """Evidence about the student or in their plan, the files they uploaded and their teachers'
    scores and comments on their reflections."""
    tenant_id, pid = student.tenant_id, student.id
    return {
        "evidence": list(
            db.session.execute(
                select(Evidence)
                .where(
                    Evidence.tenant_id == tenant_id,
                    or_(Evidence.student_id == pid, Evidence.plan_id == plan_id),
                )
                # Deleted evidence still waiting for the purge (undo) is erased too.
                .execution_options(**{INCLUDE_DELETED: True})
            ).scalars()
        ),
        "file": list(
            db.session.execute(
                select(StoredFile).where(
                    StoredFile.tenant_id == tenant_id, StoredFile.owner_id == pid
                )
            ).scalars()
        ),
        "reflection_review": list(
            db.session.execute(
                select(ReflectionReview).where(
                    ReflectionReview.tenant_id == tenant_id, ReflectionReview.student_id == pid
                )
            ).scalars()
        ),
    }


def erase(student: Person, plan_id: int, rows: Mapping[str, list[Any]]) -> dict[str, int]:
    """Delete the evidence ``owned`` found, every file the student uploaded and the teachers'
    reviews of their reflections."""
    return {
        "reflection reviews": _run(
            delete(ReflectionReview).where(
                ReflectionReview.tenant_id == student.tenant_id,
                ReflectionReview.student_id == student.id,
            )
        ),
        "evidence": _run(
            delete(Evidence).where(Evidence.id.in_([e.id for e in rows.get("evidence", [])]))
        ),
        "files": _run(
            delete(StoredFile).where(
                StoredFile.tenant_id == student.tenant_id, StoredFile.owner_id == student.id
            )
        ),
    }


PART = parts.PlanPart(
    name="portfolio",
    evidence=evidence,
    files=uploaded_files,
    goal_deleted=unlink_goal,
    preview=deletion_preview,
    owned=owned,
    erase=erase,
)


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    parts.register(state.app, PART)
