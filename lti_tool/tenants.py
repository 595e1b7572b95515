"""Finding the registration to use for a tenant or a course.

A tenant (the district's LMS) may hold several registrations: service tokens for a course
are asked with the client_id whose launch gave the course's NRPS/AGS endpoints; tenant-wide
LMS settings and REST API keys (Canvas or Schoology) live on one of its registrations.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import Any, Protocol, TypeVar

from sqlalchemy import exists, select

from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.lti_vocab import SHARED_ISSUERS
from lti_tool.models import Course, DistrictSettings, Platform, Tenant


class _TenantRecord(Protocol):
    tenant_id: Any


R = TypeVar("R", bound=_TenantRecord)


def in_tenant(model: type[R], record_id: int, tenant_id: int, message: str | None = None) -> R:
    """The ``model`` row ``record_id`` of the tenant: the one way a record named in a URL or a
    form is loaded.

    :raises NotFound: when absent or in another tenant (the two are indistinguishable).
    """
    record = db.session.get(model, record_id)
    if record is None or record.tenant_id != tenant_id:
        raise NotFound(message) if message else NotFound()
    return record


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


def in_service(tenant_id: int) -> bool:
    """Whether the tenant is active and has an active registration (one query: every page
    asks it)."""
    return bool(
        db.session.execute(
            select(
                exists().where(
                    Tenant.id == tenant_id,
                    Tenant.active.is_(True),
                    exists().where(Platform.tenant_id == tenant_id, Platform.active.is_(True)),
                )
            )
        ).scalar()
    )


# -- the school's time zone ---------------------------------------------------------------------

#: Shown when neither the district nor its LMS has named a zone.
FALLBACK_ZONE = "UTC"
#: Offered first on the admin page (any IANA name is accepted).
COMMON_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Europe/London",
    "UTC",
)


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def valid_zone(name: object) -> str | None:
    """``name`` when it is an IANA time zone name (``America/Chicago``), else None.

    Moodle sends ``99`` for "the site's default zone", which names none; so do an empty
    value, an unexpanded ``$Person.address.timezone`` and anything that is not a zone.
    """
    if not isinstance(name, str):
        return None
    name = name.strip()
    return name if name in _known_zones() else None


def effective_zone_name(tenant: Tenant | None) -> str:
    """The district's own setting, else the first zone its LMS sent, else UTC."""
    if tenant is None:
        return FALLBACK_ZONE
    return valid_zone(tenant.timezone) or valid_zone(tenant.platform_timezone) or FALLBACK_ZONE


def tenant_zone(tenant_id: int | None) -> zoneinfo.ZoneInfo:
    """The time zone the tenant's pages show times in."""
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
    return zoneinfo.ZoneInfo(effective_zone_name(tenant))


def note_platform_zone(tenant: Tenant, sent: object) -> bool:
    """Keep the first valid zone a launch of the tenant's LMS sent (the LMS's default for
    its people); later launches change nothing. Returns whether it was kept."""
    zone = valid_zone(sent)
    if zone is None or tenant.platform_timezone:
        return False
    tenant.platform_timezone = zone
    return True


def set_district_zone(tenant: Tenant, name: str) -> str | None:
    """Set (or, with an empty ``name``, clear) the district's own time zone.

    :raises InvalidInput: when ``name`` is not an IANA time zone name.
    """
    name = name.strip()
    if not name:
        tenant.timezone = None
        return None
    zone = valid_zone(name)
    if zone is None:
        raise InvalidInput(
            f"“{name[:60]}” is not a time zone name. Use a name like America/Chicago.",
        )
    tenant.timezone = zone
    return zone


# -- the school year ----------------------------------------------------------------------------

#: The first day (month, day) of a school year unless the district chose another.
DEFAULT_YEAR_START = (7, 1)


def district_settings(tenant_id: int | None) -> DistrictSettings | None:
    """The tenant's calendar and retention choices; None when it kept every default."""
    return db.session.get(DistrictSettings, tenant_id) if tenant_id is not None else None


def school_year_of(day: dt.date, start: tuple[int, int] = DEFAULT_YEAR_START) -> str:
    """The school year ``day`` falls in when years begin on ``start`` (month, day):
    ``"2026-2027"`` for any day from July 1, 2026 to June 30, 2027 by default."""
    first = day.year if (day.month, day.day) >= start else day.year - 1
    return f"{first}-{first + 1}"


def next_school_year(year: str) -> str:
    """The school year after ``year`` (``"2026-2027"`` -> ``"2027-2028"``)."""
    first = int(year[:4]) + 1
    return f"{first}-{first + 1}"
