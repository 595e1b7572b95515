"""Community resources, the logic: the district's list (add, edit, hide, browse by category)
and the recommendations counselors make from it into a student's plan, which the student
marks done or dismisses.

Every lookup is scoped to the tenant (or the plan) it was given, so an id of another district
or another student's plan is simply "not found". Values are checked whatever sent them: text
without NUL bytes or other control characters, a web address that is an absolute http(s) URL
(``hygiene.http_url``), an email and phone that look like one. Every change is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.hygiene import http_url
from lti_tool.models import Person
from lti_tool.plans.editing import iso_or_none, one_of, record_change
from lti_tool.plans.models import Plan
from lti_tool.plans.resource_models import (
    CommunityResource,
    RecommendationStatus,
    ResourceCategory,
    ResourceRecommendation,
)
from lti_tool.plans.work_learning import clean_text

CATEGORY_LABELS: dict[str, str] = {
    ResourceCategory.TUTORING: "Tutoring",
    ResourceCategory.MENTAL_HEALTH: "Mental health",
    ResourceCategory.FOOD: "Food",
    ResourceCategory.JOBS_TRAINING: "Jobs and training",
    ResourceCategory.COLLEGE_ACCESS: "College access",
    ResourceCategory.FINANCIAL_AID: "Financial aid",
    ResourceCategory.TRANSPORT: "Transport",
    ResourceCategory.OTHER: "Other",
}
STATUS_LABELS: dict[str, str] = {
    RecommendationStatus.OPEN: "Open",
    RecommendationStatus.DONE: "Done",
    RecommendationStatus.DISMISSED: "Dismissed",
}

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+().\-\s]{3,}(?:\s*(?:x|ext\.?)\s*[0-9]+)?$")
NOTE_LIMIT = 2000


# -- the district's list ------------------------------------------------------------------------


def resources(
    tenant_id: int, *, category: str | None = None, include_hidden: bool = False
) -> list[CommunityResource]:
    """The tenant's resources (of one category), by category and name; hidden ones only when
    asked."""
    query = select(CommunityResource).where(CommunityResource.tenant_id == tenant_id)
    if category:
        query = query.where(CommunityResource.category == ResourceCategory(category))
    if not include_hidden:
        query = query.where(CommunityResource.active.is_(True))
    return list(
        db.session.execute(
            query.order_by(CommunityResource.category, CommunityResource.name)
        ).scalars()
    )


def get_resource(tenant_id: int, resource_id: int) -> CommunityResource:
    """A resource of this tenant. :raises NotFound: otherwise."""
    resource = db.session.get(CommunityResource, resource_id)
    if resource is None or resource.tenant_id != tenant_id:
        raise NotFound("That resource is not on your district's list.")
    return resource


def resource_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The checked values of a resource. :raises InvalidInput: with a plain message."""
    values: dict[str, Any] = {
        "name": clean_text(fields.get("name"), 255, "The name", required=True),
        "category": ResourceCategory(
            one_of(fields.get("category"), CATEGORY_LABELS, "The category")
        ),
        "description": clean_text(fields.get("description"), 5000, "The description"),
        "serves": clean_text(fields.get("serves"), 255, "Who it serves"),
        "phone": clean_text(fields.get("phone"), 60, "The phone") or None,
        "email": clean_text(fields.get("email"), 320, "The email") or None,
        "url": clean_text(fields.get("url"), 2048, "The web address") or None,
    }
    if values["phone"] and not PHONE.match(values["phone"]):
        raise InvalidInput("The phone: use digits, spaces and + ( ) - only.")
    if values["email"] and not EMAIL.match(values["email"]):
        raise InvalidInput("The email does not look like an email address.")
    if values["url"] and http_url(values["url"]) is None:
        raise InvalidInput(
            "The web address must be a full address starting with https:// or http://."
        )
    return values


def _name_taken(tenant_id: int, name: str, but: int | None = None) -> bool:
    query = select(CommunityResource.id).where(
        CommunityResource.tenant_id == tenant_id, CommunityResource.name == name
    )
    if but is not None:
        query = query.where(CommunityResource.id != but)
    return db.session.execute(query.limit(1)).first() is not None


def _audit(actor: Actor, action: str, resource: CommunityResource, **detail: Any) -> None:
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="community_resource",
        subject_id=resource.id,
        **detail,
    )
    db.session.commit()


def add_resource(actor: Actor, fields: Mapping[str, Any]) -> CommunityResource:
    """Add a resource to the actor's district list.

    :raises InvalidInput: for bad values or a name the list already has."""
    values = resource_fields(fields)
    if _name_taken(actor.tenant_id, values["name"]):
        raise InvalidInput("Your district's list already has a resource of that name.")
    resource = CommunityResource(
        tenant_id=actor.tenant_id, created_by=actor.person_id, active=True, **values
    )
    db.session.add(resource)
    db.session.flush()
    _audit(actor, "resource.create", resource, category=str(resource.category))
    return resource


