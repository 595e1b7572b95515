"""An admin finds who saw a student's plan in the audit-log viewer, in real Chromium inside
the LMS iframe: a name search, then the student's plan views. Pages pass axe on a desktop and
on a 375 px wide phone. Screenshots go to ``ILP_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import AuditEvent
from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as
from tests.plans.test_journey_browser import WIDER_THAN_THE_FRAME

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 1400}
PHONE = {"width": 375, "height": 1400}


def _check(page: Any, frame: Any, name: str, failures: dict[str, Any]) -> None:
    folder = os.environ.get("ILP_SCREENSHOTS")
    for label, size in (("1280", DESKTOP), ("375", PHONE)):
        page.set_viewport_size(size)
        frame.locator("main h1").first.wait_for(timeout=15000)
        for v in axe_violations(frame):
            failures[f"{name} ({label}): {v['id']}"] = v
        if folder:
            target = Path(folder) / f"district-{name}-{label}.png"
            page.locator("iframe#lodestar-frame").screenshot(path=str(target))
        wide = frame.evaluate(WIDER_THAN_THE_FRAME, "main")
        if wide:
            failures[f"{name} ({label}): wider than the frame"] = wide
    page.set_viewport_size(DESKTOP)


def test_admin_finds_who_saw_a_students_plan(demo_stack: DemoStack) -> None:
    district = get_state(demo_stack.sandbox_app).district
    student = district.users_of_kind("student")[0]
    admin = district.users_of_kind("admin")[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        frame = open_as(page, demo_stack, student.name)
        frame.locator("main h1").first.wait_for(timeout=15000)
        with demo_stack.tool_app.app_context():
            views = db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "plan.view")
            ).all()
            assert views, "the student's landing page records a plan view"

        page = browser.new_page(viewport=DESKTOP)
        frame = open_as(page, demo_stack, admin.name)
        frame.get_by_role("link", name="Administration").first.click()
        frame.get_by_role("heading", level=1, name="Lodestar administration").wait_for(
            timeout=15000
        )
        frame.get_by_role("link", name="Audit log").first.click()
        frame.get_by_role("heading", level=1, name="Audit log").wait_for(timeout=15000)

        frame.get_by_label("Name or email").fill(student.name.split()[0])
        frame.get_by_role("button", name="Find").click()
        frame.locator(".audit-matches").wait_for(timeout=15000)
        _check(page, frame, "audit-find", failures)
        frame.get_by_role("link", name="Who saw this student's plan").first.click()
        frame.get_by_role("heading", name=f"Events about {student.name}").wait_for(timeout=15000)
        table = frame.locator("table.audit-log")
        table.wait_for(timeout=15000)
        assert "plan.view" in table.inner_text()
        assert student.name in table.inner_text()
        _check(page, frame, "audit-student", failures)

        frame.get_by_role("link", name="Back to administration").click()
        frame.get_by_role("link", name="District settings").first.click()
        frame.get_by_role("heading", level=1, name="District settings").wait_for(timeout=15000)
        _check(page, frame, "settings", failures)
        frame.get_by_role("link", name="Year-end rollover").first.click()
        frame.get_by_role("heading", level=1, name="Year-end rollover").wait_for(timeout=15000)
        _check(page, frame, "rollover", failures)
    assert not failures, failures
