"""Work-based learning on the plan's list entries: the employer or organisation, the role, the
kind of work-based learning, hours, start and end dates and what the student learned.

Work entries use all of these; community service and activities the ones that fit them (see
``vocabulary.ITEM_FIELDS``). ``entry_fields`` checks the values whatever sent them (a form or
another caller): text without NUL bytes or other control characters, hours that are numbers
in a sensible range, an end date not before the start date. An empty end date means the
entry is still going on.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Collection, Mapping
from typing import Any

from lti_tool.errors import InvalidInput
from lti_tool.plans.editing import bounded_text, one_of, optional_date
from lti_tool.plans.models import PlanItem, WorkLearningKind

WORK_KIND_LABELS: dict[str, str] = {
    WorkLearningKind.JOB: "Job",
    WorkLearningKind.INTERNSHIP: "Internship",
    WorkLearningKind.APPRENTICESHIP: "Apprenticeship",
    WorkLearningKind.JOB_SHADOW: "Job shadow",
    WorkLearningKind.VOLUNTEER: "Volunteer",
    WorkLearningKind.SCHOOL_ENTERPRISE: "School-based enterprise",
    WorkLearningKind.OTHER: "Other",
}

#: The most hours a week an entry may give (a full-time job with overtime stays below it).
MAX_HOURS_PER_WEEK = 80
#: The most hours in all (four full-time years are about 8,300).
MAX_TOTAL_HOURS = 10000
#: The work-based learning fields ``PlanItem`` holds.
FIELDS = (
    "organization",
    "role",
    "learning_kind",
    "hours_per_week",
    "total_hours",
    "start_date",
    "end_date",
    "learned",
)
_TEXT_LIMITS = {"organization": 255, "role": 255, "learned": 5000}
_WHAT = {
    "title": "The title",
    "detail": "The details",
    "organization": "The employer or organisation",
    "role": "The role",
    "learned": "What you learned",
    "hours_per_week": "Hours per week",
    "total_hours": "Total hours",
}


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a NUL byte or another control character (tab and line breaks
    are fine)."""
    return any((ord(c) < 32 and c not in "\t\n\r") or 127 <= ord(c) < 160 for c in text)


def clean_text(value: Any, limit: int, what: str, *, required: bool = False) -> str:
    """``editing.bounded_text``, refusing NUL bytes and other control characters.

    :raises InvalidInput: with ``what`` in a plain message.
    """
    if isinstance(value, str) and has_control_characters(value):
        raise InvalidInput(
            f"{what} contains a NUL byte or another control character; remove it and try again."
        )
    return bounded_text(value, limit, what, required=required)


def hours(value: Any, maximum: int, what: str) -> float | None:
    """A number of hours from 0 to ``maximum``, or None when empty.

    :raises InvalidInput: for anything else (text, NaN, infinity, a negative number).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    message = f"{what} must be a number from 0 to {maximum:,}."
    if isinstance(value, bool):
        raise InvalidInput(message)
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, decimal.InvalidOperation) as err:
        raise InvalidInput(message) from err
    if not math.isfinite(number) or not 0 <= number <= maximum:
        raise InvalidInput(message)
    return number


def entry_fields(allowed: Collection[str], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The work-based learning values of an entry: those in ``allowed`` checked, the others
    None. :raises InvalidInput: with a plain message."""
    values: dict[str, Any] = dict.fromkeys(FIELDS)
    for name, limit in _TEXT_LIMITS.items():
        if name in allowed:
            values[name] = clean_text(fields.get(name), limit, _WHAT[name]) or None
    if "learning_kind" in allowed and fields.get("learning_kind"):
        values["learning_kind"] = WorkLearningKind(
            one_of(fields.get("learning_kind"), WORK_KIND_LABELS, "Kind of work-based learning")
        )
    if "hours_per_week" in allowed:
        values["hours_per_week"] = hours(
            fields.get("hours_per_week"), MAX_HOURS_PER_WEEK, _WHAT["hours_per_week"]
        )
    if "total_hours" in allowed:
        values["total_hours"] = hours(
            fields.get("total_hours"), MAX_TOTAL_HOURS, _WHAT["total_hours"]
        )
    if "start_date" in allowed:
        values["start_date"] = optional_date(fields.get("start_date"), "Start date")
    if "end_date" in allowed:
        values["end_date"] = optional_date(fields.get("end_date"), "End date")
    check_dates(values["start_date"], values["end_date"])
    return values


def check_dates(start: dt.date | None, end: dt.date | None) -> None:
    """:raises InvalidInput: when the end date comes before the start date."""
    if start is not None and end is not None and end < start:
        raise InvalidInput("The end date cannot be before the start date.")


def what(name: str) -> str:
    """How messages name a field of an entry."""
    return _WHAT.get(name, name.replace("_", " ").capitalize())


def entry_dict(item: PlanItem) -> dict[str, Any]:
    """The work-based learning fields of an entry as JSON-able data (export, snapshots)."""
    return {
        "organization": item.organization,
        "role": item.role,
        "learning_kind": str(item.learning_kind) if item.learning_kind else None,
        "learning_kind_label": WORK_KIND_LABELS.get(item.learning_kind)
        if item.learning_kind
        else None,
        "hours_per_week": item.hours_per_week,
        "total_hours": item.total_hours,
        "start_date": item.start_date.isoformat() if item.start_date else None,
        "end_date": item.end_date.isoformat() if item.end_date else None,
        "ongoing": item.start_date is not None and item.end_date is None,
        "learned": item.learned,
    }
