"""What the privacy page says that depends on the install: retention settings, the
database, the district's registrations (its LMS, the only sub-processor by default)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from lti_tool.db import PURGE_AFTER_DAYS
from lti_tool.extensions import db
from lti_tool.models import DistrictSettings, Platform, Tenant

#: The retention period of archived graduates when the district set none (days).
DEFAULT_ARCHIVE_DAYS = 365


@dataclass(frozen=True)
class Retention:
    """The install's retention figures the page quotes."""

    undo_days: int
    session_idle_minutes: int
    launch_hours: float
    archive_days: int


@dataclass(frozen=True)
class Operations:
    """Facts for the admin's operations part of the page."""

    tenant_id: int
    tenant_name: str
    database: str
    redis: bool
    platforms: list[Platform]


def retention(tenant_id: int) -> Retention:
    """Retention figures from the install's settings and the district's own choice for its
    archived graduates (district settings page)."""
    config = current_app.config
    chosen = db.session.get(DistrictSettings, tenant_id)
    return Retention(
        undo_days=PURGE_AFTER_DAYS,
        session_idle_minutes=int(config["ILP_SESSION_IDLE_MINUTES"]),
        launch_hours=round(int(config["ILP_LAUNCH_TOKEN_TTL"]) / 3600, 1),
        archive_days=chosen.graduate_retention_days if chosen else DEFAULT_ARCHIVE_DAYS,
    )


def operations(tenant_id: int) -> Operations:
    """The database kind, shared-state backend and the district's LMS registrations."""
    tenant = db.session.get(Tenant, tenant_id)
    platforms = list(
        db.session.execute(
            select(Platform).where(Platform.tenant_id == tenant_id).order_by(Platform.id)
        ).scalars()
    )
    return Operations(
        tenant_id=tenant_id,
        tenant_name=tenant.name if tenant is not None else "",
        database=db.engine.url.get_backend_name(),
        redis=bool(current_app.config.get("ILP_REDIS_URL")),
        platforms=platforms,
    )
