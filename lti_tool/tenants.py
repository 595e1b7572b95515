"""Finding the registration to use for a tenant or a course.

A tenant (the district's LMS) may hold several registrations: service tokens for a course
are asked with the client_id whose launch gave the course's NRPS/AGS endpoints; tenant-wide
LMS settings and REST API keys (Canvas or Schoology) live on one of its registrations.
"""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Course, Platform, Tenant


def tenant_platforms(tenant_id: int) -> list[Platform]:
    """The tenant's active registrations, oldest first."""
    return list(db.session.execute(
        select(Platform).where(Platform.tenant_id == tenant_id, Platform.active.is_(True))
        .order_by(Platform.id)).scalars())


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
