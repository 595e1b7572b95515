"""The financial-planning checklist by grade (6-12): the list this project ships
(``data/financial_checklist.json``, with the sources of its facts), a district's adaptations
of it (counselors add, edit and hide items for their tenant) and the items each student
ticked done (stored per plan).

A shipped item keeps its ``key`` when a district edits or hides it, so the ticks stay; an item
a district adds gets a key of its own (``local-...``). The shipped file is never changed.
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import delete, select

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.plans.editing import bounded_text, iso_or_none, record_change, whole_number
from lti_tool.plans.models import Plan
from lti_tool.plans.postsecondary_models import ChecklistAdaptation, ChecklistTick

GRADES = tuple(range(6, 13))
LOCAL_PREFIX = "local-"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact of an item comes from: a short label for students, the full name of
    what it says, and its address."""

    label: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One item as a tenant's students see it."""

    key: str
    grade: int
    title: str
    detail: str
    sources: tuple[Source, ...]
    #: "shipped" (this project's list) or "local" (added by the district).
    origin: str
    #: A shipped item the district changed.
    edited: bool = False
    hidden: bool = False


@functools.cache
def _shipped() -> tuple[dict[str, Any], tuple[ChecklistItem, ...]]:
    text = resources.files("lti_tool.plans").joinpath("data/financial_checklist.json").read_text()
    data = json.loads(text)
    sources = {
        k: Source(label=v["label"], name=v["name"], url=v["url"])
        for k, v in data["sources"].items()
    }
    items = tuple(
        ChecklistItem(
            key=item["key"],
            grade=int(item["grade"]),
            title=item["title"],
            detail=item["detail"],
            sources=tuple(sources[s] for s in item["sources"]),
            origin="shipped",
        )
        for item in data["items"]
    )
    return data, items


def shipped_items() -> tuple[ChecklistItem, ...]:
    """The list this project ships, in its order."""
    return _shipped()[1]


def about() -> dict[str, str]:
    """Title, author and review date of the shipped list."""
    data = _shipped()[0]
    return {k: str(data[k]) for k in ("title", "written_by", "reviewed")}


def _adaptations(tenant_id: int) -> dict[str, ChecklistAdaptation]:
    return {
        a.key: a
        for a in db.session.execute(
            select(ChecklistAdaptation)
            .where(ChecklistAdaptation.tenant_id == tenant_id)
            .order_by(ChecklistAdaptation.id)
        ).scalars()
    }


def checklist(tenant_id: int, *, include_hidden: bool = False) -> list[ChecklistItem]:
    """The tenant's checklist by grade: shipped items (as adapted) first within a grade, then
    the district's own, in the order they were added."""
    adapted = _adaptations(tenant_id)
    items: list[ChecklistItem] = []
    for item in shipped_items():
        change = adapted.get(item.key)
        if change is not None:
            item = ChecklistItem(
                key=item.key,
                grade=change.grade,
                title=change.title,
                detail=change.detail,
                sources=item.sources if change.title == item.title else (),
                origin="shipped",
                edited=(change.grade, change.title, change.detail)
                != (item.grade, item.title, item.detail),
                hidden=change.hidden,
            )
        items.append(item)
    shipped_keys = {i.key for i in shipped_items()}
    items.extend(
        ChecklistItem(
            key=a.key,
            grade=a.grade,
            title=a.title,
            detail=a.detail,
            sources=(),
            origin="local",
            hidden=a.hidden,
        )
        for a in adapted.values()
        if a.key not in shipped_keys
    )
    order = {item.key: n for n, item in enumerate(items)}
    return sorted(
        (i for i in items if include_hidden or not i.hidden),
        key=lambda i: (i.grade, order[i.key]),
    )


def by_grade(items: list[ChecklistItem]) -> dict[int, list[ChecklistItem]]:
    """Items grouped by grade, grades 6 to 12 (empty grades left out)."""
    return {
        g: [i for i in items if i.grade == g] for g in GRADES if any(i.grade == g for i in items)
    }


def _item_values(fields: Mapping[str, Any]) -> tuple[int, str, str]:
    grade = whole_number(fields.get("grade"), "grade")
    if grade not in GRADES:
        raise InvalidInput("Grade must be between 6 and 12.")
    title = bounded_text(fields.get("title"), 300, "The item", required=True)
    detail = bounded_text(fields.get("detail"), 2000, "The explanation")
    return grade, title, detail


