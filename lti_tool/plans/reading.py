"""Finding and reading plans, and the names and terms the pages show with them.

Access is decided by ``lti_tool.policy`` before these run. Reading never creates a plan for
someone else: a student's own visit creates theirs on first use, anyone else reading a student
who has none sees an unsaved empty plan. Opening a plan writes the ``plan.view`` audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import g, has_request_context
from sqlalchemy import func, select

from lti_tool import audit, tenants
from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.models import DistrictSettings, Person
from lti_tool.plans import reference
from lti_tool.plans.models import Plan
from lti_tool.tenants import in_tenant, tenant_platform


def get_or_create_plan(person: Person) -> Plan:
    """The person's plan in their tenant, created empty on first use."""
    plan = find_plan(person)
    if plan is None:
        # A new plan offers the first-run guide (``journey.guide``) until done or dismissed.
        plan = Plan(tenant_id=person.tenant_id, person_id=person.id, about="", show_guide=True)
        db.session.add(plan)
        db.session.flush()
    return plan


def find_plan(person: Person) -> Plan | None:
    """The person's plan, or None when they have none (never creates one)."""
    return db.session.execute(
        select(Plan).where(Plan.tenant_id == person.tenant_id, Plan.person_id == person.id)
    ).scalar_one_or_none()


def get_person(actor: Actor, person_id: int) -> Person:
    """A person of the actor's tenant.

    :raises NotFound: when absent or in another tenant (the two are indistinguishable).
    """
    return in_tenant(Person, person_id, actor.tenant_id)


def empty_plan(person: Person) -> Plan:
    """An unsaved, empty plan standing in for a student who has none yet.

    It is never added to the session (its ``id`` is None), so reading it writes nothing:
    every lookup by ``plan.id`` simply finds no rows.
    """
    return Plan(
        tenant_id=person.tenant_id,
        person_id=person.id,
        about="",
        interests="",
        strengths="",
        skills="",
        abilities="",
        hobbies="",
        career_exploration="",
        college_planning="",
        financial_planning="",
        accommodations="",
        framework_version=reference.DEFAULT_FRAMEWORK,
        cluster_codes=[],
        pathway_codes=[],
        inventory_answers={},
        show_guide=False,
    )


def plan_for_reading(actor: Actor, person: Person) -> Plan:
    """The plan to show ``actor``: the student's own visit creates their plan on first use;
    anyone else reading a student who has none gets ``empty_plan`` (nothing is written)."""
    if person.id == actor.person_id:
        return get_or_create_plan(person)
    return find_plan(person) or empty_plan(person)


def open_plan(actor: Actor, person: Person, *, page: str = "overview") -> Plan:
    """Load a plan for viewing (see ``plan_for_reading``) and write the audit event
    (``plan.view``; its subject is None when the student has no plan yet)."""
    plan = plan_for_reading(actor, person)
    audit.record(
        "plan.view",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="plan",
        subject_id=plan.id,
        student_id=person.id,
        page=page,
    )
    db.session.commit()
    return plan


def record_view(actor: Actor, person: Person, *, page: str) -> None:
    """Audit a page about a student's plan that must not create one (``plan.view``)."""
    plan = find_plan(person)
    audit.record(
        "plan.view",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="plan",
        subject_id=plan.id if plan else None,
        student_id=person.id,
        page=page,
    )
    db.session.commit()


def student_name(person: Person) -> str:
    """A student's name for lists: a neutral label until the LMS has told us their name."""
    return person.display_name if (person.name or person.email) else "Student (not yet signed in)"


def person_order() -> tuple[Any, ...]:
    """``ORDER BY`` terms sorting people by family name (their name when the LMS sent no
    family name), then name, then id, ignoring case: missing family names and capitals
    sort the same way on SQLite and PostgreSQL (``NULL`` would come first on one and last
    on the other)."""
    return (
        func.lower(func.coalesce(Person.family_name, Person.name)),
        func.lower(Person.name),
        Person.id,
    )


def school_year(day: dt.date | None = None, *, tenant_id: int | None = None) -> str:
    """The school year a day falls in, e.g. ``"2026-2027"``, for the tenant's calendar (the
    request's tenant when none is named; years turn over on July 1 unless the district set
    another first day).

    Without ``day``: today in the school's time zone, or the year the district's last year-end
    rollover started when that is later (a rollover in June starts the new year early).
    """
    if tenant_id is None and has_request_context():
        actor = g.get("actor")
        tenant_id = actor.tenant_id if actor is not None else None
    settings = _settings(tenant_id)
    start = (
        (settings.school_year_start_month, settings.school_year_start_day)
        if settings is not None
        else tenants.DEFAULT_YEAR_START
    )
    if day is not None:
        return tenants.school_year_of(day, start)
    today = utcnow().astimezone(tenants.tenant_zone(tenant_id)).date()
    year = tenants.school_year_of(today, start)
    started = settings.current_school_year if settings is not None else None
    return started if started and started > year else year


def _settings(tenant_id: int | None) -> DistrictSettings | None:
    """The tenant's district settings, read once a request (pages ask the year many times)."""
    if tenant_id is None:
        return None
    if not has_request_context():
        return tenants.district_settings(tenant_id)
    cache: dict[int, DistrictSettings | None] = g.setdefault("district_settings", {})
    if tenant_id not in cache:
        cache[tenant_id] = tenants.district_settings(tenant_id)
    return cache[tenant_id]


def uses_canvas(tenant_id: int) -> bool:
    """Whether the tenant's LMS is Canvas (students may pull grades across courses)."""
    platform = tenant_platform(tenant_id)
    return platform is not None and platform.lms == "canvas"


def plan_framework(plan: Plan) -> reference.Framework:
    """The career cluster framework the plan's codes refer to (default when unknown)."""
    try:
        return reference.framework(plan.framework_version or reference.DEFAULT_FRAMEWORK)
    except reference.UnknownCodeError:
        return reference.framework(reference.DEFAULT_FRAMEWORK)


def cluster_name(code: str) -> str:
    """A cluster's name; the code itself if the reference data does not know it."""
    try:
        return reference.cluster(code).name
    except reference.UnknownCodeError:
        return code


def pathway_name(code: str) -> str:
    """A pathway's (sub-cluster's) name; the code itself if unknown."""
    try:
        return reference.pathway(code).name
    except reference.UnknownCodeError:
        return code


def is_empty(document: Mapping[str, Any]) -> bool:
    """Whether a plan document has nothing in it yet."""
    profile = document.get("profile") or {}
    return not (
        any(v for v in profile.values())
        or document.get("goals")
        or document.get("clusters")
        or document.get("pathways")
        or document.get("course_plan")
        or any(document.get("items", {}).values())
        or document.get("inventory")
        or document.get("career_exploration")
        or document.get("college_planning")
        or document.get("financial_planning")
        or document.get("accommodations")
        or document.get("postsecondary")
        or any(i.get("done") for i in document.get("financial_checklist") or [])
        or document.get("saved_occupations")
    )
