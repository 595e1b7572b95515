"""What every change to a plan shares: the audit event committed together with the change, and
the checks that turn form values into text, a choice, a date or an ISO string.

A function that changes a plan takes the ``Actor`` only to write the audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.plans.models import Plan


def record_change(
    actor: Actor,
    plan: Plan,
    action: str,
    *,
    subject_type: str = "plan",
    subject_id: int | None = None,
    **detail: Any,
) -> None:
    """Mark the plan updated, audit the change and commit both."""
    plan.updated_at = utcnow()
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type=subject_type,
        subject_id=plan.id if subject_id is None else subject_id,
        plan_id=plan.id,
        student_id=plan.person_id,
        **detail,
    )
    db.session.commit()


def bounded_text(value: Any, limit: int, what: str, *, required: bool = False) -> str:
    """Trimmed text of at most ``limit`` characters (and not empty when ``required``).

    :raises InvalidInput: with ``what`` in a plain message.
    """
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"{what} cannot be empty.")
    if len(text) > limit:
        raise InvalidInput(f"{what} is too long (at most {limit} characters).")
    return text


def one_of(value: Any, allowed: Iterable[str], what: str) -> str:
    """``value`` when it is one of ``allowed``.

    :raises InvalidInput: with ``what`` in a plain message.
    """
    text = str(value or "")
    if text not in set(allowed):
        raise InvalidInput(f"{what}: {text!r} is not one of the choices.")
    return text


def optional_date(value: Any, what: str) -> dt.date | None:
    """A date from a form or JSON value (ISO ``2027-05-31``), or None when empty.

    :raises InvalidInput: with ``what`` in a plain message.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as err:
        raise InvalidInput(f"{what}: use a date like 2027-05-31.") from err


def iso_or_none(value: dt.date | dt.datetime | None) -> str | None:
    """The ISO text of a date or time, or None."""
    return value.isoformat() if value is not None else None


def whole_number(value: Any, what: str) -> int:
    """An integer from a form value.

    :raises InvalidInput: with ``what`` in a plain message.
    """
    try:
        return int(value)
    except (TypeError, ValueError) as err:
        raise InvalidInput(f"{what.replace('_', ' ').capitalize()} must be a number.") from err
