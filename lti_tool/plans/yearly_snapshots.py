"""Yearly snapshots of a plan: the plan document as it stood in a school year."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.plans.editing import iso_or_none
from lti_tool.plans.models import Plan, PlanSnapshot
from lti_tool.plans.plan_data import plan_document
from lti_tool.plans.reading import school_year


def snapshots(plan: Plan, *, with_data: bool = False) -> list[PlanSnapshot]:
    """The plan's yearly snapshots, newest school year first (one query).

    Listings need only the metadata: the stored plan document (``data``) is left unloaded
    unless ``with_data`` asks for it (reading it later costs one query per snapshot).
    """
    query = select(PlanSnapshot).where(PlanSnapshot.plan_id == plan.id)
    if not with_data:
        query = query.options(defer(PlanSnapshot.data))
    return list(db.session.execute(query.order_by(PlanSnapshot.school_year.desc())).scalars())


def get_snapshot(plan: Plan, year: str) -> PlanSnapshot:
    """The snapshot of one school year. :raises NotFound: otherwise."""
    snap = db.session.execute(
        select(PlanSnapshot).where(
            PlanSnapshot.plan_id == plan.id, PlanSnapshot.school_year == year
        )
    ).scalar_one_or_none()
    if snap is None:
        raise NotFound("There is no snapshot of that school year.")
    return snap


def take_snapshot(plan: Plan, school_year: str) -> PlanSnapshot:
    """Store the plan as it stands now as the snapshot of ``school_year`` (insert or replace
    its data; approval and sign-off fields are kept). Flushes; the caller commits."""
    if (
        not re.fullmatch(r"[0-9]{4}-[0-9]{4}", school_year)
        or int(school_year[5:]) != int(school_year[:4]) + 1
    ):
        raise InvalidInput("A school year looks like 2026-2027.")
    data = plan_document(plan)
    snap = db.session.execute(
        select(PlanSnapshot).where(
            PlanSnapshot.plan_id == plan.id, PlanSnapshot.school_year == school_year
        )
    ).scalar_one_or_none()
    if snap is None:
        snap = PlanSnapshot(plan_id=plan.id, school_year=school_year, data=data)
        db.session.add(snap)
    else:
        snap.data = data
    db.session.flush()
    return snap


def save_snapshot(actor: Actor, plan: Plan, year: str | None = None) -> PlanSnapshot:
    """Save this (or ``year``'s) school year's snapshot, audited (``snapshot.save``).

    A snapshot a counselor approved or a guardian signed is a record of what they approved or
    signed: the student cannot overwrite it (the live plan keeps changing; next year's
    snapshot will show the changes).

    :raises InvalidInput: when that year's snapshot was approved or signed already.
    """
    year = year or school_year()
    existing = db.session.execute(
        select(PlanSnapshot).where(
            PlanSnapshot.plan_id == plan.id, PlanSnapshot.school_year == year
        )
    ).scalar_one_or_none()
    if existing is not None and (existing.approved_at or existing.signed_at):
        raise InvalidInput(
            f"The {year} snapshot was already "
            f"{'approved' if existing.approved_at else 'signed'}, so it stays "
            "as it was then. Your changes are saved in your plan."
        )
    snap = take_snapshot(plan, year)
    audit.record(
        "snapshot.save",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="plan_snapshot",
        subject_id=snap.id,
        plan_id=plan.id,
        student_id=plan.person_id,
        school_year=year,
    )
    db.session.commit()
    return snap


def snapshot_summary(snap: PlanSnapshot) -> dict[str, Any]:
    """A snapshot's metadata (no data), JSON-able."""
    return {
        "school_year": snap.school_year,
        "saved_at": iso_or_none(snap.updated_at),
        "approved_by": snap.approved_by,
        "approved_at": iso_or_none(snap.approved_at),
        "signed_by": snap.signed_by,
        "signed_at": iso_or_none(snap.signed_at),
        "signature_name": snap.signature_name,
        "signed_with_account": snap.signed_with_account,
        "reviewed_with_child": snap.reviewed_with_child,
    }