def update_resource(
    actor: Actor, resource: CommunityResource, fields: Mapping[str, Any]
) -> CommunityResource:
    """Change a resource. :raises InvalidInput: for bad values or a name taken."""
    values = resource_fields(fields)
    if _name_taken(actor.tenant_id, values["name"], but=resource.id):
        raise InvalidInput("Your district's list already has a resource of that name.")
    for key, value in values.items():
        setattr(resource, key, value)
    _audit(actor, "resource.update", resource, category=str(resource.category))
    return resource


def set_active(actor: Actor, resource: CommunityResource, active: bool) -> None:
    """Show or hide a resource (hidden ones are not offered; recommendations keep them)."""
    resource.active = active
    _audit(actor, "resource.show" if active else "resource.hide", resource)


# -- recommendations ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecommendationView:
    """A recommendation as a page shows it."""

    id: int
    resource: CommunityResource
    note: str
    status: str
    recommended_by: str | None
    recommended_at: Any
    status_changed_at: Any

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.resource.category, str(self.resource.category))


def recommendations(plan: Plan, *, open_only: bool = False) -> list[RecommendationView]:
    """The plan's recommendations, newest first, with their resource and who made them (one
    query)."""
    by = aliased(Person)
    query = (
        select(ResourceRecommendation, CommunityResource, by)
        .join(CommunityResource, CommunityResource.id == ResourceRecommendation.resource_id)
        .outerjoin(by, by.id == ResourceRecommendation.recommended_by)
        .where(ResourceRecommendation.plan_id == plan.id)
        .order_by(ResourceRecommendation.created_at.desc(), ResourceRecommendation.id.desc())
    )
    if open_only:
        query = query.where(ResourceRecommendation.status == RecommendationStatus.OPEN)
    return [
        RecommendationView(
            id=rec.id,
            resource=resource,
            note=rec.note or "",
            status=str(rec.status),
            recommended_by=person.display_name if person is not None else None,
            recommended_at=rec.created_at,
            status_changed_at=rec.status_changed_at,
        )
        for rec, resource, person in db.session.execute(query).all()
    ]


def recommendations_data(plan: Plan) -> list[dict[str, Any]]:
    """The plan's recommendations as JSON-able data (export and snapshots)."""
    return [
        {
            "id": r.id,
            "resource": {
                "id": r.resource.id,
                "name": r.resource.name,
                "category": str(r.resource.category),
                "category_label": r.category_label,
                "description": r.resource.description or "",
                "phone": r.resource.phone,
                "email": r.resource.email,
                "url": r.resource.url,
                "serves": r.resource.serves or "",
            },
            "note": r.note,
            "status": r.status,
            "status_label": r.status_label,
            "recommended_by": r.recommended_by,
            "recommended_at": iso_or_none(r.recommended_at),
            "status_changed_at": iso_or_none(r.status_changed_at),
        }
        for r in recommendations(plan)
    ]


def recommend(
    actor: Actor, plan: Plan, resource: CommunityResource, note: Any
) -> ResourceRecommendation:
    """Recommend a resource of the district's list into the plan, with a note.

    Recommending again what the student marked done or dismissed opens it again with the new
    note. :raises InvalidInput: for a hidden resource, a bad note, or one already open."""
    if resource.tenant_id != plan.tenant_id:
        raise NotFound("That resource is not on your district's list.")
    if not resource.active:
        raise InvalidInput("That resource is hidden; show it again before recommending it.")
    text = clean_text(note, NOTE_LIMIT, "The note")
    rec = db.session.execute(
        select(ResourceRecommendation).where(
            ResourceRecommendation.plan_id == plan.id,
            ResourceRecommendation.resource_id == resource.id,
        )
    ).scalar_one_or_none()
    if rec is not None and rec.status == RecommendationStatus.OPEN:
        raise InvalidInput("That resource is already recommended to this student.")
    now = utcnow()
    if rec is None:
        rec = ResourceRecommendation(plan_id=plan.id, resource_id=resource.id)
        db.session.add(rec)
    rec.note = text
    rec.recommended_by = actor.person_id
    rec.status = RecommendationStatus.OPEN
    rec.status_changed_at = None
    rec.created_at = now
    db.session.flush()
    record_change(
        actor,
        plan,
        "resource.recommend",
        subject_type="resource_recommendation",
        subject_id=rec.id,
        resource_id=resource.id,
    )
    return rec


def set_status(
    actor: Actor, plan: Plan, recommendation_id: int, status: RecommendationStatus
) -> ResourceRecommendation:
    """The student marks a recommendation of their plan done or dismisses it (or opens it
    again). :raises NotFound: for a recommendation of another plan."""
    rec = db.session.execute(
        select(ResourceRecommendation).where(
            ResourceRecommendation.id == recommendation_id,
            ResourceRecommendation.plan_id == plan.id,
        )
    ).scalar_one_or_none()
    if rec is None:
        raise NotFound("That recommendation is not part of your plan.")
    rec.status = status
    rec.status_changed_at = None if status == RecommendationStatus.OPEN else utcnow()
    record_change(
        actor,
        plan,
        "resource.recommendation_status",
        subject_type="resource_recommendation",
        subject_id=rec.id,
        status=str(status),
    )
    return rec
