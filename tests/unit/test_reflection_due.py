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


def _form(points: str, levels: list[tuple[str, str]]) -> dict[str, str]:
    form = {
        "title": "Plan reflection",
        "instructions": "",
        "points": points,
        "due": "",
        "scoring": "rubric",
    }
    for row, (name, level_points) in enumerate(levels):
        form[f"level-name-{row}"] = name
        form[f"level-points-{row}"] = level_points
    return form


def test_the_default_rubric_follows_the_points_and_own_levels_must_reach_them() -> None:
    """A teacher who sets 20 points and keeps the offered levels (made for 10) gets levels
    for 20, not a best level worth half marks; levels of their own must reach full points."""
    offered = [
        (level["name"], f"{level['points']:g}") for level in reflection_setup.default_rubric(10)
    ]
    data, errors = reflection_setup.parse_setup(_form("20", offered))
    assert errors == [] and data is not None
    assert data.rubric == reflection_setup.default_rubric(20)
    assert data.rubric[0]["points"] == 20

    own = [("Wow", "8"), ("Fine", "4")]
    data, errors = reflection_setup.parse_setup(_form("20", own))
    assert data is None
    assert errors == [
        "The best rubric level gives 8 points, but the activity is worth 20: give the best "
        "level 20 points (or change the activity's points)."
    ]
    data, errors = reflection_setup.parse_setup(_form("8", own))
    assert errors == [] and data is not None and data.rubric[0] == {"name": "Wow", "points": 8.0}
