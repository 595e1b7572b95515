"""The audit log: one row per plan view or change, and per security-relevant admin action."""

from __future__ import annotations

from typing import Any

from lti_tool.extensions import db
from lti_tool.models import AuditEvent


def record(
    action: str,
    *,
    tenant_id: int | None,
    actor_id: int | None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the current session (committed with the caller's work)."""
    event = AuditEvent(
        tenant_id=tenant_id,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
    db.session.add(event)
    return event
