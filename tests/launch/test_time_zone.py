"""Times show in the school's time zone: the district's own setting, else the first valid zone
its LMS sent in a launch (Canvas and Moodle expand ``$Person.address.timezone``; Moodle's
``99`` means "the site's default" and names none), else UTC."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Platform, Tenant
from lti_tool.pages import local_time
from lti_tool.tenants import valid_zone
from tests.lti_driver import LtiDriver, token_of


def tenant_of(app: Flask, platform_id: int) -> Tenant:
    with app.app_context():
        tenant = db.session.get(Platform, platform_id).tenant  # type: ignore[union-attr]
        db.session.expunge(tenant)
        return tenant


def admin(lti: LtiDriver) -> Any:
    return next(p for p in lti.people("admin") if "AccountAdmin" in p.account_roles)


def student(lti: LtiDriver) -> Any:
    return lti.person("student")


def teacher(lti: LtiDriver) -> Any:
    return lti.person("teacher")


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("America/Chicago", True),
        (" Europe/London ", True),
        ("UTC", True),
        ("99", False),  # Moodle: the site's default
        ("$Person.address.timezone", False),  # not expanded
        ("Mars/Olympus_Mons", False),
        ("../../etc/passwd", False),
        ("", False),
        (None, False),
    ],
)
def test_valid_zone(name: Any, valid: bool) -> None:
    assert (valid_zone(name) is not None) is valid


def test_canvas_launch_sends_the_zone_and_the_first_is_kept(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    """Canvas sends the user's zone, or the account's default when they chose none."""
    assert tenant_of(app, platform_id).platform_timezone is None
    # A student's own zone (a student may be anywhere) is never the district's default.
    token_of(lti.launch(student(lti), flavour="canvas", custom={"timezone": "Asia/Tokyo"}))
    assert tenant_of(app, platform_id).platform_timezone is None
    token_of(lti.launch(teacher(lti), flavour="canvas"))
    assert tenant_of(app, platform_id).platform_timezone == lti.state.district.timezone
    # A later launch from someone in another zone changes nothing: the first one is the
    # district's default.
    token_of(lti.launch(lti.person("teacher", 1), custom={"timezone": "America/Denver"}))
    assert tenant_of(app, platform_id).platform_timezone == "America/Chicago"


def test_moodle_99_is_no_zone_and_a_later_real_zone_is_kept(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    """Moodle sends the user's ``timezone`` field as is: ``99`` for the site's default."""
    token = token_of(lti.launch(teacher(lti), flavour="moodle"))
    assert tenant_of(app, platform_id).platform_timezone is None
    page = lti.client.get("/plans/me", query_string={"lt": token})
    assert page.status_code == 200
    token_of(lti.launch(teacher(lti), flavour="moodle", custom={"timezone": "Europe/London"}))
    assert tenant_of(app, platform_id).platform_timezone == "Europe/London"


def test_an_invalid_zone_is_ignored(lti: LtiDriver, app: Flask, platform_id: int) -> None:
    launched = lti.launch(teacher(lti), custom={"timezone": "Mars/Olympus_Mons"})
    assert launched.status_code == 302  # the launch itself goes on
    assert tenant_of(app, platform_id).platform_timezone is None


def test_the_sandbox_sends_the_districts_zone(lti: LtiDriver, app: Flask, platform_id: int) -> None:
    token_of(lti.launch(teacher(lti)))
    assert tenant_of(app, platform_id).platform_timezone == "America/Chicago"


def test_district_setting_overrides_the_lms_zone(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    token = token_of(lti.launch(admin(lti)))  # the sandbox sends America/Chicago
    page = lti.client.get("/admin", query_string={"lt": token}).get_data(as_text=True)
    assert "America/Chicago</strong> (the zone your LMS sent)" in page
    # The signing keys' creation times show in Chicago's time, with its abbreviation.
    assert re.search(r"\d{1,2}:\d\d [AP]M C[SD]T", page), page

    saved = lti.client.post("/admin/timezone", data={"lt": token, "timezone": "America/New_York"})
    assert saved.status_code == 302
    assert tenant_of(app, platform_id).timezone == "America/New_York"
    page = lti.client.get("/admin", query_string={"lt": token}).get_data(as_text=True)
    assert "America/New_York</strong> (your setting)" in page
    assert re.search(r"\d{1,2}:\d\d [AP]M E[SD]T", page) and not re.search(r"C[SD]T", page)
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "tenant.timezone_set")
        ).scalar_one()
        assert event.detail["zone"] == "America/New_York"

    # Empty: back to the zone the LMS sent.
    lti.client.post("/admin/timezone", data={"lt": token, "timezone": ""})
    assert tenant_of(app, platform_id).timezone is None


def test_an_invalid_district_zone_is_refused_and_kept_in_the_form(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    token = token_of(lti.launch(admin(lti)))
    answer = lti.client.post("/admin/timezone", data={"lt": token, "timezone": "Chicago time"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "is not a time zone name" in page
    assert 'value="Chicago time"' in page and 'aria-invalid="true"' in page
    assert tenant_of(app, platform_id).timezone is None


def test_local_time_filter(app: Flask, platform_id: int) -> None:
    winter = dt.datetime(2026, 12, 7, 16, 5, tzinfo=dt.UTC)
    summer = dt.datetime(2027, 7, 1, 3, 30, tzinfo=dt.UTC)
    with app.test_request_context():
        g.local_zone = __import__("zoneinfo").ZoneInfo("America/Chicago")
        assert local_time(winter) == "Dec 7, 2026, 10:05 AM CST"
        assert local_time(summer) == "Jun 30, 2027, 10:30 PM CDT"  # the day before in Chicago
        assert local_time(summer, "date") == "Jun 30, 2027"
        assert local_time(winter.replace(tzinfo=None)) == "Dec 7, 2026, 10:05 AM CST"
        assert local_time(None) == ""
    with app.test_request_context():
        assert local_time(winter).endswith("4:05 PM UTC")  # no tenant: UTC


def test_templates_format_no_datetime_themselves() -> None:
    """Every template shows datetimes through ``local_time`` (or ``nice_date``), never by
    ``strftime`` in UTC."""
    from lti_tool import TEMPLATE_DIR

    offenders = [
        str(p.relative_to(TEMPLATE_DIR))
        for p in TEMPLATE_DIR.rglob("*.html")
        if "strftime" in p.read_text() or " UTC" in p.read_text()
    ]
    assert not offenders, offenders
