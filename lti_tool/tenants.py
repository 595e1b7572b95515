"""Finding the registration to use for a tenant or a course.

A tenant (the district's LMS) may hold several registrations: service tokens for a course
are asked with the client_id whose launch gave the course's NRPS/AGS endpoints; tenant-wide
LMS settings and REST API keys (Canvas or Schoology) live on one of its registrations.
"""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti_vocab import SHARED_ISSUERS
from lti_tool.models import Course, Platform, Tenant


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    """Find the active registration for an issuer (and client_id when given).

    An issuer with one registration may omit client_id at login initiation (the spec makes it
    optional); with several registrations client_id is required to choose.
    """
    query = select(Platform).where(Platform.issuer == issuer, Platform.active.is_(True))
    if client_id:
        return db.session.execute(query.where(Platform.client_id == client_id)).scalar_one_or_none()
    rows = list(db.session.execute(query.limit(2)).scalars())
    return rows[0] if len(rows) == 1 else None


def is_shared_issuer(issuer: str) -> bool:
    """Whether an issuer is one cloud LMS's issuer for all its customers."""
    return issuer.rstrip("/").lower() in SHARED_ISSUERS


def tenant_platforms(tenant_id: int) -> list[Platform]:
    """The tenant's active registrations, oldest first."""
    return list(
        db.session.execute(
            select(Platform)
            .where(Platform.tenant_id == tenant_id, Platform.active.is_(True))
            .order_by(Platform.id)
        ).scalars()
    )


def tenant_platform(tenant_id: int) -> Platform | None:
    """The tenant's oldest active registration."""
    platforms = tenant_platforms(tenant_id)
    return platforms[0] if platforms else None


def course_platform(course: Course) -> Platform | None:
    """The registration to call the course's LTI services with."""
    if course.platform_id is not None:
        platform = db.session.get(Platform, course.platform_id)
        if platform is not None and platform.active and platform.tenant_id == course.tenant_id:
            return platform
    return tenant_platform(course.tenant_id)


def active_tenant(tenant_id: int) -> Tenant | None:
    """The tenant if it exists and is active."""
    tenant = db.session.get(Tenant, tenant_id)
    return tenant if tenant is not None and tenant.active else None
