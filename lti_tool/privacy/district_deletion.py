"""Deleting a whole district (a tenant) and everything of it: ``ilp tenants delete``.

The tenant row goes; every table that belongs to it follows by the schema's cascades
(``tenant_id`` foreign keys with ``ON DELETE CASCADE``, and the rows hanging off those: a
course's enrollments and assignments, a plan's goals, an assignment's grades). Launch bodies
of its people kept in the shared store go too. One audit event without a tenant records
that it happened (the tenant's id and name, and row counts; nobody's data).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from lti_tool import audit
from lti_tool.errors import NotFound
from lti_tool.extensions import db
from lti_tool.launch.lti import purge_launch_data
from lti_tool.models import Course, Person, Platform, Tenant
from lti_tool.plans.models import Plan
from lti_tool.portfolio.models import StoredFile

#: What the command reports it deleted (the rest goes with these).
COUNTED: dict[str, InstrumentedAttribute[int]] = {
    "people": Person.tenant_id,
    "courses": Course.tenant_id,
    "plans": Plan.tenant_id,
    "files": StoredFile.tenant_id,
}


def tenant_summary(tenant_id: int) -> tuple[Tenant, dict[str, int]]:
    """The tenant and how many people, courses, plans and files it holds.

    :raises NotFound: for an unknown tenant.
    """
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"There is no tenant {tenant_id}.")
    counts = {
        name: int(
            db.session.execute(select(func.count(column)).where(column == tenant_id)).scalar_one()
        )
        for name, column in COUNTED.items()
    }
    return tenant, counts


def delete_tenant(tenant_id: int) -> dict[str, int]:
    """Delete the tenant and all of its data; return the counts of what went.

    :raises NotFound: for an unknown tenant.
    """
    tenant, counts = tenant_summary(tenant_id)
    name = tenant.name
    issuers = list(
        db.session.execute(select(Platform.issuer).where(Platform.tenant_id == tenant_id))
        .scalars()
        .all()
    )
    subs = db.session.execute(select(Person.sub).where(Person.tenant_id == tenant_id)).scalars()
    counts["launch_bodies"] = sum(purge_launch_data(issuers, sub) for sub in subs)
    db.session.delete(tenant)
    db.session.flush()
    audit.record(
        "tenant.delete",
        tenant_id=None,
        actor_id=None,
        subject_type="tenant",
        subject_id=tenant_id,
        name=name,
        **counts,
    )
    db.session.commit()
    return counts