def _audit(actor: Actor, action: str, key: str, **detail: Any) -> None:
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="checklist_item",
        item_key=key,
        **detail,
    )
    db.session.commit()


def _shipped_item(key: str) -> ChecklistItem | None:
    return next((i for i in shipped_items() if i.key == key), None)


def add_item(actor: Actor, fields: Mapping[str, Any]) -> str:
    """Add a district item to the tenant's checklist; returns its key."""
    grade, title, detail = _item_values(fields)
    key = LOCAL_PREFIX + secrets.token_hex(6)
    db.session.add(
        ChecklistAdaptation(
            tenant_id=actor.tenant_id, key=key, grade=grade, title=title, detail=detail
        )
    )
    _audit(actor, "checklist.create", key, grade=grade)
    return key


def _adaptation(actor: Actor, key: str) -> ChecklistAdaptation:
    """The tenant's adaptation row of ``key`` (a new one, unsaved, for a shipped item)."""
    found = db.session.execute(
        select(ChecklistAdaptation).where(
            ChecklistAdaptation.tenant_id == actor.tenant_id, ChecklistAdaptation.key == key
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    shipped = _shipped_item(key)
    if shipped is None:
        raise NotFound("That item is not on your district's checklist.")
    row = ChecklistAdaptation(
        tenant_id=actor.tenant_id,
        key=key,
        grade=shipped.grade,
        title=shipped.title,
        detail=shipped.detail,
        hidden=False,
    )
    db.session.add(row)
    return row


def edit_item(actor: Actor, key: str, fields: Mapping[str, Any]) -> None:
    """Change an item's grade, words or explanation for the tenant."""
    grade, title, detail = _item_values(fields)
    row = _adaptation(actor, key)
    row.grade, row.title, row.detail = grade, title, detail
    _audit(actor, "checklist.update", key, grade=grade)


def set_hidden(actor: Actor, key: str, hidden: bool) -> None:
    """Hide an item from the tenant's students (their ticks stay), or show it again."""
    row = _adaptation(actor, key)
    row.hidden = hidden
    _audit(actor, "checklist.hide" if hidden else "checklist.show", key)


def restore(actor: Actor, key: str) -> None:
    """Put a shipped item back as shipped (the district's changes to it go)."""
    if _shipped_item(key) is None:
        raise NotFound("Only items of the shipped list can be restored.")
    db.session.execute(
        delete(ChecklistAdaptation).where(
            ChecklistAdaptation.tenant_id == actor.tenant_id, ChecklistAdaptation.key == key
        )
    )
    _audit(actor, "checklist.restore", key)


def ticks(plan: Plan) -> dict[str, Any]:
    """When the student ticked each item done, by key."""
    return {
        t.item_key: t.created_at
        for t in db.session.execute(
            select(ChecklistTick).where(ChecklistTick.plan_id == plan.id)
        ).scalars()
    }


def toggle(actor: Actor, plan: Plan, key: str) -> bool:
    """Tick an item of the tenant's checklist done, or untick it; returns whether it is done.

    :raises NotFound: for a key that is not on the tenant's (visible) checklist."""
    if key not in {i.key for i in checklist(plan.tenant_id)}:
        raise NotFound("That item is not on your checklist.")
    tick = db.session.execute(
        select(ChecklistTick).where(ChecklistTick.plan_id == plan.id, ChecklistTick.item_key == key)
    ).scalar_one_or_none()
    if tick is None:
        db.session.add(ChecklistTick(plan_id=plan.id, item_key=key))
        done = True
    else:
        db.session.delete(tick)
        done = False
    record_change(actor, plan, "checklist.tick", item_key=key, done=done)
    return done


def checklist_document(plan: Plan) -> list[dict[str, Any]]:
    """The tenant's checklist with what the student ticked, as JSON-able data; ticks of items
    the district hid or removed are kept (with the key only when the item is gone)."""
    done = ticks(plan)
    items = checklist(plan.tenant_id, include_hidden=True)
    known = {i.key for i in items}
    rows = [
        {
            "key": i.key,
            "grade": i.grade,
            "title": i.title,
            "done": i.key in done,
            "done_at": iso_or_none(done.get(i.key)),
        }
        for i in items
        if not i.hidden or i.key in done
    ]
    rows.extend(
        {"key": k, "grade": None, "title": None, "done": True, "done_at": iso_or_none(at)}
        for k, at in sorted(done.items())
        if k not in known
    )
    return rows
