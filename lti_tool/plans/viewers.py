"""Who saw a student's plan: read from the audit log.

Single-student pages record ``student_id``; bulk pages (class view, attach form, caseload
page and CSV, family page) record ``students``, the ids of everyone shown. The filter runs in
Python over one tenant's read events, so it needs no JSON operators and behaves the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Person

#: Audit actions that show (some of) a student's plan, portfolio or files to the actor.
READ_ACTIONS = frozenset(
    {
        "plan.view",
        "plan.export",
        "portfolio.view",
        "file.download",
        "reflection.view",
        "relevance.student_view",
        "relevance.class_view",
        "evidence.attach_form",
        "caseload.view",
        "caseload.export",
        "plans.family_view",
    }
)


@dataclass(frozen=True, slots=True)
class Viewing:
    """One time someone saw the student's data."""

    event_id: int
    actor_id: int | None
    action: str
    at: dt.datetime


def _shows(detail: dict[str, object], student_id: int) -> bool:
    if detail.get("student_id") == student_id:
        return True
    students = detail.get("students")
    return isinstance(students, list) and student_id in students


def viewers_of(student_id: int) -> list[Viewing]:
    """Every read of the student's data in the audit log, oldest first (their own included).

    Scoped to the student's tenant; an unknown id has no viewers."""
    tenant_id = db.session.execute(
        select(Person.tenant_id).where(Person.id == student_id)
    ).scalar_one_or_none()
    if tenant_id is None:
        return []
    events = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.tenant_id == tenant_id, AuditEvent.action.in_(READ_ACTIONS))
        .order_by(AuditEvent.id)
    ).scalars()
    return [
        Viewing(e.id, e.actor_id, e.action, e.created_at)
        for e in events
        if _shows(e.detail or {}, student_id)
    ]
