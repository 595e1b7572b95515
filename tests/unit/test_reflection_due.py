"""A reflection activity's due date: typed in the school's time zone, kept in UTC, and only
in years an LMS can take."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from lti_tool.errors import InvalidInput
from lti_tool.portfolio import reflection_setup

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def test_due_date_is_typed_in_the_school_zone_and_kept_in_utc() -> None:
    assert reflection_setup.parse_due("2027-03-01T15:00", CHICAGO) == dt.datetime(
        2027, 3, 1, 21, 0, tzinfo=dt.UTC
    )
    # A day alone is the end of that day at the school.
    assert reflection_setup.parse_due("2027-01-10", CHICAGO) == dt.datetime(
        2027, 1, 11, 5, 59, tzinfo=dt.UTC
    )
    assert reflection_setup.parse_due("", CHICAGO) is None


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01T00:00", "1999-12-31"])
def test_a_due_date_far_out_is_refused_not_a_crash(typed: str) -> None:
    """9999-12-31 in a zone west of UTC overflowed (a 500) and would have reached the LMS."""
    with pytest.raises(InvalidInput, match="between 2000 and 2100"):
        reflection_setup.parse_due(typed, CHICAGO)
