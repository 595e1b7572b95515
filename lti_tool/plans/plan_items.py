"""The plan's list sections (``PlanItem``): activities, accomplishments, work, service,
assessment results and supporting adults.

Lookups by id are scoped to the plan they were given, so an id of someone else's plan is
simply "not found".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.plans import work_learning
from lti_tool.plans.editing import bounded_text, optional_date, record_change
from lti_tool.plans.models import Plan, PlanItem, PlanItemKind
from lti_tool.plans.vocabulary import ITEM_FIELDS, ITEM_SECTIONS


def section_kind(section: str) -> PlanItemKind:
    """The item kind of a list section's URL slug. :raises NotFound: for unknown slugs."""
    info = ITEM_SECTIONS.get(section)
    if info is None:
        raise NotFound()
    return PlanItemKind(info["kind"])


def items(plan: Plan, kind: PlanItemKind | None = None) -> list[PlanItem]:
    """The plan's list items (of one kind), in the order they were added."""
    query = select(PlanItem).where(PlanItem.plan_id == plan.id)
    if kind is not None:
        query = query.where(PlanItem.kind == kind)
    return list(db.session.execute(query.order_by(PlanItem.kind, PlanItem.id)).scalars())


def get_item(plan: Plan, kind: PlanItemKind, item_id: int) -> PlanItem:
    """An item of this plan and kind. :raises NotFound: otherwise."""
    item = db.session.execute(
        select(PlanItem).where(
            PlanItem.id == item_id, PlanItem.plan_id == plan.id, PlanItem.kind == kind
        )
    ).scalar_one_or_none()
    if item is None:
        raise NotFound("That entry is not part of this plan.")
    return item


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _item_fields(kind: PlanItemKind, fields: Mapping[str, Any]) -> dict[str, Any]:
    allowed = ITEM_FIELDS[kind]
    values: dict[str, Any] = {
        "title": work_learning.clean_text(fields.get("title"), 500, "The title", required=True),
        "detail": work_learning.clean_text(fields.get("detail"), 5000, "The details"),
        "date": optional_date(fields.get("date"), "Date") if "date" in allowed else None,
        "score": (bounded_text(fields.get("score"), 120, "The score") or None)
        if "score" in allowed
        else None,
        "relationship_label": (
            bounded_text(fields.get("relationship_label"), 120, "The relationship") or None
        )
        if "relationship_label" in allowed
        else None,
        "email": (bounded_text(fields.get("email"), 320, "The email") or None)
        if "email" in allowed
        else None,
        "phone": (bounded_text(fields.get("phone"), 60, "The phone") or None)
        if "phone" in allowed
        else None,
    }
    if values["email"] and not _EMAIL.match(values["email"]):
        raise InvalidInput("That does not look like an email address.")
    values.update(work_learning.entry_fields(allowed, fields))
    return values


def add_item(actor: Actor, plan: Plan, kind: PlanItemKind, fields: Mapping[str, Any]) -> PlanItem:
    """Add a line to a list section."""
    item = PlanItem(plan_id=plan.id, kind=kind, **_item_fields(kind, fields))
    db.session.add(item)
    db.session.flush()
    record_change(
        actor, plan, "item.create", subject_type="plan_item", subject_id=item.id, kind=str(kind)
    )
    return item


def update_item(
    actor: Actor, plan: Plan, kind: PlanItemKind, item_id: int, fields: Mapping[str, Any]
) -> PlanItem:
    """Change a line of a list section."""
    item = get_item(plan, kind, item_id)
    for key, value in _item_fields(kind, fields).items():
        setattr(item, key, value)
    record_change(
        actor, plan, "item.update", subject_type="plan_item", subject_id=item.id, kind=str(kind)
    )
    return item


def delete_item(actor: Actor, plan: Plan, kind: PlanItemKind, item_id: int) -> None:
    """Remove a line of a list section."""
    item = get_item(plan, kind, item_id)
    db.session.delete(item)
    record_change(
        actor, plan, "item.delete", subject_type="plan_item", subject_id=item_id, kind=str(kind)
    )
