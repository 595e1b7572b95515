"""The district's calendar and retention choices (``DistrictSettings``): the first day of
the school year, the year the last rollover started, and how long archived graduates stay.

A tenant without a row has the defaults (July 1; 365 days). ``plans.reading.school_year``
reads the first day for every page.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import DistrictSettings
from lti_tool.parse import digits_int
from lti_tool.tenants import DEFAULT_YEAR_START

#: Archived graduates are kept this many days unless the district chose otherwise.
DEFAULT_RETENTION_DAYS = 365
#: The longest retention a district may set (ten years).
MOST_RETENTION_DAYS = 3650
MONTHS = tuple((m, calendar.month_name[m]) for m in range(1, 13))


def settings_of(tenant_id: int) -> DistrictSettings:
    """The tenant's settings row, unsaved with the defaults when it has none."""
    row = db.session.get(DistrictSettings, tenant_id)
    if row is None:
        row = DistrictSettings(
            tenant_id=tenant_id,
            school_year_start_month=DEFAULT_YEAR_START[0],
            school_year_start_day=DEFAULT_YEAR_START[1],
            graduate_retention_days=DEFAULT_RETENTION_DAYS,
        )
    return row


def _saved(tenant_id: int) -> DistrictSettings:
    row = settings_of(tenant_id)
    if row not in db.session:
        db.session.add(row)
    return row


def _whole(value: Any, label: str, low: int, high: int) -> int:
    number = digits_int(str(value if value is not None else ""), low, high)
    if number is None:
        raise InvalidInput(f"{label}: a whole number from {low} to {high}.")
    return number


def set_year_start(actor: Actor, form: Mapping[str, Any]) -> tuple[int, int]:
    """Set the first day of the district's school year (month and day); audited.

    :raises InvalidInput: for a month or day that is not a date (February 30).
    """
    month = _whole(form.get("start_month"), "Month", 1, 12)
    day = _whole(form.get("start_day"), "Day", 1, 31)
    try:
        dt.date(2001, month, day)  # not a leap year: February 29 would skip three years
    except ValueError as err:
        raise InvalidInput(f"{calendar.month_name[month]} has no day {day}.") from err
    row = _saved(actor.tenant_id)
    before = f"{row.school_year_start_month:02d}-{row.school_year_start_day:02d}"
    row.school_year_start_month, row.school_year_start_day = month, day
    audit.record(
        "district.year_start_set",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="tenant",
        subject_id=actor.tenant_id,
        before=before,
        start=f"{month:02d}-{day:02d}",
    )
    db.session.commit()
    return month, day


def set_retention(actor: Actor, form: Mapping[str, Any]) -> int:
    """Set how many days archived graduates are kept before deletion; audited.

    :raises InvalidInput: outside 1 to 3650 days.
    """
    days = _whole(form.get("retention_days"), "Days", 1, MOST_RETENTION_DAYS)
    row = _saved(actor.tenant_id)
    before = row.graduate_retention_days
    row.graduate_retention_days = days
    audit.record(
        "district.retention_set",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="tenant",
        subject_id=actor.tenant_id,
        before=before,
        days=days,
    )
    db.session.commit()
    return days
