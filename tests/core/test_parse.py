"""LMS values read one way: text, numbers and dates (``lti_tool.parse``)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lti_tool.parse import epoch_datetime, finite_float, int_or_none, str_or_none, utc_datetime

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("\n", None),
        ("Well done", "Well done"),
        ("  Well done \n", "Well done"),
        (42, "42"),
        (0, "0"),
        (False, "False"),
    ],
)
def test_str_or_none(value: Any, expected: str | None) -> None:
    assert str_or_none(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (" ", None),
        ("abc", None),
        ([1], None),
        ({}, None),
        (True, None),
        (False, None),
        ("nan", None),
        ("NaN", None),
        ("inf", None),
        ("-Infinity", None),
        (float("nan"), None),
        (float("inf"), None),
        ("1e400", None),
        (0, 0.0),
        ("0", 0.0),
        (7, 7.0),
        ("12.5", 12.5),
        (" 8 ", 8.0),
        (-1.25, -1.25),
    ],
)
def test_finite_float(value: Any, expected: float | None) -> None:
    assert finite_float(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("x", None),
        (True, None),
        ("1.5", None),
        (3, 3),
        ("3", 3),
        (" 12 ", 12),
        ("-4", -4),
    ],
)
def test_int_or_none(value: Any, expected: int | None) -> None:
    assert int_or_none(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # AGS endDateTime and Canvas dates: Z, an offset, or none at all (taken as UTC).
        ("2025-03-01T23:59:00Z", dt.datetime(2025, 3, 1, 23, 59, tzinfo=UTC)),
        ("2025-03-01T23:59:00.123Z", dt.datetime(2025, 3, 1, 23, 59, 0, 123000, tzinfo=UTC)),
        ("2025-03-02T01:59:00+02:00", dt.datetime(2025, 3, 1, 23, 59, tzinfo=UTC)),
        ("2025-03-01T18:59:00-05:00", dt.datetime(2025, 3, 1, 23, 59, tzinfo=UTC)),
        ("2025-03-01T23:59:00", dt.datetime(2025, 3, 1, 23, 59, tzinfo=UTC)),
        (" 2025-03-01 23:59:00 ", dt.datetime(2025, 3, 1, 23, 59, tzinfo=UTC)),
        (dt.datetime(2025, 3, 1, 23, 59), dt.datetime(2025, 3, 1, 23, 59, tzinfo=UTC)),
        (
            dt.datetime(2025, 3, 2, 0, 59, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            dt.datetime(2025, 3, 1, 23, 59, tzinfo=UTC),
        ),
        (None, None),
        ("", None),
        ("tomorrow", None),
        ("2025-13-01T00:00:00Z", None),
        ("0000-00-00 00:00:00", None),
        (1741651200, None),
        ([], None),
    ],
)
def test_utc_datetime(value: Any, expected: dt.datetime | None) -> None:
    parsed = utc_datetime(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == dt.timedelta(0)


def test_local_wall_clock_time_in_a_named_zone() -> None:
    chicago = ZoneInfo("America/Chicago")
    # Schoology's "due": school-local, no offset. 22:59 CDT is 03:59 UTC the next day.
    assert utc_datetime("2025-03-09 22:59:00", naive_zone=chicago) == dt.datetime(
        2025, 3, 10, 3, 59, tzinfo=UTC
    )
    assert utc_datetime("2025-01-09 22:59:00", naive_zone=chicago) == dt.datetime(
        2025, 1, 10, 4, 59, tzinfo=UTC
    )
    # An explicit offset wins over the zone.
    assert utc_datetime("2025-01-09T22:59:00Z", naive_zone=chicago) == dt.datetime(
        2025, 1, 9, 22, 59, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1741651200, dt.datetime(2025, 3, 11, tzinfo=UTC)),
        ("1741651200", dt.datetime(2025, 3, 11, tzinfo=UTC)),
        (0, None),
        (None, None),
        ("", None),
        ("soon", None),
        (10**20, None),
        (True, None),
    ],
)
def test_epoch_datetime(value: Any, expected: dt.datetime | None) -> None:
    assert epoch_datetime(value) == expected
